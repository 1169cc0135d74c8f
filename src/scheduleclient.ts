import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import { IJob, ISchedule, ISchedulePreview, IScheduleRequest } from './tokens';

/**
 * The REST client of the schedules end points
 * (`{base}jupyter-jobs/schedules`): requests and answers only, no state.
 */
export class SchedulesClient {
  /**
   * Construct a schedules client.
   */
  constructor(options: SchedulesClient.IOptions = {}) {
    const settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._request =
      options.request ??
      ((endPoint, init) => requestAPI<any>(endPoint, settings, init));
  }

  /**
   * Every schedule and how many there are.
   */
  async list(): Promise<{ schedules: ISchedule[]; total: number }> {
    const answer = await this._request('schedules', { method: 'GET' });
    const schedules: ISchedule[] = Array.isArray(answer?.schedules)
      ? answer.schedules
      : [];
    return { schedules, total: Number(answer?.total ?? schedules.length) };
  }

  /**
   * One schedule.
   */
  get(id: string): Promise<ISchedule> {
    return this._request(this._path(id), { method: 'GET' });
  }

  /**
   * Create a schedule; resolves with it (its input is frozen now).
   */
  create(request: IScheduleRequest): Promise<ISchedule> {
    return this._request('schedules', {
      method: 'POST',
      body: JSON.stringify(request)
    });
  }

  /**
   * Change some of a schedule's fields (`paused` among them); resolves with
   * the schedule as it now is.
   */
  update(
    id: string,
    changes: Partial<IScheduleRequest> & { paused?: boolean }
  ): Promise<ISchedule> {
    return this._request(this._path(id), {
      method: 'PATCH',
      body: JSON.stringify(changes)
    });
  }

  /**
   * Delete a schedule (its jobs stay).
   */
  async remove(id: string): Promise<void> {
    await this._request(this._path(id), { method: 'DELETE' });
  }

  /**
   * Submit a job from the schedule now; resolves with the new job.
   */
  runNow(id: string): Promise<IJob> {
    return this._request(`${this._path(id)}/run`, { method: 'POST' });
  }

  /**
   * The next run times of a cron expression in a time zone (the server's
   * zone when missing); rejects with the server's message when invalid.
   */
  preview(cron: string, timezone?: string): Promise<ISchedulePreview> {
    const query = new URLSearchParams({ cron });
    if (timezone) {
      query.set('timezone', timezone);
    }
    return this._request(`schedules/preview?${query.toString()}`, {
      method: 'GET'
    });
  }

  private _path(id: string): string {
    return `schedules/${encodeURIComponent(id)}`;
  }

  private _request: SchedulesClient.RequestFunction;
}

/**
 * A namespace for `SchedulesClient` statics.
 */
export namespace SchedulesClient {
  /**
   * A function that calls the REST API: an end point relative to
   * `{base_url}jupyter-jobs/` and request options; resolves with the body.
   */
  export type RequestFunction = (
    endPoint: string,
    init: RequestInit
  ) => Promise<any>;

  /**
   * The options to create a schedules client.
   */
  export interface IOptions {
    /**
     * The server settings; default ones if missing.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The function that calls the REST API (for tests); defaults to
     * `requestAPI` with the server settings.
     */
    request?: RequestFunction;
  }
}
