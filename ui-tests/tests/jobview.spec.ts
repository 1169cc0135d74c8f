import { expect, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import {
  notebook,
  openJobView,
  serverRoot,
  submitJob,
  waitLongerForJupyterLab
} from './helpers';

/**
 * The cell of the live notebook whose source contains `text`.
 */
function cell(view: Locator, text: string): Locator {
  return view
    .locator('.jp-JobNotebook-cell')
    .filter({ has: view.page().locator('.jp-InputArea', { hasText: text }) });
}

test.describe('Job view', () => {
  // A job's kernel starts slowly on a loaded machine: room for that, and for
  // JupyterLab to start (galata's own wait gives up after 15 s).
  test.describe.configure({ timeout: 300 * 1000 });
  test.use({ autoGoto: true, waitForApplication: waitLongerForJupyterLab });

  test('should show a notebook job live, cell by cell, and open its output as a notebook to save a copy of', async ({
    page,
    tmpPath
  }) => {
    const release = `${await serverRoot(page)}/${tmpPath}/release`;
    await page.contents.uploadContent(
      notebook(`release = ${JSON.stringify(release)}`, [
        'print("from the first cell", flush=True)',
        [
          'import os, time',
          'from IPython.display import HTML, display',
          'print("second " + "cell waits", flush=True)',
          'display(HTML("<b>bold</b><script>window.jobScriptRan = true</script>"))',
          'while not os.path.exists(release):',
          '    time.sleep(0.1)',
          'print("released", flush=True)'
        ].join('\n'),
        'raise ValueError("the third cell fails")'
      ]),
      'text',
      `${tmpPath}/live.ipynb`
    );
    const job = await submitJob(page, {
      path: `${tmpPath}/live.ipynb`,
      name: 'live notebook'
    });
    const view = await openJobView(page, job.id, 'live notebook');

    // The running cell is marked, each output sits under its own cell.
    const first = cell(view, 'from the first cell');
    const second = cell(view, 'cell waits');
    const third = cell(view, 'the third cell fails');
    // (The kernel may take a while to start on a busy machine.)
    await expect(second).toHaveClass(/jp-mod-running/, { timeout: 90000 });
    await expect(second.locator('.jp-InputPrompt')).toHaveText('[*]:');
    await expect(second.locator('.jp-OutputArea')).toContainText(
      'second cell waits'
    );
    await expect(first.locator('.jp-OutputArea')).toHaveText(
      /from the first cell/
    );
    await expect(first.locator('.jp-OutputArea')).not.toContainText('second');
    await expect(first).not.toHaveClass(/jp-mod-running/);
    // Outputs are untrusted: the HTML shows, its script never runs.
    await expect(second.locator('.jp-OutputArea b')).toHaveText('bold');
    expect(await page.evaluate(() => (window as any).jobScriptRan)).toBe(
      undefined
    );
    // The markdown cell is rendered, the injected parameters are a cell too.
    await expect(
      view.locator('.jp-JobNotebook-cell .jp-RenderedMarkdown h1')
    ).toHaveText(/A job for the UI tests/);

    // Sources collapse as in a notebook, with the cell's input collapser.
    const index = await first.getAttribute('data-cell-index');
    const firstByIndex = view.locator(
      `.jp-JobNotebook-cell[data-cell-index="${index}"]`
    );
    await firstByIndex.locator('.jp-InputCollapser').click();
    await expect(firstByIndex.locator('.jp-InputPlaceholder')).toBeVisible();
    // (The placeholder previews the source's first line; the editor is gone.)
    await expect(firstByIndex.locator('.jp-InputArea-editor')).toBeHidden();
    await expect(firstByIndex.locator('.jp-OutputArea')).toHaveText(
      /from the first cell/
    );
    await firstByIndex.locator('.jp-InputCollapser').click();
    await expect(first.locator('.jp-InputArea')).toBeVisible();

    await page.contents.uploadContent('', 'text', `${tmpPath}/release`);
    await expect(third).toHaveClass(/jp-mod-failed/, { timeout: 60000 });
    await expect(third.locator('.jp-OutputArea')).toContainText('ValueError');
    await expect(second).not.toHaveClass(/jp-mod-running/);
    await expect(second.locator('.jp-OutputArea')).toContainText('released');
    await expect(view.locator('.jp-JobsStatus-label')).toHaveText('Failed');
    // Once the job ended the execution counts come from its output notebook.
    await expect(second.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]:/);

    // The output opens in the notebook widget, read-only, without a kernel.
    await view.getByRole('button', { name: 'Open output notebook' }).click();
    const output = page.locator('.jp-NotebookPanel.jp-JobOutputNotebook');
    await expect(output).toBeVisible();
    // Its four code cells (papermill adds markdown cells about the error).
    await expect(output.locator('.jp-Notebook .jp-CodeCell')).toHaveCount(4);
    await expect(output.locator('.jp-Notebook')).toContainText(
      'the third cell fails'
    );
    expect(
      await page.evaluate(() => {
        const panel = (window as any).jupyterapp.shell.currentWidget;
        return [panel.context.model.readOnly, panel.sessionContext.session];
      })
    ).toEqual([true, null]);

    // Save a copy: next to the input, never over an existing file.
    await page.contents.uploadContent(
      '{}',
      'text',
      `${tmpPath}/live-output.ipynb`
    );
    await output.getByRole('button', { name: 'Save a copy' }).click();
    await expect
      .poll(() => page.contents.fileExists(`${tmpPath}/live-output-1.ipynb`))
      .toBe(true);
    expect(
      await page.contents.getContentMetadata(`${tmpPath}/live-output.ipynb`)
    ).toMatchObject({ size: 2 });
    // ... and it opens as an ordinary notebook.
    const copy = page.locator('.jp-NotebookPanel:visible', {
      has: page.locator('.jp-Notebook')
    });
    await expect(
      page.getByRole('tab', { name: /live-output-1\.ipynb/ })
    ).toBeVisible();
    await expect(copy).not.toHaveClass(/jp-JobOutputNotebook/);
    await expect(copy.locator('.jp-Notebook')).toContainText('released');
  });

  test('should show what a job costs: a chart and the figures of a job that holds 200 MB', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      notebook('megabytes = 200', [
        [
          'import time',
          'block = b"x" * (megabytes * 1024 * 1024)',
          'time.sleep(5)'
        ].join('\n')
      ]),
      'text',
      `${tmpPath}/memory.ipynb`
    );
    const job = await submitJob(page, {
      path: `${tmpPath}/memory.ipynb`,
      name: 'memory job'
    });
    const view = await openJobView(page, job.id, 'memory job');
    const usage = view.locator('.jp-JobUsage');

    // Live: the chart (Vega-Lite through rendermime) and the memory now.
    await expect(usage.locator('.jp-JobUsage-chart svg').first()).toBeVisible({
      timeout: 60000
    });
    await expect(view.locator('.jp-JobsStatus-label')).toHaveText('Completed', {
      timeout: 90000
    });
    // Kept after the end: peak memory, CPU time and wall time.
    const peak = usage.locator('[data-field="peak-memory"]');
    await expect(peak).toHaveText(/^\d+(\.\d+)? MB$/);
    const megabytes = parseFloat((await peak.textContent()) ?? '0');
    expect(megabytes).toBeGreaterThanOrEqual(200);
    await expect(usage.locator('[data-field="cpu-time"]')).not.toHaveText('—');
    await expect(usage.locator('[data-field="wall-time"]')).toHaveText(/\d/);
    await expect(usage.locator('[data-field="memory"]')).toHaveCount(0);
    // A local job asked for no memory: no advice.
    await expect(usage.locator('.jp-JobUsage-advice')).toBeHidden();
  });
});
