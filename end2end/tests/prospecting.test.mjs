// Prospecting: a manager imports a CSV with one bad row (seen by line), imports the good
// rows, assigns a row to a rep; the rep, on a phone, calls with the script and converts the
// prospect; the lead is on the board with the call on its timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, open, openAs } from './harness.mjs';

const env = serverAndBrowser();

const as = (email, path, viewport) => openAs(env, email, path, viewport);

function failWith(page) {
  return (e) => { throw new Error(`${e.message}\npage errors: ${page.errors.join('\n')}`); };
}

test('import with a bad row, assign, call with the script, convert, find the lead', async () => {
  const stamp = Date.now();
  const company = `Initrode ${stamp}`;
  const manager = await as('manager@demo.test', '/lists');
  const m = manager.page;

  // A new list, from the lists page.
  await m.getByLabel('Name', { exact: true }).fill(`Show leads ${stamp}`);
  await m.getByRole('button', { name: 'Create list' }).click();
  await m.getByRole('heading', { name: `Show leads ${stamp}` }).waitFor({ timeout: 10000 }).catch(failWith(m));
  await m.waitForSelector('body[data-hydrated="true"]');

  // Import a file with a bad email on line 3.
  const csv = `Company;Name;Phone;Email;City\n${company};Peter Gibbons;+33 1 00;peter@initrode.test;Austin\nBroken Ltd;Bill;+33 2 00;not-an-email;Dallas\nPenetrode;Joanna;+33 3 00;joanna@pene.test;Austin\n`;
  await m.getByText('Import a CSV file').click();
  await m.getByLabel('CSV file').setInputFiles({ name: 'prospects.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await m.getByRole('columnheader', { name: 'Peter Gibbons' }).count(); // preview renders rows as cells
  await m.getByRole('cell', { name: 'Peter Gibbons' }).waitFor({ timeout: 10000 }).catch(failWith(m));
  assert.equal(await m.getByLabel('Separator').inputValue(), ';', 'the semicolon was detected');
  await m.getByRole('button', { name: 'Import', exact: true }).click();
  const rejected = m.locator('.import-errors li');
  await rejected.first().waitFor({ timeout: 15000 }).catch(failWith(m));
  assert.match(await rejected.first().innerText(), /Line 3: Email: "not-an-email" is not an email address\./);
  await m.getByText('Rejected: 1 row. Nothing is imported yet.').waitFor();
  await m.getByRole('button', { name: 'Import the good rows (2 rows)' }).click();
  await m.getByText('Imported 2 rows (1 rejected).').waitFor({ timeout: 10000 }).catch(failWith(m));
  await m.getByRole('link', { name: company }).waitFor({ timeout: 10000 });
  assert.equal(await m.getByRole('link', { name: 'Broken Ltd' }).count(), 0);

  // Attach the demo's script, then assign the row to Riley.
  await m.getByText('List settings').click();
  await m.getByLabel('Script for calls').selectOption({ label: 'Qualification' });
  await m.getByRole('button', { name: 'Save settings' }).click();
  await m.getByText('Saved.').waitFor();
  await m.waitForSelector('body[data-hydrated="true"]');
  await m.getByRole('link', { name: company }).waitFor();
  await m.getByLabel(`Select ${company} · Peter Gibbons`).check();
  await m.getByLabel('Assign to').selectOption({ label: 'Riley Park' });
  await m.getByRole('button', { name: 'Assign', exact: true }).click();
  await m.getByText('Assigned: 1 row.').waitFor({ timeout: 10000 }).catch(failWith(m));
  const listPath = new URL(m.url()).pathname;

  // Riley, on a phone, opens the row and calls with the script.
  const rep = await as('rep1@demo.test', listPath, { width: 390, height: 844 });
  const r = rep.page;
  await r.getByRole('link', { name: company }).click();
  await r.getByRole('heading', { name: `${company} · Peter Gibbons` }).waitFor({ timeout: 10000 }).catch(failWith(r));
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.getByRole('button', { name: 'Call with script' }).click();
  await r.getByLabel('Who decides on the purchase? *').fill('Bill Lumbergh');
  await r.getByRole('radiogroup', { name: 'Budget this quarter? *' }).getByLabel('Yes').check();
  await r.locator('.question', { hasText: 'Budget this quarter?' }).getByText('Saved').waitFor({ timeout: 10000 }).catch(failWith(r));
  await r.locator('.question', { hasText: 'Who decides' }).getByText('Saved').waitFor({ timeout: 10000 });
  // Finishing the call logs a qualifying call (preselected) with its outcome.
  await r.getByRole('heading', { name: 'Finish the call' }).waitFor();
  await r.getByRole('group', { name: 'Outcome' }).getByRole('button', { name: 'Top fit' }).click();
  await r.getByRole('textbox', { name: 'Note', exact: true }).fill('Wants a demo next week');
  await r.getByRole('button', { name: 'Finish the call' }).click();
  const call = r.locator('.timeline-activity', { hasText: 'Wants a demo next week' });
  await call.waitFor({ timeout: 10000 }).catch(failWith(r));
  assert.match(await call.innerText(), /Qualifying call/);
  assert.match(await call.innerText(), /Top fit/);

  // Answers were saved as typed: they are there after a reload.
  await open(r, env.server.url, new URL(r.url()).pathname);
  await r.getByRole('button', { name: 'Call with script' }).click();
  assert.equal(await r.getByLabel('Who decides on the purchase? *').inputValue(), 'Bill Lumbergh');

  // Convert into a lead: the lead page shows the call.
  await r.getByRole('button', { name: 'Convert' }).click();
  await r.waitForURL(/\/leads\/\d+$/, { timeout: 10000 }).catch(failWith(r));
  await r.waitForSelector('body[data-hydrated="true"]');
  await r.locator('.timeline-activity', { hasText: 'Wants a demo next week' }).waitFor({ timeout: 10000 }).catch(failWith(r));
  await r.getByText('Bill Lumbergh').waitFor();

  // And the lead is on the board.
  await open(r, env.server.url, '/board');
  await r.locator('.lead-card', { hasText: company }).first().waitFor({ timeout: 10000 }).catch(failWith(r));

  assert.deepEqual([...m.errors, ...r.errors], [], 'no errors in the pages');
  await manager.context.close();
  await rep.context.close();
});
