import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  FAILING_NOTEBOOK,
  JobsPanel,
  notebook,
  SLEEPER_NOTEBOOK,
  waitLongerForJupyterLab
} from './helpers';

/**
 * Call the jupyter-jobs REST API of the test server; returns the status and
 * the JSON body.
 */
async function api(
  page: IJupyterLabPageFixture,
  method: string,
  endPoint: string,
  body?: unknown
): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ({ method, endPoint, body }) => {
      const settings = (window as any).jupyterapp.serviceManager.serverSettings;
      const response = await fetch(
        `${settings.baseUrl}jupyter-jobs/${endPoint}`,
        {
          method,
          body: body === undefined ? undefined : JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' }
        }
      );
      const text = await response.text();
      return {
        status: response.status,
        json: text ? JSON.parse(text) : null
      };
    },
    { method, endPoint, body }
  );
}

/**
 * Open JupyterLab in the test's folder and wait until it has started,
 * restored its layout and activated the Jobs panel.
 */
async function startLab(
  page: IJupyterLabPageFixture,
  baseURL: string | undefined,
  tmpPath: string
): Promise<void> {
  // galata opened the test's folder (autoGoto); plugins may still be
  // activating after JupyterLab's start.
  await page.waitForFunction(
    () =>
      (window as any).jupyterapp?.commands.hasCommand(
        'jupyter-jobs:show-panel'
      ),
    undefined,
    { timeout: 120000 }
  );
}

/**
 * A one-cell notebook that prints and ends.
 */
const QUICK_NOTEBOOK = notebook('note = "scheduled"', [
  'print(note, flush=True)'
]);

/**
 * A notebook that runs until a file appears next to it (at most 5 minutes).
 */
const WAITER_NOTEBOOK = notebook('release = "release.txt"', [
  [
    'import os, time',
    'for _ in range(1500):',
    '    if os.path.exists(release):',
    '        break',
    '    time.sleep(0.2)',
    'print("released", flush=True)'
  ].join('\n')
]);

