import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import {
  clearIcon,
  closeIcon,
  LabIcon,
  redoIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from './commands';
import { jobsIcon, statusIcon, statusLabel } from './icons';
import { formatDuration, isActive, isFinal } from './model';
import { createProgressBar } from './jobview';
import { createSweepItem, isSweep, panelEntries, sweepRuns } from './sweeprow';
import {
  ACTIVE_STATUSES,
  IJob,
  IJobsManager,
  ISweep,
  ISweepsManager,
  JOB_STATUSES
} from './tokens';

/**
 * The class name of the Jobs panel.
 */
export const JOBS_PANEL_CLASS = 'jp-JobsPanel';

/**
 * The class name of a job in the list; a `jp-mod-<status>` modifier is
 * added (e.g. `jp-mod-running`).
 */
export const JOBS_PANEL_ITEM_CLASS = 'jp-JobsPanel-item';

/**
 * The value of the status filter that shows active jobs.
 */
const ACTIVE_FILTER = 'active';

/**
 * The Jobs panel: the job list, newest first, with status, name, backend,
 * elapsed time, progress and actions; filter by status, search by name,
 * pages of jobs.
 */
export class JobsPanel extends Widget {
  /**
   * Construct a Jobs panel.
   */
  constructor(options: JobsPanel.IOptions) {
    super();
    this.addClass(JOBS_PANEL_CLASS);
    this._manager = options.manager;
    this._sweeps = options.sweeps ?? null;
    this._commands = options.commands;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this._pageSize = Math.max(5, options.pageSize ?? 50);
    this.id = 'jupyter-jobs-panel';
    this.title.icon = jobsIcon;
    this.title.caption = this._trans.__('Jobs');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', this._trans.__('Jobs'));
    this._build();
    this._manager.changed.connect(this._onChanged, this);
    this._sweeps?.changed.connect(this._onChanged, this);
    this._render();
  }

  /**
   * The number of jobs per page.
   */
  get pageSize(): number {
    return this._pageSize;
  }
  set pageSize(value: number) {
    this._pageSize = Math.max(5, value);
    this._render();
  }

  /**
   * The page shown (0-based).
   */
  get page(): number {
    return this._page;
  }
  set page(value: number) {
    this._page = Math.max(0, value);
    this._render();
  }

  /**
   * Dispose the panel.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopTimer();
    this._manager.changed.disconnect(this._onChanged, this);
    this._sweeps?.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._render();
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._stopTimer();
  }

  /**
   * Build the parts that stay: header, filters, list, pager.
   */
  private _build(): void {
    const trans = this._trans;
    const header = document.createElement('div');
    header.className = 'jp-JobsPanel-header';
    const title = document.createElement('h2');
    title.className = 'jp-JobsPanel-title';
    title.textContent = trans.__('Jobs');
    header.appendChild(title);
    header.appendChild(
      this._button(refreshIcon, trans.__('Refresh jobs'), () => {
        void this._commands.execute(CommandIDs.refresh);
      })
    );
    const clear = this._button(
      clearIcon,
      trans.__('Clear finished'),
      () => {
        void this._commands.execute(CommandIDs.clearFinished);
      },
      trans.__('Clear finished')
    );
    clear.classList.add('jp-JobsPanel-clear');
    header.appendChild(clear);
    this._clear = clear;
    this.node.appendChild(header);

    const filters = document.createElement('div');
    filters.className = 'jp-JobsPanel-filters';
    const select = document.createElement('select');
    select.className = 'jp-JobsPanel-statusFilter jp-mod-styled';
    select.setAttribute('aria-label', trans.__('Filter by status'));
    const options: [string, string][] = [
      ['', trans.__('All')],
      [ACTIVE_FILTER, trans.__('Active')],
      ...JOB_STATUSES.map(s => [s, statusLabel(s, trans)] as [string, string])
    ];
    for (const [value, label] of options) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      select.appendChild(option);
    }
    select.addEventListener('change', () => {
      const value = select.value;
      this._page = 0;
      this._manager.statusFilter =
        value === ''
          ? []
          : value === ACTIVE_FILTER
            ? ACTIVE_STATUSES.slice()
            : [value as IJob['status']];
    });
    filters.appendChild(select);
    const search = document.createElement('input');
    search.type = 'search';
    search.className = 'jp-JobsPanel-search jp-mod-styled';
    search.placeholder = trans.__('Search by name');
    search.setAttribute('aria-label', trans.__('Search jobs by name'));
    search.addEventListener('input', () => {
      this._page = 0;
      this._manager.search = search.value;
    });
    filters.appendChild(search);
    this.node.appendChild(filters);
    this._select = select;
    this._searchInput = search;

    this._error = document.createElement('div');
    this._error.className = 'jp-JobsPanel-error';
    this._error.setAttribute('role', 'status');
    this.node.appendChild(this._error);

    this._list = document.createElement('ul');
    this._list.className = 'jp-JobsPanel-list';
    this._list.setAttribute('aria-label', trans.__('Jobs, newest first'));
    this.node.appendChild(this._list);

    this._empty = document.createElement('div');
    this._empty.className = 'jp-JobsPanel-empty';
    this.node.appendChild(this._empty);

    const pager = document.createElement('div');
    pager.className = 'jp-JobsPanel-pager';
    this._prev = document.createElement('button');
    this._prev.className = 'jp-Button jp-mod-minimal jp-JobsPanel-prev';
    this._prev.textContent = trans.__('Previous');
    this._prev.addEventListener('click', () => {
      this.page = this._page - 1;
    });
    this._pageInfo = document.createElement('span');
    this._pageInfo.className = 'jp-JobsPanel-pageInfo';
    this._next = document.createElement('button');
    this._next.className = 'jp-Button jp-mod-minimal jp-JobsPanel-next';
    this._next.textContent = trans.__('Next');
    this._next.addEventListener('click', () => {
      this.page = this._page + 1;
    });
    pager.appendChild(this._prev);
    pager.appendChild(this._pageInfo);
    pager.appendChild(this._next);
    this.node.appendChild(pager);
  }

  /**
   * A small icon button with an accessible name.
   */
  private _button(
    icon: LabIcon,
    label: string,
    onClick: () => void,
    text?: string
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-JobsPanel-button jp-Button jp-mod-minimal';
    button.title = label;
    button.setAttribute('aria-label', label);
    icon.element({ container: button, tag: 'span', elementSize: 'normal' });
    if (text) {
      const span = document.createElement('span');
      span.className = 'jp-JobsPanel-buttonText';
      span.textContent = text;
      button.appendChild(span);
    }
    button.addEventListener('click', event => {
      event.stopPropagation();
      onClick();
    });
    return button;
  }

  private _onChanged(): void {
    this._render();
  }

  /**
   * Render the current page of the filtered jobs.
   */
  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const trans = this._trans;
    const manager = this._manager;
    // With sweeps, a sweep is one entry and its runs are listed under it.
    const jobs = this._sweeps
      ? panelEntries(
          manager.filteredJobs,
          this._sweeps.sweeps,
          manager.statusFilter,
          manager.search
        )
      : manager.filteredJobs;
    const pages = Math.max(1, Math.ceil(jobs.length / this._pageSize));
    if (this._page >= pages) {
      this._page = pages - 1;
    }
    const start = this._page * this._pageSize;
    const shown = jobs.slice(start, start + this._pageSize);

    const lastError = manager.lastError;
    this._error.textContent = lastError
      ? trans.__('Cannot reach the jobs service: %1', lastError)
      : '';

    this._list.textContent = '';
    this._elapsed.clear();
    for (const entry of shown) {
      this._list.appendChild(
        isSweep(entry) ? this._renderSweep(entry) : this._renderItem(entry)
      );
    }
    if (!manager.isReady) {
      this._empty.textContent = trans.__('Loading jobs…');
    } else if (manager.jobs.length === 0) {
      this._empty.textContent = trans.__(
        'No jobs yet. Right-click a notebook or a Python file and choose “Run as Background Job”.'
      );
    } else if (jobs.length === 0) {
      this._empty.textContent = trans.__('No job matches the filter.');
    } else {
      this._empty.textContent = '';
    }
    this._clear.disabled = !manager.jobs.some(
      job => isFinal(job.status) && !(this._sweeps && job.sweep_id)
    );
    this._prev.disabled = this._page === 0;
    this._next.disabled = this._page >= pages - 1;
    this._pageInfo.textContent = trans._n(
      'Page %2 of %3 (%1 job)',
      'Page %2 of %3 (%1 jobs)',
      jobs.length,
      this._page + 1,
      pages
    );
    const select = this._select;
    const filter = manager.statusFilter;
    const value =
      filter.length === 0
        ? ''
        : filter.length === 1
          ? filter[0]
          : ACTIVE_FILTER;
    if (select.value !== value) {
      select.value = value;
    }
    if (this._searchInput.value !== manager.search) {
      this._searchInput.value = manager.search;
    }
    if (this._elapsed.size > 0) {
      this._startTimer();
    } else {
      this._stopTimer();
    }
  }

  /**
   * Render one job.
   */
  private _renderItem(job: IJob): HTMLElement {
    const trans = this._trans;
    const li = document.createElement('li');
    li.className = `${JOBS_PANEL_ITEM_CLASS} jp-mod-${job.status}`;
    li.dataset.jobId = job.id;
    li.dataset.status = job.status;
    li.title = trans.__(
      '%1 — %2\nClick to open its output.',
      job.name,
      job.path
    );
    li.addEventListener('click', () => {
      void this._commands.execute(CommandIDs.open, { id: job.id });
    });

    const status = document.createElement('span');
    status.className = 'jp-JobsPanel-status jp-JobsStatus';
    const icon = document.createElement('span');
    icon.className = 'jp-JobsStatus-icon';
    statusIcon(job.status).element({ container: icon });
    status.appendChild(icon);
    const word = document.createElement('span');
    word.className = 'jp-JobsStatus-label';
    word.textContent = statusLabel(job.status, trans);
    status.appendChild(word);
    li.appendChild(status);

    const name = document.createElement('button');
    name.type = 'button';
    name.className = 'jp-JobsPanel-name';
    name.textContent = job.name;
    name.addEventListener('click', event => {
      event.stopPropagation();
      void this._commands.execute(CommandIDs.open, { id: job.id });
    });
    li.appendChild(name);

    const actions = document.createElement('span');
    actions.className = 'jp-JobsPanel-actions';
    if (isActive(job.status)) {
      const cancel = this._button(stopIcon, trans.__('Cancel job'), () => {
        void this._commands.execute(CommandIDs.cancel, { id: job.id });
      });
      cancel.classList.add('jp-JobsPanel-cancel');
      cancel.disabled = job.status === 'cancelling';
      actions.appendChild(cancel);
    }
    if (isFinal(job.status)) {
      const rerun = this._button(redoIcon, trans.__('Re-run job'), () => {
        void this._commands.execute(CommandIDs.rerun, { id: job.id });
      });
      rerun.classList.add('jp-JobsPanel-rerun');
      actions.appendChild(rerun);
      const remove = this._button(closeIcon, trans.__('Remove job'), () => {
        void this._commands.execute(CommandIDs.remove, { id: job.id });
      });
      remove.classList.add('jp-JobsPanel-remove');
      actions.appendChild(remove);
    }
    li.appendChild(actions);

    const details = document.createElement('div');
    details.className = 'jp-JobsPanel-details';
    const backend = document.createElement('span');
    backend.className = 'jp-JobsPanel-backend';
    backend.textContent = job.backend;
    backend.title = trans.__('Backend');
    details.appendChild(backend);
    const elapsed = document.createElement('span');
    elapsed.className = 'jp-JobsPanel-elapsed';
    elapsed.title = trans.__('Elapsed time');
    elapsed.textContent = formatDuration(this._manager.elapsed(job));
    details.appendChild(elapsed);
    if (isActive(job.status) && job.started_at) {
      this._elapsed.set(job.id, elapsed);
    }
    details.appendChild(
      createProgressBar(
        job.progress?.done ?? 0,
        job.progress?.total ?? 0,
        trans.__('Cells done')
      )
    );
    li.appendChild(details);
    if (job.status_reason && job.status === 'queued') {
      const reason = document.createElement('div');
      reason.className = 'jp-JobsPanel-reason';
      reason.textContent = job.status_reason;
      li.appendChild(reason);
    }
    return li;
  }

  /**
   * Render a sweep, and its runs under it when expanded.
   */
  private _renderSweep(sweep: ISweep): HTMLElement {
    const expanded = this._expanded.has(sweep.id);
    const li = createSweepItem(sweep, {
      expanded,
      onToggle: () => {
        if (!this._expanded.delete(sweep.id)) {
          this._expanded.add(sweep.id);
        }
        this._render();
      },
      commands: this._commands,
      trans: this._trans,
      button: (icon, label, onClick) => this._button(icon, label, onClick)
    });
    if (expanded) {
      const runs = document.createElement('ul');
      runs.className = 'jp-JobsPanel-runList';
      runs.setAttribute('aria-label', this._trans.__('Runs of %1', sweep.name));
      runs.addEventListener('click', event => event.stopPropagation());
      for (const job of sweepRuns(this._manager.jobs, sweep.id)) {
        runs.appendChild(this._renderItem(job));
      }
      li.appendChild(runs);
    }
    return li;
  }

  private _startTimer(): void {
    if (this._timer !== null || !this.isVisible) {
      return;
    }
    this._timer = window.setInterval(() => this._tick(), 1000);
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  /**
   * Update the elapsed times of the running jobs shown.
   */
  private _tick(): void {
    const now = Date.now();
    for (const [id, node] of this._elapsed) {
      const job = this._manager.get(id);
      if (job) {
        node.textContent = formatDuration(this._manager.elapsed(job, now));
      }
    }
  }

  private _manager: IJobsManager;
  private _sweeps: ISweepsManager | null;
  private _expanded = new Set<string>();
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
  private _pageSize: number;
  private _page = 0;
  private _timer: number | null = null;
  private _elapsed = new Map<string, HTMLElement>();
  private _clear!: HTMLButtonElement;
  private _select!: HTMLSelectElement;
  private _searchInput!: HTMLInputElement;
  private _error!: HTMLElement;
  private _list!: HTMLUListElement;
  private _empty!: HTMLElement;
  private _prev!: HTMLButtonElement;
  private _next!: HTMLButtonElement;
  private _pageInfo!: HTMLElement;
}

/**
 * A namespace for `JobsPanel` statics.
 */
export namespace JobsPanel {
  /**
   * The options to create a Jobs panel.
   */
  export interface IOptions {
    /**
     * The jobs manager the panel renders.
     */
    manager: IJobsManager;
    /**
     * The sweeps manager: each sweep shows as one entry holding its runs.
     */
    sweeps?: ISweepsManager | null;
    /**
     * The command registry (the panel's buttons execute commands).
     */
    commands: CommandRegistry;
    /**
     * The number of jobs per page.
     */
    pageSize?: number;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}
