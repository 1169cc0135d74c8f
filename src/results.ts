import {
  INotebookTracker,
  Notebook,
  NotebookPanel
} from '@jupyterlab/notebook';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { isFinal } from './model';
import { IJob, IJobResults, IJobsManager } from './tokens';

/**
 * The class name of the results section of a job view.
 */
export const JOB_RESULTS_CLASS = 'jp-JobResults';

/**
 * The class name of the button that inserts the code loading the results.
 */
export const JOB_RESULTS_INSERT_CLASS = 'jp-JobResults-insert';

/**
 * Format a size in bytes for people: `12 B`, `3.4 kB`, `1.2 MB`.
 */
export function formatSize(bytes: number): string {
  if (!isFinite(bytes) || bytes < 0) {
    return '';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text =
    unit === 0 || value >= 100 ? String(Math.round(value)) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/**
 * The language of a notebook's kernel: its running kernel's spec, else what
 * the notebook's metadata says; `null` when unknown.
 */
export function kernelLanguage(panel: NotebookPanel): string | null {
  const context = panel.sessionContext;
  const name = context?.session?.kernel?.name;
  const spec = name ? context.specsManager?.specs?.kernelspecs[name] : null;
  if (spec?.language) {
    return spec.language;
  }
  const kernelspec = panel.model?.getMetadata('kernelspec') as any;
  if (kernelspec?.language) {
    return String(kernelspec.language);
  }
  const info = panel.model?.getMetadata('language_info') as any;
  return info?.name ? String(info.name) : null;
}

/**
 * Where the code loading results would go: the current notebook if it runs
 * Python, else why there is none (`reason`, for a tooltip).
 */
export function resultsTarget(
  notebooks: INotebookTracker | null | undefined,
  trans: TranslationBundle
): { notebook: NotebookPanel | null; reason: string } {
  const panel = notebooks?.currentWidget ?? null;
  if (!panel || panel.isDisposed) {
    return {
      notebook: null,
      reason: trans.__('Open a notebook to insert the code into.')
    };
  }
  const language = kernelLanguage(panel);
  if (!language || language.toLowerCase() !== 'python') {
    return {
      notebook: null,
      reason: trans.__(
        'The notebook “%1” does not run a Python kernel.',
        panel.title.label
      )
    };
  }
  return {
    notebook: panel,
    reason: trans.__(
      'Insert the code as a new cell below the active cell of “%1”.',
      panel.title.label
    )
  };
}

/**
 * Insert a code cell with the given source below a notebook's active cell
 * and make it the active cell; returns its index.
 */
export function insertCodeBelow(notebook: Notebook, source: string): number {
  const model = notebook.model;
  if (!model) {
    return -1;
  }
  const index = Math.min(
    Math.max(notebook.activeCellIndex + 1, 0),
    model.sharedModel.cells.length
  );
  model.sharedModel.insertCell(index, { cell_type: 'code', source });
  notebook.activeCellIndex = index;
  return index;
}

/**
 * The results section of a job view: the values the job kept with
 * `jupyter_jobs.record` (names, types and sizes), once the job is final,
 * and a button that inserts the code loading them into the current notebook.
 */
export class JobResultsView extends Widget {
  /**
   * Construct a results section.
   */
  constructor(options: JobResultsView.IOptions) {
    super();
    this.addClass(JOB_RESULTS_CLASS);
    this._manager = options.manager;
    this._jobId = options.jobId;
    this._notebooks = options.notebooks ?? null;
    this._commands = options.commands ?? null;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', this._trans.__('Results'));
    this.hide();

    const heading = document.createElement('h3');
    heading.className = 'jp-JobResults-title';
    heading.textContent = this._trans.__('Results');
    this.node.appendChild(heading);
    this._body = document.createElement('div');
    this._body.className = 'jp-JobResults-body';
    this.node.appendChild(this._body);

    const button = document.createElement('button');
    button.type = 'button';
    button.className = `jp-Button jp-mod-styled jp-mod-accept ${JOB_RESULTS_INSERT_CLASS}`;
    button.textContent = this._trans.__('Insert code to load results');
    button.addEventListener('click', () => {
      if (this._commands && !button.disabled) {
        void this._commands.execute(CommandIDs.insertResultsCode, {
          id: this._jobId
        });
      }
    });
    this._button = button;
    this.node.appendChild(button);

    this._notebooks?.currentChanged.connect(this._onCurrentChanged, this);
    this._onCurrentChanged();
  }

  /**
   * The answer of the server, once loaded.
   */
  get results(): IJobResults | null {
    return this._results;
  }

  /**
   * The button that inserts the code loading the results.
   */
  get insertButton(): HTMLButtonElement {
    return this._button;
  }

  /**
   * Follow the job: its results are loaded once, when it is final.
   */
  setJob(job: IJob | undefined): void {
    if (!job || !isFinal(job.status) || this._loading) {
      return;
    }
    void this.load();
  }

  /**
   * Load the results from the server and show them.
   */
  load(): Promise<void> {
    this.show();
    this._body.textContent = this._trans.__('Loading…');
    this._updateButton();
    // Listing the names is not reading the results: removing still asks.
    this._loading = this._manager.fetchResults(this._jobId, false).then(
      answer => this._render(answer, null),
      reason => this._render(null, (reason as Error).message ?? reason)
    );
    return this._loading;
  }

  /**
   * Dispose the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._notebooks?.currentChanged.disconnect(this._onCurrentChanged, this);
    this._watch(null);
    super.dispose();
  }

  /**
   * Show an answer of the server, or why there is none.
   */
  private _render(answer: IJobResults | null, error: string | null): void {
    if (this.isDisposed) {
      return;
    }
    const trans = this._trans;
    const body = this._body;
    this._results = answer;
    body.textContent = '';
    if (!answer) {
      const p = document.createElement('p');
      p.className = 'jp-JobResults-error';
      p.textContent = trans.__('Could not load the results: %1', error ?? '');
      body.appendChild(p);
    } else if (answer.results.length === 0) {
      const p = document.createElement('p');
      p.className = 'jp-JobResults-empty';
      p.textContent = trans.__(
        'No results. A job keeps values with jupyter_jobs.record(name, value).'
      );
      body.appendChild(p);
    } else {
      const table = document.createElement('table');
      table.className = 'jp-JobResults-table';
      const head = table.createTHead().insertRow();
      for (const label of [
        trans.__('Name'),
        trans.__('Type'),
        trans.__('Size')
      ]) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = label;
        head.appendChild(th);
      }
      const rows = table.createTBody();
      for (const result of answer.results) {
        const row = rows.insertRow();
        row.className = 'jp-JobResults-item';
        row.dataset.name = result.name;
        row.title = trans.__('Stored as %1', result.format);
        const name = row.insertCell();
        name.className = 'jp-JobResults-name';
        const code = document.createElement('code');
        code.textContent = result.name;
        name.appendChild(code);
        const type = row.insertCell();
        type.className = 'jp-JobResults-type';
        type.textContent = result.type ?? '';
        const size = row.insertCell();
        size.className = 'jp-JobResults-size';
        size.textContent = formatSize(result.size);
      }
      body.appendChild(table);
    }
    this._updateButton();
  }

  /**
   * Enable the button when there is code to insert and a Python notebook to
   * insert it into; its tooltip says where, or why not.
   */
  private _updateButton(): void {
    const trans = this._trans;
    const button = this._button;
    const answer = this._results;
    let reason: string;
    let enabled = false;
    if (!answer) {
      reason = trans.__('The results are not loaded.');
    } else if (!answer.load_code) {
      reason =
        answer.results.length === 0
          ? trans.__('There are no results to load.')
          : trans.__('Only the results of a completed job can be loaded.');
    } else if (!this._commands) {
      reason = trans.__('Inserting code is not available here.');
    } else {
      const target = resultsTarget(this._notebooks, trans);
      reason = target.reason;
      enabled = target.notebook !== null;
    }
    button.disabled = !enabled;
    button.title = reason;
    // Nothing recorded: no button to explain, the message above says it all.
    button.hidden = !!answer && answer.results.length === 0;
  }

  /**
   * The current notebook changed: follow its kernel.
   */
  private _onCurrentChanged(): void {
    this._watch(this._notebooks?.currentWidget ?? null);
    this._updateButton();
  }

  /**
   * Watch the kernel of a notebook (a change of language changes the button).
   */
  private _watch(panel: NotebookPanel | null): void {
    if (this._watched === panel) {
      return;
    }
    if (this._watched && !this._watched.isDisposed) {
      this._watched.sessionContext.kernelChanged.disconnect(
        this._updateButton,
        this
      );
    }
    this._watched = panel;
    panel?.sessionContext.kernelChanged.connect(this._updateButton, this);
  }

  private _manager: IJobsManager;
  private _jobId: string;
  private _notebooks: INotebookTracker | null;
  private _commands: CommandRegistry | null;
  private _trans: TranslationBundle;
  private _body: HTMLElement;
  private _button: HTMLButtonElement;
  private _results: IJobResults | null = null;
  private _loading: Promise<void> | null = null;
  private _watched: NotebookPanel | null = null;
}

/**
 * A namespace for `JobResultsView` statics.
 */
export namespace JobResultsView {
  /**
   * The options to create a results section.
   */
  export interface IOptions {
    /**
     * The jobs manager.
     */
    manager: IJobsManager;
    /**
     * The job whose results are shown.
     */
    jobId: string;
    /**
     * The notebooks, to insert the code loading the results into the
     * current one; without them the button stays disabled.
     */
    notebooks?: INotebookTracker | null;
    /**
     * The commands: the button executes `jupyter-jobs:insert-results-code`.
     */
    commands?: CommandRegistry | null;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}
