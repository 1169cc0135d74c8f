import { ServerConnection } from '@jupyterlab/services';

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
  extends ServerCache<ISchedulesManager, ISchedule>
  implements ISchedulesManager
{
  /**
   * Construct a schedules cache.
   */
  constructor(options: SchedulesCache.IOptions = {}) {
    super({
      ...options,
      name: 'jupyter-jobs:SchedulesCache#schedules',
      compare: compareSchedules
    });
    this._client =
      options.client ??
      new SchedulesClient({
        serverSettings: options.serverSettings,
        request: options.request
      });
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
    return this.sortedItems();
  }

  /**
   * Reload the schedule list from the server.
   */
  async refresh(): Promise<void> {
    const { schedules } = await this._client.list();
    this.replaceAll(new Map(schedules.map(s => [s.id, s])));
  }

  /**
   * Reload the list, keeping the error for the view: what the poll calls.
   */
  check(): Promise<void> {
    return this.keepingError(() => this.refresh());
  }

  /**
   * Create a schedule.
   */
  async create(request: IScheduleRequest): Promise<ISchedule> {
    const schedule = await this._client.create(request);
    this.applyItem(schedule);
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
    this.applyItem(schedule);
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
    this.dropItem(id);
  }

  /**
   * Get one schedule from the server.
   */
  protected getFromServer(id: string): Promise<ISchedule> {
    return this._client.get(id);
  }

  /**
   * Read a schedule event, or a job event of a schedule's firing.
   */
  protected onEvent(data: { [key: string]: any }): void {
    switch (data.action) {
      case 'schedule-updated': {
        const schedule = data.schedule as ISchedule;
        if (schedule && schedule.id) {
          this.applyItem(schedule);
        }
        break;
      }
      case 'schedule-removed': {
        this.dropItem(String(data.schedule_id));
        break;
      }
      case 'updated': {
        // A new firing moves the schedule's last job and next run time.
        const job = data.job as IJob | undefined;
        const schedule = job?.schedule_id
          ? this.get(job.schedule_id)
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

  private _client: SchedulesClient;
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
  }
}
