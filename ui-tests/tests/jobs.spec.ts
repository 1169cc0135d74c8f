import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  COUNTER_NOTEBOOK,
  FAILING_NOTEBOOK,
  JobsPanel,
  RESULTS_NOTEBOOK,
  serverRoot,
  SCRIPT,
  SLEEPER_NOTEBOOK
} from './helpers';

/**
 * Upload a notebook into the test's folder and show it in the file browser.
 */
async function upload(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  content: string
): Promise<string> {
  const file = `${tmpPath}/${name}`;
  await page.contents.uploadContent(content, 'text', file);
  await page.filebrowser.refresh();
  return file;
}

/**
 * Open the submit dialog for a file through the command.
 */
async function openDialog(page: IJupyterLabPageFixture, file: string) {
  await page.evaluate(async p => {
    void (window as any).jupyterapp.commands.execute('jupyter-jobs:run', {
      path: p
    });
  }, file);
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-JobsSubmitForm')).toBeVisible();
  return dialog;
}

/**
 * Submit a notebook through the dialog with a job name and parameter values.
 */
async function submit(
  page: IJupyterLabPageFixture,
  file: string,
  name: string,
  values: { [label: string]: string } = {}
): Promise<void> {
  const dialog = await openDialog(page, file);
  await dialog.getByLabel('Job name').fill(name);
  for (const [label, value] of Object.entries(values)) {
    await dialog.getByLabel(label, { exact: true }).fill(value);
  }
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(dialog).toHaveCount(0);
}

