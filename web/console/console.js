// SPDX-License-Identifier: MIT
// The KvmPi console: one noVNC RFB connection over the WebSocket on this page's own origin, and the controls a KVM
// needs around it. document.body.dataset.state says where it is (connecting, connected, disconnected, auth-failed,
// password-needed), for people and for the tests.
import RFB from './novnc/core/rfb.js';
import { CHORDS, sendChord } from './keys.js';
import { typeText } from './paste.js';

const $ = id => document.getElementById(id);
const screen = $('screen');
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/websockify`;

let rfb = null;            // the current connection, or null
let password = '';         // kept in memory only, for reconnecting after the server restarts
let wantConnected = false; // the user asked to be connected: reconnect when the connection drops
let authFailure = null;    // reason of the last refused login; no automatic retries after one
let retryTimer = 0, retryDelay = 1000;
let scaleMode = 'fit';     // 'fit': shrink to the window when the frame is larger; '1:1': never scale
let desktopName = 'target';

function setState(state, text, level) {
  if (document.body.dataset.state !== state) console.info(`console: ${state}: ${text}`);
  document.body.dataset.state = state;
  $('status-text').textContent = text;
  $('status-dot').className = 'dot ' + level;
  const connected = state === 'connected';
  for (const id of ['scale', 'screenshot', 'disconnect']) $(id).disabled = !connected;
  for (const el of document.querySelectorAll('#chords button, #paste-type')) el.disabled = !connected;
  $('login').hidden = connected;
}

function showMessage(text, info = false) {
  const m = $('message');
  m.textContent = text;
  m.className = 'message' + (info ? ' info' : '');
  m.hidden = !text;
}

function connect() {
  clearTimeout(retryTimer);
  if (rfb) {
    const old = rfb;
    rfb = null;
    old.disconnect();
  }
  authFailure = null;
  setState('connecting', 'Connecting…', 'warn');
  const conn = new RFB(screen, wsUrl, {
    shared: true,
    wsProtocols: ['binary'],
    credentials: password ? { password } : undefined,
  });
  rfb = conn;
  conn.resizeSession = false;   // a KVM shows the target as it is; it never asks it to change resolution
  conn.clipViewport = false;
  conn.scaleViewport = false;
  conn.focusOnClick = true;
  conn.addEventListener('connect', () => {
    if (conn !== rfb) return;
    retryDelay = 1000;
    showMessage('');
    setState('connected', 'Connected', 'ok');
    applyScale();
    conn.focus({ preventScroll: true });
  });
  conn.addEventListener('desktopname', e => {
    desktopName = e.detail.name || 'target';
    document.title = `${desktopName} – KvmPi console`;
  });
  conn.addEventListener('credentialsrequired', () => {
    if (conn !== rfb) return;
    if (password) {
      conn.sendCredentials({ password });
      return;
    }
    wantConnected = false;
    rfb = null;
    conn.disconnect();
    setState('password-needed', 'Password needed', 'warn');
    showMessage('Enter the VNC password and press Connect.', true);
    $('password').focus();
  });
  conn.addEventListener('securityfailure', e => {
    if (conn !== rfb) return;
    authFailure = e.detail.reason || 'Authentication failed';
  });
  conn.addEventListener('disconnect', e => {
    if (conn !== rfb) return;
    rfb = null;
    if (authFailure) {
      wantConnected = false;
      setState('auth-failed', 'Login refused', 'bad');
      showMessage(`Login refused: ${authFailure}`);
      $('password').select();
      $('password').focus();
    } else if (wantConnected) {
      const seconds = Math.round(retryDelay / 1000);
      setState('disconnected', `Disconnected – reconnecting in ${seconds} s`, 'bad');
      if (!e.detail.clean) showMessage('The connection to the device was lost; reconnecting…', true);
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 8000);
    } else {
      setState('disconnected', 'Disconnected', 'bad');
    }
  });
}

// ---- scaling: 1:1 whenever the frame fits; in "Fit" mode shrink it to the window when it does not ----
function frameCanvas() {
  return screen.querySelector('canvas');
}

function applyScale() {
  if (!rfb) return;
  const canvas = frameCanvas();
  if (!canvas || !canvas.width) return;
  const box = screen.getBoundingClientRect();
  const shrink = scaleMode === 'fit' && (canvas.width > box.width || canvas.height > box.height);
  if (rfb.scaleViewport !== shrink) rfb.scaleViewport = shrink;
  $('scale').textContent = scaleMode === 'fit' ? 'Fit' : '1:1';
  $('scale').setAttribute('aria-pressed', String(scaleMode === 'fit'));
}

$('scale').addEventListener('click', () => {
  scaleMode = scaleMode === 'fit' ? '1:1' : 'fit';
  applyScale();
  rfb?.focus({ preventScroll: true });
});
window.addEventListener('resize', () => requestAnimationFrame(applyScale));

// ---- login ----
$('login').addEventListener('submit', e => {
  e.preventDefault();
  password = $('password').value;
  wantConnected = true;
  retryDelay = 1000;
  showMessage('');
  connect();
});

$('disconnect').addEventListener('click', () => {
  wantConnected = false;
  clearTimeout(retryTimer);
  rfb?.disconnect();
});

// ---- full screen; in it Chromium lets the page capture Esc, Alt+Tab and the like (Keyboard Lock) ----
$('fullscreen').addEventListener('click', async () => {
  if (document.fullscreenElement) {
    await document.exitFullscreen();
  } else {
    await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
    try { await navigator.keyboard?.lock?.(); } catch { /* not offered by this browser */ }
  }
  rfb?.focus({ preventScroll: true });
});
document.addEventListener('fullscreenchange', () => {
  $('fullscreen').textContent = document.fullscreenElement ? 'Exit full screen' : 'Full screen';
  if (!document.fullscreenElement) navigator.keyboard?.unlock?.();
  requestAnimationFrame(applyScale);
});

// ---- key chords ----
for (const chord of CHORDS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = chord.label;
  b.addEventListener('click', () => {
    if (!rfb) return;
    sendChord(rfb, chord.keys);
    $('keys').open = false;
    rfb.focus({ preventScroll: true });
  });
  $('chords').appendChild(b);
}

// ---- paste box: types its text into the target ----
$('paste-type').addEventListener('click', async () => {
  if (!rfb) return;
  const text = $('paste-text').value;
  if (!text) return;
  const button = $('paste-type');
  button.disabled = true;
  try {
    const typed = await typeText(rfb, text);
    showMessage(`Typed ${typed} characters.`, true);
    setTimeout(() => showMessage(''), 2000);
  } finally {
    button.disabled = !rfb;
  }
  $('paste').open = false;
  rfb?.focus({ preventScroll: true });
});

// ---- screenshot: a PNG of the frame as received, at the frame's own size ----
$('screenshot').addEventListener('click', () => {
  if (!rfb) return;
  rfb.toBlob(blob => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
    a.download = `${desktopName.replace(/[^\w.-]+/g, '_')}-${stamp}.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 30000);
  }, 'image/png');
});

// ---- latency: round trip of a tiny request to the device, every 2 s; the frame size is rechecked too ----
async function measureLatency() {
  const t0 = performance.now();
  try {
    const r = await fetch('ping', { cache: 'no-store' });
    if (!r.ok) throw new Error(String(r.status));
    const ms = Math.round(performance.now() - t0);
    $('latency').textContent = `${ms} ms`;
    $('latency').title = `Round trip to the device: ${ms} ms`;
  } catch {
    $('latency').textContent = 'no reply';
    $('latency').title = 'The device does not answer';
  }
  applyScale();
}
setInterval(measureLatency, 2000);

// ---- start: connect at once when the server wants no password, otherwise wait for it ----
async function start() {
  setState('disconnected', 'Not connected', '');
  measureLatency();
  let passwordRequired = true;
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    passwordRequired = (await r.json()).passwordRequired !== false;
  } catch { /* assume a password is needed */ }
  if (passwordRequired) {
    setState('password-needed', 'Enter the VNC password', 'warn');
    $('password').focus();
  } else {
    wantConnected = true;
    connect();
  }
}
start();
