// The report pages on a phone-sized screen: the municipality dashboard, a
// district page, the gender-equality view, the committee report (also as
// printed and as PDF) and reporting completeness. Each passes axe-core
// (WCAG 2 A/AA) and fits 360 px; charts are labelled images with their
// data table beside them; a KPI's definition shows on keyboard focus.
const { test, expect } = require('@playwright/test');
const {
  registrant,
  admin,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const lastYear = new Date().getFullYear() - 1;

async function check(page, what, testInfo) {
  await expectNoHorizontalScroll(page, what);
  await expectNoAxeViolations(page, what, testInfo);
}

test('the dashboard, a district page and the gender view are accessible, charted and tabled', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);
  await login(page, admin());

  await page.goto(`/oversikt?year=${lastYear}&compare=1`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Översikt: Stockholms stad ${lastYear}`);
  await check(page, 'the municipality dashboard', testInfo);

  // Every chart is an image named by its title, with a data table after it.
  const charts = page.locator('svg.chart[role="img"]');
  expect(await charts.count(), 'charts on the dashboard').toBeGreaterThanOrEqual(4);
  for (const id of ['stadsdelar', 'trend', 'how_found', 'svar']) {
    const section = page.locator('section.figure-block').filter({ has: page.locator(`#h-${id}`) });
    await expect(section.locator('svg.chart title')).toHaveCount(1);
    await expect(section.locator('table caption')).toHaveCount(1);
    await expect(section.getByRole('link', { name: 'CSV' })).toHaveAttribute('href', new RegExp(`^/export/oversikt-${id}\\.csv\\?`));
  }

  // A KPI's definition appears when its name gets keyboard focus.
  const first = page.locator('.cards .card').first();
  await expect(first.locator('.definition')).toBeHidden();
  await first.locator('.what').focus();
  await expect(first.locator('.definition')).toBeVisible();
  await expect(first.locator('.definition')).toContainText('Råd- och stödsamtal under perioden');
  await expect(first.locator('.what')).toHaveAttribute('aria-describedby', 'def-conversations');
  // With comparison, the card says how much it changed.
  await expect(first.locator('.change')).toContainText('mot samma period året innan');

  // A tertial, then a date range (no breakdowns for a range).
  await page.locator('#tertial').selectOption('2');
  await page.getByRole('button', { name: 'Visa' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Översikt: Stockholms stad T2 ${lastYear}`);
  await page.locator('#from').fill(`${lastYear}-02-01`);
  await page.locator('#to').fill(`${lastYear}-03-15`);
  await page.getByRole('button', { name: 'Visa' }).click();
  await expect(page.locator('#withheld')).toContainText('bara för hela år och hela tertial');
  await check(page, 'the dashboard for a date range', testInfo);

  // The district page, from the list of districts.
  await page.goto(`/oversikt?year=${lastYear}`);
  await page.locator('.district-links').getByRole('link', { name: 'Farsta' }).click();
  await expect(page).toHaveURL(/\/oversikt\/farsta\?/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Översikt: Farsta ${lastYear}`);
  await check(page, 'the Farsta page', testInfo);

  await page.goto(`/jamstalldhet?year=${lastYear}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Jämställdhetsanalys: Stockholms stad');
  expect(await page.locator('svg.chart[role="img"]').count()).toBeGreaterThanOrEqual(3);
  await check(page, 'the gender-equality view', testInfo);

  await page.goto(`/inrapportering?year=${lastYear}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Inrapportering: Stockholms stad ${lastYear}`);
  await check(page, 'reporting completeness', testInfo);

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('the committee report reads as sentences, prints without menus and downloads as PDF and CSV', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);
  await login(page, admin());
  await page.goto(`/rapport?year=${lastYear}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Förebyggande föräldraskapsstöd: resultat ${lastYear}`);
  await expect(page.locator('.committee')).toContainText(`Under ${lastYear} genomfördes`);
  await expect(page.locator('.committee')).toContainText(`jämfört med ${lastYear - 1}`);
  await expect(page.getByRole('heading', { name: 'Jämställdhetsanalys' })).toBeVisible();
  await check(page, 'the committee report', testInfo);

  // As printed: no menus, pickers or download links; the report remains.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.top')).toBeHidden();
  await expect(page.locator('.picker')).toBeHidden();
  await expect(page.locator('.downloads')).toBeHidden();
  await expect(page.locator('.committee h1')).toBeVisible();
  await page.emulateMedia({ media: 'screen' });

  const pdf = await page.request.get(await page.getByRole('link', { name: 'Ladda ner rapporten som PDF' }).getAttribute('href'));
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  const csvHref = await page.locator('.downloads a[href^="/export/rapport-sammanfattning.csv?"]').getAttribute('href');
  const csv = await page.request.get(csvHref);
  expect(csv.status()).toBe(200);
  const text = (await csv.body()).toString('utf8');
  expect(text.charCodeAt(0), 'a byte-order mark for Excel').toBe(0xfeff);
  expect(text).toContain('Råd- och stödsamtal');

  // The projection sentence for a year cut at an as-of date.
  await page.goto(`/rapport?year=${lastYear}&as_of=${lastYear}-08-31`);
  await expect(page.locator('.committee')).toContainText('Om lika många samtal hålls under resten av året innebär det cirka');

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('a registrant sees their own district and no committee report', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/\/rapport: Failed to load resource: .* status of 403\b/],
  });
  const who = registrant();
  await login(page, who);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Översikt: Rinkeby-Kista /);
  await expect(page.locator('a[href^="/export/"]')).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Huvudmeny' }).getByRole('link', { name: 'Rapport' })).toHaveCount(0);
  await check(page, "the registrant's dashboard", testInfo);
  const resp = await page.goto('/rapport');
  expect(resp.status()).toBe(403);
  expect(browserErrors).toEqual([]);
});
