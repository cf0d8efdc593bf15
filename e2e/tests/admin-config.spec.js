// An admin on a phone-sized screen (360 px) manages the municipality's
// configuration in the browser (issue 6): adds a unit on the organisation
// page (after a refused attempt whose input is kept) and an option to a
// value list on the forms page, sees them listed, and the registration
// form offers the new option. The pages are accessible (axe-core, WCAG 2
// A/AA) and do not scroll sideways; checks that describe the page are soft.
const { test, expect } = require('@playwright/test');
const {
  admin,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const adminNav = (page) => page.getByRole('navigation', { name: 'Förvaltning' });

test('an admin adds a unit on the organisation page', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/\/admin\/organisation\/ny-enhet: Failed to load resource: .* status of 422\b/],
  });
  await login(page, admin());
  await page.goto('/admin/konton');
  await adminNav(page).getByRole('link', { name: 'Organisation', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/organisation$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organisation');
  await expect(page.locator('main')).toContainText('Farsta');
  await expectNoAxeViolations(page, 'the organisation page', testInfo);
  await expectNoHorizontalScroll(page, 'the organisation page');

  // A code with capitals and a space is refused beside the form; what was
  // typed stays.
  const form = page.locator('#ny-enhet');
  await page.locator('#nu-code').fill('Fel kod');
  await page.locator('#nu-name').fill('E2E-familjecentralen');
  await page.locator('#nu-district').selectOption('farsta');
  await page.locator('#nu-kind').selectOption('family_centre');
  await form.getByRole('button', { name: 'Lägg till enheten' }).click();
  await expect(form.locator('.form-error')).toContainText('är ogiltig');
  await expect(page.locator('#nu-name')).toHaveValue('E2E-familjecentralen');
  await expect(page.locator('#nu-district')).toHaveValue('farsta');
  await expectNoAxeViolations(page, 'the organisation page with a refused form', testInfo);

  await page.locator('#nu-code').fill('e2e-familjecentralen');
  await form.getByRole('button', { name: 'Lägg till enheten' }).click();
  await expect(page).toHaveURL(/\/admin\/organisation\?sparad=ny-enhet/);
  await expect(page.locator('p.notice')).toHaveText('Sparat: enheten E2E-familjecentralen är tillagd.');
  const item = page.locator('#enheter ~ ul.config-items > li').filter({ hasText: 'e2e-familjecentralen' });
  await expect(item).toContainText('Familjecentral · Farsta');
  await expect(item).toContainText('I drift');
  await expectNoAxeViolations(page, 'the organisation page after saving', testInfo);
  await expectNoHorizontalScroll(page, 'the organisation page after saving');

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});

test('an admin adds an option to a value list on the forms page', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page);
  await login(page, admin());
  await page.goto('/admin/konton');
  await adminNav(page).getByRole('link', { name: 'Formulär', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/formular$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Formulär och värdelistor');
  await expectNoAxeViolations(page, 'the forms page', testInfo);
  await expectNoHorizontalScroll(page, 'the forms page');

  // A kind's form, opened: its questions, version and forms.
  const kind = page.locator('details#formular-conversation');
  await kind.locator('summary').click();
  await expect(kind).toContainText('how_found');
  await expectNoAxeViolations(page, 'the forms page with a kind open', testInfo);
  await expectNoHorizontalScroll(page, 'the forms page with a kind open');

  const list = page.locator('details#lista-how_found');
  await list.locator('summary').click();
  await page.locator('#ao-how_found-code').fill('e2e_poster');
  await page.locator('#ao-how_found-sv').fill('Affisch (e2e)');
  await page.locator('#ao-how_found-en').fill('Poster (e2e)');
  await list.getByRole('button', { name: /^Lägg till alternativet/ }).click();
  await expect(page).toHaveURL(/\/admin\/formular\?sparad=nytt-alternativ/);
  await expect(page.locator('p.notice')).toContainText('Sparat: alternativet Affisch (e2e) (e2e_poster) är tillagt');
  await expect(page.locator('p.notice')).toContainText('Nya formulärversioner');
  // The list is open after saving, with the new option in it.
  const saved = page.locator('details#lista-how_found');
  await expect(saved).toHaveAttribute('open', '');
  await expect(saved.locator('ul.config-items > li').filter({ hasText: 'e2e_poster' })).toContainText('Affisch (e2e)');
  await expectNoAxeViolations(page, 'the forms page after saving', testInfo);
  await expectNoHorizontalScroll(page, 'the forms page after saving');

  // The registration form offers it now.
  await page.goto('/registrera/conversation');
  await expect(page.locator('main')).toContainText('Affisch (e2e)');

  expect(browserErrors, 'errors in the browser console (CSP violations, failed loads)').toEqual([]);
});
