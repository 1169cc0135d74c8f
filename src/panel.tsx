import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import {
  clearIcon,
  HTMLSelect,
  ReactWidget,
  refreshIcon,
  SidePanel
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { CommandIDs } from './commands';
import { IconButton } from './iconbutton';
import { jobsIcon, statusLabel } from './icons';
import { isActive, isFinal } from './model';
import { JobItem } from './jobrow';
import { SchedulesSection } from './schedulessection';
import { isSweep, panelEntries, sweepRuns, SweepItem } from './sweeprow';
import { SecondTicker } from './ticker';
import {
  ACTIVE_STATUSES,
  IJob,
  IJobsManager,
  ISchedulesManager,
  ISweepsManager,
  JOB_STATUSES,
  JobStatus
} from './tokens';

// The job row and its notes live in jobrow.tsx; kept here for importers.
export { JOBS_PANEL_ITEM_CLASS, jobNotes } from './jobrow';

/**
 * The class name of the Jobs panel.
 */
export const JOBS_PANEL_CLASS = 'jp-JobsPanel';

/**
 * The class name of the Jobs section of the panel.
 */
export const JOBS_SECTION_CLASS = 'jp-JobsPanel-jobs';

/**
 * The value of the status filter that shows active jobs.
 */
const ACTIVE_FILTER = 'active';

/**
 * The statuses a value of the status filter shows (empty: all).
 */
export function filterStatuses(value: string): ReadonlyArray<JobStatus> {
  if (value === '') {
    return [];
  }
  if (value === ACTIVE_FILTER) {
    return ACTIVE_STATUSES;
  }
  return [value as JobStatus];
}

/**
 * The jobs matching the statuses (all when empty) and the name search
 * (ignoring case), in the given order.
 */
export function filterJobs(
  jobs: ReadonlyArray<IJob>,
  statuses: ReadonlyArray<JobStatus>,
  search: string
): ReadonlyArray<IJob> {
  const text = search.trim().toLowerCase();
  if (statuses.length === 0 && !text) {
    return jobs;
  }
  return jobs.filter(
    job =>
      (statuses.length === 0 || statuses.indexOf(job.status) !== -1) &&
      (!text || job.name.toLowerCase().indexOf(text) !== -1)
  );
}

/**
 * The Jobs panel: a side panel with a Jobs section (the job list, newest
 * first, with status, name, backend, elapsed time, progress and actions;
 * filter by status, search by name, pages) and a Schedules section.
 */
export class JobsPanel extends SidePanel {
  /**
   * Construct a Jobs panel.
   */
  constructor(options: JobsPanel.IOptions) {
    const translator = options.translator ?? nullTranslator;
    super({ translator });
    const trans = translator.load('jupyter_jobs');
    this.addClass(JOBS_PANEL_CLASS);
    this.id = options.id ?? 'jupyter-jobs-panel';
    this.title.icon = jobsIcon;
    this.title.caption = trans.__('Jobs');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', trans.__('Jobs'));
    this._jobs = new JobsSection({ ...options, translator });
    this.addWidget(this._jobs);
    if (options.schedules) {
      this._schedules = new SchedulesSection({
        manager: options.schedules,
        jobs: options.manager,
        commands: options.commands,
        translator
      });
      this.addWidget(this._schedules);
    }
  }

  /**
   * The Jobs section.
   */
  get jobs(): JobsSection {
    return this._jobs;
  }

  /**
   * The Schedules section, if schedules are managed.
   */
  get schedules(): SchedulesSection | null {
    return this._schedules;
  }

  /**
   * The number of jobs per page.
   */
  get pageSize(): number {
    return this._jobs.pageSize;
  }
  set pageSize(value: number) {
    this._jobs.pageSize = value;
  }

  private _jobs: JobsSection;
  private _schedules: SchedulesSection | null = null;
}

/**
 * The Jobs section of the Jobs panel; it owns its view state (status
 * filter, search, page, expanded sweeps) and renders through React, so that
 * a burst of changes is one render and keyboard focus stays where it is.
 */
export class JobsSection extends ReactWidget {
  /**
   * Construct the Jobs section.
   */
  constructor(options: JobsPanel.IOptions) {
    super();
    this.addClass(JOBS_SECTION_CLASS);
    this._manager = options.manager;
    this._sweeps = options.sweeps ?? null;
    this._commands = options.commands;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this._pageSize = Math.max(5, options.pageSize ?? 50);
    this.title.label = this._trans.__('Jobs');
    this._manager.changed.connect(this._onChanged, this);
    this._sweeps?.changed.connect(this._onChanged, this);
  }

  /**
   * The number of jobs per page.
   */
  get pageSize(): number {
    return this._pageSize;
  }
  set pageSize(value: number) {
    this._pageSize = Math.max(5, value);
    this.update();
  }

  /**
   * The page shown (0-based).
   */
  get page(): number {
    return this._page;
  }
  set page(value: number) {
    this._page = Math.max(0, value);
    this.update();
  }

  /**
   * The status filter: '' (all), 'active' or one status.
   */
  get statusFilter(): string {
    return this._statusFilter;
  }
  set statusFilter(value: string) {
    if (value !== this._statusFilter) {
      this._statusFilter = value;
      this._page = 0;
      this.update();
    }
  }

  /**
   * The name search text.
   */
  get search(): string {
    return this._search;
  }
  set search(value: string) {
    if (value !== this._search) {
      this._search = value;
      this._page = 0;
      this.update();
    }
  }

  /**
   * Show or hide the runs of a sweep.
   */
  toggleExpanded(sweepId: string): void {
    if (!this._expanded.delete(sweepId)) {
      this._expanded.add(sweepId);
    }
    this.update();
  }

  /**
   * Dispose the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._ticker.dispose();
    this._manager.changed.disconnect(this._onChanged, this);
    this._sweeps?.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._ticker.start();
    this.update();
  }

  protected onBeforeHide(msg: Message): void {
    super.onBeforeHide(msg);
    this._ticker.stop();
  }

  /**
   * Render the filters, the current page of the entries and the pager.
   */
  protected render(): JSX.Element {
    const trans = this._trans;
    const manager = this._manager;
    const statuses = filterStatuses(this._statusFilter);
    const jobs = filterJobs(manager.jobs, statuses, this._search);
    // With sweeps, a sweep is one entry and its runs are listed under it.
    const entries = this._sweeps
      ? panelEntries(jobs, this._sweeps.sweeps, statuses, this._search)
      : jobs;
    const pages = Math.max(1, Math.ceil(entries.length / this._pageSize));
    if (this._page >= pages) {
      this._page = pages - 1;
    }
    const start = this._page * this._pageSize;
    const shown = entries.slice(start, start + this._pageSize);
    const now = Date.now();
    let empty = '';
    if (!manager.isReady) {
      empty = trans.__('Loading jobs…');
    } else if (manager.jobs.length === 0) {
      empty = trans.__(
        'No jobs yet. Right-click a notebook or a Python file and choose “Run as Background Job”.'
      );
    } else if (entries.length === 0) {
      empty = trans.__('No job matches the filter.');
    }
    const canClear = manager.jobs.some(
      job => isFinal(job.status) && !(this._sweeps && job.sweep_id)
    );
    const options = [
      { value: '', label: trans.__('All') },
      { value: ACTIVE_FILTER, label: trans.__('Active') },
      ...JOB_STATUSES.map(s => ({ value: s, label: statusLabel(s, trans) }))
    ];
    const lastError = manager.lastError;
    return (
      <>
        <div className="jp-JobsPanel-header">
          <IconButton
            icon={refreshIcon}
            label={trans.__('Refresh jobs')}
            className="jp-JobsPanel-refresh"
            onClick={() => {
              void this._commands.execute(CommandIDs.refresh);
            }}
          />
          <IconButton
            icon={clearIcon}
            label={trans.__('Clear finished')}
            text={trans.__('Clear finished')}
            className="jp-JobsPanel-clear"
            disabled={!canClear}
            onClick={() => {
              void this._commands.execute(CommandIDs.clearFinished);
            }}
          />
        </div>
        <div className="jp-JobsPanel-filters">
          <HTMLSelect
            className="jp-JobsPanel-statusFilter"
            aria-label={trans.__('Filter by status')}
            defaultValue={this._statusFilter}
            options={options}
            onChange={event => {
              this.statusFilter = event.currentTarget.value;
            }}
          />
          <input
            type="search"
            className="jp-JobsPanel-search jp-mod-styled"
            placeholder={trans.__('Search by name')}
            aria-label={trans.__('Search jobs by name')}
            defaultValue={this._search}
            onChange={event => {
              this.search = event.currentTarget.value;
            }}
          />
        </div>
        <div className="jp-JobsPanel-error" role="status">
          {lastError
            ? trans.__('Cannot reach the jobs service: %1', lastError)
            : ''}
        </div>
        <ul
          className="jp-JobsPanel-list"
          aria-label={trans.__('Jobs, newest first')}
        >
          {shown.map(entry =>
            isSweep(entry) ? (
              <SweepItem
                key={`sweep-${entry.id}`}
                sweep={entry}
                expanded={this._expanded.has(entry.id)}
                onToggle={() => this.toggleExpanded(entry.id)}
                commands={this._commands}
                trans={trans}
              >
                {this._expanded.has(entry.id) && (
                  <ul
                    className="jp-JobsPanel-runList"
                    aria-label={trans.__('Runs of %1', entry.name)}
                    onClick={event => event.stopPropagation()}
                  >
                    {sweepRuns(manager.jobs, entry.id).map(job =>
                      this._renderJob(job, now)
                    )}
                  </ul>
                )}
              </SweepItem>
            ) : (
              this._renderJob(entry, now)
            )
          )}
        </ul>
        <div className="jp-JobsPanel-empty">{empty}</div>
        <div className="jp-JobsPanel-pager">
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-JobsPanel-prev"
            disabled={this._page === 0}
            onClick={() => {
              this.page = this._page - 1;
            }}
          >
            {trans.__('Previous')}
          </button>
          <span className="jp-JobsPanel-pageInfo">
            {trans._n(
              'Page %2 of %3 (%1 job)',
              'Page %2 of %3 (%1 jobs)',
              entries.length,
              this._page + 1,
              pages
            )}
          </span>
          <button
            type="button"
            className="jp-Button jp-mod-minimal jp-JobsPanel-next"
            disabled={this._page >= pages - 1}
            onClick={() => {
              this.page = this._page + 1;
            }}
          >
            {trans.__('Next')}
          </button>
        </div>
      </>
    );
  }

  /**
   * Render one job.
   */
  private _renderJob(job: IJob, now: number): JSX.Element {
    return (
      <JobItem
        key={job.id}
        job={job}
        manager={this._manager}
        now={now}
        commands={this._commands}
        trans={this._trans}
      />
    );
  }

  private _onChanged(): void {
    if (this.isVisible) {
      this.update();
    }
  }

  private _manager: IJobsManager;
  private _sweeps: ISweepsManager | null;
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
  private _pageSize: number;
  private _page = 0;
  private _statusFilter = '';
  private _search = '';
  private _expanded = new Set<string>();
  // The elapsed times of running jobs move every second.
  private _ticker = new SecondTicker(() => {
    if (this._manager.jobs.some(job => isActive(job.status))) {
      this.update();
    }
  });
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
     * The panel's DOM id; `jupyter-jobs-panel` by default (one per page).
     */
    id?: string;
    /**
     * The jobs manager the panel renders.
     */
    manager: IJobsManager;
    /**
     * The sweeps manager: each sweep shows as one entry holding its runs.
     */
    sweeps?: ISweepsManager | null;
    /**
     * The schedules manager: a Schedules section lists them.
     */
    schedules?: ISchedulesManager | null;
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
