// Activities: a rep logs a call on a lead and a manager's feed shows it live; a deactivated
// type leaves the quick buttons and stays on the timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, open, openAs } from './harness.mjs';

const env = serverAndBrowser();

const as = (email, path, viewport) => openAs(env, email, path, viewport);

/// Opens the lead of the rep's newest activity, from My activities.
async function openOwnLead(page) {
  await page.getByRole('heading', { name: 'My activities' }).waitFor();
  const link = page.locator('.timeline a[href^="/leads/"]').first();
  const href = await link.getAttribute('href');
  await open(page, env.server.url, href);
  await page.getByRole('heading', { name: 'Log an activity' }).waitFor();
  return href;
}

test('a call logged by a rep appears in a manager\'s feed without reload', async () => {
  const manager = await as('manager@demo.test', '/feed');
  await manager.page.locator('.feed-item').first().waitFor();
  await manager.page.evaluate(() => { window.__sameDocument = true; });
  // A rep on a phone.
  const rep = await as('rep1@demo.test', '/activities', { width: 390, height: 844 });
  await openOwnLead(rep.page);

  const note = `No answer, try again ${Date.now()}`;
  const types = rep.page.getByRole('group', { name: 'Activity type' });
  await types.getByRole('button', { name: 'Call', exact: true }).click();
  await rep.page.getByRole('group', { name: 'Outcome' }).getByRole('button', { name: 'Unanswered' }).click({ timeout: 5000 }).catch((e) => {
    throw new Error(`${e.message}\npage errors: ${rep.page.errors.join('\n')}`);
  });
  await rep.page.getByRole('textbox', { name: 'Note', exact: true }).fill(note);
  const sent = Date.now();
  await rep.page.getByRole('button', { name: 'Log activity' }).click();

  const item = manager.page.locator('.feed-item', { hasText: note });
  await item.waitFor({ timeout: 5000 });
  console.log(`feed latency: ${Date.now() - sent} ms from the click to the manager's feed`);
  const text = await item.innerText();
  assert.match(text, /Riley Park/);
  assert.match(text, /Call/);
  assert.match(text, /Unanswered/);
  assert.equal(await manager.page.locator('.feed-item').first().innerText(), text, 'newest on top');
  assert.equal(await manager.page.evaluate(() => window.__sameDocument), true, 'the feed was not reloaded');

  // The rep's timeline shows it with its outcome.
  await rep.page.locator('.timeline-activity', { hasText: note }).locator('.badge', { hasText: 'Unanswered' }).waitFor();
  assert.deepEqual([...manager.page.errors, ...rep.page.errors], [], 'no errors in the pages');
  await manager.context.close();
  await rep.context.close();
});

test('a deactivated type leaves the quick buttons and stays on the timeline', async () => {
  const rep = await as('rep2@demo.test', '/activities');
  const href = await openOwnLead(rep.page);
  const types = rep.page.getByRole('group', { name: 'Activity type' });
  await types.getByRole('button', { name: 'Email', exact: true }).click();
  const note = `Sent the price list ${Date.now()}`;
  await rep.page.getByRole('textbox', { name: 'Note', exact: true }).fill(note);
  await rep.page.getByRole('button', { name: 'Log activity' }).click();
  await rep.page.locator('.timeline-activity', { hasText: note }).waitFor({ timeout: 5000 }).catch((e) => {
    throw new Error(`${e.message}\npage errors: ${rep.page.errors.join('\n')}`);
  });

  const admin = await as('admin@demo.test', '/admin/activity-types');
  const card = admin.page.locator('.type-card', { has: admin.page.getByRole('heading', { name: 'Email', exact: true }) });
  await card.getByRole('button', { name: 'Deactivate' }).click();
  await admin.page.getByRole('heading', { name: 'Email inactive', exact: true }).waitFor();

  await open(rep.page, env.server.url, href);
  await rep.page.getByRole('heading', { name: 'Log an activity' }).waitFor();
  await types.getByRole('button', { name: 'Call', exact: true }).waitFor();
  assert.equal(await types.getByRole('button', { name: 'Email', exact: true }).count(), 0);
  const kept = rep.page.locator('.timeline-activity', { hasText: note });
  await kept.waitFor();
  assert.match(await kept.innerText(), /Email/);
  assert.deepEqual([...admin.page.errors, ...rep.page.errors], [], 'no errors in the pages');
  await rep.context.close();
  await admin.context.close();
});
