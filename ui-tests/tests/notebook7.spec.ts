/**
 * Jupyter Notebook 7 (`jupyter notebook`): the same extension in its tree
 * view and its notebook view, served by the same server as JupyterLab.
 */
import { expect, test } from '@jupyterlab/galata';
import { Page } from '@playwright/test';

import { notebook } from './helpers';

const QUICK_NOTEBOOK = notebook('greeting = "hello"', [
  'print(greeting, "from Notebook 7")'
]);

test.use({
  autoGoto: false,
  // Notebook 7's pages are ready when their main panel is there.
  waitForApplication: async ({}, use) => {
    await use(async (page: Page) => {
      await page.waitForSelector('#main-panel');
    });
  }
});

/**
 * The jobs the server knows, newest first.
 */
async function jobs(page: Page): Promise<any[]> {
  const answer = await page.request.get('jupyter-jobs/jobs');
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()).jobs;
}

/**
 * Fill nothing, change the name, run: the dialog as a user would leave it.
 */
async function runFromDialog(page: Page, name: string): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  const form = dialog.locator('.jp-JobsSubmitForm');
  // An open notebook turns dirty when its kernel reports its language
  // info; the command then asks to save first, and a user saves.
  const saveAndRun = dialog.getByRole('button', { name: 'Save and Run' });
  await expect(form.or(saveAndRun)).toBeVisible();
  if (await saveAndRun.isVisible()) {
    await saveAndRun.click();
  }
  await expect(form).toBeVisible();
  await dialog.getByLabel('Job name').fill(name);
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(dialog).toHaveCount(0);
}

/**
 * Wait until the server says the named job completed.
 */
async function waitForCompleted(page: Page, name: string): Promise<void> {
  await expect
    .poll(
      async () => (await jobs(page)).find(job => job.name === name)?.status,
      { timeout: 90000 }
    )
    .toBe('completed');
}

test.describe('Jupyter Notebook 7', () => {
  test('should run a notebook from the tree view', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      QUICK_NOTEBOOK,
      'text',
      `${tmpPath}/quick.ipynb`
    );
    await page.goto(`tree/${tmpPath}`);
    await page.waitForSelector('#main-panel');

    await page
      .locator('.jp-DirListing-item[data-file-type="notebook"]', {
        hasText: 'quick.ipynb'
      })
      .click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Run as Background Job' }).click();
    await runFromDialog(page, 'from the tree');
    await waitForCompleted(page, 'from the tree');

    // The Jobs panel is a tab of the tree view, beside Files and Running.
    await page.getByRole('tab', { name: 'Jobs' }).click();
    const item = page
      .locator('#jupyter-jobs-tree-panel .jp-JobsPanel-item')
      .filter({ hasText: 'from the tree' });
    await expect(item.locator('.jp-JobsStatus-label')).toHaveText('Completed');
  });

  test('should run the open notebook from its toolbar', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      QUICK_NOTEBOOK,
      'text',
      `${tmpPath}/toolbar.ipynb`
    );
    await page.goto(`notebooks/${tmpPath}/toolbar.ipynb`);
    await page.waitForSelector('#main-panel');

    await page
      .locator('.jp-NotebookPanel-toolbar')
      .getByRole('button', { name: 'Run as Background Job' })
      .click();
    await runFromDialog(page, 'from the notebook');
    await waitForCompleted(page, 'from the notebook');

    // The Jobs panel is in the notebook page's left sidebar.
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('jupyter-jobs:show-panel')
    );
    const item = page
      .locator('#jupyter-jobs-panel .jp-JobsPanel-item')
      .filter({ hasText: 'from the notebook' });
    await expect(item.locator('.jp-JobsStatus-label')).toHaveText('Completed');
  });
});
