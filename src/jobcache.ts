import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { JobsClient } from './jobclient';
import { compareNewestFirst, isActive, isFinal, parseTime } from './model';
import { ServerCache } from './servercache';
import {
  ACTIVE_STATUSES,
  IBackendList,
  IJob,
  IJobLogChunk,
  IJobRequest,
  IJobResults,
  IJobsManager,
  IJobStatusChange,
  ILogPage
} from './tokens';

/**
 * The jobs cache: the job list kept current from the server's pushed events,
 * with a `Poll` as fallback; the requests go through a `JobsClient`.
 */
export class JobsCache
  extends ServerCache<IJobsManager, IJob>
  implements IJobsManager
{
  /**
   * Construct a jobs cache.
   */
  constructor(options: JobsCache.IOptions = {}) {
    super({
      ...options,
      name: 'jupyter-jobs:JobsCache#jobs',
      compare: compareNewestFirst
    });
    this._client =
      options.client ??
      new JobsClient({
        serverSettings: options.serverSettings,
        request: options.request
      });
    this._pageSize = options.pageSize ?? 1000;
  }

  /**
   * The REST client.
   */
  get client(): JobsClient {
    return this._client;
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
    return this.sortedItems();
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
   * Reload the whole list from the server, page by page.
   */
  async refresh(): Promise<void> {
    const { items, total } = await ServerCache.loadPages(async offset => {
      const page = await this._client.list({ limit: this._pageSize, offset });
      return { items: page.jobs, total: page.total };
    });
    if (!this.isDisposed) {
      this._total = total;
    }
    this.replaceAll(items);
  }

  /**
   * Bring the list up to date, as the fallback poll does: reload everything
   * the first time and after the server was unreachable (it may have
   * restarted), otherwise fetch the active jobs and the newest page.
   */
  check(): Promise<void> {
    return this.keepingError(() =>
      !this.isReady || this.lastError !== null
        ? this.refresh()
        : this._refreshActive()
    );
  }

  /**
   * Submit a job.
   */
  async submit(request: IJobRequest): Promise<IJob> {
    const job = await this._client.submit(request);
    this.applyItem(job);
    return job;
  }

  /**
   * Cancel a job.
   */
  async cancel(id: string): Promise<IJob> {
    const job = await this._client.cancel(id);
    this.applyItem(job);
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
    await this._client.remove(id, force);
    this.dropItem(id);
  }

  /**
   * Submit a job again with the same file, name, parameters, backend, kernel
   * and resources.
   */
  async rerun(id: string): Promise<IJob> {
    const job = this.get(id) ?? (await this._client.get(id));
    return this.submit(JobsCache.requestFor(job));
  }

  /**
   * Fetch a page of a job's log.
   */
  fetchLog(id: string, after: number, limit = 1000): Promise<ILogPage> {
    return this._client.log(id, after, limit);
  }

  /**
   * Fetch the last `count` events of a job's log (at most 10000, the
   * server's bound); `next` is the seq of the last event.
   */
  fetchLogTail(id: string, count: number): Promise<ILogPage> {
    return this._client.logTail(id, count);
  }

  /**
   * Fetch a job's output: an nbformat notebook (JSON) or a script's text.
   * The server marks the output as fetched.
   */
  async fetchOutput(id: string): Promise<any> {
    const output = await this._client.output(id);
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
    const answer = await this._client.results(id, markSeen);
    const job = this.get(id);
    if (markSeen && job && isFinal(job.status)) {
      this._markFetched(id);
    }
    return answer;
  }

  /**
   * The backends of the server.
   */
  backends(): Promise<IBackendList> {
    return this._client.backends();
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
   * Get one job from the server.
   */
  protected getFromServer(id: string): Promise<IJob> {
    return this._client.get(id);
  }

  /**
   * A final status is final: a stale answer that would move a finished job
   * back to an active state is ignored.
   */
  protected merge(previous: IJob, job: IJob): IJob | null {
    return isFinal(previous.status) && isActive(job.status) ? null : job;
  }

  /**
   * Tell of a known job whose status changed.
   */
  protected itemUpdated(previous: IJob, job: IJob): void {
    if (previous.status !== job.status) {
      this._statusChanged.emit({ job, previous: previous.status });
    }
  }

  /**
   * Read a job event: `updated` replaces the job, `removed` drops it, `log`
   * passes the new log events on.
   */
  protected onEvent(data: { [key: string]: any }): void {
    switch (data.action) {
      case 'updated': {
        const job = data.job as IJob;
        if (job && job.id) {
          this.applyItem(job);
        }
        break;
      }
      case 'removed': {
        this.dropItem(String(data.job_id));
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
   * Note that a job's output (or results) was fetched, as the server did.
   */
  private _markFetched(id: string): void {
    const job = this.get(id);
    if (job && !job.output_fetched) {
      this.replaceItem({ ...job, output_fetched: true });
    }
  }

  /**
   * Fetch the active jobs and the newest page and merge them; falls back to
   * a full reload when the server counts a different number of jobs.
   */
  private async _refreshActive(): Promise<void> {
    const [activePage, firstPage] = await Promise.all([
      this._client.list({ statuses: ACTIVE_STATUSES.slice(), limit: 1000 }),
      this._client.list({ limit: 100, offset: 0 })
    ]);
    const seen = new Set<string>();
    let changed = false;
    for (const job of [...activePage.jobs, ...firstPage.jobs]) {
      seen.add(job.id);
      changed = this.upsert(job) || changed;
    }
    // Jobs we thought active that are neither active nor on the first page
    // any more: ask for them one by one.
    for (const job of Array.from(this.items.values())) {
      if (isActive(job.status) && !seen.has(job.id)) {
        try {
          changed = this.upsert(await this._client.get(job.id)) || changed;
        } catch (reason) {
          const status = (reason as ServerConnection.ResponseError).response
            ?.status;
          if (!status) {
            throw reason;
          }
          if (status === 404) {
            changed = this.dropItem(job.id, false) || changed;
          }
        }
      }
    }
    if (changed) {
      this.emitChanged();
    }
    if (firstPage.total !== this.items.size) {
      await this.refresh();
    }
  }

  private _client: JobsClient;
  private _pageSize: number;
  private _total = 0;
  private _statusChanged = new Signal<IJobsManager, IJobStatusChange>(this);
  private _logReceived = new Signal<IJobsManager, IJobLogChunk>(this);
}

/**
 * A namespace for `JobsCache` statics.
 */
export namespace JobsCache {
  /**
   * The options to create a jobs cache.
   */
  export interface IOptions extends ServerCache.ICommonOptions {
    /**
     * The REST client; one with the server settings if missing.
     */
    client?: JobsClient;
    /**
     * The server settings of a client made here.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The function a client made here calls the REST API with (for tests).
     */
    request?: JobsClient.RequestFunction;
    /**
     * How many jobs to fetch per request when loading the whole list.
     */
    pageSize?: number;
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
    if (job.max_retries) {
      request.max_retries = job.max_retries;
      if (job.retry_delay_seconds) {
        request.retry_delay_seconds = job.retry_delay_seconds;
      }
    }
    return request;
  }
}
