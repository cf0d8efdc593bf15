// Shared steps for foljupp's browser tests.
const { expect } = require('@playwright/test');
const axeSource = require('axe-core').source;

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`bash e2e/run.sh\``);
  return v;
}

const registrant = () => ({
  name: env('FOLJUPP_REGISTRANT_NAME'),
  password: env('FOLJUPP_REGISTRANT_PASSWORD'),
  district: env('FOLJUPP_REGISTRANT_DISTRICT'),
});
const admin = () => ({
  name: env('FOLJUPP_ADMIN_NAME'),
  password: env('FOLJUPP_ADMIN_PASSWORD'),
});

const national = () => ({
  name: env('FOLJUPP_NATIONAL_NAME'),
  password: env('FOLJUPP_NATIONAL_PASSWORD'),
});

const lead = () => ({
  name: env('FOLJUPP_LEAD_NAME'),
  password: env('FOLJUPP_LEAD_PASSWORD'),
  district: env('FOLJUPP_LEAD_DISTRICT'),
});

/** Collects what the browser reports as errors: CSP violations, script
 * errors, failed loads. A server-rendered page without scripts should have
 * none. Each entry is "RESOURCE-URL: MESSAGE"; entries matching a regex in
 * `allow` are expected (a 422 answer to a rejected form, say). The browser's
 * own request for /favicon.ico, which no page links to, is not counted. */
function watchConsole(page, { allow = [] } = {}) {
  const ignore = [/\/favicon\.ico: Failed to load resource/, ...allow];
  const problems = [];
  const note = (entry) => {
    if (!ignore.some((re) => re.test(entry))) problems.push(entry);
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') note(`${msg.location().url || page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => note(`${page.url()}: ${err.message}`));
  return problems;
}

async function login(page, who) {
  await page.goto('/login');
  await page.locator('#name').fill(who.name);
  await page.locator('#password').fill(who.password);
  await page.getByRole('button', { name: 'Logga in' }).click();
  await expect(page).toHaveURL(/\/oversikt$/);
}

/** "12 345" (with a non-breaking or narrow space) → 12345. */
function parseFigure(text) {
  const digits = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^\d+$/.test(digits)) {
    throw new Error(`the figure "${text}" is not a plain count (suppressed or formatted differently?)`);
  }
  return Number(digits);
}

/** On /oversikt: the first card, "Råd- och stödsamtal" (conversations this year). */
async function conversationsFigure(page) {
  const card = page.locator('.cards .card').first();
  await expect(card.locator('.what')).toHaveText('Råd- och stödsamtal');
  return parseFigure(await card.locator('.figure').innerText());
}

/** Runs axe-core (WCAG 2 A and AA rules) on the page as it is and returns
 * the violations in a compact form. axe is evaluated through the DevTools
 * protocol, so the page's CSP stays in force and is not bypassed. */
async function axeViolations(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
      resultTypes: ['violations'],
    }),
  );
  // A run that checked nothing would pass vacuously.
  expect(result.passes.length + result.incomplete.length, 'axe-core ran its WCAG rules').toBeGreaterThan(0);
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(' '),
      html: n.html.length > 200 ? `${n.html.slice(0, 200)}…` : n.html,
      message: n.failureSummary,
    })),
  }));
}

/** Expects zero axe violations; soft, so that the rest of the flow still
 * runs and every page's violations are reported in one run. */
async function expectNoAxeViolations(page, what, testInfo) {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    await testInfo.attach(`axe violations: ${what}`, {
      body: JSON.stringify({ page: what, url: page.url(), violations }, null, 2),
      contentType: 'application/json',
    });
  }
  expect.soft(violations, `axe-core (wcag2a, wcag2aa) violations on ${what} (${page.url()})`).toEqual([]);
}

/** Expects the page to fit the viewport (360 px unless a test set another) without scrolling
 * sideways; on failure names the innermost elements whose content is wider
 * than their box, or that reach past the right edge. */
async function expectNoHorizontalScroll(page, what) {
  const { scrollWidth, culprits } = await page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const name = (el) =>
      el.tagName.toLowerCase() +
      (el.id ? `#${el.id}` : '') +
      (typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > vw + 0.5 || (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1);
    });
    // Keep the innermost: drop an element when a descendant is listed too.
    const innermost = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)));
    return {
      scrollWidth: document.documentElement.scrollWidth,
      culprits: innermost.slice(0, 5).map(
        (el) =>
          `${name(el)} (content ${el.scrollWidth}px in a ${el.clientWidth}px box, right edge at ` +
          `${Math.round(el.getBoundingClientRect().right)}px): "${(el.textContent || '').trim().slice(0, 60)}"`,
      ),
    };
  });
  const width = page.viewportSize().width;
  expect
    .soft(
      scrollWidth,
      `${what} (${page.url()}) scrolls sideways: document scrollWidth ${scrollWidth} > ${width}; too wide: ` +
        (culprits.join('; ') || 'no single element found'),
    )
    .toBeLessThanOrEqual(width);
}

module.exports = {
  registrant,
  national,
  admin,
  lead,
  watchConsole,
  login,
  parseFigure,
  conversationsFigure,
  axeViolations,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
};
