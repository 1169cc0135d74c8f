import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  JobsPanel,
  notebook,
  RESULTS_NOTEBOOK,
  SLEEPER_NOTEBOOK
} from './helpers';

/**
 * A notebook whose parameters carry annotations and help comments.
 */
const TRAINING_NOTEBOOK = notebook(
  [
    'lr: float = 0.1  # learning rate',
    'epochs = 3  # passes over the data',
    'layers = list(range(2))'
  ].join('\n'),
  ['print(lr, epochs, layers, flush=True)']
);

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
 * Call a REST end point of the extension from the page (its cookie and
 * XSRF token); resolves with the status and the JSON body.
 */
async function api(
  page: IJupyterLabPageFixture,
  method: string,
  endPoint: string,
  body?: any
): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ({ method, endPoint, body }) => {
      const xsrf = /(?:^|; )_xsrf=([^;]*)/.exec(document.cookie);
      const headers: { [name: string]: string } = {
        'Content-Type': 'application/json'
      };
      if (xsrf) {
        headers['X-XSRFToken'] = decodeURIComponent(xsrf[1]);
      }
      const response = await fetch(`/jupyter-jobs/${endPoint}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    },
    { method, endPoint, body }
  );
}

/**
 * GET a REST end point of the extension.
 */
async function getJSON(page: IJupyterLabPageFixture, endPoint: string) {
  const { status, json } = await api(page, 'GET', endPoint);
  expect(status).toBe(200);
  return json;
}

test.describe('Submit dialog', () => {
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

  test('should create a schedule from a preset, preview its next runs, refuse a bad expression, and edit it', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/report.ipynb`;
    await page.contents.uploadContent(RESULTS_NOTEBOOK, 'text', file);
    const dialog = await openDialog(page, file);
    const run = dialog.getByRole('button', { name: 'Run', exact: true });

    await dialog.getByRole('radio', { name: 'On a schedule' }).check();
    await expect(
      dialog.getByText('The file is copied when the schedule is created')
    ).toBeVisible();
    // The browser's own zone is the default.
    const zone = await page.evaluate(
      () => Intl.DateTimeFormat().resolvedOptions().timeZone
    );
    await expect(dialog.getByLabel('Time zone')).toHaveValue(zone);

    await dialog.getByLabel('Repeat').selectOption('weekdays');
    await dialog.getByLabel('At', { exact: true }).fill('06:30');
    const cron = dialog.getByLabel('Cron expression');
    await expect(cron).toHaveValue('30 6 * * 1-5');
    const nextRuns = dialog.locator('.jp-JobsSubmitForm-nextRun');
    await expect(nextRuns).toHaveCount(3);

    // A typed expression the server refuses: its message, no submit.
    await cron.fill('61 * * * *');
    await expect(dialog.getByLabel('Repeat')).toHaveValue('custom');
    await expect(cron).toHaveAttribute('aria-invalid', 'true');
    await expect(
      cron.locator('xpath=..').locator('.jp-JobsSubmitForm-message')
    ).not.toBeEmpty();
    await expect(nextRuns).toHaveCount(0);
    await expect(run).toBeDisabled();

    // A bad time zone: the same.
    await cron.fill('0 7 * * 1');
    await expect(dialog.getByLabel('Repeat')).toHaveValue('weekly');
    await expect(nextRuns).toHaveCount(3);
    await dialog.getByLabel('Time zone').fill('Mars/Olympus');
    await expect(dialog.getByLabel('Time zone')).toHaveAttribute(
      'aria-invalid',
      'true'
    );
    await expect(run).toBeDisabled();
    await dialog.getByLabel('Time zone').fill('Europe/Berlin');
    await expect(nextRuns).toHaveCount(3);
    await dialog.getByLabel('Missed runs').selectOption('once');
    await dialog.getByLabel('Job name').fill('weekly report');
    await dialog.getByLabel('note', { exact: true }).fill('scheduled');
    await expect(run).toBeEnabled();
    await run.click();
    await expect(dialog).toHaveCount(0);
    await expect(
      page.locator('.Toastify').getByText('Schedule “weekly report” created')
    ).toBeVisible();

    const { schedules } = await getJSON(page, 'schedules');
    const created = schedules.find((s: any) => s.name === 'weekly report');
    expect(created).toMatchObject({
      path: file,
      cron: '0 7 * * 1',
      timezone: 'Europe/Berlin',
      catch_up: 'once',
      parameters: { note: 'scheduled' },
      paused: false
    });
    expect(created.next_run_at).toBeTruthy();

    // Edit it: the dialog opens in schedule mode from its values.
    await page.evaluate(async id => {
      void (window as any).jupyterapp.commands.execute(
        'jupyter-jobs:edit-schedule',
        { id }
      );
    }, created.id);
    const edit = page.locator('.jp-Dialog');
    await expect(edit.locator('.jp-JobsSubmitForm')).toBeVisible();
    await expect(edit.getByRole('radio', { name: 'Run now' })).toBeHidden();
    await expect(edit.getByLabel('Cron expression')).toHaveValue('0 7 * * 1');
    await expect(edit.getByLabel('Repeat')).toHaveValue('weekly');
    await expect(edit.getByLabel('On', { exact: true })).toHaveValue('1');
    await expect(edit.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
    await expect(edit.getByLabel('note', { exact: true })).toHaveValue(
      'scheduled'
    );
    await edit.getByLabel('Repeat').selectOption('daily');
    await edit.getByLabel('At', { exact: true }).fill('18:15');
    await expect(edit.getByLabel('Cron expression')).toHaveValue('15 18 * * *');
    await expect(edit.locator('.jp-JobsSubmitForm-nextRun')).toHaveCount(3);
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(edit).toHaveCount(0);
    const saved = await getJSON(page, `schedules/${created.id}`);
    expect(saved).toMatchObject({
      cron: '15 18 * * *',
      timezone: 'Europe/Berlin',
      catch_up: 'once',
      name: 'weekly report'
    });

    const removed = await api(page, 'DELETE', `schedules/${created.id}`);
    expect(removed.status).toBe(204);
  });

  test('should send a time limit, retries and the job to start after', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      SLEEPER_NOTEBOOK,
      'text',
      `${tmpPath}/sleeper.ipynb`
    );
    await page.contents.uploadContent(
      RESULTS_NOTEBOOK,
      'text',
      `${tmpPath}/next.ipynb`
    );
    const first = await api(page, 'POST', 'jobs', {
      path: `${tmpPath}/sleeper.ipynb`,
      name: 'first step'
    });
    expect(first.status).toBe(201);
    const firstJob = first.json;
    // The dialog lists the jobs the manager knows: wait until it has it.
    const panel = new JobsPanel(page);
    await panel.open();
    await expect(panel.item('first step')).toBeVisible();

    const dialog = await openDialog(page, `${tmpPath}/next.ipynb`);
    await dialog.getByLabel('Job name').fill('second step');
    await dialog.getByLabel('Time limit').fill('ten minutes');
    await expect(
      dialog.getByRole('button', { name: 'Run', exact: true })
    ).toBeDisabled();
    await dialog.getByLabel('Time limit').fill('00:10:00');
    await dialog.getByLabel('Retries', { exact: true }).fill('2');
    await dialog.getByLabel('Retry delay (seconds)').fill('5');
    const after = dialog.getByLabel('Start after');
    await expect(
      after.locator('option', { hasText: 'first step' })
    ).toHaveCount(1);
    await after.selectOption(firstJob.id);
    await dialog.getByLabel('Start when they').selectOption('finished');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(dialog).toHaveCount(0);

    const { jobs } = await getJSON(page, 'jobs');
    const second = jobs.find((j: any) => j.name === 'second step');
    expect(second).toMatchObject({
      resources: { time_limit: '00:10:00' },
      max_retries: 2,
      after: [firstJob.id]
    });
    expect(second.status).toBe('queued');

    for (const id of [second.id, firstJob.id]) {
      await api(page, 'POST', `jobs/${id}/cancel`);
    }
  });

  test("should show the notebook's parameters as the server reads them: type, default and help", async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/training.ipynb`;
    await page.contents.uploadContent(TRAINING_NOTEBOOK, 'text', file);
    const dialog = await openDialog(page, file);
    const lr = dialog.getByLabel('lr', { exact: true });
    await expect(lr).toHaveValue('0.1');
    const lrRow = lr.locator('xpath=..');
    await expect(lrRow.locator('.jp-JobsSubmitForm-type')).toHaveText('float');
    await expect(lrRow.locator('.jp-JobsSubmitForm-help')).toHaveText(
      'learning rate'
    );
    const epochsRow = dialog
      .getByLabel('epochs', { exact: true })
      .locator('xpath=..');
    await expect(epochsRow.locator('.jp-JobsSubmitForm-type')).toHaveText(
      'integer'
    );
    await expect(epochsRow.locator('.jp-JobsSubmitForm-help')).toHaveText(
      'passes over the data'
    );
    // An expression default stays the notebook's own.
    await expect(dialog.getByLabel('layers', { exact: true })).toHaveValue(
      'list(range(2))'
    );

    await lr.fill('fast');
    await expect(lr).toHaveAttribute('aria-invalid', 'true');
    await lr.fill('0.5');
    await dialog.getByLabel('Job name').fill('typed parameters');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(dialog).toHaveCount(0);

    const { jobs } = await getJSON(page, 'jobs');
    const job = jobs.find((j: any) => j.name === 'typed parameters');
    expect(job.parameters).toEqual({ lr: 0.5, epochs: 3 });
  });
});