test.describe('Jobs panel', () => {
  test.use({ autoGoto: true });

  test('should run a notebook from the file browser with a parameter changed and show its live output', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    await upload(page, tmpPath, 'counter.ipynb', COUNTER_NOTEBOOK);
    const release = `${await serverRoot(page)}/${tmpPath}/release-live`;

    await page
      .locator('.jp-DirListing-item[data-file-type="notebook"]', {
        hasText: 'counter.ipynb'
      })
      .click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Run as Background Job' }).click();

    const dialog = page.locator('.jp-Dialog');
    const form = dialog.locator('.jp-JobsSubmitForm');
    await expect(form).toBeVisible();
    // The name defaults to the file name; each parameter has an input with
    // its default.
    await expect(dialog.getByLabel('Job name')).toHaveValue('counter');
    await expect(dialog.getByLabel('steps', { exact: true })).toHaveValue('3');
    await expect(dialog.getByLabel('label', { exact: true })).toHaveValue(
      'demo'
    );
    // An invalid number is shown and cannot be sent.
    await dialog.getByLabel('steps', { exact: true }).fill('four');
    await expect(form.getByText('Enter a whole number.')).toBeVisible();
    await expect(dialog.getByLabel('steps', { exact: true })).toHaveAttribute(
      'aria-invalid',
      'true'
    );
    await expect(
      dialog.getByRole('button', { name: 'Run', exact: true })
    ).toBeDisabled();

    await dialog.getByLabel('Job name').fill('live output');
    await dialog.getByLabel('steps', { exact: true }).fill('4');
    await dialog.getByLabel('release_file', { exact: true }).fill(release);
    await dialog.getByLabel('label', { exact: true }).fill('README demo');
    await expect(
      dialog.getByRole('button', { name: 'Run', exact: true })
    ).toBeEnabled();
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(dialog).toHaveCount(0);

    await jobs.open();
    await jobs.waitForStatus('live output', 'Running');
    const view = await jobs.openJob('live output');
    const output = view.locator('.jp-JobView-output');
    // The output arrives while the job still runs (it waits for the file).
    await expect(output).toContainText('step 4 of 4');
    await expect(output).toContainText('README demo: 4 steps (int)');
    await expect(view.locator('.jp-JobView-header')).toContainText('Running');
    // The number stayed a number.
    await expect(view.locator('dd[data-field="parameters"]')).toContainText(
      'steps = 4'
    );

    await page.contents.uploadContent('go', 'text', `${tmpPath}/release-live`);
    await jobs.waitForStatus('live output', 'Completed');
    await expect(output).toContainText('released');
    // The progress bar was redrawn in place: only its last state is left.
    await expect(output).toContainText('progress 100% ##########');
    await expect(output).not.toContainText('progress  50%');
    await expect(output.locator('b', { hasText: 'All done' })).toBeVisible();
    // Outputs are untrusted: an SVG is not drawn (JupyterLab's rule for
    // untrusted output), its text stands in.
    await expect(output).toContainText('<IPython.core.display.SVG object>');
    await expect(output.locator('.jp-RenderedSVG')).toHaveCount(0);
    await expect(
      view.locator('dd[data-field="progress"] .jp-JobsProgress-text')
    ).toHaveText(/^(\d+)\/\1$/);
  });

  test('should cancel a running job', async ({ page, tmpPath }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'sleeper.ipynb', SLEEPER_NOTEBOOK);
    await submit(page, file, 'to cancel');
    await jobs.open();
    await jobs.waitForStatus('to cancel', 'Running');
    await jobs.cancel('to cancel');
    await jobs.waitForStatus('to cancel', 'Cancelled');
    await expect(
      jobs.item('to cancel').getByRole('button', { name: 'Cancel job' })
    ).toHaveCount(0);

    // Re-run submits it again, with the same parameters, as a new job.
    const items = jobs.panel.locator('.jp-JobsPanel-item', {
      hasText: 'to cancel'
    });
    const before = await items.count();
    await jobs
      .item('to cancel')
      .getByRole('button', { name: 'Re-run job' })
      .click();
    await expect(items).toHaveCount(before + 1);
    await jobs.waitForStatus('to cancel', 'Running');
    await jobs.cancel('to cancel');
    await jobs.waitForStatus('to cancel', 'Cancelled');

    // After a page reload the list is loaded again from the server.
    await page.reload();
    await jobs.open();
    await expect(items).toHaveCount(before + 1);
    await jobs.waitForStatus('to cancel', 'Cancelled');
  });

  test('should open the output notebook of a completed job', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'counter.ipynb', COUNTER_NOTEBOOK);
    await submit(page, file, 'with output', { steps: '2' });
    await jobs.open();
    await jobs.waitForStatus('with output', 'Completed');
    const view = await jobs.openJob('with output');
    await view.getByRole('button', { name: 'Open output notebook' }).click();
    const notebookView = page.locator(
      '.jp-JobOutputNotebook:visible, .jp-NotebookPanel:visible'
    );
    await expect(notebookView).toContainText('step 2 of 2');
    await expect(notebookView).toContainText('All done');
  });

  test('should list the results of a job and insert the code that loads them into a notebook', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'record.ipynb', RESULTS_NOTEBOOK);
    await submit(page, file, 'with results');
    await jobs.open();
    await jobs.waitForStatus('with results', 'Completed');
    const view = await jobs.openJob('with results');

    const results = view.locator('.jp-JobResults');
    await expect(results.locator('.jp-JobResults-name')).toHaveText([
      'accuracy',
      'weights'
    ]);
    await expect(
      results.locator('[data-name="accuracy"] .jp-JobResults-type')
    ).toHaveText('float');
    await expect(
      results.locator('[data-name="weights"] .jp-JobResults-type')
    ).toHaveText('list');
    const insert = results.getByRole('button', {
      name: 'Insert code to load results'
    });
    // No notebook is open: nowhere to insert the code.
    await expect(insert).toBeDisabled();
    await expect(insert).toHaveAttribute(
      'title',
      'Open a notebook to insert the code into.'
    );

    // Open a Python notebook, go back to the job and insert the code.
    await page.notebook.createNew('load-results.ipynb');
    await page.activity.activateTab('with results');
    await expect(insert).toBeEnabled();
    await insert.click();
    // The code went below the active (first) cell, and the notebook shows.
    await expect(page.locator('.jp-NotebookPanel:visible')).toHaveCount(1);
    const code = await page.notebook.getCellTextInput(1);
    // Plain data is read with json alone: nothing is unpickled.
    expect(code).toContain('json.load(');
    expect(code).not.toContain('pickle');
    expect(code).toContain('accuracy');

    // Run it in the notebook's kernel: the values come back.
    await page.notebook.addCell('code', 'print("loaded", accuracy, weights)');
    await page.notebook.run();
    const output = await page.notebook.getCellOutputLocator(2);
    await expect(output!).toContainText('loaded 0.93 [1, 2, 3]');

    // Its results were read: the job goes without a confirmation.
    await jobs.open();
    await jobs.remove('with results');
    await expect(jobs.item('with results')).toHaveCount(0);
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  });

  test('should remove a finished job after confirming', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'counter.ipynb', COUNTER_NOTEBOOK);
    await submit(page, file, 'to remove', { steps: '1' });
    await jobs.open();
    await jobs.waitForStatus('to remove', 'Completed');
    await jobs.remove('to remove');
    // Its output was never opened: the server wants a confirmation.
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('never opened');
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect(jobs.item('to remove')).toHaveCount(0);
  });

  test('should show failures, filter by status and search by name', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'failing.ipynb', FAILING_NOTEBOOK);
    await submit(page, file, 'broken report');
    await jobs.open();
    await jobs.waitForStatus('broken report', 'Failed');

    // A notification tells, with an action that opens the output.
    const toast = page.locator('.Toastify__toast', {
      hasText: 'Job “broken report” failed'
    });
    await expect(toast).toBeVisible();
    await toast.getByRole('button', { name: 'Open output' }).click();
    await expect(page.locator('.jp-JobOutputNotebook:visible')).toContainText(
      'about to divide'
    );

    await jobs.panel
      .getByLabel('Filter by status')
      .selectOption({ label: 'Failed' });
    await expect(jobs.panel.locator('.jp-JobsPanel-item')).not.toHaveCount(0);
    for (const status of await jobs.panel
      .locator('.jp-JobsPanel-item .jp-JobsStatus-label')
      .allTextContents()) {
      expect(status).toBe('Failed');
    }
    await jobs.panel
      .getByLabel('Filter by status')
      .selectOption({ label: 'All' });
    await jobs.panel.getByLabel('Search jobs by name').fill('BROKEN');
    await expect(jobs.panel.locator('.jp-JobsPanel-name')).toHaveText([
      'broken report'
    ]);
    await jobs.panel.getByLabel('Search jobs by name').fill('');

    const view = await jobs.openJob('broken report');
    await expect(view.locator('.jp-JobView-output')).toContainText(
      'ZeroDivisionError'
    );
  });

  test('should offer Run as Background Job in the notebook toolbar, the Run menu and the palette', async ({
    page,
    tmpPath
  }) => {
    await upload(page, tmpPath, 'counter.ipynb', COUNTER_NOTEBOOK);
    await page.notebook.openByPath(`${tmpPath}/counter.ipynb`);
    await page.notebook.activate('counter.ipynb');

    const button = page.getByRole('button', { name: 'Run as Background Job' });
    await expect(button.first()).toBeVisible();

    await page.menu.open('Run');
    await expect(
      page.getByRole('menuitem', { name: 'Run as Background Job' })
    ).toBeVisible();
    await page.keyboard.press('Escape');
    await page.menu.closeAll();

    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('Background Job');
    await expect(
      palette.locator('.lm-CommandPalette-item', {
        hasText: 'Run as Background Job'
      })
    ).toBeVisible();
    await page.keyboard.press('Escape');

    // Unsaved changes: the command offers to save first.
    await page.notebook.setCell(1, 'code', 'steps = 2\nlabel = "edited"');
    await button.first().click();
    const save = page.locator('.jp-Dialog');
    await expect(save).toContainText('unsaved changes');
    await save.getByRole('button', { name: 'Save and Run' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.getByLabel('label', { exact: true })).toHaveValue(
      'edited'
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('should run a Python script with free parameters', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    await upload(page, tmpPath, 'script.py', SCRIPT);
    await page.filebrowser.open(`script.py`);
    await expect(page.locator('.jp-FileEditor').first()).toBeVisible();
    await page
      .getByRole('tabpanel', { name: 'script.py' })
      .getByRole('button', { name: 'Run as Background Job' })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.getByLabel('Job name')).toHaveValue('script');
    await dialog.getByRole('button', { name: 'Add parameter' }).click();
    await dialog.locator('.jp-JobsSubmitForm-pairName').last().fill('count');
    await dialog.locator('.jp-JobsSubmitForm-pairValue').last().fill('3');
    await dialog.getByLabel('Job name').fill('a script');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await jobs.open();
    await jobs.waitForStatus('a script', 'Completed');
    const view = await jobs.openJob('a script');
    await expect(view.locator('.jp-JobView-output')).toContainText(
      "args: ['--count', '3']"
    );
  });

  test('should list running jobs in the Running sidebar, where shut down cancels', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'sleeper.ipynb', SLEEPER_NOTEBOOK);
    await submit(page, file, 'shut me down');
    await jobs.open();
    await jobs.waitForStatus('shut me down', 'Running');

    await page.sidebar.openTab('jp-running-sessions');
    const item = page
      .locator('#jp-running-sessions .jp-RunningSessions-item')
      .filter({ hasText: 'shut me down' });
    await expect(item).toBeVisible();
    await item.hover();
    await item.locator('.jp-RunningSessions-itemShutdown').click();
    await jobs.open();
    await jobs.waitForStatus('shut me down', 'Cancelled');
  });

  test('should clear the finished jobs', async ({ page, tmpPath }) => {
    const jobs = new JobsPanel(page);
    const file = await upload(page, tmpPath, 'counter.ipynb', COUNTER_NOTEBOOK);
    await submit(page, file, 'finished one', { steps: '1' });
    await jobs.open();
    await jobs.waitForStatus('finished one', 'Completed');
    await jobs.panel.getByRole('button', { name: 'Clear finished' }).click();
    // Some outputs were never opened: confirm once for all of them.
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('never opened');
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect(
      jobs.panel.locator(
        '.jp-JobsPanel-item.jp-mod-completed, .jp-JobsPanel-item.jp-mod-failed, .jp-JobsPanel-item.jp-mod-cancelled'
      )
    ).toHaveCount(0);
    await expect(
      jobs.panel.getByRole('button', { name: 'Clear finished' })
    ).toBeDisabled();
  });
});
