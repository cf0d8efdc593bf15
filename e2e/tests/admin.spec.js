// An admin on a phone-sized screen: the accounts, API tokens and audit-log
// pages and the password page are accessible (axe-core, WCAG 2 A/AA), do
// not scroll sideways, and work without JavaScript; a new token is shown
// once. Checks that describe the page (axe, width) are soft.
const { test, expect } = require('@playwright/test');
const {
  admin,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const mainNav = (page) => page.getByRole('navigation', { name: 'Huvudmeny' });

test('an admin opens accounts, creates an API token shown once and reads the audit log', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);
  await login(page, admin());

  await mainNav(page).getByRole('link', { name: 'Förvaltning', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/konton$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Konton');
  await expect(page.locator('table')).toContainText(admin().name);
  await expectNoAxeViolations(page, 'the accounts page', testInfo);
  await expectNoHorizontalScroll(page, 'the accounts page');

  await page.getByRole('link', { name: 'API-nycklar', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/nycklar$/);
  await page.locator('#label').fill('E2E-integration');
  await page.locator('#role').selectOption('analyst');
  await page.getByRole('button', { name: 'Skapa nyckel' }).click();
  const token = page.locator('#new-token');
  await expect(token).toHaveText(/^[0-9a-f]{64}$/);
  const secret = await token.textContent();
  await expect(page.locator('table')).toContainText('E2E-integration');
  await expectNoAxeViolations(page, 'the tokens page with a new token', testInfo);
  await expectNoHorizontalScroll(page, 'the tokens page with a new token');
  // Shown once: the list does not show it again.
  await page.getByRole('link', { name: 'API-nycklar', exact: true }).click();
  await expect(page.locator('#new-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  await page.getByRole('link', { name: 'Granskningslogg', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/logg$/);
  await expect(page.locator('table')).toContainText('API-nyckel skapad');
  await expect(page.locator('table')).toContainText('Inloggning');
  await expectNoAxeViolations(page, 'the audit log', testInfo);
  await expectNoHorizontalScroll(page, 'the audit log');

  await mainNav(page).getByRole('link', { name: 'Byt lösenord', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Byt lösenord');
  await expectNoAxeViolations(page, 'the password page', testInfo);
  await expectNoHorizontalScroll(page, 'the password page');

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});
