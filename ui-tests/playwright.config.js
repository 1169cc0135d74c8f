/**
 * Playwright configuration: galata's defaults, Debian's chromium (no browser
 * download), no video, the real JupyterLab with the real jupyter_jobs server
 * extension started by `jlpm start`; the same server serves Jupyter Notebook 7's
 * pages, which the notebook7 project tests.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.JUPYTER_JOBS_UI_PORT || '8888';

module.exports = {
  ...baseConfig,
  // One JupyterLab, jobs share its queue: run the tests one after the other.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120 * 1000,
  expect: { timeout: 30 * 1000 },
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /notebook7\.spec\.ts/,
      use: { browserName: 'chromium' }
    },
    {
      // Jupyter Notebook 7 on the same server: its pages live at /tree and /notebooks.
      name: 'notebook7',
      testMatch: /notebook7\.spec\.ts/,
      use: { browserName: 'chromium', appPath: '' }
    }
  ],
  webServer: {
    command: 'jlpm start',
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
