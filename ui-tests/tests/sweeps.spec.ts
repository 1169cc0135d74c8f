import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { JobsPanel, notebook } from './helpers';

/**
 * Where the README screenshots go.
 */
const IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

/**
 * The examples of the repository.
 */
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

/**
 * Notifications (toasts) come and go: keep them out of the screenshots.
 */
const HIDE_TOASTS = '.Toastify { visibility: hidden !important; }';

/**
 * A one-cell notebook recording a score that grows with both parameters,
 * and a loss that shrinks.
 */
const SCORE_NOTEBOOK = notebook('lr = 0.1\nwidth = 2\nlabel = "run"', [
  [
    'import jupyter_jobs',
    'score = round(lr * width, 6)',
    'jupyter_jobs.record("score", score)',
    'jupyter_jobs.record("loss", round(1 / score, 6))',
    'jupyter_jobs.record("label", label)',
    'print(label, score, flush=True)'
  ].join('\n')
]);

/**
 * Open the submit dialog for a file through the command.
 */
async function openDialog(
  page: IJupyterLabPageFixture,
  file: string
): Promise<Locator> {
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
 * The row of a sweep in the Jobs panel.
 */
function sweepRow(jobs: JobsPanel, name: string): Locator {
  return jobs.panel
    .locator('.jp-JobsPanel-sweep')
    .filter({
      has: jobs.page.locator(':scope > .jp-JobsPanel-name', {
        hasText: name
      })
    })
    .first();
}

test.describe('Sweeps', () => {
  // On a busy machine the first page of a fresh server can take longer than
  // galata's 15 s to start: go to it here, up to three times.
  test.use({ autoGoto: false });
  test.beforeEach(async ({ page }) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await page.goto();
        return;
      } catch (reason) {
        if (attempt === 3) {
          throw reason;
        }
      }
    }
  });

  test('should post a sweep from the dialog grid, show it as one row with its runs, and its table and chart', async ({
    page,
    tmpPath
  }) => {
    const jobs = new JobsPanel(page);
    const file = `${tmpPath}/score.ipynb`;
    await page.contents.uploadContent(SCORE_NOTEBOOK, 'text', file);

    // Several values for two parameters: the dialog counts the runs.
    const dialog = await openDialog(page, file);
    await dialog.getByLabel('Job name').fill('score sweep');
    await dialog.getByLabel('Values of lr').selectOption('list');
    await dialog.getByLabel('lr', { exact: true }).fill('0.1, 0.2, 0.3');
    await dialog.getByLabel('Values of width').selectOption('range');
    await dialog.getByLabel('width from').fill('1');
    await dialog.getByLabel('width to').fill('2');
    await dialog.getByLabel('width step or count').fill('1');
    const count = dialog.locator('.jp-JobsSubmitForm-runCount');
    await expect(count).toHaveText('3 × 2 = 6 runs');
    // A value of the wrong type is refused.
    await dialog.getByLabel('lr', { exact: true }).fill('0.1, x');
    await expect(
      dialog.getByRole('button', { name: 'Run', exact: true })
    ).toBeDisabled();
    await dialog.getByLabel('lr', { exact: true }).fill('0.1, 0.2');
    await expect(count).toHaveText('2 × 2 = 4 runs');
    await dialog.getByLabel('Concurrent runs').fill('2');

    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    // A sweep was posted: the server has it, with the grid typed right.
    const lastSweep = () =>
      page.evaluate(async () => {
        const answer = await fetch('/jupyter-jobs/sweeps');
        return (await answer.json()).sweeps[0] ?? null;
      });
    await expect.poll(lastSweep).not.toBeNull();
    const body = await lastSweep();
    expect(body.grid).toEqual({ lr: [0.1, 0.2], width: [1, 2] });
    expect(body.parameters).toEqual({ label: 'run' });
    expect(body.max_concurrent).toBe(2);
    expect(body.name).toBe('score sweep');

    // One row for the sweep; its runs are not listed at top level.
    await jobs.open();
    const row = sweepRow(jobs, 'score sweep');
    await expect(row.locator('.jp-JobsPanel-runs')).toHaveText('4/4 runs', {
      timeout: 90000
    });
    await expect(row.locator(':scope > .jp-JobsStatus')).toContainText(
      'Completed'
    );
    await expect(
      jobs.panel.locator('.jp-JobsPanel-list > .jp-JobsPanel-item', {
        hasText: 'lr=0.1'
      })
    ).toHaveCount(0);
    await row
      .getByRole('button', { name: 'Show the runs of score sweep' })
      .click();
    const runs = row.locator('.jp-JobsPanel-runList > .jp-JobsPanel-item');
    await expect(runs).toHaveCount(4);
    await expect(runs.locator('.jp-JobsStatus-label')).toHaveText([
      'Completed',
      'Completed',
      'Completed',
      'Completed'
    ]);

    // Its view: one row per run, the best score marked, a chart.
    await row.locator(':scope > .jp-JobsPanel-name').click();
    const view = page.locator('.jp-SweepViewPanel:visible');
    await expect(view.locator('.jp-SweepView-name')).toHaveText('score sweep');
    const table = view.locator('.jp-SweepTable');
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(4);
    // Parameters, status, duration, then every recorded scalar.
    expect(
      await table
        .locator('thead th')
        .evaluateAll(cells => cells.map(cell => cell.dataset.column))
    ).toEqual([
      'index',
      'lr',
      'width',
      'status',
      'duration_seconds',
      'label',
      'loss',
      'score'
    ]);
    await expect(rows.first().locator('td[data-column="label"]')).toHaveText(
      'run'
    );
    // The first numeric metric (loss) is chosen, and a loss is better small.
    await expect(view.getByLabel('Which values are better')).toHaveValue('min');
    await view.locator('.jp-SweepView-metric').selectOption('score');
    await expect(view.getByLabel('Which values are better')).toHaveValue('max');
    const best = table.locator('tr.jp-mod-best');
    await expect(best).toHaveCount(1);
    await expect(best).toHaveAttribute('data-index', '3');
    await expect(best.locator('td[data-column="score"]')).toHaveText('0.4');
    await view
      .getByLabel('Which values are better')
      .selectOption('smaller is better');
    await expect(best).toHaveAttribute('data-index', '0');

    // Sorted by any column, both ways.
    await table.getByRole('button', { name: 'score' }).click();
    await expect(rows.locator('td[data-column="score"]')).toHaveText([
      '0.1',
      '0.2',
      '0.2',
      '0.4'
    ]);
    await table.getByRole('button', { name: 'score' }).click();
    await expect(table.locator('th[data-column="score"]')).toHaveAttribute(
      'aria-sort',
      'descending'
    );
    await expect(rows.first()).toHaveAttribute('data-index', '3');

    // The chart is drawn by JupyterLab's Vega-Lite renderer: 4 points (and
    // a legend of the 2 widths).
    const chart = view.locator('.jp-SweepChart .jp-RenderedVegaLite');
    await expect(chart.locator('svg').first()).toBeVisible();
    await expect(chart.locator('g.mark-symbol.role-mark path')).toHaveCount(4);
    await expect(chart).toContainText('score');

    // The code loading the table goes into a notebook.
    const sweepId = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.content.sweepId as string
    );
    await page.notebook.createNew('load-sweep.ipynb');
    await page.activity.activateTab('score sweep');
    await view
      .getByRole('button', { name: 'Insert code to load results' })
      .click();
    await expect(page.locator('.jp-NotebookPanel:visible')).toHaveCount(1);
    const code = await page.notebook.getCellTextInput(1);
    expect(code).toBe(
      `import jupyter_jobs\ntable = jupyter_jobs.get_sweep("${sweepId}").table()  # a pandas DataFrame when pandas is installed, a list of dicts otherwise`
    );

    // Remove asks first: the results were never opened.
    await page.activity.activateTab('score sweep');
    await view.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('never opened');
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await expect(page.locator('.jp-SweepViewPanel')).toHaveCount(0);
    await expect(sweepRow(jobs, 'score sweep')).toHaveCount(0);
  });

  test('should take the README screenshots of a sweep of the digits example', async ({
    page
  }) => {
    // Six real trainings: on a busy machine they take a while.
    test.setTimeout(300000);
    const jobs = new JobsPanel(page);
    // Room for the whole dialog and the whole view in the shots.
    await page.setViewportSize({ width: 1200, height: 1000 });
    // A folder named as a user's, not the test's.
    const file = 'examples/train_digits.ipynb';
    await page.contents.uploadContent(
      fs.readFileSync(path.join(EXAMPLES, 'train_digits.ipynb'), 'utf-8'),
      'text',
      file
    );
    const dialog = await openDialog(page, file);
    await dialog.getByLabel('Job name').fill('digits sweep');
    await dialog.getByLabel('epochs', { exact: true }).fill('8');
    await dialog.getByLabel('Values of learning_rate').selectOption('list');
    await dialog
      .getByLabel('learning_rate', { exact: true })
      .fill('0.001, 0.003, 0.01');
    await dialog.getByLabel('Values of hidden_units').selectOption('list');
    await dialog.getByLabel('hidden_units', { exact: true }).fill('16, 64');
    await expect(dialog.locator('.jp-JobsSubmitForm-runCount')).toHaveText(
      '3 × 2 = 6 runs'
    );
    await dialog.getByLabel('Concurrent runs').fill('2');
    await dialog.locator('.jp-Dialog-content').screenshot({
      path: path.join(IMAGES, 'sweep-dialog.png')
    });
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();

    await jobs.open();
    const row = sweepRow(jobs, 'digits sweep');
    await expect(row.locator('.jp-JobsPanel-runs')).toHaveText('6/6 runs', {
      timeout: 270000
    });
    await row.locator(':scope > .jp-JobsPanel-name').click();
    const view = page.locator('.jp-SweepViewPanel:visible');
    const table = view.locator('.jp-SweepTable');
    await expect(table.locator('tbody tr')).toHaveCount(6);
    await view.locator('.jp-SweepView-metric').selectOption('accuracy');
    await expect(table.locator('tr.jp-mod-best')).not.toHaveCount(0);
    await expect(
      view.locator('.jp-SweepChart .jp-RenderedVegaLite svg').first()
    ).toBeVisible();
    await page.sidebar.close('left');
    await view.screenshot({
      path: path.join(IMAGES, 'sweep.png'),
      style: HIDE_TOASTS
    });
  });
});
