// The API reference: a member reads how to get a token and finds an operation with its
// parameters, read from the OpenAPI document the server serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openAs } from './harness.mjs';

const env = serverAndBrowser();

test('a member finds an operation and its parameters in the API reference', async () => {
  const rep = await openAs(env, 'rep1@demo.test', '/account');
  const page = rep.page;
  await page.getByRole('link', { name: 'API reference' }).click();
  await page.waitForURL(/\/api-reference$/);
  await page.getByRole('heading', { name: 'Getting started' }).waitFor();
  await page.getByText('Authorization: Bearer $TOKEN', { exact: false }).waitFor();
  // Every operation of the document is listed.
  const document = await (await page.request.get(`${env.server.url}/api/v1/openapi.json`)).json();
  const expected = Object.values(document.paths)
    .map((item) => ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).length)
    .reduce((a, b) => a + b, 0);
  await page.locator('details.api-op').first().waitFor();
  assert.equal(await page.locator('details.api-op').count(), expected);
  // Typing narrows the list; opening an operation shows its parameters.
  await page.getByLabel('Find an operation').fill('digests/deliveries');
  await page.waitForFunction(() => document.querySelectorAll('details.api-op').length === 1);
  await page.locator('details.api-op summary').click();
  const op = page.locator('details.api-op');
  await op.getByRole('cell', { name: 'date' }).waitFor();
  await op.getByText('DigestDeliveryPage').waitFor();
  assert.deepEqual(rep.page.errors, [], 'no errors in the page');
  await rep.context.close();
});
