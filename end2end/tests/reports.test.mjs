// Reports: each of the five opens with a drawn chart and a table equal to the API's CSV; the
// range lives in the URL; the CSV downloads; a member sees only themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { serverAndBrowser, openAs } from './harness.mjs';

const env = serverAndBrowser();

const REPORTS = [
  'team-activity',
  'prospecting-list',
  'pipeline-performance',
  'team-performance',
  'company-performance',
];

/// RFC 4180 records (quoted fields with commas and doubled quotes).
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\n') { record.push(field); records.push(record); record = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field || record.length) { record.push(field); records.push(record); }
  return records;
}

/// Every table of the page as records: header, rows, total; tables separated by `['']`.
async function pageTables(page) {
  return page.locator('.report-table table').evaluateAll((tables) => {
    const out = [];
    tables.forEach((table, i) => {
      if (i > 0) out.push(['']);
      for (const tr of table.querySelectorAll('tr')) {
        out.push([...tr.children].map((cell) => cell.innerText.trim()));
      }
    });
    return out;
  });
}

async function chartDrawn(page, slug) {
  const canvas = page.locator(`#report-chart-${slug} canvas`).first();
  await canvas.waitFor({ timeout: 15000 });
  const size = await canvas.evaluate((c) => c.width * c.height);
  assert.ok(size > 0, `the ${slug} chart has a drawing surface`);
}

test('each report shows a chart and the API\'s numbers, and follows a change of range', async () => {
  const manager = await openAs(env, 'manager@demo.test', '/reports/team-activity?range=this_quarter');
  const page = manager.page;
  for (const slug of REPORTS) {
    await page.goto(`${env.server.url}/reports/${slug}?range=this_quarter`);
    await page.locator('.report-table table').first().waitFor();
    await chartDrawn(page, slug);
    const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.match(csvHref, /format=csv/);
    const api = await page.request.get(env.server.url + csvHref);
    assert.equal(api.status(), 200, `${slug}: the API answers`);
    assert.deepEqual(await pageTables(page), parseCsv(await api.text()), `${slug}: the table is the API's CSV`);
    // The JSON answer carries the same numbers as plain values.
    const json = await (await page.request.get(env.server.url + csvHref.replace('&format=csv', ''))).json();
    assert.equal(typeof json, 'object');
  }

  // The range is in the URL: choosing another preset reloads the numbers for it.
  await page.goto(`${env.server.url}/reports/company-performance?range=this_quarter&by=week`);
  await page.locator('.report-table table').first().waitFor();
  const weeks = await page.locator('.report-table tbody tr').count();
  assert.ok(weeks >= 13, `a quarter has at least 13 weeks (saw ${weeks})`);
  await page.getByLabel('Range').selectOption('last_month');
  await page.waitForURL(/range=last_month/);
  await page.waitForFunction(() => document.querySelectorAll('.report-table tbody tr').length <= 6);
  await page.getByLabel('Per').selectOption('day');
  await page.waitForURL(/by=day/);
  await page.waitForFunction(() => document.querySelectorAll('.report-table tbody tr').length >= 28);
  await chartDrawn(page, 'company-performance');

  // A custom range from the date fields.
  await page.getByLabel('Range').selectOption('custom');
  await page.waitForURL(/range=custom/);
  await page.getByLabel('From').fill('2026-01-05');
  await page.getByLabel('From').dispatchEvent('change');
  await page.waitForURL(/from=2026-01-05/);

  // The CSV downloads with the table's numbers.
  await page.goto(`${env.server.url}/reports/team-performance?range=this_quarter`);
  await page.locator('.report-table table').first().waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const file = await readFile(await download.path(), 'utf8');
  assert.deepEqual(parseCsv(file), await pageTables(page));
  assert.match(download.suggestedFilename(), /^team-performance-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  assert.deepEqual(page.errors, [], 'no errors in the page');
  await manager.context.close();
});

test('a member sees the reports about themselves only, on a phone', async () => {
  const rep = await openAs(env, 'rep1@demo.test', '/reports/team-activity?range=this_quarter', { width: 390, height: 844 });
  const page = rep.page;
  await page.locator('.report-table table').first().waitFor();
  await page.getByText('These are your own numbers').waitFor();
  const people = await page.locator('.report-table tbody th').allInnerTexts();
  assert.equal(people.length, 1, `one row: ${people}`);
  assert.equal(await page.getByLabel('Person').count(), 0, 'no choice of person');
  await chartDrawn(page, 'team-activity');
  assert.deepEqual(page.errors, [], 'no errors in the page');
  await rep.context.close();
});

test('names people typed stay text in the charts, their tooltips included', async () => {
  const admin = await openAs(env, 'admin@demo.test', '/reports/team-activity?range=this_quarter');
  const page = admin.page;
  const base = env.server.url;
  // The app's own calls carry this header; the API refuses cookie writes without it.
  const headers = { 'X-Requested-With': 'cadence-e2e' };
  const markup = '<img src=x onerror=window.__xss=1>';
  const created = await page.request.post(`${base}/api/v1/activity-types`, { data: { name: markup }, headers });
  assert.equal(created.status(), 201, await created.text());
  const type = await created.json();
  const leads = await (await page.request.get(`${base}/api/v1/leads?limit=1`)).json();
  const logged = await page.request.post(`${base}/api/v1/activities`, {
    data: { type_id: type.id, lead_id: leads.items[0].id },
    headers,
  });
  assert.equal(logged.status(), 201, await logged.text());

  await page.goto(`${base}/reports/team-activity?range=this_quarter`);
  await page.locator('.report-table table').first().waitFor();
  await chartDrawn(page, 'team-activity');
  const table = await page.locator('.report-table thead').first().innerText();
  assert.ok(table.includes(markup), `the table's heading names the type as text: ${table}`);
  // Hovering over the bars shows a tooltip (HTML, drawn by ECharts) listing every type.
  const chart = page.locator('#report-chart-team-activity');
  const box = await chart.locator('canvas').first().boundingBox();
  let tooltip = '';
  for (let i = 1; i < 20 && !tooltip.includes(markup); i++) {
    await page.mouse.move(box.x + (box.width * i) / 20, box.y + box.height / 2);
    await page.waitForTimeout(150);
    tooltip = await chart.evaluate((el) => el.innerText);
  }
  assert.ok(tooltip.includes(markup), `a tooltip names the type as text: ${tooltip}`);
  assert.equal(await chart.locator('img').count(), 0, 'no element made of the name');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script of the name ran');
  assert.deepEqual(page.errors, [], 'no errors in the page');
  await admin.context.close();
});
