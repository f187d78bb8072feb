// SPDX-License-Identifier: MIT
// Key chords the local keyboard cannot send (the browser or the OS takes them): each is pressed in order and
// released in reverse, with the physical key's code so that noVNC sends QEMU extended key events (scancodes)
// when the server offers them.

const KEYS = {
  Control_L: [0xffe3, 'ControlLeft'],
  Alt_L: [0xffe9, 'AltLeft'],
  Super_L: [0xffeb, 'MetaLeft'],
  Delete: [0xffff, 'Delete'],
  BackSpace: [0xff08, 'Backspace'],
  Tab: [0xff09, 'Tab'],
  Escape: [0xff1b, 'Escape'],
  Print: [0xff61, 'PrintScreen'],
  F1: [0xffbe, 'F1'],
  F2: [0xffbf, 'F2'],
  F4: [0xffc1, 'F4'],
  F7: [0xffc4, 'F7'],
};

export const CHORDS = [
  { label: 'Ctrl+Alt+Del', keys: ['Control_L', 'Alt_L', 'Delete'] },
  { label: 'Ctrl+Alt+Backspace', keys: ['Control_L', 'Alt_L', 'BackSpace'] },
  { label: 'Ctrl+Alt+F1', keys: ['Control_L', 'Alt_L', 'F1'] },
  { label: 'Ctrl+Alt+F2', keys: ['Control_L', 'Alt_L', 'F2'] },
  { label: 'Ctrl+Alt+F7', keys: ['Control_L', 'Alt_L', 'F7'] },
  { label: 'Alt+Tab', keys: ['Alt_L', 'Tab'] },
  { label: 'Alt+F4', keys: ['Alt_L', 'F4'] },
  { label: 'Win', keys: ['Super_L'] },
  { label: 'Esc', keys: ['Escape'] },
  { label: 'PrtSc', keys: ['Print'] },
];

/** Presses the chord's keys in order and releases them in reverse. */
export function sendChord(rfb, keys) {
  for (const k of keys) rfb.sendKey(KEYS[k][0], KEYS[k][1], true);
  for (const k of [...keys].reverse()) rfb.sendKey(KEYS[k][0], KEYS[k][1], false);
}
