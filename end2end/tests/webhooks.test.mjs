// Webhooks: an admin registers one on a phone-sized screen; a plain http:// address is refused
// next to its field with what was typed kept; the secret is shown once; the webhook is listed
// and can be turned off. (Its address is a closed port on this machine: nothing leaves it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openAs, open } from './harness.mjs';

const env = serverAndBrowser();

test('an admin registers a webhook, sees its secret once, and turns it off', async () => {
  const admin = await openAs(env, 'admin@demo.test', '/admin/webhooks', { width: 390, height: 844 });
  const page = admin.page;
  await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
  await page.waitForSelector('body[data-hydrated="true"]');
  await page.getByText('No webhooks yet.').waitFor();

  const address = page.getByLabel('Address (https://)');
  await address.fill('http://127.0.0.1:9/cadence');
  await page.getByLabel(/Activity deleted/).check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await page.locator('#webhook-url-error', { hasText: 'Use https://' }).waitFor({ timeout: 10000 });
  assert.equal(await address.inputValue(), 'http://127.0.0.1:9/cadence', 'what was typed stays');
  assert.ok(await page.getByLabel(/Activity deleted/).isChecked(), 'the events chosen stay');

  await address.fill('https://127.0.0.1:9/cadence');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.locator('code.secret');
  await secret.waitFor({ timeout: 10000 });
  assert.match(await secret.innerText(), /^whsec_[0-9a-f]{64}$/);
  const card = page.getByRole('region', { name: 'Webhook https://127.0.0.1:9/cadence' });
  await card.getByText('Active').waitFor();
  assert.match(await card.innerText(), /lead\.created, lead\.status_changed, activity\.created, activity\.deleted/);

  // After a reload the secret is gone for good.
  await open(page, env.server.url, '/admin/webhooks');
  await page.waitForSelector('body[data-hydrated="true"]');
  await card.waitFor();
  assert.equal(await page.locator('code.secret').count(), 0);

  await card.getByRole('button', { name: 'Turn off' }).click();
  await card.getByText('Off', { exact: true }).waitFor({ timeout: 10000 });
  await card.getByRole('button', { name: 'Turn on' }).waitFor();
});
