// The public catalogue of support on a phone-sized screen (360×740): a parent
// filters it with the form (GET, so the URL can be shared) in Swedish and in
// English; an admin updates two districts' entries and a parent whose
// district has a queue sees where a group starts sooner, nearest first.
// Every page fits 360 px and axe-core finds no WCAG 2 A/AA violations.
const { test, expect } = require('@playwright/test');
const {
  admin,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const check = async (page, what, testInfo) => {
  await expectNoHorizontalScroll(page, what);
  await expectNoAxeViolations(page, what, testInfo);
};

/** `YYYY-MM-DD` of today + `days` (UTC, as the server counts days). */
const inDays = (days) => new Date(Date.now() + days * 864e5).toISOString().slice(0, 10);

test('a parent filters the catalogue in Swedish and English, and the URL keeps the filter', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);

  await page.goto('/katalog');
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Stöd för föräldrar och barn');
  // The seeds' interventions with their levels.
  for (const name of ['Råd- och stödsamtal', 'Komet', 'Circle of Security Parenting (Trygghetscirkeln)', 'Trappan']) {
    await expect(page.locator('.intervention h3', { hasText: name }).first()).toBeVisible();
  }
  await expect(page.getByRole('heading', { level: 2, name: 'Universell prevention' })).toBeVisible();
  await check(page, 'the catalogue', testInfo);
  const everything = await page.locator('.intervention').count();

  // The filter form works without JavaScript: a GET with the choices.
  await page.locator('#age').selectOption('4');
  await page.locator('#district').selectOption('farsta');
  await page.getByRole('button', { name: 'Visa', exact: true }).click();
  await expect(page).toHaveURL(/\/katalog\?(.*&)?age=4(&|$)/);
  await expect(page).toHaveURL(/district=farsta/);
  const shown = await page.locator('.intervention').count();
  expect(shown, 'a filtered list is shorter').toBeLessThan(everything);
  expect(shown).toBeGreaterThan(0);
  // Each entry says how it is in Farsta.
  await expect(page.locator('.offer-status .status-heading')).toHaveCount(shown);
  await expect(page.locator('.offer-status .status-heading').first()).toHaveText('I Farsta');
  // Programmes for teenagers are not for a four-year-old.
  await expect(page.locator('.intervention h3', { hasText: 'Ungdomskomet' })).toHaveCount(0);
  await check(page, 'the catalogue filtered by age and district', testInfo);

  // The URL is the filter: opened afresh, the same choices and results.
  const shared = page.url();
  await page.goto(shared);
  await expect(page.locator('#age')).toHaveValue('4');
  await expect(page.locator('#district')).toHaveValue('farsta');
  await expect(page.locator('.intervention')).toHaveCount(shown);

  // In English, with the filter kept.
  await page.getByRole('link', { name: 'In English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page).toHaveURL(/lang=en/);
  await expect(page).toHaveURL(/district=farsta/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Support for parents and children');
  await expect(page.locator('#age')).toHaveValue('4');
  await expect(page.locator('.intervention')).toHaveCount(shown);
  await expect(page.locator('.offer-status .status-heading').first()).toHaveText('In Farsta');
  await check(page, 'the English catalogue filtered', testInfo);

  // Changing the filter in English stays in English.
  await page.locator('#language').selectOption('so');
  await page.locator('#district').selectOption('');
  await page.locator('#age').selectOption('');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(/lang=en/);
  await expect(page).toHaveURL(/language=so/);
  await expect(page.locator('.intervention h3', { hasText: 'FÖS – Parenting in Sweden' })).toBeVisible();
  await expect(page.locator('.intervention h3', { hasText: /^Komet$/ })).toHaveCount(0);

  // A detail page in both languages.
  await page.locator('.intervention h3 a', { hasText: 'ICDP – Guided interaction' }).click();
  await expect(page).toHaveURL(/\/katalog\/icdp\?lang=en$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ICDP – Guided interaction');
  await expect(page.getByRole('heading', { level: 2, name: 'In the districts' })).toBeVisible();
  await check(page, 'an English detail page', testInfo);
  await page.getByRole('link', { name: 'På svenska' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ICDP – Vägledande samspel');
  await check(page, 'a Swedish detail page', testInfo);

  // An empty result says what to do.
  await page.goto('/katalog?age=expecting&category=childrens_group');
  await expect(page.locator('.notice')).toContainText('Inget stöd passar alla dina val');
  await check(page, 'an empty catalogue', testInfo);

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('an admin updates entries, and a parent facing a queue sees where a group starts sooner', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/\/katalog\/redigera: Failed to load resource: .* status of 422\b/],
  });
  await login(page, admin());

  const update = async (district, { waiting, start, places }) => {
    await page.goto(`/katalog/redigera?district=${district}`);
    const entry = page.locator('details#komet');
    if (!(await entry.evaluate((d) => d.open))) await entry.locator('summary').click();
    await entry.locator('input[name="offered"][value="yes"]').check();
    await entry.locator('#komet-contact_unit').fill(`Familjecentralen ${district}`);
    await entry.locator('#komet-contact_phone').fill('08-465 004 99');
    await entry.locator('#komet-contact_email').fill(`familjecentralen.${district}@demo.invalid`);
    await entry.locator('#komet-waiting_weeks').fill(String(waiting));
    await entry.locator('#komet-next_start').fill(start);
    await entry.locator('#komet-free_places').fill(String(places));
    await entry.getByRole('button', { name: 'Spara Komet' }).click();
    await expect(page).toHaveURL(new RegExp(`/katalog/redigera\\?district=${district}&sparat=komet#komet$`));
    await expect(page.locator('.saved')).toContainText('Sparat: Komet.');
  };

  await page.goto('/katalog/redigera?district=farsta');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Uppdatera katalogen: Farsta');
  await expect(page.locator('.warning-box')).toContainText('Skriv aldrig en enskild medarbetares namn');
  await check(page, 'the edit page', testInfo);

  // A wrong entry is refused with the reason beside the field.
  const entry = page.locator('details#komet');
  await entry.locator('summary').click();
  await entry.locator('input[name="offered"][value="yes"]').check();
  await entry.locator('#komet-contact_unit').fill('Anna 070-123 45 67');
  const refused = page.waitForResponse((r) => r.request().method() === 'POST');
  await entry.getByRole('button', { name: 'Spara Komet' }).click();
  expect((await refused).status()).toBe(422);
  await page.waitForLoadState();
  await expect(page.locator('#komet-contact_unit')).toHaveValue('Anna 070-123 45 67');
  await expect(page.locator('#komet-contact_unit')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#komet-contact_unit-error')).toContainText('Telefon och e-post har egna fält');
  await check(page, 'the edit page with an error', testInfo);

  // Farsta: six weeks' queue. Bromma: a group in three days.
  await update('farsta', { waiting: 6, start: inDays(60), places: 2 });
  await check(page, 'the edit page after saving', testInfo);
  await update('bromma', { waiting: 0, start: inDays(3), places: 5 });

  await page.goto('/katalog/inaktuella');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Inaktuella uppgifter');
  await check(page, 'the stale entries', testInfo);
  await page.goto('/katalog/vantetider?intervention=komet');
  await expect(page.locator('table.trend tbody tr', { hasText: 'Farsta' })).toHaveCount(1);
  await check(page, 'the waiting-time trends', testInfo);
  await page.goto('/admin/katalog');
  await check(page, "the admin's list of interventions", testInfo);
  await page.goto('/admin/katalog/komet');
  await check(page, "the admin's intervention form", testInfo);

  // Now as a parent, not logged in.
  await page.context().clearCookies();
  await page.goto('/katalog?district=farsta');
  const komet = page.locator('.intervention', { has: page.locator('h3', { hasText: /^Komet$/ }) });
  await expect(komet.locator('.offer-status')).toContainText('6 veckor');
  await expect(komet.locator('.sooner')).toContainText('Startar tidigare i');
  await komet.locator('.sooner a').click();
  await expect(page).toHaveURL(/\/katalog\/komet\?district=farsta#sooner$/);
  await expect(page.locator('#sooner')).toHaveText('Startar tidigare i …');
  const alternatives = page.locator('ol.alternatives > li');
  await expect(alternatives.filter({ hasText: 'Bromma' })).toHaveCount(1);
  await expect(alternatives.filter({ hasText: 'Farsta' })).toHaveCount(0);
  const starts = await alternatives.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  expect(starts.length).toBeGreaterThan(0);
  expect(starts, 'nearest start first').toEqual([...starts].sort());
  expect(starts.every((d) => d >= inDays(0)), 'only starts from today on').toBe(true);
  await check(page, 'the detail page with alternatives', testInfo);

  await page.getByRole('link', { name: 'In English' }).click();
  await expect(page.locator('#sooner')).toHaveText('Starts sooner in …');
  await expect(page.locator('section.own')).toContainText('In Farsta the waiting time is 6 weeks.');
  await check(page, 'the English detail page with alternatives', testInfo);

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});
