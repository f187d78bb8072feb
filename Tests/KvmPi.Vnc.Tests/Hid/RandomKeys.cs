// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Tests.Hid;

/// <summary>Keysyms a random viewer sends (printable ASCII, Latin-1, keys of every other kind), and what its reports must be.</summary>
internal static class RandomKeys
{
    public static readonly uint[] Specials =
    [
        0xFFE1, 0xFFE2, 0xFFE3, 0xFFE4, 0xFFE9, 0xFFEA, 0xFFEB, 0xFFEC, 0xFE03, 0xFF7E,    // Shift, Control, Alt, Super, AltGr, Mode_switch
        0xFF0D, 0xFF09, 0xFF08, 0xFF1B, 0xFFFF, 0xFF63, 0xFF50, 0xFF57, 0xFF51, 0xFF52, 0xFF53, 0xFF54,
        0xFFBE, 0xFFC9, 0xFF61, 0xFF15, 0xFF13, 0xFF6B, 0xFF67, 0xFFE5, 0xFF7F, 0xFF14, 0xFE20,    // ... ISO_Left_Tab
        0xFFB0, 0xFFB5, 0xFFAB, 0xFFAD, 0xFF8D, 0xFF9F, 0xFFAE,                                   // keypad
        0xFE51, 0xFE52, 0xFE57,                                                                   // dead keys
        0x20AC, 0x1000000 + 0x263A, 0x12345678, 0,                                                // €, a Unicode keysym, nonsense
    ];

    /// <summary>Every layout the keyboard knows, for a theory.</summary>
    public static TheoryData<string> Layouts()
    {
        var data = new TheoryData<string>();
        foreach (string name in KvmPi.Vnc.Hid.Keyboard.KeyboardLayout.Names) data.Add(name);
        return data;
    }

    /// <summary>Half printable ASCII, a fifth Latin-1, the rest <see cref="Specials"/>.</summary>
    public static uint Keysym(Random random) => random.Next(10) switch
    {
        < 5 => (uint)random.Next(0x20, 0x7F),    // printable ASCII
        5 or 6 => (uint)random.Next(0xA0, 0x100),  // Latin-1
        _ => Specials[random.Next(Specials.Length)],
    };

    /// <summary>8 bytes: modifiers, 0, then up to six distinct usages packed to the front, or the rollover report.</summary>
    public static void AssertWellFormed(string report, string what)
    {
        byte[] b = Convert.FromHexString(report.Replace(" ", "", StringComparison.Ordinal));
        Assert.True(b.Length == 8, $"{what}\nreport {report}: not 8 bytes");
        Assert.True(b[1] == 0, $"{what}\nreport {report}: reserved byte set");
        if (b[2] == 0x01)
        {
            Assert.True(b.AsSpan(2).IndexOfAnyExcept((byte)0x01) < 0, $"{what}\nreport {report}: a partial rollover report");
            return;
        }
        var seen = new HashSet<byte>();
        bool ended = false;
        for (int i = 2; i < 8; i++)
        {
            if (b[i] == 0) { ended = true; continue; }
            Assert.False(ended, $"{what}\nreport {report}: a usage after an empty slot");
            Assert.True(b[i] >= 0x04 && b[i] < 0xE0, $"{what}\nreport {report}: usage {b[i]:x2} is not a key");
            Assert.True(seen.Add(b[i]), $"{what}\nreport {report}: usage {b[i]:x2} twice");
        }
    }
}
