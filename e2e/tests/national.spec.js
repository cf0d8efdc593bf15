// A national agency's analyst (issue 6) lands on the national overview
// after logging in: every municipality's key figures for a year on a
// phone-sized screen, accessible, and none of a municipality's own pages.
const { test, expect } = require('@playwright/test');
const {
  national,
  watchConsole,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

test('the national analyst sees every municipality in aggregate and nothing else', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/\/oversikt: Failed to load resource: .* status of 403\b/],
  });
  await page.setViewportSize({ width: 360, height: 780 });
  const who = national();
  await page.goto('/login');
  await page.locator('#name').fill(who.name);
  await page.locator('#password').fill(who.password);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await expect(page).toHaveURL(/\/nationellt$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nationell översikt');

  // This year's demo data: Stockholm's row with a count, and the sum.
  const table = page.getByRole('table');
  await expect(table.getByRole('rowheader', { name: 'Stockholms stad' })).toBeVisible();
  await expect(table.locator('tfoot')).toContainText('Summa');
  // The menu offers only the national overview and one's own account.
  const menu = page.getByRole('navigation', { name: 'Huvudmeny' });
  await expect(menu.getByRole('link')).toHaveText(['Nationell översikt', 'Byt lösenord']);
  await expectNoAxeViolations(page, 'the national overview', testInfo);
  await expectNoHorizontalScroll(page, 'the national overview');

  // Another year through the form; a bad year is explained.
  await page.locator('#year').fill('tjugo');
  await page.getByRole('button', { name: 'Visa' }).click();
  await expect(page.locator('#year-error')).toBeVisible();
  await expectNoAxeViolations(page, 'the national overview with an error', testInfo);

  // A municipality's overview is closed to the role.
  const resp = await page.goto('/oversikt');
  expect(resp.status()).toBe(403);
  expect(browserErrors.filter((e) => !/status of 400\b/.test(e))).toEqual([]);
});
