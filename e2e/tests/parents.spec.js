// Parents answer the parents' questions themselves, anonymously and in their
// own language: on the advisor's device ("Låt föräldern svara" logs the
// advisor out first) or on their own phone through the QR code / short link.
// Covers Swedish and Arabic (right to left), the used and the expired link,
// a 320 px phone, the accessible names of the questions (fieldset/legend)
// and axe-core on every parent page.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const {
  registrant,
  watchConsole,
  login,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
} = require('./helpers');

const SV = {
  helpful: 'Har samtalet varit till hjälp för dig som förälder?',
  recommend: 'Skulle du rekommendera andra att ha kontakt med oss?',
};
const AR = {
  helpful: 'هل كانت المحادثة مفيدة لك بصفتك أحد الوالدين؟',
  easyReach: 'هل كان من السهل الوصول إلينا، مثلًا لحجز موعد للمحادثة؟',
  yesReally: 'نعم، بالتأكيد',
  yes: 'نعم',
  submit: 'إرسال الإجابات',
  thanks: 'شكرًا لك!',
};

/** Registers a conversation through the form; returns with the saved page shown. */
async function registerConversation(page, conversationNo) {
  await page.goto('/registrera/conversation');
  await page.locator('#f-p-parent-woman').fill('1');
  await page.locator(`#f-conversation_no-${conversationNo - 1}`).check();
  await page.locator('.actions button').click();
  await expect(page.locator('.saved')).toContainText('Sparat.');
  await expect(page.locator('.parent-offer')).toBeVisible();
}

/** Ends a parent link now, as an admin would with the command line. */
function closeLink(code) {
  const bin = process.env.FOLJUPP_BIN;
  const db = process.env.FOLJUPP_E2E_DB;
  if (!bin || !db) throw new Error('FOLJUPP_BIN and FOLJUPP_E2E_DB are not set: run the tests with `bash e2e/run.sh`');
  execFileSync(bin, ['parent-link', 'close', code, '--db', db], { stdio: 'pipe' });
}

