import { CodeEditor } from '@jupyterlab/codeeditor';
import { INotebookTracker } from '@jupyterlab/notebook';
import { OutputArea } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ServerConnection } from '@jupyterlab/services';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';

import { statusIcon, statusLabel } from './icons';
import { formatDuration, isActive, isFinal, parseTime } from './model';
import { IJobCells, JobNotebookView } from './notebookview';
import { JobLogFollower, JobOutputModel } from './output';
import { requestAPI } from './request';
import { JobResultsView } from './results';
import { SecondTicker } from './ticker';
import { IJob, IJobsManager } from './tokens';
import { JobUsageView } from './usagechart';

/**
 * The class name of the job view.
 */
export const JOB_VIEW_CLASS = 'jp-JobView';

/**
 * The class name of the job view's summary.
 */
export const JOB_VIEW_SUMMARY_CLASS = 'jp-JobView-summary';

/**
 * The class name of the job view's output area.
 */
export const JOB_VIEW_OUTPUT_CLASS = 'jp-JobView-output';

/**
 * Format an ISO time of the server for people.
 */
export function formatTime(value: string | null | undefined): string {
  const ms = parseTime(value);
  return ms === null ? '' : new Date(ms).toLocaleString();
}

/**
 * Format a parameter value like Python would show it.
 */
export function formatParameter(value: any): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (value === true) {
    return 'True';
  }
  if (value === false) {
    return 'False';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/**
 * Build a progress bar element showing done / total.
 */
export function createProgressBar(
  done: number,
  total: number,
  label: string
): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'jp-JobsProgress';
  bar.setAttribute('role', 'progressbar');
  bar.setAttribute('aria-label', label);
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', String(Math.max(total, 0)));
  bar.setAttribute('aria-valuenow', String(Math.max(done, 0)));
  const fill = document.createElement('div');
  fill.className = 'jp-JobsProgress-fill';
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  fill.style.width = `${Math.round(ratio * 100)}%`;
  bar.appendChild(fill);
  const text = document.createElement('span');
  text.className = 'jp-JobsProgress-text';
  text.textContent = `${done}/${total}`;
  bar.appendChild(text);
  return bar;
}

/**
 * The view of one job in the main area: its status, parameters, times and
 * progress, what it costs, and its live output: a notebook job's cells with
 * their outputs, a script's console.
 */
export class JobView extends Panel {
  /**
   * Construct a job view.
   */
  constructor(options: JobView.IOptions) {
    super();
    this.addClass(JOB_VIEW_CLASS);
    this._manager = options.manager;
    this._jobId = options.jobId;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    // Not the id of the main area widget around it (`jupyter-jobs-view-…`): ids are unique.
    this.id = `jupyter-jobs-job-${options.jobId}`;
    this.title.closable = true;

    this._summary = new Widget();
    this._summary.addClass(JOB_VIEW_SUMMARY_CLASS);
    this.addWidget(this._summary);

    this._results = new JobResultsView({
      manager: this._manager,
      jobId: this._jobId,
      notebooks: options.notebooks,
      commands: options.commands,
      translator: options.translator
    });
    this.addWidget(this._results);

    this._notice = new Widget();
    this._notice.addClass('jp-JobView-notice');
    this._notice.hide();
    this.addWidget(this._notice);

    this._usage = new JobUsageView({
      jobId: this._jobId,
      rendermime: options.rendermime,
      serverSettings: options.serverSettings,
      translator: options.translator,
      commands: options.commands
    });
    this.addWidget(this._usage);

    this._options = options;
    this._outputModel = new JobOutputModel({
      maxLines: options.maxLines ?? 10000,
      trusted: false
    });
    this._manager.changed.connect(this._onChanged, this);
    this._render();
  }

  /**
   * The job id.
   */
  get jobId(): string {
    return this._jobId;
  }

  /**
   * The output model (bounded).
   */
  get outputModel(): JobOutputModel {
    return this._outputModel;
  }

  /**
   * The live notebook of a notebook job, once its kind is known.
   */
  get notebook(): JobNotebookView | null {
    return this._notebook;
  }

  /**
   * The usage section.
   */
  get usage(): JobUsageView {
    return this._usage;
  }

  /**
   * The maximum number of output lines kept (per cell for a notebook).
   */
  set maxLines(value: number) {
    this._outputModel.maxLines = value;
    if (this._notebook) {
      this._notebook.maxLines = value;
    }
  }

  /**
   * The results section.
   */
  get results(): JobResultsView {
    return this._results;
  }

