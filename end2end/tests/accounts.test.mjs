// User journeys: logging in, creating a user, logging out, logging in as that user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, open, logIn } from './harness.mjs';

const env = serverAndBrowser();

test('the demo admin logs in, creates a user, logs out, and the new user logs in', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await logIn(page, env.server.url, 'admin@demo.test', 'cadence-demo');
  await page.waitForURL(env.server.url + '/');
  await page.getByRole('heading', { name: 'Welcome, Alex' }).waitFor();
  await page.getByRole('link', { name: 'Demo Co' }).waitFor();

  await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const email = `rep.${Date.now()}@example.test`;
  await page.getByLabel('Name', { exact: true }).fill('Robin Newman');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption('member');
  await page.getByLabel('Segment').selectOption({ label: 'Closing' });
  await page.getByLabel('Initial password').fill('robin-password');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('status').filter({ hasText: `can now log in as ${email}` }).waitFor();
  const row = page.getByRole('row').filter({ hasText: email });
  await row.waitFor();
  assert.match(await row.innerText(), /Closing/);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(env.server.url + '/login');

  await logIn(page, env.server.url, email, 'robin-password');
  await page.waitForURL(env.server.url + '/');
  await page.getByRole('heading', { name: 'Welcome, Robin' }).waitFor();
  // A member sees no admin navigation.
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Users' }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wrong password shows one message and keeps the email typed', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await logIn(page, env.server.url, 'manager@demo.test', 'not-the-password');
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.equal(await page.getByLabel('Email').inputValue(), 'manager@demo.test');
  assert.equal(page.url(), env.server.url + '/login');
  await context.close();
});

test('an anonymous visitor is sent to the login page, and unknown pages say so', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.url + '/admin/users');
  await page.waitForURL(env.server.url + '/login');
  await page.getByRole('button', { name: 'Log in' }).waitFor();
  const response = await page.goto(env.server.url + '/nowhere');
  assert.equal(response.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await context.close();
});

test('the layout fits a phone screen', async () => {
  const context = await env.browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await logIn(page, env.server.url, 'admin@demo.test', 'cadence-demo');
  await page.waitForURL(env.server.url + '/');
  await open(page, env.server.url, '/admin/users');
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await context.close();
});
