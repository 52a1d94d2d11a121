// A page left open while the database is restored from a backup reloads by itself, on the
// restore's event, and shows the restored workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, startServer, startBrowser, open, logIn } from './harness.mjs';

test('a board left open across a restore reloads and shows the restored workspace', async () => {
  let server = await startServer();
  const browser = await startBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await logIn(page, server.url, 'admin@demo.test', 'cadence-demo');
    await page.waitForURL(server.url + '/');
    // The backup holds this session: the page is still logged in after the restore.
    const backup = join(server.dir, 'backup.db');
    execFileSync(BIN, ['backup', '--to', backup, '--database-url', server.dbUrl]);

    await open(page, server.url, '/board');
    await page.getByRole('listitem', { name: 'Qualified' }).waitFor();
    const title = `Made after the backup ${Date.now()}`;
    const made = await page.request.post(`${server.url}/api/v1/leads`, {
      data: { title },
      headers: { 'X-Requested-With': 'cadence-e2e' },
    });
    assert.equal(made.status(), 201, await made.text());
    await page.getByRole('link', { name: title }).waitFor({ timeout: 5000 });
    await page.evaluate(() => { window.__sameDocument = true; });

    // The server stops, the backup is restored, the server starts again at the same address.
    await server.stop({ keep: true });
    execFileSync(BIN, ['restore', '--from', backup, '--force', '--database-url', server.dbUrl]);
    server = await startServer({ dir: server.dir, addr: new URL(server.url).host });

    // The page's live stream reconnects, gets `workspace.restored` and reloads.
    await page.waitForFunction(() => window.__sameDocument === undefined, null, { timeout: 20000 });
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 15000 });
    await page.getByRole('listitem', { name: 'Qualified' }).waitFor();
    assert.equal(await page.getByRole('link', { name: title }).count(), 0, 'the lead made after the backup is gone');
    assert.equal(new URL(page.url()).pathname, '/board', 'still on the board, still logged in');
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
});