test('the advisor lets the parent answer on the device, in Arabic, and cannot get back without logging in', async ({ page }, testInfo) => {
  const browserErrors = watchConsole(page, {
    allow: [/ERR_CACHE_MISS/],
  });
  await login(page, registrant());
  await registerConversation(page, 1);
  await expectNoAxeViolations(page, 'the saved page with the parent offer', testInfo);

  await page.getByRole('button', { name: 'Låt föräldern svara' }).click();
  await expect(page).toHaveURL(/\/p\/[2-9A-HJ-NP-Z]{10}$/);
  const parentUrl = page.url();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vad tyckte du om stödet?');
  await expect(page.locator('.anonymous')).toContainText('Dina svar är anonyma');
  // Nothing of the advisor's: no menu, no logout, nothing of the registration.
  await expect(page.getByRole('navigation', { name: 'Huvudmeny' })).toHaveCount(0);
  await expect(page.getByText('Logga ut')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(registrant().name);
  // First conversation: "easy to reach", not "recommend".
  await expect(page.getByRole('group')).toHaveCount(3);
  await expect(page.getByRole('group', { name: SV.recommend })).toHaveCount(0);
  await expectNoAxeViolations(page, 'the parent page in Swedish', testInfo);
  await expectNoHorizontalScroll(page, 'the parent page in Swedish');

  // One tap to Arabic.
  await page.getByRole('navigation', { name: 'Välj språk' }).getByRole('link', { name: 'العربية' }).click();
  await expect(page).toHaveURL(/\?lang=ar$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  // The layout mirrors: the first language button sits at the right edge,
  // and the answers' radio buttons on the right of their text.
  const vw = page.viewportSize().width;
  const firstLang = await page.locator('.langs li').first().boundingBox();
  expect(firstLang.x + firstLang.width, 'first language button at the right').toBeGreaterThan(vw * 0.6);
  const helpful = page.getByRole('group', { name: AR.helpful });
  await expect(helpful).toBeVisible();
  const radio = await helpful.getByRole('radio', { name: AR.yesReally }).boundingBox();
  const label = await helpful.locator('label', { hasText: AR.yesReally }).locator('span').boundingBox();
  expect(radio.x, 'radio right of its text in RTL').toBeGreaterThan(label.x);
  await expectNoAxeViolations(page, 'the parent page in Arabic', testInfo);
  await expectNoHorizontalScroll(page, 'the parent page in Arabic');

  await helpful.getByRole('radio', { name: AR.yesReally }).check();
  await page.getByRole('group', { name: AR.easyReach }).getByRole('radio', { name: AR.yes, exact: true }).check();
  await page.getByRole('button', { name: AR.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(AR.thanks);
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expectNoAxeViolations(page, 'the thanks page in Arabic', testInfo);

  // Back through the history: nothing of the advisor's pages comes back.
  for (let i = 0; i < 6; i++) {
    try {
      await page.goBack({ waitUntil: 'load' });
    } catch {
      // A POST result that is not kept (no-store) is an error page: fine.
    }
    await expect(page.getByRole('navigation', { name: 'Huvudmeny' })).toHaveCount(0);
    await expect(page.locator('form.register')).toHaveCount(0);
  }
  // Typing an advisor's address leads to the login page.
  await page.goto('/registrera/conversation');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.goto('/oversikt');
  await expect(page).toHaveURL(/\/login/);

  // The link was for one parent: used now.
  const resp = await page.goto(`${parentUrl}?lang=ar`);
  expect(resp.status()).toBe(410);
  await expect(page.locator('[role=status]')).toContainText('تم استخدام هذا الرابط من قبل');
  await expectNoAxeViolations(page, 'the used-link page in Arabic', testInfo);

  expect(browserErrors.filter((e) => !/status of 410/.test(e)), 'browser console errors').toEqual([]);
});

test('the parent answers on their own 320 px phone in Swedish; the used and the expired link are refused kindly', async ({ page, browser }, testInfo) => {
  await login(page, registrant());
  await registerConversation(page, 2);
  await page.getByText('Visa QR-kod / länk').click();
  const qr = page.locator('.qr svg');
  await expect(qr).toBeVisible();
  await expect(qr).toHaveAttribute('role', 'img');
  const href = await page.locator('#parent-link').getAttribute('href');
  expect(href).toMatch(/^\/p\/[2-9A-HJ-NP-Z]{10}$/);
  await expect(page.locator('#parent-link')).toHaveText(new RegExp(`^http://.+${href}$`));
  await expect(page.locator('.parent-link')).toContainText('gäller i 24 timmar');
  await expectNoAxeViolations(page, 'the saved page with the QR code open', testInfo);
  // Showing the link keeps the advisor logged in.
  await expect(page.getByRole('navigation', { name: 'Huvudmeny' })).toBeVisible();

  const phone = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: 'sv-SE' });
  const parent = await phone.newPage();
  const browserErrors = watchConsole(parent, { allow: [/status of 410/, /status of 422/] });
  const resp = await parent.goto(href);
  expect(resp.status()).toBe(200);
  await expect(parent.locator('html')).toHaveAttribute('lang', 'sv');
  // Not the first conversation: "recommend", not "easy to reach".
  await expect(parent.getByRole('group', { name: SV.recommend })).toBeVisible();
  await expect(parent.getByRole('group')).toHaveCount(3);
  await expectNoHorizontalScroll(parent, 'the parent page at 320 px');
  await expectNoAxeViolations(parent, 'the parent page at 320 px', testInfo);

  // Sending nothing asks again, kindly.
  await parent.getByRole('button', { name: 'Skicka svaren' }).click();
  await expect(parent.getByRole('alert')).toContainText('Du har inte valt något svar');
  await expectNoAxeViolations(parent, 'the parent page asking again', testInfo);

  await parent.getByRole('group', { name: SV.helpful }).getByRole('radio', { name: 'Ja', exact: true }).check();
  await parent.getByRole('group', { name: SV.recommend }).getByRole('radio', { name: 'Ja, verkligen' }).check();
  await parent.getByRole('button', { name: 'Skicka svaren' }).click();
  await expect(parent.getByRole('heading', { level: 1 })).toHaveText('Tack!');
  await expect(parent.locator('[role=status]')).toContainText('Tack för dina svar');
  await expectNoHorizontalScroll(parent, 'the thanks page at 320 px');
  await expectNoAxeViolations(parent, 'the thanks page at 320 px', testInfo);

  // The link is used: opening it again, or sending again, gives 410.
  const again = await parent.goto(href);
  expect(again.status()).toBe(410);
  await expect(parent.getByRole('heading', { level: 1 })).toHaveText('Redan besvarad');
  await expect(parent.locator('[role=status]')).toContainText('Den här länken har redan använts');
  await expectNoHorizontalScroll(parent, 'the used-link page at 320 px');
  await expectNoAxeViolations(parent, 'the used-link page', testInfo);
  const repost = await parent.request.post(href, { form: { lang: 'sv', q_helpful: 'yes' } });
  expect(repost.status()).toBe(410);
  expect(await repost.text()).toContain('Den här länken har redan använts');

  // Another conversation's link, ended early (as after 24 hours).
  await registerConversation(page, 3);
  const late = await page.locator('#parent-link').getAttribute('href');
  closeLink(late.slice(3));
  const expired = await parent.goto(`${late}?lang=ar`);
  expect(expired.status()).toBe(410);
  await expect(parent.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(parent.locator('[role=status]')).toContainText('انتهت صلاحية هذا الرابط');
  await expectNoAxeViolations(parent, 'the expired-link page in Arabic', testInfo);
  await parent.getByRole('link', { name: 'Svenska' }).click();
  await expect(parent.getByRole('heading', { level: 1 })).toHaveText('Länken gäller inte längre');
  await expectNoAxeViolations(parent, 'the expired-link page in Swedish', testInfo);

  expect(browserErrors, 'browser console errors').toEqual([]);
  await phone.close();
});
