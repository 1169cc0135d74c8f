import { ServerConnection } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { requestAPI } from './request';
import {
  ACTIVE_STATUSES,
  FINAL_STATUSES,
  IBackendList,
  IJob,
  IJobLogChunk,
  IJobRequest,
  IJobResults,
  IJobsManager,
  IJobStatusChange,
  ILogPage,
  JobStatus
} from './tokens';

/**
 * The schema id of the events the server pushes about jobs.
 */
export const JOB_EVENT_SCHEMA_ID =
  'https://events.jupyter.org/jupyter_jobs/job/v1';

/**
 * The most events `GET jobs/{id}/log?tail=N` answers (the server's bound).
 */
export const MAX_LOG_TAIL = 10000;

/**
 * Whether a status is final (completed, failed or cancelled).
 */
export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.indexOf(status) !== -1;
}

/**
 * Whether a status is active (queued, running or cancelling).
 */
export function isActive(status: JobStatus): boolean {
  return ACTIVE_STATUSES.indexOf(status) !== -1;
}

/**
 * Parse an ISO 8601 time of the server into epoch milliseconds; a time
 * without an offset is UTC. Returns `null` for a missing or invalid time.
 */
export function parseTime(value: string | null | undefined): number | null {
  if (!value) {
    return null;
  }
  let text = value.trim();
  if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) {
    text += 'Z';
  }
  const ms = Date.parse(text);
  return isNaN(ms) ? null : ms;
}

/**
 * Format a duration in milliseconds as `m:ss`, `h:mm:ss` or `Nd h:mm:ss`.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0 || !isFinite(ms)) {
    return '';
  }
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  if (days > 0) {
    return `${days}d ${hours}:${pad(minutes)}:${pad(seconds)}`;
  }
  if (hours > 0) {
    return `${hours}:${pad(minutes)}:${pad(seconds)}`;
  }
  return `${minutes}:${pad(seconds)}`;
}

/**
 * Compare two jobs for the newest-first order: by creation time, then by id.
 */
