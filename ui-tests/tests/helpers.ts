import {
  expect,
  IJupyterLabPage,
  IJupyterLabPageFixture
} from '@jupyterlab/galata';
import { Locator, Page } from '@playwright/test';

/**
 * The id of the Jobs panel in the sidebar.
 */
export const PANEL_ID = 'jupyter-jobs-panel';

/**
 * A small driver of the Jobs panel.
 */
export class JobsPanel {
  constructor(readonly page: IJupyterLabPageFixture) {}

  /**
   * The panel.
   */
  get panel(): Locator {
    return this.page.locator(`#${PANEL_ID}`);
  }

  /**
   * Show the panel in its sidebar.
   */
  async open(): Promise<void> {
    // The command only ever shows the panel (a click on its tab would
    // toggle it, and a submitted job may just have revealed it).
    await this.page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('jupyter-jobs:show-panel')
    );
    await expect(this.panel).toBeVisible();
  }

  /**
   * The list entry of the job with this exact name (the newest if several).
   */
  item(name: string): Locator {
    return this.panel
      .locator('.jp-JobsPanel-item')
      .filter({
        has: this.page.locator('.jp-JobsPanel-name', {
          hasText: new RegExp(`^${escape(name)}$`)
        })
      })
      .first();
  }

  /**
   * The status word of a job.
   */
  status(name: string): Locator {
    return this.item(name).locator('.jp-JobsStatus-label');
  }

  /**
   * Wait until a job shows a status word.
   */
  async waitForStatus(
    name: string,
    status: string,
    timeout = 90000
  ): Promise<void> {
    await expect(this.status(name)).toHaveText(status, { timeout });
  }

  /**
   * Click the cancel button of a job.
   */
  async cancel(name: string): Promise<void> {
    await this.item(name).getByRole('button', { name: 'Cancel job' }).click();
  }

  /**
   * Click the remove button of a job.
   */
  async remove(name: string): Promise<void> {
    await this.item(name).getByRole('button', { name: 'Remove job' }).click();
  }

  /**
   * Open the view of a job in the main area; returns it.
   */
  async openJob(name: string): Promise<Locator> {
    await this.item(name).locator('.jp-JobsPanel-name').click();
    const view = this.page.locator('.jp-JobViewPanel:visible');
    await expect(view.locator('.jp-JobView-name')).toHaveText(name);
    return view;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An nbformat notebook whose first code cell is the `parameters` cell.
 */
export function notebook(parameters: string, cells: string[]): string {
  const code = (source: string, tags: string[] = []) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: { tags },
    outputs: [],
    source
  });
  return JSON.stringify({
    cells: [
      {
        cell_type: 'markdown',
        metadata: {},
        source: '# A job for the UI tests'
      },
      code(parameters, ['parameters']),
      ...cells.map(c => code(c))
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * A notebook that prints steps, waits until `release_file` exists (if
 * given), draws a progress bar with carriage returns and shows HTML and SVG.
 */
export const COUNTER_NOTEBOOK = notebook(
  ['steps = 3', 'label = "demo"', 'release_file = ""'].join('\n'),
  [
    [
      'import os, sys, time',
      'print(f"{label}: {steps} steps ({type(steps).__name__})", flush=True)',
      'for i in range(steps):',
      '    print(f"step {i + 1} of {steps}", flush=True)',
      '    time.sleep(0.1)'
    ].join('\n'),
    [
      'waited = 0.0',
      'while release_file and not os.path.exists(release_file) and waited < 300:',
      '    time.sleep(0.2)',
      '    waited += 0.2',
      'print("released", flush=True)'
    ].join('\n'),
    [
      'for i in range(11):',
      '    sys.stdout.write(f"\\rprogress {i * 10:3d}% " + "#" * i)',
      '    sys.stdout.flush()',
      '    time.sleep(0.05)',
      'print()'
    ].join('\n'),
    [
      'from IPython.display import HTML, SVG, display',
      'display(HTML("<b>All done</b> for <i>" + label + "</i>"))',
      'bars = "".join(f\'<rect x="{10 + i * 22}" y="{90 - h}" width="18" height="{h}" fill="#1976d2"/>\' for i, h in enumerate([20, 45, 30, 70, 55, 80]))',
      'display(SVG(f\'<svg xmlns="http://www.w3.org/2000/svg" width="150" height="100">{bars}</svg>\'))'
    ].join('\n')
  ]
);

/**
 * A notebook that runs for a long time (until cancelled).
 */
export const SLEEPER_NOTEBOOK = notebook('seconds = 600', [
  [
    'import time',
    'for i in range(seconds):',
    '    print(f"tick {i}", flush=True)',
    '    time.sleep(1)'
  ].join('\n')
]);

/**
 * A notebook that fails in its second code cell.
 */
export const FAILING_NOTEBOOK = notebook('divisor = 0', [
  'print("about to divide", flush=True)',
  '1 / divisor'
]);

/**
 * A notebook that records two results with `jupyter_jobs.record`.
 */
export const RESULTS_NOTEBOOK = notebook('note = "results"', [
  [
    'import jupyter_jobs',
    'jupyter_jobs.record("accuracy", 0.93)',
    'jupyter_jobs.record("weights", [1, 2, 3])',
    'print(note, "recorded", flush=True)'
  ].join('\n')
]);

/**
 * The absolute path of the server's root directory.
 */
export async function serverRoot(
  page: IJupyterLabPageFixture
): Promise<string> {
  return page.evaluate(() => {
    const node = document.getElementById('jupyter-config-data');
    return JSON.parse(node?.textContent ?? '{}').serverRoot as string;
  });
}

/**
 * A Python script that prints its arguments and a few lines.
 */
export const SCRIPT = [
  'import sys, time',
  'print("args:", sys.argv[1:], flush=True)',
  'for i in range(3):',
  '    print(f"line {i}", flush=True)',
  '    time.sleep(0.1)',
  ''
].join('\n');

/**
 * galata's wait for JupyterLab, with room for a slow start: its own gives up
 * after 15 s, which a busy machine exceeds. `test.use({ autoGoto: true,
 * waitForApplication: waitLongerForJupyterLab })`.
 */
export async function waitLongerForJupyterLab(
  {}: any,
  use: (
    wait: (page: Page, helpers: IJupyterLabPage) => Promise<void>
  ) => Promise<void>
): Promise<void> {
  await use(async (page, helpers) => {
    await page
      .locator('#jupyterlab-splash')
      .waitFor({ state: 'detached', timeout: 120 * 1000 });
    await helpers.waitForCondition(
      () => helpers.activity.isTabActive('Launcher'),
      120 * 1000
    );
  });
}

/**
 * POST a job through the REST API (the dialog has its own tests); the job.
 */
export async function submitJob(
  page: IJupyterLabPageFixture,
  body: { [key: string]: any }
): Promise<any> {
  return page.evaluate(async request => {
    const settings = (window as any).jupyterapp.serviceManager.serverSettings;
    const xsrf = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie)?.[1];
    const response = await fetch(`${settings.baseUrl}jupyter-jobs/jobs`, {
      method: 'POST',
      body: JSON.stringify(request),
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        ...(xsrf ? { 'X-XSRFToken': decodeURIComponent(xsrf) } : {})
      }
    });
    const answer = await response.json();
    if (!response.ok) {
      throw new Error(`POST jobs: ${response.status} ${answer.message}`);
    }
    return answer;
  }, body);
}

/**
 * Open the view of a job by its id; the view.
 */
export async function openJobView(
  page: IJupyterLabPageFixture,
  id: string,
  name: string
): Promise<Locator> {
  await page.evaluate(jobId => {
    void (window as any).jupyterapp.commands.execute('jupyter-jobs:open', {
      id: jobId
    });
  }, id);
  const view = page.locator('.jp-JobViewPanel:visible');
  await expect(view.locator('.jp-JobView-name')).toHaveText(name);
  return view;
}
