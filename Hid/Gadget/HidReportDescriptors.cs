// SPDX-License-Identifier: MIT
namespace KvmPi.Vnc.Hid.Gadget;

/// <summary>
/// The HID report descriptors of the three gadget functions (HID 1.11 §6.2.2; item bytes are tag|type|size, then
/// little-endian data). Each matches, byte for byte, the report its Hid type writes; the golden tests pin them.
/// </summary>
/// <remarks>
/// Logical ranges are coded so that a signed reading cannot flip them: a one-byte Logical Maximum of 0xFF would mean −1
/// (HID 1.11 §6.2.2.7), so 255 is coded <c>26 FF 00</c> and 32767 <c>26 FF 7F</c> (field-notes.md §3.1 pitfall).
/// </remarks>
public static class HidReportDescriptors
{
    /// <summary>
    /// Boot keyboard (subclass 1, protocol 1), 8-byte input report as <see cref="Keyboard.BootKeyboardReport"/>:
    /// 8 modifier bits, a constant byte, six key slots holding any usage 0..0xFF of the Keyboard page (F13–F24, media
    /// and international keys included, unlike the HID spec's example that stops at 0x65). One output report byte:
    /// 5 LEDs (Num, Caps, Scroll, Compose, Kana) and 3 padding bits, which the host sends when its lock state changes.
    /// </summary>
    public static ReadOnlySpan<byte> BootKeyboard =>
    [
        0x05, 0x01,             // Usage Page (Generic Desktop)
        0x09, 0x06,             // Usage (Keyboard)
        0xA1, 0x01,             // Collection (Application)
        0x05, 0x07,             //   Usage Page (Keyboard/Keypad)
        0x19, 0xE0, 0x29, 0xE7, //   Usage Minimum (LeftControl), Usage Maximum (Right GUI)
        0x15, 0x00, 0x25, 0x01, //   Logical Minimum 0, Logical Maximum 1
        0x75, 0x01, 0x95, 0x08, //   Report Size 1, Report Count 8
        0x81, 0x02,             //   Input (Data, Variable, Absolute): modifier byte
        0x95, 0x01, 0x75, 0x08, //   Report Count 1, Report Size 8
        0x81, 0x01,             //   Input (Constant): reserved byte
        0x95, 0x05, 0x75, 0x01, //   Report Count 5, Report Size 1
        0x05, 0x08,             //   Usage Page (LEDs)
        0x19, 0x01, 0x29, 0x05, //   Usage Minimum (Num Lock), Usage Maximum (Kana)
        0x91, 0x02,             //   Output (Data, Variable, Absolute): LED bits
        0x95, 0x01, 0x75, 0x03, //   Report Count 1, Report Size 3
        0x91, 0x01,             //   Output (Constant): padding to a byte
        0x95, 0x06, 0x75, 0x08, //   Report Count 6, Report Size 8
        0x15, 0x00,             //   Logical Minimum 0
        0x26, 0xFF, 0x00,       //   Logical Maximum 255 (two bytes: never −1)
        0x05, 0x07,             //   Usage Page (Keyboard/Keypad)
        0x19, 0x00,             //   Usage Minimum 0
        0x2A, 0xFF, 0x00,       //   Usage Maximum 255
        0x81, 0x00,             //   Input (Data, Array): six key slots
        0xC0,                   // End Collection
    ];

    /// <summary>
    /// Absolute pointer (subclass 0, protocol 0), 7-byte input report as <see cref="Mouse.AbsoluteMouseReport"/>:
    /// 8 buttons, X and Y 0..32767 (16 bits each), wheel and AC Pan as relative −127..127. The Pointer/Physical
    /// collection is what macOS recovery asks for (field-notes.md §3.2).
    /// </summary>
    public static ReadOnlySpan<byte> AbsoluteMouse =>
    [
        0x05, 0x01,             // Usage Page (Generic Desktop)
        0x09, 0x02,             // Usage (Mouse)
        0xA1, 0x01,             // Collection (Application)
        0x09, 0x01,             //   Usage (Pointer)
        0xA1, 0x00,             //   Collection (Physical)
        0x05, 0x09,             //     Usage Page (Button)
        0x19, 0x01, 0x29, 0x08, //     Usage Minimum 1, Usage Maximum 8
        0x15, 0x00, 0x25, 0x01, //     Logical Minimum 0, Logical Maximum 1
        0x95, 0x08, 0x75, 0x01, //     Report Count 8, Report Size 1
        0x81, 0x02,             //     Input (Data, Variable, Absolute): buttons
        0x05, 0x01,             //     Usage Page (Generic Desktop)
        0x09, 0x30, 0x09, 0x31, //     Usage (X), Usage (Y)
        0x15, 0x00,             //     Logical Minimum 0
        0x26, 0xFF, 0x7F,       //     Logical Maximum 32767
        0x75, 0x10, 0x95, 0x02, //     Report Size 16, Report Count 2
        0x81, 0x02,             //     Input (Data, Variable, Absolute): X, Y
        0x09, 0x38,             //     Usage (Wheel)
        0x15, 0x81, 0x25, 0x7F, //     Logical Minimum −127, Logical Maximum 127
        0x75, 0x08, 0x95, 0x01, //     Report Size 8, Report Count 1
        0x81, 0x06,             //     Input (Data, Variable, Relative): wheel
        0x05, 0x0C,             //     Usage Page (Consumer)
        0x0A, 0x38, 0x02,       //     Usage (AC Pan)
        0x15, 0x81, 0x25, 0x7F, //     Logical Minimum −127, Logical Maximum 127
        0x75, 0x08, 0x95, 0x01, //     Report Size 8, Report Count 1
        0x81, 0x06,             //     Input (Data, Variable, Relative): horizontal wheel
        0xC0,                   //   End Collection
        0xC0,                   // End Collection
    ];

    /// <summary>
    /// Boot mouse (subclass 1, protocol 2), 4-byte input report as <see cref="Mouse.RelativeMouseReport"/>: 8 buttons,
    /// X, Y and wheel as relative −127..127. A BIOS in boot protocol reads the first three bytes (buttons, X, Y), which
    /// is why firmware that ignores absolute pointers still follows this one (field-notes.md §3.3, §5 item 7).
    /// </summary>
    public static ReadOnlySpan<byte> RelativeMouse =>
    [
        0x05, 0x01,             // Usage Page (Generic Desktop)
        0x09, 0x02,             // Usage (Mouse)
        0xA1, 0x01,             // Collection (Application)
        0x09, 0x01,             //   Usage (Pointer)
        0xA1, 0x00,             //   Collection (Physical)
        0x05, 0x09,             //     Usage Page (Button)
        0x19, 0x01, 0x29, 0x08, //     Usage Minimum 1, Usage Maximum 8
        0x15, 0x00, 0x25, 0x01, //     Logical Minimum 0, Logical Maximum 1
        0x95, 0x08, 0x75, 0x01, //     Report Count 8, Report Size 1
        0x81, 0x02,             //     Input (Data, Variable, Absolute): buttons
        0x05, 0x01,             //     Usage Page (Generic Desktop)
        0x09, 0x30, 0x09, 0x31, //     Usage (X), Usage (Y)
        0x09, 0x38,             //     Usage (Wheel)
        0x15, 0x81, 0x25, 0x7F, //     Logical Minimum −127, Logical Maximum 127
        0x75, 0x08, 0x95, 0x03, //     Report Size 8, Report Count 3
        0x81, 0x06,             //     Input (Data, Variable, Relative): X, Y, wheel
        0xC0,                   //   End Collection
        0xC0,                   // End Collection
    ];
}