export function compareNewestFirst(a: IJob, b: IJob): number {
  const ta = parseTime(a.created_at) ?? 0;
  const tb = parseTime(b.created_at) ?? 0;
  if (ta !== tb) {
    return tb - ta;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The jobs model: keeps the job list current from the server's push channel,
 * with a poll as fallback, and performs the job actions.
 */
export class JobsModel implements IJobsManager {
  /**
   * Construct a jobs model.
   */
  constructor(options: JobsModel.IOptions = {}) {
    this._serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this._request =
      options.request ??
      ((endPoint, init) =>
        requestAPI<any>(endPoint, this._serverSettings, init));
    this._pageSize = options.pageSize ?? 1000;
    if (options.events) {
      this._events = options.events;
      this._events.stream.connect(this._onEvent, this);
    }
    this._standby = options.standby ?? 'when-hidden';
    this.refreshInterval = options.refreshInterval ?? 15000;
  }

  /**
   * The fallback poll interval in milliseconds; 0 stops polling.
   */
  get refreshInterval(): number {
    return this._refreshInterval;
  }
  set refreshInterval(value: number) {
    const interval = Math.max(0, value);
    if (interval === this._refreshInterval || this._isDisposed) {
      return;
    }
    this._refreshInterval = interval;
    if (interval === 0) {
      this._poll?.dispose();
      this._poll = null;
      return;
    }
    const frequency = { interval, backoff: true, max: 300 * 1000 };
    if (this._poll) {
      this._poll.frequency = frequency;
      return;
    }
    this._poll = new Poll({
      auto: true,
      factory: () => this.check(),
      frequency,
      name: 'jupyter-jobs:JobsModel#jobs',
      standby: this._standby
    });
  }

  /**
   * The number of jobs the server counted at the last full reload.
   */
  get total(): number {
    return this._total;
  }

  /**
   * Every known job, newest first.
   */
  get jobs(): ReadonlyArray<IJob> {
    if (this._sorted === null) {
      this._sorted = Array.from(this._jobs.values()).sort(compareNewestFirst);
    }
    return this._sorted;
  }

  /**
   * The jobs matching the status filter and the name search, newest first.
   */
  get filteredJobs(): ReadonlyArray<IJob> {
    const statuses = this._statusFilter;
    const search = this._search.trim().toLowerCase();
    if (statuses.length === 0 && !search) {
      return this.jobs;
    }
    return this.jobs.filter(
      job =>
        (statuses.length === 0 || statuses.indexOf(job.status) !== -1) &&
        (!search || job.name.toLowerCase().indexOf(search) !== -1)
    );
  }

  /**
   * The statuses shown (empty: all).
   */
  get statusFilter(): ReadonlyArray<JobStatus> {
    return this._statusFilter;
  }
  set statusFilter(value: ReadonlyArray<JobStatus>) {
    if (JSONExt.deepEqual(value as string[], this._statusFilter as string[])) {
      return;
    }
    this._statusFilter = value.slice();
    this._changed.emit();
  }

  /**
   * The name search text.
   */
  get search(): string {
    return this._search;
  }
  set search(value: string) {
    if (value === this._search) {
      return;
    }
    this._search = value;
    this._changed.emit();
  }

  /**
   * Whether the list was loaded at least once.
   */
  get isReady(): boolean {
    return this._isReady;
  }

  /**
   * The last error met talking to the server, cleared by the next success.
   */
  get lastError(): string | null {
    return this._lastError;
  }

  /**
   * Whether the model is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * A signal emitted when the job list or the filters change.
   */
  get changed(): ISignal<IJobsManager, void> {
    return this._changed;
  }

  /**
   * A signal emitted when a known job changes status.
   */
  get statusChanged(): ISignal<IJobsManager, IJobStatusChange> {
    return this._statusChanged;
  }

  /**
   * A signal emitted when log events of a job are pushed.
   */
  get logReceived(): ISignal<IJobsManager, IJobLogChunk> {
    return this._logReceived;
  }

  /**
   * One job by id, if known.
   */
  get(id: string): IJob | undefined {
    return this._jobs.get(id);
  }

  /**
   * Reload the whole list from the server, page by page.
   */
  async refresh(): Promise<void> {
    const loaded = new Map<string, IJob>();
    let offset = 0;
    let total = 0;
    // Keep fetching until every job the server counts was loaded.
    for (;;) {
      const page = await this._request(
        `jobs?limit=${this._pageSize}&offset=${offset}`,
        { method: 'GET' }
      );
      total = page.total;
      for (const job of page.jobs as IJob[]) {
        loaded.set(job.id, job);
      }
      offset += page.jobs.length;
      if (page.jobs.length === 0 || offset >= total) {
        break;
      }
    }
    if (this._isDisposed) {
      return;
    }
    let changed = !this._isReady || loaded.size !== this._jobs.size;
    for (const id of Array.from(this._jobs.keys())) {
      if (!loaded.has(id)) {
        this._jobs.delete(id);
        changed = true;
      }
    }
    for (const job of loaded.values()) {
      changed = this._upsert(job) || changed;
    }
    this._total = total;
    this._isReady = true;
    this._lastError = null;
    if (changed) {
      this._sorted = null;
      this._changed.emit();
    }
  }

  /**
   * Handle one emission of the server's event bus.
   *
   * #### Notes
   * Only emissions of the jobs schema are considered.
   */
  handleEvent(emission: { [key: string]: any }): void {
    if (emission.schema_id !== JOB_EVENT_SCHEMA_ID || this._isDisposed) {
      return;
    }
    // jupyter_server sends the event data next to `schema_id`; accept a
    // nested `data` too.
    const data: { [key: string]: any } =
      emission.data && typeof emission.data === 'object' && !emission.action
        ? emission.data
        : emission;
    switch (data.action) {
      case 'updated': {
        const job = data.job as IJob;
        if (job && job.id) {
          if (this._upsert(job)) {
            this._sorted = null;
            this._changed.emit();
          }
        }
        break;
      }
      case 'removed': {
        const id = data.job_id as string;
        if (this._jobs.delete(id)) {
          this._sorted = null;
          this._changed.emit();
        }
        break;
      }
      case 'log': {
        this._logReceived.emit({
          jobId: data.job_id,
          events: data.events ?? [],
          next: data.next ?? 0
        });
        break;
      }
      default:
        break;
    }
  }

  /**
   * Submit a job.
   */
  async submit(request: IJobRequest): Promise<IJob> {
    const job: IJob = await this._request('jobs', {
      method: 'POST',
      body: JSON.stringify(request)
    });
    this._apply(job);
    return job;
  }

  /**
   * Cancel a job.
   */
  async cancel(id: string): Promise<IJob> {
    const job: IJob = await this._request(
      `jobs/${encodeURIComponent(id)}/cancel`,
      { method: 'POST' }
    );
    this._apply(job);
    return job;
  }

  /**
   * Remove a finished job.
   *
   * #### Notes
   * Rejects with a `ServerConnection.ResponseError` of status 409 when the
   * job's output was never fetched and `force` is not set.
   */
  async remove(id: string, force = false): Promise<void> {
    await this._request(
      `jobs/${encodeURIComponent(id)}${force ? '?force=true' : ''}`,
      { method: 'DELETE' }
    );
    if (this._jobs.delete(id)) {
      this._sorted = null;
      this._changed.emit();
    }
  }

  /**
   * Submit a job again with the same file, name, parameters, backend, kernel
   * and resources.
   */
  async rerun(id: string): Promise<IJob> {
    const job =
      this._jobs.get(id) ??
      ((await this._request(`jobs/${encodeURIComponent(id)}`, {
        method: 'GET'
      })) as IJob);
    return this.submit(JobsModel.requestFor(job));
  }

  /**
   * Fetch a page of a job's log.
   */
  fetchLog(id: string, after: number, limit = 1000): Promise<ILogPage> {
    return this._request(
      `jobs/${encodeURIComponent(id)}/log?after=${after}&limit=${limit}`,
      { method: 'GET' }
    );
  }

  /**
   * Fetch the last `count` events of a job's log (at most 10000, the
   * server's bound); `next` is the seq of the last event.
   */
  fetchLogTail(id: string, count: number): Promise<ILogPage> {
    const tail = Math.max(0, Math.min(MAX_LOG_TAIL, Math.floor(count)));
    return this._request(`jobs/${encodeURIComponent(id)}/log?tail=${tail}`, {
      method: 'GET'
    });
  }

  /**
   * Fetch a job's output: an nbformat notebook (JSON) or a script's text.
   * The server marks the output as fetched.
   */
  async fetchOutput(id: string): Promise<any> {
    const output = await this._request(
      `jobs/${encodeURIComponent(id)}/output`,
      { method: 'GET' }
    );
    this._markFetched(id);
    return output;
  }

  /**
   * Fetch what a job recorded with `jupyter_jobs.record` and the code that
   * loads it. Unless `markSeen` is false (a listing of the names only), the
   * server marks a finished job's results as seen (it can be removed without
   * force then, as after fetching its output).
   */
  async fetchResults(id: string, markSeen = true): Promise<IJobResults> {
    const query = markSeen ? '' : '?mark_seen=false';
    const answer: IJobResults = await this._request(
      `jobs/${encodeURIComponent(id)}/results${query}`,
      { method: 'GET' }
    );
    const job = this._jobs.get(id);
    if (markSeen && job && isFinal(job.status)) {
      this._markFetched(id);
    }
    return {
      results: Array.isArray(answer?.results) ? answer.results : [],
      load_code: answer?.load_code ?? null
    };
  }

  /**
   * The backends of the server.
   */
  backends(): Promise<IBackendList> {
    return this._request('backends', { method: 'GET' });
  }

  /**
   * Elapsed milliseconds of a job: the time it has been running so far, or
   * its duration once finished; `null` if it never started.
   */
  elapsed(job: IJob, now: number = Date.now()): number | null {
    const start = parseTime(job.started_at);
    if (start === null) {
      return null;
    }
    const end = parseTime(job.finished_at);
    if (end !== null) {
      return Math.max(0, end - start);
    }
    if (isFinal(job.status)) {
      return null;
    }
    return Math.max(0, now - start);
  }

  /**
   * Dispose the model.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll?.dispose();
    if (this._events) {
      this._events.stream.disconnect(this._onEvent, this);
    }
    Signal.clearData(this);
  }

  /**
   * Note that a job's output (or results) was fetched, as the server did.
   */
  private _markFetched(id: string): void {
    const job = this._jobs.get(id);
    if (job && !job.output_fetched) {
      this._jobs.set(id, { ...job, output_fetched: true });
      this._sorted = null;
      this._changed.emit();
    }
  }

  /**
   * Merge a job the server answered and notify.
   */
  private _apply(job: IJob): void {
    if (this._upsert(job)) {
      this._sorted = null;
      this._changed.emit();
    }
  }

  /**
   * Insert or update a job; emits `statusChanged` for a known job whose
   * status changed. Returns whether anything changed.
   *
   * #### Notes
   * A final status is final: a stale answer that would move a finished job
   * back to an active state is ignored.
   */
  private _upsert(job: IJob): boolean {
    const previous = this._jobs.get(job.id);
    if (previous) {
      if (isFinal(previous.status) && isActive(job.status)) {
        return false;
      }
      if (JSONExt.deepEqual(previous as any, job as any)) {
        return false;
      }
    }
    this._jobs.set(job.id, job);
    if (previous && previous.status !== job.status) {
      this._statusChanged.emit({ job, previous: previous.status });
    }
    return true;
  }

  /**
   * Bring the list up to date, as the fallback poll does: reload everything
   * the first time and after the server was unreachable (it may have
   * restarted), otherwise fetch the active jobs and the newest page.
   */
  async check(): Promise<void> {
    try {
      if (!this._isReady || this._failed) {
        await this.refresh();
      } else {
        await this._refreshActive();
      }
      this._failed = false;
      this._lastError = null;
    } catch (reason) {
      this._failed = true;
      this._lastError = (reason as Error).message ?? String(reason);
      throw reason;
    }
  }

  /**
   * Fetch the active jobs and the newest page and merge them; falls back to
   * a full reload when the server counts a different number of jobs.
   */
  private async _refreshActive(): Promise<void> {
    const active = ACTIVE_STATUSES.map(s => `status=${s}`).join('&');
    const [activePage, firstPage] = await Promise.all([
      this._request(`jobs?${active}&limit=1000`, { method: 'GET' }),
      this._request('jobs?limit=100&offset=0', { method: 'GET' })
    ]);
    const seen = new Set<string>();
    let changed = false;
    for (const job of [
      ...(activePage.jobs as IJob[]),
      ...(firstPage.jobs as IJob[])
    ]) {
      seen.add(job.id);
      changed = this._upsert(job) || changed;
    }
    // Jobs we thought active that are neither active nor on the first page
    // any more: ask for them one by one.
    for (const job of Array.from(this._jobs.values())) {
      if (isActive(job.status) && !seen.has(job.id)) {
        try {
          const fresh: IJob = await this._request(
            `jobs/${encodeURIComponent(job.id)}`,
            { method: 'GET' }
          );
          changed = this._upsert(fresh) || changed;
        } catch (reason) {
          if ((reason as ServerConnection.ResponseError).response?.status) {
            if (
              (reason as ServerConnection.ResponseError).response.status === 404
            ) {
              this._jobs.delete(job.id);
              changed = true;
            }
          } else {
            throw reason;
          }
        }
      }
    }
    if (changed) {
      this._sorted = null;
      this._changed.emit();
    }
    if (firstPage.total !== this._jobs.size) {
      await this.refresh();
    }
  }

  private _onEvent(sender: unknown, emission: { [key: string]: any }): void {
    this.handleEvent(emission);
  }

  private _serverSettings: ServerConnection.ISettings;
  private _request: JobsModel.RequestFunction;
  private _pageSize: number;
  private _events: JobsModel.IEventSource | null = null;
  private _poll: Poll | null = null;
  private _refreshInterval = -1;
  private _standby: Poll.Standby | (() => boolean | Poll.Standby);
  private _jobs = new Map<string, IJob>();
  private _sorted: IJob[] | null = null;
  private _total = 0;
  private _statusFilter: JobStatus[] = [];
  private _search = '';
  private _isReady = false;
  private _failed = false;
  private _lastError: string | null = null;
  private _isDisposed = false;
  private _changed = new Signal<IJobsManager, void>(this);
  private _statusChanged = new Signal<IJobsManager, IJobStatusChange>(this);
  private _logReceived = new Signal<IJobsManager, IJobLogChunk>(this);
}

/**
 * A namespace for `JobsModel` statics.
 */
export namespace JobsModel {
  /**
   * A function that calls the REST API: an end point relative to
   * `{base_url}jupyter-jobs/` and request options; resolves with the body.
   */
  export type RequestFunction = (
    endPoint: string,
    init: RequestInit
  ) => Promise<any>;

  /**
   * A source of server events (the service manager's event manager).
   */
  export interface IEventSource {
    /**
     * The stream of emissions.
     */
    readonly stream: ISignal<any, { [key: string]: any }>;
  }

  /**
   * The options to create a jobs model.
   */
  export interface IOptions {
    /**
     * The server settings; default ones if missing.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The server's event bus (`serviceManager.events`) for pushed updates.
     */
    events?: IEventSource | null;
    /**
     * The fallback poll interval in milliseconds; 0 disables polling.
     * Defaults to 15 s.
     */
    refreshInterval?: number;
    /**
     * When the poll stands by. Defaults to `'when-hidden'`.
     */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
    /**
     * How many jobs to fetch per request when loading the whole list.
     */
    pageSize?: number;
    /**
     * The function that calls the REST API (for tests); defaults to
     * `requestAPI` with the server settings.
     */
    request?: RequestFunction;
  }

  /**
   * The request that submits a job again like the given one.
   */
  export function requestFor(job: IJob): IJobRequest {
    const request: IJobRequest = {
      path: job.path,
      name: job.name,
      backend: job.backend,
      parameters: { ...(job.parameters ?? {}) }
    };
    if (job.kernel_name) {
      request.kernel_name = job.kernel_name;
    }
    if (job.resources && Object.keys(job.resources).length > 0) {
      request.resources = { ...job.resources };
    }
    return request;
  }
}
