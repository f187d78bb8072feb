// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Hid.Gadget;
using KvmPi.Vnc.Hid.Keyboard;
using KvmPi.Vnc.Hid.Mouse;

namespace KvmPi.Vnc.Tests.Hid.Gadget;

/// <summary>Golden bytes of the three report descriptors, and what a HID parser makes of them.</summary>
public class ReportDescriptorTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void BootKeyboard_GoldenBytes()
    {
        Assert.Equal(Hex("05010906a101 050719e029e7 15002501 75019508 8102 95017508 8101 95057501 0508 19012905 9102 95017503 9101 " +
                         "95067508 1500 26ff00 0507 1900 2aff00 8100 c0"), HidReportDescriptors.BootKeyboard.ToArray());
    }

    [Fact]
    public void AbsoluteMouse_GoldenBytes()
    {
        Assert.Equal(Hex("05010902a101 0901a100 0509 19012908 15002501 95087501 8102 0501 09300931 1500 26ff7f 75109502 8102 " +
                         "0938 1581257f 75089501 8106 050c 0a3802 1581257f 75089501 8106 c0c0"), HidReportDescriptors.AbsoluteMouse.ToArray());
    }

    [Fact]
    public void RelativeMouse_GoldenBytes()
    {
        Assert.Equal(Hex("05010902a101 0901a100 0509 19012908 15002501 95087501 8102 0501 09300931 0938 1581257f 75089503 8106 c0c0"),
            HidReportDescriptors.RelativeMouse.ToArray());
    }

    [Fact]
    public void InputReportSizes_MatchTheReportsTheHidTypesWrite()
    {
        Assert.Equal((BootKeyboardReport.Length * 8, 8), Parse(HidReportDescriptors.BootKeyboard));
        Assert.Equal((AbsoluteMouseReport.Length * 8, 0), Parse(HidReportDescriptors.AbsoluteMouse));
        Assert.Equal((RelativeMouseReport.Length * 8, 0), Parse(HidReportDescriptors.RelativeMouse));
    }

    [Fact]
    public void KeyArray_LogicalMaximumIs255_NotMinusOne()
    {
        // The last Logical Maximum before the key array's Input item, read as HID reads it: signed, in its own size.
        int? lastMax = null;
        foreach (var (tag, data) in Items(HidReportDescriptors.BootKeyboard))
        {
            if (tag == 0x24) lastMax = data;
            if (tag == 0x80 && lastMax == 255) return;
        }
        Assert.Fail("no Input item with Logical Maximum 255");
    }

    [Fact]
    public void GadgetFunctions_AreBootKeyboardAbsoluteMouseAndBootMouse()
    {
        Assert.Collection(GadgetDefinition.Functions,
            f => Assert.Equal(("hid.keyboard", (byte)1, (byte)1, 8, true), (f.DirectoryName, f.Subclass, f.Protocol, f.ReportLength, f.HasOutputReport)),
            f => Assert.Equal(("hid.absolute-mouse", (byte)0, (byte)0, 7, false), (f.DirectoryName, f.Subclass, f.Protocol, f.ReportLength, f.HasOutputReport)),
            f => Assert.Equal(("hid.relative-mouse", (byte)1, (byte)2, 4, false), (f.DirectoryName, f.Subclass, f.Protocol, f.ReportLength, f.HasOutputReport)));
    }

    /// <summary>Total input and output bits, by the short-item rules of HID 1.11 §6.2.2 (global Report Size/Count).</summary>
    private static (int InputBits, int OutputBits) Parse(ReadOnlySpan<byte> descriptor)
    {
        int size = 0, count = 0, input = 0, output = 0, depth = 0;
        foreach (var (tag, data) in Items(descriptor))
        {
            switch (tag)
            {
                case 0x74: size = data; break;          // Report Size
                case 0x94: count = data; break;         // Report Count
                case 0x80: input += size * count; break;
                case 0x90: output += size * count; break;
                case 0xA0: depth++; break;
                case 0xC0: depth--; break;
            }
        }
        Assert.Equal(0, depth);
        return (input, output);
    }

    private static List<(int Tag, int Data)> Items(ReadOnlySpan<byte> d)
    {
        var items = new List<(int, int)>();
        for (int i = 0; i < d.Length;)
        {
            int prefix = d[i];
            int n = (prefix & 3) == 3 ? 4 : prefix & 3;
            Assert.True(i + 1 + n <= d.Length, "item runs past the end");
            int value = n switch
            {
                0 => 0,
                1 => (sbyte)d[i + 1],
                2 => (short)(d[i + 1] | d[i + 2] << 8),
                _ => d[i + 1] | d[i + 2] << 8 | d[i + 3] << 16 | d[i + 4] << 24,
            };
            items.Add((prefix & 0xFC, value));
            i += 1 + n;
        }
        return items;
    }
}
