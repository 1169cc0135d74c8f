/**
 * The README's screenshots, made from the real digits example as a data
 * scientist runs it: no test folders, no test parameters. The example lives
 * in a folder of its own at the server root, as in a user's project.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { JobsPanel } from './helpers';

const IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');
const EXAMPLE = path.resolve(
  __dirname,
  '..',
  '..',
  'examples',
  'train_digits.ipynb'
);
const FOLDER = 'digits';
const HIDE_TOASTS = '.Toastify { visibility: hidden !important; }';

test.describe('README screenshots', () => {
  // Tall enough for the live notebook to show below the job's cost.
  test.use({ autoGoto: true, viewport: { width: 1280, height: 1500 } });
  // The example trains for real: room for a slow machine.
  test.describe.configure({ timeout: 300 * 1000 });

  test.afterEach(async ({ page }) => {
    if (await page.contents.directoryExists(FOLDER)) {
      await page.contents.deleteDirectory(FOLDER);
    }
  });

  test('should show the digits example: dialog, panel, live notebook with its cost, results', async ({
    page
  }) => {
    const jobs = new JobsPanel(page);
    await page.contents.uploadContent(
      fs.readFileSync(EXAMPLE, 'utf-8'),
      'text',
      `${FOLDER}/train_digits.ipynb`
    );
    await page.filebrowser.openDirectory(FOLDER);

    // A first, short run that completes.
    await runDigits(page, 'digits, 20 epochs', { epochs: '20' });
    await jobs.open();
    await jobs.waitForStatus('digits, 20 epochs', 'Completed', 180000);

    // A longer one with a larger network, shown while it trains.
    await runDigits(
      page,
      'digits, 128 units',
      { epochs: '400', hidden_units: '128' },
      'dialog.png'
    );
    await jobs.open();
    await jobs.waitForStatus('digits, 128 units', 'Running');
    await page.sidebar.setWidth(380, 'left');
    await jobs.panel.screenshot({
      path: path.join(IMAGES, 'panel.png'),
      style: HIDE_TOASTS
    });
    await page.theme.setDarkTheme();
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-theme-light',
      'false'
    );
    await jobs.panel.screenshot({
      path: path.join(IMAGES, 'panel-dark.png'),
      style: HIDE_TOASTS
    });
    await page.theme.setLightTheme();

    // Its live notebook: the training cell running, its progress under it,
    // and what the job costs so far.
    const view = await jobs.openJob('digits, 128 units');
    const training = view
      .locator('.jp-JobNotebook-cell')
      .filter({ hasText: 'partial_fit' });
    await expect(training).toHaveClass(/jp-mod-running/, { timeout: 120000 });
    await expect(training.locator('.jp-OutputArea')).toContainText('training');
    await expect(view.locator('.jp-JobUsage-chart svg').first()).toBeVisible({
      timeout: 60000
    });
    await view.screenshot({
      path: path.join(IMAGES, 'output.png'),
      style: HIDE_TOASTS
    });
    await jobs.cancel('digits, 128 units');
    await jobs.waitForStatus('digits, 128 units', 'Cancelled');

    // The short run's results: its accuracy, history and model.
    const done = await jobs.openJob('digits, 20 epochs');
    const results = done.locator('.jp-JobResults');
    await expect(results.locator('.jp-JobResults-name')).toContainText([
      'accuracy'
    ]);
    await results.screenshot({
      path: path.join(IMAGES, 'results.png'),
      style: HIDE_TOASTS
    });
  });
});

/**
 * Right-click the example, Run as Background Job, name it and set some of
 * its parameters; optionally photograph the dialog first.
 */
async function runDigits(
  page: any,
  name: string,
  values: { [parameter: string]: string },
  screenshot?: string
): Promise<void> {
  await page.sidebar.openTab('filebrowser');
  await page
    .locator('.jp-DirListing-item[data-file-type="notebook"]', {
      hasText: 'train_digits.ipynb'
    })
    .click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Run as Background Job' }).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-JobsSubmitForm')).toBeVisible();
  await dialog.getByLabel('Job name').fill(name);
  for (const [parameter, value] of Object.entries(values)) {
    await dialog.getByLabel(parameter, { exact: true }).fill(value);
  }
  if (screenshot) {
    await dialog.locator('.jp-Dialog-content').screenshot({
      path: path.join(IMAGES, screenshot)
    });
  }
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(dialog).toHaveCount(0);
}