  /**
   * A signal emitted when the job was removed from the server.
   */
  get removed(): ISignal<JobView, void> {
    return this._removed;
  }

  /**
   * Dispose the view.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._ticker.dispose();
    this._follower?.dispose();
    this._manager.changed.disconnect(this._onChanged, this);
    super.dispose();
    this._outputModel.dispose();
    Signal.clearData(this);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._render();
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._ticker.stop();
  }

  private _onChanged(): void {
    const job = this._manager.get(this._jobId);
    if (!job && this._seen && this._manager.isReady) {
      this._removed.emit();
      return;
    }
    // The manager replaces a job's object only when the job changed.
    if (job && job === this._rendered) {
      return;
    }
    this._render();
  }

  /**
   * Show the job's output once its kind is known: a notebook job's cells,
   * or a script's console; then follow its log.
   */
  private _showOutput(job: IJob): void {
    if (this._follower) {
      return;
    }
    const options = this._options;
    const maxLines = options.maxLines ?? 10000;
    if (job.kind === 'notebook' && options.editorFactory) {
      const settings =
        options.serverSettings ?? ServerConnection.makeSettings();
      this._notebook = new JobNotebookView({
        loadCells: () =>
          requestAPI<IJobCells>(
            `jobs/${encodeURIComponent(this._jobId)}/cells`,
            settings
          ),
        rendermime: options.rendermime,
        editorFactory: options.editorFactory,
        maxLines,
        translator: options.translator
      });
      this._notebook.addClass(JOB_VIEW_OUTPUT_CLASS);
      this.addWidget(this._notebook);
    } else {
      const console = new OutputArea({
        model: this._outputModel,
        rendermime: options.rendermime
      });
      console.addClass(JOB_VIEW_OUTPUT_CLASS);
      this.addWidget(console);
    }
    this._follower = new JobLogFollower({
      manager: this._manager,
      jobId: this._jobId,
      model: this._outputModel,
      sink: this._notebook ?? undefined,
      tailEvents: maxLines
    });
    this._follower.updated.connect(this._updateNotice, this);
    this._follower.start().catch(reason => {
      this._notice.node.textContent = this._trans.__(
        'Could not load the output: %1',
        (reason as Error).message ?? String(reason)
      );
      this._notice.show();
    });
  }

  private _updateNotice(): void {
    const skipped = this._follower?.skipped ?? 0;
    const dropped = this._notebook?.dropped ?? this._outputModel.dropped;
    if (skipped > 0 || dropped > 0) {
      this._notice.node.textContent = this._trans.__(
        'Only the latest output is shown here; open the output notebook for all of it.'
      );
      this._notice.show();
    }
  }

