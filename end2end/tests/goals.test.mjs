// Goals: the planner reproduces the worked example as you type and turns it into goals; a
// meeting logged by a rep moves their bar on a manager's team goals page without reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, open, openAs } from './harness.mjs';

const env = serverAndBrowser();

const as = (email, path, viewport) => openAs(env, email, path, viewport);

const out = (page, name) => page.locator(`[data-out="${name}"]`).innerText();

/// The "in the period" figures of the volumes table, by stage.
async function volumes(page, stage) {
  return page.locator(`.volumes tr[data-stage="${stage}"] .total`).allInnerTexts();
}

test('the planner computes the worked example as you type and creates its goals', async () => {
  const manager = await as('manager@demo.test', '/plan');
  const page = manager.page;
  await page.getByRole('heading', { name: 'What it takes' }).waitFor();
  await page.getByLabel('Plan name').fill(`Worked example ${Date.now()}`);
  await page.getByLabel('Period').selectOption('quarter');
  await page.getByLabel('Revenue target').fill('90000');
  await page.getByLabel('Average deal value').fill('30000');
  await page.getByLabel('Leads needed per won deal').fill('4');
  await page.getByLabel('Prospects needed per lead').fill('20');
  await page.locator('[data-field="per_prospect.0"]').fill('3');
  for (const [i, rate] of ['8', '1', '2'].entries()) {
    await page.locator(`[data-field="per_lead.${i}"]`).fill(rate);
  }
  assert.equal(await out(page, 'deals'), '3');
  assert.equal(await out(page, 'leads'), '12');
  assert.equal(await out(page, 'prospects'), '240');
  assert.deepEqual(await volumes(page, 'Prospects'), ['720']);
  assert.deepEqual(await volumes(page, 'Leads'), ['96', '12', '24']);
  await page.getByText('Each stage rounds up to a whole number').waitFor();

  // Outputs follow the inputs as they are typed; a zero deal value is refused in place.
  await page.getByLabel('Revenue target').fill('100000');
  await page.locator('[data-out="deals"]', { hasText: '4' }).waitFor();
  await page.getByLabel('Average deal value').fill('0');
  await page.locator('.field.invalid', { hasText: 'Average deal value' }).getByText('above zero').waitFor();
  assert.equal(await page.locator('[data-out="deals"]').count(), 0, 'no figure from a zero deal value');
  await page.getByLabel('Average deal value').fill('30000');
  await page.getByLabel('Revenue target').fill('90000');
  await page.locator('[data-out="deals"]', { hasText: '3' }).waitFor();

  // Split over the segments, then create the goals the preview lists.
  await page.getByLabel('Prospecting activities go to').selectOption({ label: 'Prospecting' });
  await page.getByLabel('Lead activities go to').selectOption({ label: 'Closing' });
  const previewed = await page.locator('.goal-preview li').count();
  assert.equal(previewed, 3 + 3 + 3 * 3, 'three team goals, a call goal per caller, three per closer');
  await page.getByRole('button', { name: 'Save and create goals' }).click();
  await page.getByRole('status').getByText(`Created ${previewed} goals.`).waitFor({ timeout: 10000 });
  assert.deepEqual(page.errors, [], 'no errors in the page');
  await manager.context.close();
});

test('a meeting logged by a rep moves their bar on the team goals page without reload', async () => {
  const manager = await as('manager@demo.test', '/goals?kind=week');
  const card = manager.page.locator('.goal-card', { has: manager.page.getByRole('heading', { name: 'Meeting', exact: true }) });
  const row = card.locator('.goal-row', { hasText: 'Casey Novak' });
  await row.waitFor();
  const before = await row.locator('.goal-numbers').innerText();
  const done = Number(before.split('/')[0].trim());
  await manager.page.evaluate(() => { window.__sameDocument = true; });

  // The rep, on a phone: their home page shows the weekly goal; they log a meeting on a lead.
  const rep = await as('rep4@demo.test', '/', { width: 390, height: 844 });
  await rep.page.getByRole('region', { name: 'My day' }).getByText('Meeting').first().waitFor();
  await open(rep.page, env.server.url, '/activities');
  await rep.page.getByRole('heading', { name: 'My activities' }).waitFor();
  const href = await rep.page.locator('.timeline a[href^="/leads/"]').first().getAttribute('href');
  await open(rep.page, env.server.url, href);
  await rep.page.getByRole('group', { name: 'Activity type' }).getByRole('button', { name: 'Meeting', exact: true }).click();
  const outcomes = rep.page.getByRole('group', { name: 'Outcome' });
  if (await outcomes.count()) {
    await outcomes.getByRole('button', { name: 'Held' }).click();
  }
  await rep.page.getByRole('textbox', { name: 'Note', exact: true }).fill(`Demo held ${Date.now()}`);
  await rep.page.getByRole('button', { name: 'Log activity' }).click();

  await row.locator('.goal-numbers', { hasText: `${done + 1} / 3` }).waitFor({ timeout: 5000 });
  assert.equal(await manager.page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  assert.deepEqual([...manager.page.errors, ...rep.page.errors], [], 'no errors in the pages');
  await manager.context.close();
  await rep.context.close();
});
