import { ServerConnection } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { Throttler } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { parseTime } from './model';
import { ServerCache } from './servercache';
import { SweepsClient } from './sweepclient';
import {
  ISweep,
  ISweepRequest,
  ISweepsManager,
  ISweepStatusChange,
  SweepStatus
} from './tokens';

export { EVENT_SCHEMA_PREFIX } from './servercache';

/**
 * The states of a sweep that has runs still to finish.
 */
export const ACTIVE_SWEEP_STATUSES: ReadonlyArray<SweepStatus> = [
  'queued',
  'running'
];

/**
 * Whether a sweep still has runs to finish.
 */
export function isSweepActive(status: SweepStatus): boolean {
  return ACTIVE_SWEEP_STATUSES.indexOf(status) !== -1;
}

/**
 * Compare two sweeps for the newest-first order: by creation time, then id.
 */
export function compareSweepsNewestFirst(a: ISweep, b: ISweep): number {
  const ta = parseTime(a.created_at) ?? 0;
  const tb = parseTime(b.created_at) ?? 0;
  if (ta !== tb) {
    return tb - ta;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The sweeps cache: the sweep list kept current from the server's pushed
 * events (a job event of a sweep's run refetches that sweep, throttled), with
 * a poll as fallback; the requests go through a `SweepsClient`.
 */
export class SweepsCache
  extends ServerCache<ISweepsManager>
  implements ISweepsManager
{
  /**
   * Construct a sweeps cache.
   */
  constructor(options: SweepsCache.IOptions = {}) {
    super({ ...options, name: 'jupyter-jobs:SweepsCache#sweeps' });
    this._client =
      options.client ??
      new SweepsClient({ serverSettings: options.serverSettings });
    this._refetchLimit = options.refetchLimit ?? 1000;
  }

  /**
   * The REST client.
   */
  get client(): SweepsClient {
    return this._client;
  }

  /**
   * Every known sweep, newest first.
   */
  get sweeps(): ReadonlyArray<ISweep> {
    if (this._sorted === null) {
      this._sorted = Array.from(this._sweeps.values()).sort(
        compareSweepsNewestFirst
      );
    }
    return this._sorted;
  }

  /**
   * A signal emitted when a known sweep changes status.
   */
  get statusChanged(): ISignal<ISweepsManager, ISweepStatusChange> {
    return this._statusChanged;
  }

  /**
   * One sweep by id, if known.
   */
  get(id: string): ISweep | undefined {
    return this._sweeps.get(id);
  }

  /**
   * Reload the sweep list from the server, page by page.
   */
  async refresh(): Promise<void> {
    const loaded = new Map<string, ISweep>();
    for (let offset = 0; ;) {
      const page = await this._client.list(1000, offset);
      for (const sweep of page.sweeps) {
        loaded.set(sweep.id, sweep);
      }
      offset += page.sweeps.length;
      if (page.sweeps.length === 0 || offset >= page.total) {
        break;
      }
    }
    if (this.isDisposed) {
      return;
    }
    let changed = !this.isReady;
    for (const id of Array.from(this._sweeps.keys())) {
      if (!loaded.has(id)) {
        this._sweeps.delete(id);
        changed = true;
      }
    }
    for (const sweep of loaded.values()) {
      changed = this._upsert(sweep) || changed;
    }
    this.markReady();
    if (changed) {
      this._emitChanged();
    }
  }

  /**
   * Reload the list: what the poll calls.
   */
  check(): Promise<void> {
    return this.refresh();
  }

  /**
   * Fetch one sweep with its table and runs, and keep it; a sweep the server
   * no longer has is dropped (and the request rejects).
   */
  async fetch(id: string): Promise<ISweep> {
    try {
      const sweep = await this._client.get(id);
      if (this._upsert(sweep)) {
        this._emitChanged();
      }
      return this._sweeps.get(id) ?? sweep;
    } catch (reason) {
      if (
        (reason as ServerConnection.ResponseError)?.response?.status === 404 &&
        this._sweeps.delete(id)
      ) {
        this._emitChanged();
      }
      throw reason;
    }
  }

  /**
   * Submit a sweep.
   */
  async submit(request: ISweepRequest): Promise<ISweep> {
    const sweep = await this._client.submit(request);
    if (this._upsert(sweep)) {
      this._emitChanged();
    }
    return sweep;
  }

  /**
   * Cancel every active run of a sweep.
   */
  async cancel(id: string): Promise<ISweep> {
    const answer = await this._client.cancel(id);
    if (answer && answer.id === id) {
      if (this._upsert(answer)) {
        this._emitChanged();
      }
    }
    return this.fetch(id);
  }

  /**
   * Run a sweep again as a new sweep: the same grid, or only its failed runs.
   */
  async rerun(id: string, onlyFailed = false): Promise<ISweep> {
    const sweep = await this._client.rerun(id, onlyFailed);
    if (this._upsert(sweep)) {
      this._emitChanged();
    }
    return sweep;
  }

  /**
   * Remove a sweep and its runs.
   *
   * #### Notes
   * Rejects with a `ServerConnection.ResponseError` of status 409 when
   * results of the sweep were never seen and `force` is not set.
   */
  async remove(id: string, force = false): Promise<void> {
    await this._client.remove(id, force);
    if (this._sweeps.delete(id)) {
      this._emitChanged();
    }
  }

  /**
   * Read an event: a `sweep-updated` event replaces the sweep, an event
   * about a run of a sweep refetches the sweep (at most once per
   * `refetchLimit` milliseconds for each sweep).
   */
  protected onEvent(data: { [key: string]: any }): void {
    switch (data.action) {
      case 'sweep-updated': {
        const sweep = data.sweep as ISweep;
        if (sweep && sweep.id && this._upsert(sweep)) {
          this._emitChanged();
        }
        break;
      }
      case 'sweep-removed': {
        if (this._sweeps.delete(String(data.sweep_id))) {
          this._emitChanged();
        }
        break;
      }
      case 'updated': {
        const sweepId = data.job?.sweep_id;
        if (sweepId) {
          this.scheduleFetch(String(sweepId));
        }
        break;
      }
      case 'removed': {
        const jobId = String(data.job_id ?? '');
        for (const sweep of this._sweeps.values()) {
          if (sweep.jobs && sweep.jobs.indexOf(jobId) !== -1) {
            this.scheduleFetch(sweep.id);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * Refetch a sweep soon: bursts of run events become one request.
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
    const throttler = this._refetchers.get(id)!;
    void throttler.invoke();
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

  private _emitChanged(): void {
    this._sorted = null;
    this.emitChanged();
  }

  /**
   * Insert or update a sweep, keeping a table already fetched when the new
   * answer (a list entry) has none; emits `statusChanged` for a known sweep
   * whose status changed. Returns whether anything changed.
   */
  private _upsert(sweep: ISweep): boolean {
    if (this.isDisposed) {
      return false;
    }
    const previous = this._sweeps.get(sweep.id);
    let next = sweep;
    if (previous) {
      // A finished sweep does not become active again (a stale answer).
      if (!isSweepActive(previous.status) && isSweepActive(sweep.status)) {
        return false;
      }
      next = { ...previous, ...sweep };
      if (JSONExt.deepEqual(previous as any, next as any)) {
        return false;
      }
    }
    this._sweeps.set(sweep.id, next);
    if (previous && previous.status !== next.status) {
      this._statusChanged.emit({ sweep: next, previous: previous.status });
    }
    return true;
  }

  private _client: SweepsClient;
  private _refetchLimit: number;
  private _refetchers = new Map<string, Throttler>();
  private _sweeps = new Map<string, ISweep>();
  private _sorted: ISweep[] | null = null;
  private _statusChanged = new Signal<ISweepsManager, ISweepStatusChange>(this);
}

/**
 * A namespace for `SweepsCache` statics.
 */
export namespace SweepsCache {
  /**
   * A source of server events (the service manager's event manager).
   */
  export type IEventSource = ServerCache.IEventSource;

  /**
   * The options to create a sweeps cache.
   */
  export interface IOptions extends ServerCache.ICommonOptions {
    /**
     * The REST client; one with the server settings if missing.
     */
    client?: SweepsClient;
    /**
     * The server settings of a client made here.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The least time between two refetches of one sweep prompted by events,
     * in milliseconds. Defaults to 1 s.
     */
    refetchLimit?: number;
  }
}