  /**
   * Render the summary of the job.
   */
  private _render(): void {
    const job = this._manager.get(this._jobId);
    const trans = this._trans;
    const node = this._summary.node;
    node.textContent = '';
    if (!job) {
      const p = document.createElement('p');
      p.textContent = this._manager.isReady
        ? trans.__('This job does not exist (any more).')
        : trans.__('Loading…');
      node.appendChild(p);
      return;
    }
    this._seen = true;
    this._rendered = job;
    this.title.label = job.name;
    this.title.caption = trans.__('Job %1 (%2)', job.name, job.path);
    this.title.icon = statusIcon(job.status);
    this.title.className = `jp-JobView-tab jp-mod-${job.status}`;

    const header = document.createElement('div');
    header.className = `jp-JobView-header jp-mod-${job.status}`;
    const icon = document.createElement('span');
    icon.className = 'jp-JobsStatus-icon';
    statusIcon(job.status).element({ container: icon });
    header.appendChild(icon);
    const word = document.createElement('span');
    word.className = 'jp-JobsStatus-label';
    word.textContent = statusLabel(job.status, trans);
    header.appendChild(word);
    const name = document.createElement('h2');
    name.className = 'jp-JobView-name';
    name.textContent = job.name;
    header.appendChild(name);
    node.appendChild(header);

    const table = document.createElement('dl');
    table.className = 'jp-JobView-details';
    const row = (label: string, value: string | HTMLElement, key: string) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.dataset.field = key;
      if (typeof value === 'string') {
        dd.textContent = value;
      } else {
        dd.appendChild(value);
      }
      table.appendChild(dt);
      table.appendChild(dd);
    };
    row(trans.__('File'), job.path, 'path');
    row(
      trans.__('Backend'),
      job.backend_id ? `${job.backend} (${job.backend_id})` : job.backend,
      'backend'
    );
    if (job.kernel_name) {
      row(trans.__('Kernel'), job.kernel_name, 'kernel');
    }
    if (job.status_reason) {
      row(trans.__('Reason'), job.status_reason, 'reason');
    }
    const parameters = Object.keys(job.parameters ?? {});
    if (parameters.length > 0) {
      const list = document.createElement('ul');
      list.className = 'jp-JobView-parameters';
      for (const key of parameters) {
        const li = document.createElement('li');
        const code = document.createElement('code');
        code.textContent = `${key} = ${formatParameter(job.parameters[key])}`;
        li.appendChild(code);
        list.appendChild(li);
      }
      row(trans.__('Parameters'), list, 'parameters');
    } else {
      row(trans.__('Parameters'), trans.__('none'), 'parameters');
    }
    const resources = Object.keys(job.resources ?? {});
    if (resources.length > 0) {
      row(
        trans.__('Resources'),
        resources.map(k => `${k}: ${job.resources![k]}`).join(', '),
        'resources'
      );
    }
    row(trans.__('Created'), formatTime(job.created_at), 'created');
    row(trans.__('Started'), formatTime(job.started_at), 'started');
    row(trans.__('Finished'), formatTime(job.finished_at), 'finished');
    const duration = document.createElement('span');
    duration.className = 'jp-JobView-duration';
    duration.textContent = formatDuration(this._manager.elapsed(job));
    this._duration = duration;
    row(trans.__('Duration'), duration, 'duration');
    row(
      trans.__('Progress'),
      createProgressBar(
        job.progress?.done ?? 0,
        job.progress?.total ?? 0,
        trans.__('Cells done')
      ),
      'progress'
    );
    if (job.error) {
      const error = document.createElement('pre');
      error.className = 'jp-JobView-error';
      error.textContent = job.error.message;
      row(trans.__('Error'), error, 'error');
    }
    node.appendChild(table);

    this._results.setJob(job);
    this._usage.setJob(job);
    this._showOutput(job);
    if (isFinal(job.status) && this._notebook && !this._countsRead) {
      this._countsRead = true;
      // The execution counts are in the output notebook once the job ended.
      this._notebook.refreshCounts().catch(() => undefined);
    }

    if (isActive(job.status) && job.started_at) {
      this._startTimer();
    } else {
      this._ticker.stop();
    }
  }

  private _startTimer(): void {
    if (this.isVisible) {
      this._ticker.start();
    }
  }

  /**
   * Show the elapsed time of the running job; stop once it is not active.
   */
  private _tick(): void {
    const job = this._manager.get(this._jobId);
    if (!job || !isActive(job.status)) {
      this._ticker.stop();
      return;
    }
    if (this._duration) {
      this._duration.textContent = formatDuration(this._manager.elapsed(job));
    }
  }

  private _manager: IJobsManager;
  private _jobId: string;
  private _trans: TranslationBundle;
  private _summary: Widget;
  private _results: JobResultsView;
  private _notice: Widget;
  private _options: JobView.IOptions;
  private _usage: JobUsageView;
  private _notebook: JobNotebookView | null = null;
  private _countsRead = false;
  private _outputModel: JobOutputModel;
  private _follower: JobLogFollower | null = null;
  private _duration: HTMLElement | null = null;
  private _ticker = new SecondTicker(() => this._tick());
  private _seen = false;
  private _rendered: IJob | null = null;
  private _removed = new Signal<JobView, void>(this);
}

/**
 * A namespace for `JobView` statics.
 */
export namespace JobView {
  /**
   * The options to create a job view.
   */
  export interface IOptions {
    /**
     * The jobs manager.
     */
    manager: IJobsManager;
    /**
     * The job shown.
     */
    jobId: string;
    /**
     * The rendermime registry for outputs.
     */
    rendermime: IRenderMimeRegistry;
    /**
     * The maximum number of output lines kept (per cell for a notebook).
     */
    maxLines?: number;
    /**
     * The editor factory showing a notebook job's sources; without it a
     * notebook job's output shows as a console, like a script's.
     */
    editorFactory?: CodeEditor.Factory | null;
    /**
     * The server settings (default: the page's).
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The application translator.
     */
    translator?: ITranslator;
    /**
     * The notebooks: the code loading the job's results goes into the
     * current one.
     */
    notebooks?: INotebookTracker | null;
    /**
     * The commands (the results section executes one).
     */
    commands?: CommandRegistry | null;
  }
}
