// A registrant on a phone-sized screen (360×740, set in playwright.config.js):
// registers a conversation and sees it counted; a rejected form keeps what was
// entered and counts nothing; no page scrolls sideways; axe-core finds no
// WCAG 2 A/AA violations. Checks that describe the page (axe, width) are soft:
// a run reports every page's problems, not just the first.
const { test, expect } = require('@playwright/test');
const {
  registrant,
  admin,
  watchConsole,
  login,
  conversationsFigure,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const mainNav = (page) => page.getByRole('navigation', { name: 'Huvudmeny' });

async function openConversationForm(page) {
  await mainNav(page).getByRole('link', { name: 'Registrera', exact: true }).click();
  await expect(page).toHaveURL(/\/registrera$/);
  await page.locator('a.kind', { hasText: 'Råd- och stödsamtal' }).click();
  await expect(page).toHaveURL(/\/registrera\/conversation$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Råd- och stödsamtal');
}

test('a registrant registers a conversation and the overview counts exactly one more', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);
  const who = registrant();

  await page.goto('/login');
  await expectNoAxeViolations(page, 'the login page', testInfo);
  await expectNoHorizontalScroll(page, 'the login page');

  await login(page, who);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Översikt: /);
  await expectNoAxeViolations(page, 'the overview', testInfo);
  const before = await conversationsFigure(page);

  await openConversationForm(page);
  // A registrant can only register for their own district, and it is chosen.
  await expect(page.locator('#f-district option')).toHaveCount(1);
  await expect(page.locator('#f-district')).toHaveValue(who.district);
  await expect(page.locator('#f-date')).not.toHaveValue('');
  await expect(page.locator('.saved')).toHaveCount(0);
  await expectNoAxeViolations(page, 'the empty conversation form', testInfo);

  await page.locator('#f-p-parent-woman').fill('1');
  await page.locator('#f-conversation_no-0').check(); // conversation number 1
  await page.locator('input[name="age_groups"][value="0-6"]').check();
  await page.locator('.actions button').click();

  await expect(page.locator('.saved')).toContainText('Sparat.');
  // The form comes back filled in "like this", ready for the next one.
  await expect(page.locator('#f-p-parent-woman')).toHaveValue('1');
  await expect(page.locator('#f-conversation_no-0')).toBeChecked();
  await expect(page.locator('input[name="age_groups"][value="0-6"]')).toBeChecked();
  await expectNoAxeViolations(page, 'the conversation form after saving', testInfo);

  await mainNav(page).getByRole('link', { name: 'Översikt', exact: true }).click();
  await expect(page).toHaveURL(/\/oversikt$/);
  expect(await conversationsFigure(page), 'conversations this year after one registration').toBe(before + 1);

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('a form with a future date is rejected with 422, keeps every value and counts nothing', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/\/registrera\/conversation: Failed to load resource: .* status of 422\b/],
  });
  await login(page, registrant());
  const before = await conversationsFigure(page);

  await openConversationForm(page);

  const entered = {
    '#f-unit': 'rinkeby-kista-familjecentral',
    '#f-resident_area': 'husby',
    '#f-p-parent-woman': '2',
    '#f-p-parent-man': '1',
    '#f-language': 'so',
    '#f-children': '3',
    '#f-how_found': 'bvc',
    '#f-next_step': 'new_conversation',
  };
  const checked = [
    '#f-conversation_no-1', // conversation number 2
    'input[name="age_groups"][value="0-6"]',
    'input[name="age_groups"][value="7-12"]',
    '#f-form-1', // phone
    '#f-q_helpful-0',
    '#f-q_recommend-1',
  ];

  await page.locator('#f-date').fill('2099-01-01');
  for (const [sel, value] of Object.entries(entered)) {
    const el = page.locator(sel);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(value);
  }
  for (const sel of checked) await page.locator(sel).check();

  const response = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/registrera/conversation',
  );
  await page.locator('.actions button').click();
  expect((await response).status(), 'status of the rejected POST').toBe(422);
  await page.waitForLoadState();

  await expect(page.locator('.saved')).toHaveCount(0);
  await expect(page.locator('#form-errors')).toBeVisible();
  await expect(page.locator('#form-errors')).toHaveAttribute('role', 'alert');

  // The error sits in the date's own field, and the input points at it.
  const dateField = page.locator('.field').filter({ has: page.locator('#f-date') });
  const dateError = dateField.locator('.field-error');
  await expect(dateError).toHaveCount(1);
  await expect(dateError).toContainText('framtiden');
  await expect(page.locator('#f-date')).toHaveAttribute('aria-invalid', 'true');
  const describedBy = await page.locator('#f-date').getAttribute('aria-describedby');
  expect(describedBy, '#f-date aria-describedby').toBeTruthy();
  await expect(page.locator(`[id="${describedBy}"]`)).toHaveClass(/field-error/);
  // Only the date is wrong.
  await expect(page.locator('.field-error')).toHaveCount(1);

  // Everything entered is still there, the wrong date included.
  await expect(page.locator('#f-date')).toHaveValue('2099-01-01');
  await expect(page.locator('#f-district')).toHaveValue(registrant().district);
  for (const [sel, value] of Object.entries(entered)) {
    await expect.soft(page.locator(sel), `${sel} kept`).toHaveValue(value);
  }
  for (const sel of checked) await expect.soft(page.locator(sel), `${sel} kept`).toBeChecked();
  await expect(page.locator('#f-conversation_no-none')).not.toBeChecked();

  await expectNoAxeViolations(page, 'the conversation form with errors', testInfo);
  await expectNoHorizontalScroll(page, 'the conversation form with errors');

  // Nothing was stored.
  await mainNav(page).getByRole('link', { name: 'Översikt', exact: true }).click();
  expect(await conversationsFigure(page), 'conversations this year after a rejected form').toBe(before);

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('every page fits 360 px without sideways scroll and passes axe', async ({ page }, testInfo) => {
  expect(page.viewportSize().width).toBe(360);
  const browserErrors = watchConsole(page);
  const check = async (what) => {
    await expectNoHorizontalScroll(page, what);
    await expectNoAxeViolations(page, what, testInfo);
  };

  await page.goto('/login');
  await check('the login page');

  await login(page, registrant());
  await check("the registrant's overview");
  await page.goto('/registrera');
  await check('the list of kinds');
  const kinds = await page.locator('a.kind').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  expect(kinds).toHaveLength(6);
  for (const href of kinds) {
    await page.goto(href);
    await check(`the form ${href}`);
  }

  // The admin sees every district: the overview adds a table per district.
  await page.context().clearCookies();
  await login(page, admin());
  await check("the admin's overview");
  await page.goto('/registrera/conversation');
  await check("the admin's conversation form");

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});
