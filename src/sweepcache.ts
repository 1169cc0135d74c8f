import { ServerConnection } from '@jupyterlab/services';
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
  extends ServerCache<ISweepsManager, ISweep>
  implements ISweepsManager
{
  /**
   * Construct a sweeps cache.
   */
  constructor(options: SweepsCache.IOptions = {}) {
    super({
      ...options,
      name: 'jupyter-jobs:SweepsCache#sweeps',
      compare: compareSweepsNewestFirst
    });
    this._client =
      options.client ??
      new SweepsClient({ serverSettings: options.serverSettings });
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
    return this.sortedItems();
  }

  /**
   * A signal emitted when a known sweep changes status.
   */
  get statusChanged(): ISignal<ISweepsManager, ISweepStatusChange> {
    return this._statusChanged;
  }

  /**
   * Reload the sweep list from the server, page by page.
   */
  async refresh(): Promise<void> {
    const { items } = await ServerCache.loadPages(async offset => {
      const page = await this._client.list(1000, offset);
      return { items: page.sweeps, total: page.total };
    });
    this.replaceAll(items);
  }

  /**
   * Reload the list: what the poll calls.
   */
  check(): Promise<void> {
    return this.refresh();
  }

  /**
   * Submit a sweep.
   */
  async submit(request: ISweepRequest): Promise<ISweep> {
    const sweep = await this._client.submit(request);
    this.applyItem(sweep);
    return sweep;
  }

  /**
   * Cancel every active run of a sweep.
   */
  async cancel(id: string): Promise<ISweep> {
    const answer = await this._client.cancel(id);
    if (answer && answer.id === id) {
      this.applyItem(answer);
    }
    return this.fetch(id);
  }

  /**
   * Run a sweep again as a new sweep: the same grid, or only its failed runs.
   */
  async rerun(id: string, onlyFailed = false): Promise<ISweep> {
    const sweep = await this._client.rerun(id, onlyFailed);
    this.applyItem(sweep);
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
    this.dropItem(id);
  }

  /**
   * Get one sweep with its table and runs from the server.
   */
  protected getFromServer(id: string): Promise<ISweep> {
    return this._client.get(id);
  }

  /**
   * Keep a table already fetched when the new answer (a list entry) has
   * none; a finished sweep does not become active again (a stale answer).
   */
  protected merge(previous: ISweep, sweep: ISweep): ISweep | null {
    if (!isSweepActive(previous.status) && isSweepActive(sweep.status)) {
      return null;
    }
    return { ...previous, ...sweep };
  }

  /**
   * Tell of a known sweep whose status changed.
   */
  protected itemUpdated(previous: ISweep, sweep: ISweep): void {
    if (previous.status !== sweep.status) {
      this._statusChanged.emit({ sweep, previous: previous.status });
    }
  }

  /**
   * Read an event: a `sweep-updated` event replaces the sweep, an event
   * about a run of a sweep refetches the sweep (throttled).
   */
  protected onEvent(data: { [key: string]: any }): void {
    switch (data.action) {
      case 'sweep-updated': {
        const sweep = data.sweep as ISweep;
        if (sweep && sweep.id) {
          this.applyItem(sweep);
        }
        break;
      }
      case 'sweep-removed': {
        this.dropItem(String(data.sweep_id));
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
        for (const sweep of this.items.values()) {
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

  private _client: SweepsClient;
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
  }
}
