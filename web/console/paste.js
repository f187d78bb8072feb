// SPDX-License-Identifier: MIT
// Types text into the target as key presses: the target has no clipboard we could reach, only a keyboard.
//
// Each character goes as its keysym without a scancode (a plain RFB KeyEvent), so the server types it as a
// US-layout keyboard would, pressing or lifting Shift as the character needs. This is the seam for a server-side
// paste path: when the server gains one (typing a whole text with its own layout and pacing), typeText is the one
// function to replace.

const RETURN = 0xff0d, TAB = 0xff09;

/** The keysym for one character (X11: Latin-1 is its code point, the rest of Unicode 0x01000000 + code point). */
export function keysymFor(ch) {
  const cp = ch.codePointAt(0);
  if (ch === '\n') return RETURN;
  if (ch === '\t') return TAB;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return 0x01000000 + cp;
}

/** Presses and releases a key per character of text ("\r\n" counts as one Return). Resolves when all are sent. */
export async function typeText(rfb, text, maxChars = 20000) {
  const chars = Array.from(text.replace(/\r\n?/g, '\n')).slice(0, maxChars);
  let sent = 0;
  for (const ch of chars) {
    const keysym = keysymFor(ch);
    rfb.sendKey(keysym, null, true);
    rfb.sendKey(keysym, null, false);
    // Let the page breathe (and the WebSocket drain) on long texts.
    if (++sent % 64 === 0) await new Promise(resolve => setTimeout(resolve, 0));
  }
  return sent;
}
