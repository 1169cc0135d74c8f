import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { openJobView, submitJob, waitLongerForJupyterLab } from './helpers';

/**
 * Memory advice for SLURM jobs, on the real cluster: a job whose peak came
 * close to its `--mem`, and one SLURM killed for going past it (this cluster
 * has no cgroups: its accounting samples memory every 2 s and kills the job,
 * which ends FAILED). Each view says so and offers to run the job again with
 * a fitting memory, which the dialog then holds.
 */

/**
 * A script that holds `mib` MiB, written byte by byte so the pages are
 * resident, then a few seconds more, so SLURM's sampling sees it.
 */
function holdingScript(mib: number): string {
  return [
    'import time',
    `block = b"x" * (${mib} * 1024 * 1024)`,
    'time.sleep(6)',
    'print("held", len(block) // 2**20, "MiB", flush=True)'
  ].join('\n');
}

/**
 * Bytes of a SLURM memory size (`1536M`, `2G`).
 */
function slurmBytes(size: string): number {
  const match = /^(\d+)([MG])$/.exec(size);
  expect(match, `a SLURM memory size: ${size}`).not.toBeNull();
  return Number(match![1]) * 1024 ** (match![2] === 'G' ? 3 : 2);
}

/**
 * The ids used by more than one element of the page.
 */
async function duplicatedIds(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.evaluate(() => {
    const seen = new Set<string>();
    const twice = new Set<string>();
    document.querySelectorAll('[id]').forEach(node => {
      (seen.has(node.id) ? twice : seen).add(node.id);
    });
    return [...twice];
  });
}

/**
 * Click the advice's "Run again with …" button; check that the dialog it
 * opens is for this job's file on SLURM with the proposed memory filled in,
 * and that submitting it sends that memory. Returns the memory proposed.
 */
async function runAgainWithAdvice(
  page: IJupyterLabPageFixture,
  advice: Locator,
  path: string
): Promise<string> {
  const suggested = (await advice.getAttribute('data-suggested')) ?? '';
  await advice
    .getByRole('button', { name: `Run again with ${suggested}` })
    .click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.getByLabel('Memory')).toHaveValue(suggested);
  await expect(dialog.getByLabel('Backend')).toHaveValue('slurm');
  // The panel, the job's view and the dialog side by side: no id twice.
  expect(await duplicatedIds(page)).toEqual([]);
  const posted = page.waitForRequest(
    request =>
      request.method() === 'POST' &&
      /jupyter-jobs\/jobs(\?|$)/.test(request.url())
  );
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  const body = (await posted).postDataJSON();
  expect(body.path).toBe(path);
  expect(body.backend).toBe('slurm');
  expect(body.resources.memory).toBe(suggested);
  await expect(dialog).toHaveCount(0);
  return suggested;
}

test.describe('Memory advice for SLURM jobs', () => {
  test.describe.configure({ timeout: 300 * 1000 });
  test.use({ autoGoto: true, waitForApplication: waitLongerForJupyterLab });

  test('should say when a job came close to its --mem or was killed for it, and run it again with more', async ({
    page,
    tmpPath
  }) => {
    // Given two scripts on the cluster: 940 MiB held under --mem=1G (the
    // runner adds about 20 MiB, still under it), 600 MiB under --mem=400M.
    await page.contents.uploadContent(
      holdingScript(940),
      'text',
      `${tmpPath}/close.py`
    );
    await page.contents.uploadContent(
      holdingScript(600),
      'text',
      `${tmpPath}/hungry.py`
    );
    const close = await submitJob(page, {
      path: `${tmpPath}/close.py`,
      name: 'close to its memory',
      backend: 'slurm',
      resources: { memory: '1G' }
    });
    const hungry = await submitJob(page, {
      path: `${tmpPath}/hungry.py`,
      name: 'over its memory',
      backend: 'slurm',
      resources: { memory: '400M' }
    });

    await test.step('a job that came close: its peak, the share, a fitting value', async () => {
      const view = await openJobView(page, close.id, 'close to its memory');
      await expect(view.locator('.jp-JobsStatus-label')).toHaveText(
        'Completed',
        { timeout: 120000 }
      );
      const advice = view.locator('.jp-JobUsage-advice');
      await expect(advice).toBeVisible();
      await expect(advice).toContainText(
        /The job used up to [\d.]+ [MG]B, (9\d|1\d\d)% of the memory it asked for \(--mem=1G\)\. Ask for \S+ next time\./
      );
      const peakText = await view
        .locator('.jp-JobUsage [data-field="peak-memory"]')
        .textContent();
      const suggested = await runAgainWithAdvice(
        page,
        advice,
        `${tmpPath}/close.py`
      );
      // Fitting: room above the peak that came close, more than it had.
      expect(slurmBytes(suggested)).toBeGreaterThan(1024 ** 3);
      expect(slurmBytes(suggested)).toBeGreaterThanOrEqual(
        parseFloat(peakText ?? '0') * (peakText?.includes('GB') ? 1e9 : 1e6)
      );
      await expect(advice).toContainText(`Ask for ${suggested} next time.`);
    });

    await test.step('a job SLURM killed for its memory: said so, at least twice as much', async () => {
      const view = await openJobView(page, hungry.id, 'over its memory');
      await expect(view.locator('.jp-JobsStatus-label')).toHaveText('Failed', {
        timeout: 120000
      });
      const advice = view.locator('.jp-JobUsage-advice');
      await expect(advice).toContainText(
        /The job was stopped for using more memory than it asked for \(--mem=400M\)\. Ask for \S+ next time\./
      );
      const suggested = await runAgainWithAdvice(
        page,
        advice,
        `${tmpPath}/hungry.py`
      );
      expect(slurmBytes(suggested)).toBeGreaterThanOrEqual(800 * 1024 ** 2);

      // "Run Again with Changes…" (the panel's menu) proposes it too.
      await page.evaluate(jobId => {
        void (window as any).jupyterapp.commands.execute(
          'jupyter-jobs:rerun-with-changes',
          { id: jobId }
        );
      }, hungry.id);
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.getByLabel('Memory')).toHaveValue(suggested);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toHaveCount(0);
    });
  });
});
