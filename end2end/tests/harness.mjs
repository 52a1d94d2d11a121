// Starts the release server on a free port with a temporary database, and headless Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const BIN = process.env.CADENCE_BIN;
const SITE = process.env.CADENCE_SITE;

/// `dir`: a folder of an earlier server whose database to serve again (default: a new one);
/// `addr`: where to listen (default: a free port).
export async function startServer({ demo = true, dir = null, addr = '127.0.0.1:0' } = {}) {
  if (!BIN || !SITE) throw new Error('CADENCE_BIN and CADENCE_SITE must be set (run through `make test`)');
  dir = dir ?? mkdtempSync(join(tmpdir(), 'cadence-e2e-'));
  const dbUrl = `sqlite://${dir}/cadence.db`;
  const args = ['serve', '--addr', addr, '--database-url', dbUrl, '--site-root', SITE];
  if (demo) args.push('--demo');
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      log += d;
      const m = out.match(/Cadence is running at (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  return {
    url,
    dir,
    dbUrl,
    log: () => log,
    /// Stops the server; its folder and database go too unless `keep`.
    async stop({ keep = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/// Collects the page's uncaught errors (a hydration panic, say) into `page.errors`.
export function watchErrors(page) {
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') page.errors.push(message.text());
  });
  return page;
}

/// Opens `path` and waits until the page is hydrated (interactive).
export async function open(page, url, path) {
  await page.goto(url + path);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 15000 });
}

export async function logIn(page, url, email, password) {
  await open(page, url, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/// A new browser context logged in as `email` (demo password), on `path`.
export async function openAs(env, email, path, viewport = { width: 1280, height: 900 }) {
  const context = await env.browser.newContext({ viewport });
  const page = watchErrors(await context.newPage());
  await logIn(page, env.server.url, email, 'cadence-demo');
  await page.waitForURL(env.server.url + '/');
  await open(page, env.server.url, path);
  return { context, page };
}

/// Starts the server (with the demo workspace) and the browser before the file's tests and
/// stops both after them; the returned object holds `server` and `browser`.
export function serverAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await startBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
    // A panic or an error of the server belongs in the test's output.
    const log = env.server?.log() ?? '';
    if (/panicked|ERROR/.test(log)) process.stderr.write(`--- server log ---\n${log}--- end of server log ---\n`);
  });
  return env;
}
