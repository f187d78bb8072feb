// SPDX-License-Identifier: MIT
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KvmPi.Vnc.Benchmarks.KeyLatency;

/// <summary>
/// Measures KeyEvent → HID report latency end to end, as the issue defines it: a real kvmpi-vnc process writes
/// keyboard reports into a FIFO; this tool sends RFB KeyEvents over loopback and times each until its report is
/// read back from the FIFO. Usage: <c>dotnet run -c Release --project Benchmarks -- keylatency [events]</c>.
/// </summary>
/// <remarks>
/// One event in flight at a time, so every sample is the latency of one key, not of a queue. Events alternate
/// down/up on 'a', so every event changes the report. Not a unit test: figures go in notes, never in assertions.
/// </remarks>
internal static partial class KeyLatencyTool
{
    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, uint mode);

    public static int Run(string[] args)
    {
        int events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4000;
        string dir = Directory.CreateTempSubdirectory("kvmpi-latency").FullName;
        string fifo = Path.Combine(dir, "keyboard.fifo");
        if (MakeFifo(fifo, 0x180) != 0) throw new IOException($"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        int port = FreePort();
        string serverDll = Path.Combine(AppContext.BaseDirectory, "kvmpi-vnc.dll");
        using var server = Process.Start(new ProcessStartInfo("dotnet", [serverDll, "--listen", $"127.0.0.1:{port}", "--keyboard", fifo, "--log-level", "warn"])
        {
            RedirectStandardError = true,
        })!;
        try
        {
            // Opening a FIFO for reading waits for its writer, which the server opens when the first report comes.
            Task<FileStream> opening = Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0));
            FileStream? reports = null;
            using var client = Connect(port);
            NetworkStream stream = client.GetStream();
            Handshake(stream);

            var samples = new double[events];
            byte[] keyEvent = [4, 0, 0, 0, 0, 0, 0, 0x61];
            byte[] report = new byte[8];
            for (int i = 0; i < events + 200; i++)   // the first 200 are warm-up (JIT, page faults)
            {
                keyEvent[1] = (byte)(i % 2 == 0 ? 1 : 0);
                long start = Stopwatch.GetTimestamp();
                stream.Write(keyEvent);
                reports ??= opening.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
                reports.ReadExactly(report);
                double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (report[2] != (i % 2 == 0 ? 0x04 : 0x00)) throw new InvalidDataException($"unexpected report {Convert.ToHexString(report)}");
                if (i >= 200) samples[i - 200] = ms;
            }
            Array.Sort(samples);
            Console.WriteLine($"KeyEvent -> report through a FIFO, {events} events: " +
                $"p50 {Percentile(samples, 0.50):F3} ms, p90 {Percentile(samples, 0.90):F3} ms, p99 {Percentile(samples, 0.99):F3} ms, " +
                $"p99.9 {Percentile(samples, 0.999):F3} ms, max {samples[^1]:F3} ms");
            reports?.Dispose();
            return 0;
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static TcpClient Connect(int port)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var c = new TcpClient { NoDelay = true };
                c.Connect(IPAddress.Loopback, port);
                return c;
            }
            catch (SocketException) when (attempt < 100)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static void Handshake(NetworkStream s)
    {
        byte[] buffer = new byte[64];
        s.ReadExactly(buffer, 0, 12);
        s.Write("RFB 003.008\n"u8);
        s.ReadExactly(buffer, 0, 2);          // [1, None]
        s.Write([1]);
        s.ReadExactly(buffer, 0, 4);          // SecurityResult
        s.Write([1]);                         // shared
        s.ReadExactly(buffer, 0, 24);
        int nameLength = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(20));
        s.ReadExactly(new byte[nameLength]);
    }
}
