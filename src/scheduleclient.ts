import { RestClient } from './restclient';
import { IJob, ISchedule, ISchedulePreview, IScheduleRequest } from './tokens';

/**
 * The REST client of the schedules end points
 * (`{base}jupyter-jobs/schedules`): requests and answers only, no state.
 */
export class SchedulesClient extends RestClient {
  /**
   * Construct a schedules client.
   */
  constructor(options: SchedulesClient.IOptions = {}) {
    super('schedules', options);
  }

  /**
   * Every schedule and how many there are.
   */
  async list(): Promise<{ schedules: ISchedule[]; total: number }> {
    const answer = await this.httpGet(this.path());
    const { items, total } = RestClient.page<ISchedule>(answer, 'schedules');
    return { schedules: items, total };
  }

  /**
   * One schedule.
   */
  get(id: string): Promise<ISchedule> {
    return this.httpGet(this.itemPath(id));
  }

  /**
   * Create a schedule; resolves with it (its input is frozen now).
   */
  create(request: IScheduleRequest): Promise<ISchedule> {
    return this.httpPost(this.path(), request);
  }

  /**
   * Change some of a schedule's fields (`paused` among them); resolves with
   * the schedule as it now is.
   */
  update(
    id: string,
    changes: Partial<IScheduleRequest> & { paused?: boolean }
  ): Promise<ISchedule> {
    return this.httpPatch(this.itemPath(id), changes);
  }

  /**
   * Delete a schedule (its jobs stay).
   */
  remove(id: string): Promise<void> {
    return this.httpDelete(this.itemPath(id));
  }

  /**
   * Submit a job from the schedule now; resolves with the new job.
   */
  runNow(id: string): Promise<IJob> {
    return this.httpPost(this.itemPath(id, 'run'));
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
    return this.httpGet(`${this.path()}/preview?${query.toString()}`);
  }
}

/**
 * A namespace for `SchedulesClient` statics.
 */
export namespace SchedulesClient {
  /**
   * A function that calls the REST API (see `RestClient.RequestFunction`).
   */
  export type RequestFunction = RestClient.RequestFunction;

  /**
   * The options to create a schedules client.
   */
  export type IOptions = RestClient.IOptions;
}