test.describe('Jobs panel sections', () => {
  // JupyterLab may start slowly on a busy machine: more room than galata's
  // own wait for it.
  test.use({ autoGoto: true, waitForApplication: waitLongerForJupyterLab });

  test('should list a schedule with its next run, pause, resume, run it now and delete it', async ({
    page,
    baseURL,
    tmpPath
  }) => {
    await startLab(page, baseURL, tmpPath);
    const path = `${tmpPath}/quick.ipynb`;
    await page.contents.uploadContent(QUICK_NOTEBOOK, 'text', path);
    const name = `weekday report ${Date.now()}`;
    const created = await api(page, 'POST', 'schedules', {
      path,
      cron: '0 6 * * 1-5',
      timezone: 'UTC',
      name
    });
    expect(created.status).toBe(201);
    const schedule = created.json;
    expect(schedule.next_run_at).toBeTruthy();

    const jobs = new JobsPanel(page);
    await jobs.open();
    // The cache polls; a refresh brings the new schedule at once.
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'jupyter-jobs:refresh-schedules'
      )
    );
    const section = jobs.panel.locator('.jp-JobsSchedules');
    const item = section.locator('.jp-JobsSchedules-item', { hasText: name });
    await expect(item).toBeVisible();
    await expect(item.locator('.jp-JobsSchedules-cron')).toHaveText(
      'weekdays at 06:00'
    );
    await expect(item.locator('.jp-JobsSchedules-cron')).toHaveAttribute(
      'title',
      '0 6 * * 1-5 (UTC)'
    );
    await expect(item.locator('.jp-JobsSchedules-next time')).toHaveAttribute(
      'datetime',
      schedule.next_run_at
    );
    await expect(item.locator('.jp-JobsSchedules-next time')).not.toHaveText(
      ''
    );

    // Pause, then resume.
    await item.getByRole('button', { name: 'Pause schedule' }).click();
    await expect(item).toHaveClass(/jp-mod-paused/);
    await expect(item.locator('.jp-JobsSchedules-paused')).toHaveText('paused');
    expect(
      (await api(page, 'GET', `schedules/${schedule.id}`)).json.paused
    ).toBe(true);
    await item.getByRole('button', { name: 'Resume schedule' }).click();
    await expect(item).not.toHaveClass(/jp-mod-paused/);
    await expect(item.locator('.jp-JobsSchedules-next time')).toHaveAttribute(
      'datetime',
      schedule.next_run_at
    );
    expect(
      (await api(page, 'GET', `schedules/${schedule.id}`)).json.paused
    ).toBe(false);

    // Run now: the job shows as the schedule's last job and in the list.
    await item.getByRole('button', { name: 'Run schedule now' }).click();
    const lastJob = item.locator('.jp-JobsSchedules-lastJob');
    await expect(lastJob).toBeVisible();
    const jobId = await lastJob.getAttribute('data-job-id');
    const job = (await api(page, 'GET', `jobs/${jobId}`)).json;
    expect(job.schedule_id).toBe(schedule.id);
    await jobs.waitForStatus(job.name, 'Completed');
    await expect(lastJob).toContainText('Completed');
    // Its history lists the jobs it made; each opens.
    const history = item.locator('.jp-JobsSchedules-history');
    await expect(history.locator('summary')).toHaveText('1 job so far');
    await history.locator('summary').click();
    await expect(
      history.locator(`.jp-JobsSchedules-historyJob[data-job-id="${jobId}"]`)
    ).toContainText('Completed');

    // Delete, after a confirmation.
    await item.getByRole('button', { name: 'Delete schedule' }).click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText(name);
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(item).toHaveCount(0);
    expect((await api(page, 'GET', `schedules/${schedule.id}`)).status).toBe(
      404
    );
  });

  test('should show the attempt of a retried job and what a chained job waits for', async ({
    page,
    baseURL,
    tmpPath
  }) => {
    await startLab(page, baseURL, tmpPath);
    const failing = `${tmpPath}/failing.ipynb`;
    const waiter = `${tmpPath}/waiter.ipynb`;
    await page.contents.uploadContent(FAILING_NOTEBOOK, 'text', failing);
    await page.contents.uploadContent(WAITER_NOTEBOOK, 'text', waiter);
    const jobs = new JobsPanel(page);
    await jobs.open();

    // A job retried once: its second attempt shows as 2/2.
    const retried = await api(page, 'POST', 'jobs', {
      path: failing,
      name: 'retried report',
      max_retries: 1,
      retry_delay_seconds: 0
    });
    expect(retried.status).toBe(201);

    // A chain: the second step waits for the first.
    const first = await api(page, 'POST', 'jobs', {
      path: waiter,
      name: 'first step'
    });
    expect(first.status).toBe(201);
    const second = await api(page, 'POST', 'jobs', {
      path: waiter,
      name: 'second step',
      after: [first.json.id]
    });
    expect(second.status).toBe(201);

    await expect(
      jobs.item('second step').locator('.jp-JobsPanel-waiting')
    ).toHaveText('waiting for first step', { timeout: 60000 });
    await jobs.waitForStatus('second step', 'Queued');

    await jobs.waitForStatus('retried report', 'Failed');
    await expect(
      jobs.item('retried report').locator('.jp-JobsPanel-attempt')
    ).toHaveText('attempt 2/2');

    // The first step released: the second runs, and no longer waits.
    await page.contents.uploadContent('go', 'text', `${tmpPath}/release.txt`);
    await jobs.waitForStatus('first step', 'Completed');
    await jobs.waitForStatus('second step', 'Completed');
    await expect(
      jobs.item('second step').locator('.jp-JobsPanel-waiting')
    ).toHaveCount(0);
  });

  test('should keep keyboard focus in the panel while updates arrive', async ({
    page,
    baseURL,
    tmpPath
  }) => {
    await startLab(page, baseURL, tmpPath);
    const path = `${tmpPath}/sleeper.ipynb`;
    await page.contents.uploadContent(SLEEPER_NOTEBOOK, 'text', path);
    const submitted = await api(page, 'POST', 'jobs', {
      path,
      name: 'ticking job'
    });
    expect(submitted.status).toBe(201);
    const jobs = new JobsPanel(page);
    await jobs.open();
    await jobs.waitForStatus('ticking job', 'Running');
    const elapsed = jobs.item('ticking job').locator('.jp-JobsPanel-elapsed');

    /**
     * Wait until the row of the running job was rendered again.
     */
    const waitForUpdate = async () => {
      const before = await elapsed.textContent();
      await expect(elapsed).not.toHaveText(before ?? '');
    };

    // The search box keeps the focus and what is typed.
    const search = jobs.panel.getByLabel('Search jobs by name');
    await search.focus();
    await page.keyboard.type('tick');
    await waitForUpdate();
    await waitForUpdate();
    await expect(search).toBeFocused();
    await expect(search).toHaveValue('tick');
    await page.keyboard.type('ing');
    await expect(search).toHaveValue('ticking');
    await expect(jobs.panel.locator('.jp-JobsPanel-name')).toHaveText([
      'ticking job'
    ]);

    // So does a row's button reached with the keyboard.
    const cancel = jobs
      .item('ticking job')
      .getByRole('button', { name: 'Cancel job' });
    await cancel.focus();
    await waitForUpdate();
    await waitForUpdate();
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Enter');
    await jobs.waitForStatus('ticking job', 'Cancelled');
  });
});
