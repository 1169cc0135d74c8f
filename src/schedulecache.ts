import { ServerConnection } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { Throttler } from '@lumino/polling';

import { SchedulesClient } from './scheduleclient';
import { ServerCache } from './servercache';
import { IJob, ISchedule, IScheduleRequest, ISchedulesManager } from './tokens';

/**
 * Compare two schedules by name, then id.
 */
export function compareSchedules(a: ISchedule, b: ISchedule): number {
  const byName = a.name.localeCompare(b.name);
  if (byName !== 0) {
    return byName;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The schedules cache: the schedule list kept current from the server's
 * pushed events (`schedule-updated`, `schedule-removed`, and a job fired by
 * a schedule refetches that schedule), with a `Poll` as fallback; the
 * requests go through a `SchedulesClient`.
 */
export class SchedulesCache
  extends ServerCache<ISchedulesManager>
  implements ISchedulesManager
{
  /**
   * Construct a schedules cache.
   */
  constructor(options: SchedulesCache.IOptions = {}) {
    super({ ...options, name: 'jupyter-jobs:SchedulesCache#schedules' });
    this._client =
      options.client ??
      new SchedulesClient({
        serverSettings: options.serverSettings,
        request: options.request
      });
    this._refetchLimit = options.refetchLimit ?? 1000;
  }

  /**
   * The REST client.
   */
  get client(): SchedulesClient {
    return this._client;
  }

  /**
   * Every known schedule, by name.
   */
  get schedules(): ReadonlyArray<ISchedule> {
    if (this._sorted === null) {
      this._sorted = Array.from(this._schedules.values()).sort(
        compareSchedules
      );
    }
    return this._sorted;
  }

  /**
   * The last error met talking to the server, cleared by the next success.
   */
  get lastError(): string | null {
    return this._lastError;
  }

  /**
   * One schedule by id, if known.
   */
  get(id: string): ISchedule | undefined {
    return this._schedules.get(id);
  }

  /**
   * Reload the schedule list from the server.
   */
  async refresh(): Promise<void> {
    const { schedules } = await this._client.list();
    if (this.isDisposed) {
      return;
    }
    const loaded = new Map(schedules.map(s => [s.id, s]));
    let changed = !this.isReady;
    for (const id of Array.from(this._schedules.keys())) {
      if (!loaded.has(id)) {
        this._schedules.delete(id);
        changed = true;
      }
    }
    for (const schedule of loaded.values()) {
      changed = this._upsert(schedule) || changed;
    }
    this.markReady();
    if (changed) {
      this._emitChanged();
    }
  }

  /**
   * Reload the list, keeping the error for the view: what the poll calls.
   */
  async check(): Promise<void> {
    try {
      await this.refresh();
      if (this._lastError !== null) {
        this._lastError = null;
        this._emitChanged();
      }
    } catch (reason) {
      const message = (reason as Error).message ?? String(reason);
      if (message !== this._lastError) {
        this._lastError = message;
        this._emitChanged();
      }
      throw reason;
    }
  }

  /**
   * Fetch one schedule and keep it; one the server no longer has is dropped
   * (and the request rejects).
   */
  async fetch(id: string): Promise<ISchedule> {
    try {
      const schedule = await this._client.get(id);
      this._apply(schedule);
      return schedule;
    } catch (reason) {
      if (
        (reason as ServerConnection.ResponseError)?.response?.status === 404 &&
        this._schedules.delete(id)
      ) {
        this._emitChanged();
      }
      throw reason;
    }
  }

  /**
   * Create a schedule.
   */
  async create(request: IScheduleRequest): Promise<ISchedule> {
    const schedule = await this._client.create(request);
    this._apply(schedule);
    return schedule;
  }

  /**
   * Change some of a schedule's fields.
   */
  async update(
    id: string,
    changes: Partial<IScheduleRequest> & { paused?: boolean }
  ): Promise<ISchedule> {
    const schedule = await this._client.update(id, changes);
    this._apply(schedule);
    return schedule;
  }

  /**
   * Pause or resume a schedule.
   */
  setPaused(id: string, paused: boolean): Promise<ISchedule> {
    return this.update(id, { paused });
  }

  /**
   * Submit a job from a schedule now; the schedule is refetched (its last
   * job changed).
   */
  async runNow(id: string): Promise<IJob> {
    const job = await this._client.runNow(id);
    await this.fetch(id).catch(() => undefined);
    return job;
  }

  /**
   * Delete a schedule (its jobs stay).
   */
  async remove(id: string): Promise<void> {
    await this._client.remove(id);
    if (this._schedules.delete(id)) {
      this._emitChanged();
    }
  }

  /**
   * Refetch a schedule soon: bursts of events become one request.
   */
  scheduleFetch(id: string): void {
    if (!this._refetchers.has(id)) {
      this._refetchers.set(
        id,
        new Throttler(
          () =>
            this.fetch(id).catch(() => {
              // The fallback poll tries again.
            }),
          { limit: this._refetchLimit, edge: 'trailing' }
        )
      );
    }
    void this._refetchers.get(id)!.invoke();
  }

  /**
   * Dispose the cache.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    for (const throttler of this._refetchers.values()) {
      throttler.dispose();
    }
    this._refetchers.clear();
    super.dispose();
  }

  /**
   * Read a schedule event, or a job event of a schedule's firing.
   */
  protected onEvent(data: { [key: string]: any }): void {
    switch (data.action) {
      case 'schedule-updated': {
        const schedule = data.schedule as ISchedule;
        if (schedule && schedule.id) {
          this._apply(schedule);
        }
        break;
      }
      case 'schedule-removed': {
        if (this._schedules.delete(String(data.schedule_id))) {
          this._emitChanged();
        }
        break;
      }
      case 'updated': {
        // A new firing moves the schedule's last job and next run time.
        const job = data.job as IJob | undefined;
        const schedule = job?.schedule_id
          ? this._schedules.get(job.schedule_id)
          : undefined;
        if (job && job.schedule_id && schedule?.last_job_id !== job.id) {
          this.scheduleFetch(job.schedule_id);
        }
        break;
      }
      default:
        break;
    }
  }

  private _emitChanged(): void {
    this._sorted = null;
    this.emitChanged();
  }

  private _apply(schedule: ISchedule): void {
    if (this._upsert(schedule)) {
      this._emitChanged();
    }
  }

  /**
   * Insert or update a schedule; returns whether anything changed.
   */
  private _upsert(schedule: ISchedule): boolean {
    if (this.isDisposed) {
      return false;
    }
    const previous = this._schedules.get(schedule.id);
    if (previous && JSONExt.deepEqual(previous as any, schedule as any)) {
      return false;
    }
    this._schedules.set(schedule.id, schedule);
    return true;
  }

  private _client: SchedulesClient;
  private _refetchLimit: number;
  private _refetchers = new Map<string, Throttler>();
  private _schedules = new Map<string, ISchedule>();
  private _sorted: ISchedule[] | null = null;
  private _lastError: string | null = null;
}

/**
 * A namespace for `SchedulesCache` statics.
 */
export namespace SchedulesCache {
  /**
   * The options to create a schedules cache.
   */
  export interface IOptions extends ServerCache.ICommonOptions {
    /**
     * The REST client; one with the server settings if missing.
     */
    client?: SchedulesClient;
    /**
     * The server settings of a client made here.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The function a client made here calls the REST API with (for tests).
     */
    request?: SchedulesClient.RequestFunction;
    /**
     * The least time between two refetches of one schedule prompted by
     * events, in milliseconds. Defaults to 1 s.
     */
    refetchLimit?: number;
  }
}
