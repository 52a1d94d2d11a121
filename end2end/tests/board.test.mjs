// The live board: a lead created and dragged in one browser appears and moves in another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, open, logIn } from './harness.mjs';

const env = serverAndBrowser();

async function boardAs(email) {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await logIn(page, env.server.url, email, 'cadence-demo');
  await page.waitForURL(env.server.url + '/');
  await open(page, env.server.url, '/board');
  await page.getByRole('listitem', { name: 'Qualified' }).waitFor();
  return { context, page };
}

test('a lead created and dragged in one page appears and moves in another, without reload', async () => {
  const a = await boardAs('admin@demo.test');
  const b = await boardAs('manager@demo.test');
  await b.page.evaluate(() => { window.__sameDocument = true; });
  const title = `E2E deal ${Date.now()}`;

  const qualifiedA = a.page.getByRole('listitem', { name: 'Qualified' });
  await qualifiedA.getByText('+ Add a lead').click();
  await qualifiedA.getByLabel('Title of a new lead in Qualified').fill(title);
  await qualifiedA.getByLabel('Amount of a new lead in Qualified').fill('4200');
  await qualifiedA.getByRole('button', { name: 'Add', exact: true }).click();

  const cardInB = b.page.getByRole('listitem', { name: 'Qualified' }).locator('article', { hasText: title });
  await cardInB.waitFor({ timeout: 5000 });
  assert.match(await cardInB.innerText(), /4,200\.00/);

  const cardInA = qualifiedA.locator('article', { hasText: title });
  await cardInA.waitFor();
  // Drop near the top of the column, level with the card, so that nothing scrolls mid-drag.
  await cardInA.dragTo(a.page.getByRole('listitem', { name: 'Meeting' }), { targetPosition: { x: 120, y: 30 } });
  await a.page.getByRole('listitem', { name: 'Meeting' }).locator('article', { hasText: title }).waitFor({ timeout: 5000 });

  await b.page.getByRole('listitem', { name: 'Meeting' }).locator('article', { hasText: title }).waitFor({ timeout: 5000 });
  assert.equal(await b.page.getByRole('listitem', { name: 'Qualified' }).locator('article', { hasText: title }).count(), 0);
  assert.equal(await b.page.evaluate(() => window.__sameDocument), true, 'page B was not reloaded');

  // The lead page shows the history of the move.
  await a.page.getByRole('link', { name: title }).click();
  await a.page.getByRole('heading', { name: title }).waitFor();
  await a.page.getByText('Qualified → Meeting').waitFor();
  await a.context.close();
  await b.context.close();
});
