// SPDX-License-Identifier: MIT
using KvmPi.Vnc.Server.DemoTarget;

namespace KvmPi.Vnc.Tests.Server.DemoTarget;

/// <summary>Builds the raw HID reports a gadget would carry, written out by hand so the tests do not depend on Hid's keymap.</summary>
internal static class DemoTargetInput
{
    public const byte LeftShift = 0x02, LeftControl = 0x01, RightShift = 0x20;
    public const byte Enter = 0x28, Backspace = 0x2A, Tab = 0x2B, Space = 0x2C, CapsLock = 0x39;

    public static byte[] Keys(byte modifiers, params byte[] usages)
    {
        var report = new byte[8];
        report[0] = modifiers;
        usages.CopyTo(report, 2);
        return report;
    }

    /// <summary>Press then release one key.</summary>
    public static void Tap(KvmPi.Vnc.Server.DemoTarget.DemoTarget target, byte usage, byte modifiers = 0)
    {
        target.Keyboard.Send(Keys(modifiers, usage));
        target.Keyboard.Send(Keys(0));
    }

    /// <summary>Types ASCII letters, digits, space and a few symbols as a US keyboard would, with Shift for capitals.</summary>
    public static void Type(KvmPi.Vnc.Server.DemoTarget.DemoTarget target, string text)
    {
        foreach (char c in text)
        {
            (byte usage, bool shift) = c switch
            {
                >= 'a' and <= 'z' => ((byte)(0x04 + c - 'a'), false),
                >= 'A' and <= 'Z' => ((byte)(0x04 + c - 'A'), true),
                >= '1' and <= '9' => ((byte)(0x1E + c - '1'), false),
                '0' => ((byte)0x27, false),
                ' ' => (Space, false),
                '!' => ((byte)0x1E, true),
                '-' => ((byte)0x2D, false),
                '_' => ((byte)0x2D, true),
                '.' => ((byte)0x37, false),
                '?' => ((byte)0x38, true),
                _ => throw new ArgumentException($"no key for '{c}'"),
            };
            Tap(target, usage, shift ? LeftShift : (byte)0);
        }
    }

    /// <summary>An absolute mouse report for pixel (x, y) on a screen of the given size, scaled as a KVM does.</summary>
    public static byte[] Pointer(int x, int y, int width, int height, byte buttons = 0, sbyte wheel = 0)
    {
        int rawX = (int)Math.Round(x * 32767.0 / (width - 1)), rawY = (int)Math.Round(y * 32767.0 / (height - 1));
        return [buttons, (byte)rawX, (byte)(rawX >> 8), (byte)rawY, (byte)(rawY >> 8), (byte)wheel, 0];
    }
}
