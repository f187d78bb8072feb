// SPDX-License-Identifier: MIT
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.IntegrationTests.Support;

/// <summary>Reading what the server wrote to its --keyboard / --mouse paths: fixed-size reports back to back.</summary>
public static partial class HidReports
{
    public const int KeyboardReportSize = 8;
    public const int MouseReportSize = 7;

    public static List<byte[]> Split(byte[] data, int reportSize, string what)
    {
        Assert.True(data.Length % reportSize == 0,
            $"{what}: {data.Length} bytes is not a whole number of {reportSize}-byte reports: {Hex(data)}");
        var reports = new List<byte[]>();
        for (int i = 0; i < data.Length; i += reportSize)
            reports.Add(data.AsSpan(i, reportSize).ToArray());
        return reports;
    }

    public static List<byte[]> ReadFile(string path, int reportSize) =>
        Split(File.Exists(path) ? File.ReadAllBytes(path) : [], reportSize, path);

    /// <summary>Polls a report file until <paramref name="done"/> holds for its reports, or the timeout passes.</summary>
    public static async Task<List<byte[]>> WaitForAsync(string path, int reportSize, Func<List<byte[]>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            byte[] data = File.Exists(path) ? await File.ReadAllBytesAsync(path) : [];
            if (data.Length % reportSize == 0)
            {
                var reports = Split(data, reportSize, path);
                if (done(reports) || DateTime.UtcNow > deadline)
                    return reports;
            }
            else if (DateTime.UtcNow > deadline)
            {
                return Split(data, reportSize, path);
            }
            await Task.Delay(100);
        }
    }

    public static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    public static string Format(IEnumerable<byte[]> reports) =>
        "[" + string.Join(", ", reports.Select(r => string.Join(' ', r.Select(x => x.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))))) + "]";

    public static byte[] Keyboard(byte modifiers, params byte[] usages)
    {
        var r = new byte[KeyboardReportSize];
        r[0] = modifiers;
        usages.CopyTo(r, 2);
        return r;
    }

    public static byte[] Mouse(byte buttons, int x, int y, sbyte wheel = 0, sbyte pan = 0) =>
        [buttons, (byte)x, (byte)(x >> 8), (byte)y, (byte)(y >> 8), (byte)wheel, (byte)pan];

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    public static void CreateFifo(string path)
    {
        if (MkFifo(path, Convert.ToUInt32("600", 8)) != 0)
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}

/// <summary>
/// Drains a FIFO the server writes reports to, in the background, across writer re-opens. Each write of a whole
/// report arrives whole (writes up to PIPE_BUF are atomic).
/// </summary>
public sealed class FifoReader : IDisposable
{
    private readonly string _path;
    private readonly MemoryStream _data = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    public FifoReader(string path)
    {
        _path = path;
        HidReports.CreateFifo(path);
        _thread = new Thread(Run) { IsBackground = true, Name = "fifo " + Path.GetFileName(path) };
        _thread.Start();
    }

    public byte[] Data
    {
        get { lock (_data) return _data.ToArray(); }
    }

    private void Run()
    {
        var buffer = new byte[4096];
        while (!_stop)
        {
            try
            {
                using var fifo = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
                int n;
                while ((n = fifo.Read(buffer, 0, buffer.Length)) > 0)
                    lock (_data) _data.Write(buffer, 0, n);
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        _stop = true;
        // Unblock an open() waiting for a writer, or a read waiting for data.
        try
        {
            using var w = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (IOException) { }
        _thread.Join(2000);
    }
}
