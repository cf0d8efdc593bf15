// The steering instruments in a browser on a 360 px phone screen:
// an analyst (the admin account) creates a Spindeln round; staff answer the
// anonymous link without logging in; the analyst reads the results with the
// radar chart; a district lead saves a status report as a draft and submits
// it. axe-core finds no WCAG 2 A/AA violations and no page scrolls sideways.
const { test, expect } = require('@playwright/test');
const {
  admin,
  lead,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const mainNav = (page) => page.getByRole('navigation', { name: 'Huvudmeny' });

test('a Spindeln round: created, answered anonymously on a phone, results with a radar', async ({ page, browser }, testInfo) => {
  const browserErrors = watchConsole(page);
  const roundName = `E2E-mätning ${Date.now()}`;

  await login(page, admin());
  await mainNav(page).getByRole('link', { name: 'Spindeln', exact: true }).click();
  await expect(page).toHaveURL(/\/spindeln$/);
  await expectNoAxeViolations(page, 'the Spindeln rounds', testInfo);
  await page.getByRole('link', { name: 'Ny mätomgång' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ny mätomgång');
  await expectNoAxeViolations(page, 'the new round form', testInfo);
  await expectNoHorizontalScroll(page, 'the new round form');

  await page.locator('#f-name').fill(roundName);
  // Only Farsta answers in this round.
  for (const box of await page.locator('input[name="districts"]').all()) {
    await box.setChecked((await box.getAttribute('value')) === 'farsta');
  }
  await page.getByRole('button', { name: 'Skapa mätomgången och svarslänkarna' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Svarslänkar: ${roundName}`);
  await expect(page.locator('table.links tbody tr')).toHaveCount(4);
  await expectNoAxeViolations(page, 'the respondent links', testInfo);
  await expectNoHorizontalScroll(page, 'the respondent links');
  const row = page.locator('table.links tbody tr', { hasText: 'Socialtjänst' });
  const link = (await row.locator('code').innerText()).trim();
  expect(link).toMatch(/\/s\/[0-9a-f]{30}$/);

  // Staff answer on their phones: no login, no cookies.
  const staff = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'sv-SE' });
  const phone = await staff.newPage();
  const phoneErrors = watchConsole(phone, { allow: [/Failed to load resource: .* status of 422\b/] });
  await phone.goto(link);
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Spindeln: förutsättningar för samverkan');
  await expect(phone.getByText('Socialtjänst')).toBeVisible();
  await expectNoAxeViolations(phone, 'the answer form', testInfo);
  await expectNoHorizontalScroll(phone, 'the answer form');
  // A question left out: the answer comes back, with what was chosen.
  await phone.locator('input[name="i1"][value="4"]').check();
  await phone.getByRole('button', { name: 'Skicka svaret' }).click();
  await expect(phone.locator('#form-errors')).toBeVisible();
  await expect(phone.locator('input[name="i1"][value="4"]')).toBeChecked();
  await expectNoAxeViolations(phone, 'the answer form with errors', testInfo);
  // Five colleagues answer, one at a time.
  for (let n = 1; n <= 5; n++) {
    await phone.goto(link);
    for (let i = 1; i <= 9; i++) {
      const value = i === 9 && n === 1 ? 'dk' : String(((n + i) % 5) + 1);
      await phone.locator(`input[name="i${i}"][value="${value}"]`).check();
    }
    await phone.getByRole('button', { name: 'Skicka svaret' }).click();
    await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Tack för ditt svar!');
  }
  await expectNoAxeViolations(phone, 'the thank-you page', testInfo);
  expect(await staff.cookies(), 'answering sets no cookie').toEqual([]);
  expect(phoneErrors, 'errors in the browser console while answering').toEqual([]);
  await staff.close();

  // The analyst's results: the city view, then Farsta with its radar.
  await mainNav(page).getByRole('link', { name: 'Spindeln', exact: true }).click();
  await page.getByRole('link', { name: roundName }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(roundName);
  await expectNoAxeViolations(page, 'the round results (city view)', testInfo);
  await expectNoHorizontalScroll(page, 'the round results (city view)');
  const farstaRow = page.locator('table.city tbody tr', { hasText: 'Farsta' });
  await expect(farstaRow.locator('td').first()).toHaveText('5');
  await farstaRow.getByRole('link', { name: 'Farsta' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Farsta: ${roundName}`);
  const radar = page.getByRole('img', { name: new RegExp(`^Spindeln Farsta: ${roundName}`) });
  await expect(radar).toBeVisible();
  await expect(radar.locator('line.axis')).toHaveCount(9);
  await expect(radar.locator('polygon.current')).toHaveCount(1);
  // Item 1 was rated (n + 1) % 5 + 1 for n = 1..5: 3, 4, 5, 1, 2 → mean 3,0.
  const first = page.locator('table').first().locator('tbody tr').first();
  await expect(first.locator('td').nth(0)).toHaveText('3,0');
  await expect(first.locator('td').nth(1)).toHaveText('1–5');
  await expectNoAxeViolations(page, 'the district results with the radar', testInfo);
  await expectNoHorizontalScroll(page, 'the district results with the radar');

  expect(browserErrors, 'errors in the browser console').toEqual([]);
});

test('a district lead saves a status report as a draft and submits it', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, { allow: [/Failed to load resource: .* status of 422\b/] });
  const who = lead();
  await login(page, who);
  await mainNav(page).getByRole('link', { name: 'Statusrapporter', exact: true }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expectNoAxeViolations(page, 'the status report periods', testInfo);
  await page.locator('.periods a.kind').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Statusrapport Farsta T\d \d{4}$/);
  await expect(page.locator('.warning')).toContainText('aldrig om enskilda familjer');
  await expectNoAxeViolations(page, 'the empty status report form', testInfo);
  await expectNoHorizontalScroll(page, 'the status report form');

  // A draft with one strategy filled in.
  await page.locator('input[name="status.advisors_open_preschool"][value="ongoing"]').check();
  await page.locator('#f-comment-advisors_open_preschool').fill('Två förmiddagar i veckan.');
  await page.locator('#f-works').fill('Tematräffarna på öppna förskolan.');
  await page.getByRole('button', { name: 'Spara utkast' }).click();
  await expect(page.locator('.saved')).toContainText('Utkastet är sparat');
  await expect(page.locator('#f-works')).toHaveValue('Tematräffarna på öppna förskolan.');
  await expect(page.locator('input[name="status.advisors_open_preschool"][value="ongoing"]')).toBeChecked();

  // Submitting needs every strategy's status.
  await page.getByRole('button', { name: 'Lämna in' }).click();
  await expect(page.locator('#form-errors')).toBeVisible();
  await expectNoAxeViolations(page, 'the status report with errors', testInfo);
  for (const group of await page.locator('fieldset.strategy').all()) {
    const planned = group.locator('input[type="radio"][value="planned"]');
    if (!(await group.locator('input[type="radio"]:checked').count())) await planned.check();
  }
  await page.getByRole('button', { name: 'Lämna in' }).click();
  await expect(page.locator('.saved')).toContainText('inlämnad och låst');
  await expect(page.getByRole('button', { name: 'Lämna in' })).toHaveCount(0);
  await expect(page.getByRole('cell', { name: 'Två förmiddagar i veckan.' })).toBeVisible();
  await expectNoAxeViolations(page, 'the submitted status report', testInfo);
  await expectNoHorizontalScroll(page, 'the submitted status report');
  const url = page.url();

  // The analyst sees it as submitted.
  await page.getByRole('button', { name: 'Logga ut' }).click();
  await login(page, admin());
  await page.goto(url.replace(/\/farsta.*$/, ''));
  await expect(page.locator('table').first().locator('tr', { hasText: 'Farsta' })).toContainText('Inlämnad');
  await expectNoAxeViolations(page, 'the status reports of a tertial', testInfo);
  await page.getByRole('link', { name: 'Sammanställning för styrgruppen (utskrift)' }).click();
  await expect(page.locator('#d-farsta')).toHaveText('Farsta');
  await expectNoAxeViolations(page, 'the compilation', testInfo);

  expect(browserErrors, 'errors in the browser console').toEqual([]);
});
