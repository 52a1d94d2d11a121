// The morning digest: an admin previews anyone's digest of any day (the email in a frame, or
// its text), a bad setting is refused next to its field with what was typed kept; a rep turns
// their own digest on from their account page, on a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openAs } from './harness.mjs';

const env = serverAndBrowser();

test('an admin previews the digest of a day for a manager, as HTML and as text', async () => {
  const admin = await openAs(env, 'admin@demo.test', '/admin/digest');
  const page = admin.page;
  await page.getByRole('heading', { name: 'Morning digest' }).waitFor();
  // No relay on this server: digests would go to the outbox, and the page says so.
  await page.getByText('No SMTP relay is set').waitFor();

  // The manager's digest about yesterday, in a sandboxed frame.
  await page.getByLabel('For', { exact: true }).selectOption({ label: 'Morgan Manager' });
  const subject = page.locator('.digest-subject');
  await subject.getByText('daily digest for').waitFor();
  await page.locator('.digest-head', { hasText: 'manager@demo.test' }).waitFor();
  const frame = page.frameLocator('iframe.digest-frame');
  await frame.getByText('Your team on').waitFor();
  const rows = await frame.locator('table.reps tr').count();
  assert.ok(rows >= 2, `a row per rep under the header (saw ${rows})`);

  // Another day, as text: the text part names the day.
  await page.getByLabel('Day').fill('2026-11-02');
  await page.getByLabel('Day').dispatchEvent('change');
  await subject.getByText('Mon 2 Nov 2026').waitFor();
  await page.getByLabel('Plain text').check();
  await page.locator('pre.digest-text', { hasText: 'Monday 2 November 2026' }).waitFor();
  assert.match(await page.locator('pre.digest-text').innerText(), /Activities: /);

  // A port out of range is refused next to its field; what was typed stays. (A relay on this
  // machine where none listens: nothing leaves it.)
  await page.getByLabel('SMTP host').fill('127.0.0.1');
  await page.getByLabel('SMTP port').fill('70000');
  await page.getByLabel('From', { exact: true }).fill('Cadence <digest@example.com>');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('.field.invalid', { hasText: 'SMTP port' }).getByText('from 1 to 65535').waitFor();
  assert.equal(await page.getByLabel('SMTP host').inputValue(), '127.0.0.1');
  await page.getByLabel('SMTP port').fill('587');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').getByText('Saved.').waitFor();
  await page.getByText('Digests are sent through this relay.').waitFor();
  // The refused save is the one failed request the browser reports.
  const unexpected = page.errors.filter((e) => !e.includes('status of 422'));
  assert.equal(page.errors.length - unexpected.length, 1, 'one refused save');
  assert.deepEqual(unexpected, [], 'no other errors in the page');
  await admin.context.close();
});

test('a rep turns their own morning digest on, on a phone', async () => {
  const rep = await openAs(env, 'rep2@demo.test', '/account', { width: 390, height: 844 });
  const page = rep.page;
  const receives = page.getByLabel("Email me the day before's numbers every morning");
  await receives.waitFor();
  assert.equal(await receives.isChecked(), false, 'members have it off until they ask');
  await receives.check();
  await page.getByRole('button', { name: 'Save digest choice' }).click();
  await page.locator('.card', { hasText: 'Morning digest' }).getByRole('status').getByText('Saved.').waitFor();
  await page.reload();
  await page.waitForSelector('body[data-hydrated="true"]');
  assert.equal(await page.getByLabel("Email me the day before's numbers every morning").isChecked(), true);
  assert.deepEqual(page.errors, [], 'no errors in the page');
  await rep.context.close();
});
