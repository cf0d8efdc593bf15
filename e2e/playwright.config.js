// Playwright configuration for foljupp's browser tests. Run through run.sh,
// which starts the server and sets FOLJUPP_URL and the test accounts.
const { defineConfig } = require('@playwright/test');

if (!process.env.FOLJUPP_URL) {
  throw new Error('FOLJUPP_URL is not set: run the tests with `bash e2e/run.sh`');
}

module.exports = defineConfig({
  testDir: './tests',
  // The tests compare figures on the overview before and after a
  // registration, so they share one server and must not run side by side.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: process.env.FOLJUPP_URL,
    viewport: { width: 360, height: 740 },
    locale: 'sv-SE',
    timezoneId: 'Europe/Stockholm',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
