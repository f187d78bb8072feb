// SPDX-License-Identifier: MIT
// Drives Debian's headless Chromium with playwright-core for the web console tests: reads one JSON command per line
// on stdin, answers one JSON line per command on stdout ({"ok":true,"result":...} or {"ok":false,"error":"..."}).
// Usage: node console-driver.mjs WEB_DIR PROFILE_DIR   (WEB_DIR holds the node_modules with playwright-core)
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const [webDir, profileDir] = process.argv.slice(2);
const require = createRequire(path.join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

let context = null, page = null;
const consoleLines = [];

async function open({ url, width, height }) {
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width, height },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', e => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return null;
}

const commands = {
  open,
  goto: ({ url }) => page.goto(url).then(() => null),
  viewport: ({ width, height }) => page.setViewportSize({ width, height }),
  eval: ({ js }) => page.evaluate(js),
  visible: ({ selector }) => page.locator(selector).first().isVisible(),
  fill: ({ selector, text }) => page.locator(selector).fill(text),
  click: ({ selector }) => page.locator(selector).first().click(),
  press: ({ key }) => page.keyboard.press(key),
  type: ({ text }) => page.keyboard.type(text, { delay: 20 }),
  mouseClick: ({ x, y }) => page.mouse.click(x, y),
  // Polls with page.evaluate (a DevTools evaluation): waitForFunction would compile the string inside the page,
  // which the console's Content-Security-Policy (no 'unsafe-eval') rightly forbids.
  waitFor: async ({ js, timeout }) => {
    const deadline = Date.now() + timeout;
    while (!(await page.evaluate(js))) {
      if (Date.now() > deadline) throw new Error(`Timeout ${timeout} ms waiting for ${js}`);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    return null;
  },
  screenshot: ({ file }) => page.screenshot({ path: file }).then(() => null),
  canvasPng: async ({ file }) => {
    const dataUrl = await page.evaluate(() => {
      const canvases = [...document.querySelectorAll('canvas')];
      canvases.sort((a, b) => b.width * b.height - a.width * a.height);
      return canvases[0].toDataURL('image/png');
    });
    writeFileSync(file, Buffer.from(dataUrl.split(',')[1], 'base64'));
    return null;
  },
  download: async ({ selector, file }) => {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.locator(selector).click()]);
    await download.saveAs(file);
    return download.suggestedFilename();
  },
  console: () => consoleLines.splice(0),
  close: async () => { await context?.close(); context = null; return null; },
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let reply;
  try {
    const command = JSON.parse(line);
    const result = await commands[command.cmd](command);
    reply = { ok: true, result: result ?? null };
  } catch (e) {
    reply = { ok: false, error: String(e?.stack ?? e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
await context?.close();
