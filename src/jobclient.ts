import { RestClient } from './restclient';
import {
  IBackendList,
  IJob,
  IJobRequest,
  IJobResults,
  ILogPage,
  JobStatus
} from './tokens';

/**
 * The most events `GET jobs/{id}/log?tail=N` answers (the server's bound).
 */
export const MAX_LOG_TAIL = 10000;

/**
 * The REST client of the jobs end points (`{base}jupyter-jobs/jobs`):
 * requests and answers only, no state.
 */
export class JobsClient extends RestClient {
  /**
   * Construct a jobs client.
   */
  constructor(options: JobsClient.IOptions = {}) {
    super('jobs', options);
  }

  /**
   * One page of jobs, newest first, and how many the server counts (of the
   * given statuses, all when empty).
   */
  async list(
    options: { limit?: number; offset?: number; statuses?: JobStatus[] } = {}
  ): Promise<{ jobs: IJob[]; total: number }> {
    const query = new URLSearchParams();
    for (const status of options.statuses ?? []) {
      query.append('status', status);
    }
    query.set('limit', String(options.limit ?? 1000));
    query.set('offset', String(options.offset ?? 0));
    const answer = await this.httpGet(`${this.path()}?${query.toString()}`);
    const { items, total } = RestClient.page<IJob>(answer, 'jobs');
    return { jobs: items, total };
  }

  /**
   * One job.
   */
  get(id: string): Promise<IJob> {
    return this.httpGet(this.itemPath(id));
  }

  /**
   * Submit a job.
   */
  submit(request: IJobRequest): Promise<IJob> {
    return this.httpPost(this.path(), request);
  }

  /**
   * Cancel a job; resolves with the job as it now is.
   */
  cancel(id: string): Promise<IJob> {
    return this.httpPost(this.itemPath(id, 'cancel'));
  }

  /**
   * Remove a finished job; rejects with a 409 response error when its
   * output was never fetched and `force` is not set.
   */
  remove(id: string, force = false): Promise<void> {
    return this.httpDelete(`${this.itemPath(id)}${force ? '?force=true' : ''}`);
  }

  /**
   * A page of a job's log: events after the seq `after`.
   */
  log(id: string, after: number, limit = 1000): Promise<ILogPage> {
    return this.httpGet(
      `${this.itemPath(id, 'log')}?after=${after}&limit=${limit}`
    );
  }

  /**
   * The last `count` events of a job's log (at most `MAX_LOG_TAIL`).
   */
  logTail(id: string, count: number): Promise<ILogPage> {
    const tail = Math.max(0, Math.min(MAX_LOG_TAIL, Math.floor(count)));
    return this.httpGet(`${this.itemPath(id, 'log')}?tail=${tail}`);
  }

  /**
   * A job's output: an nbformat notebook (JSON) or a script's text; the
   * server marks it as fetched.
   */
  output(id: string): Promise<any> {
    return this.httpGet(this.itemPath(id, 'output'));
  }

  /**
   * What a job recorded and the code that loads it; unless `markSeen` is
   * false the server marks a finished job's results as seen.
   */
  async results(id: string, markSeen = true): Promise<IJobResults> {
    const query = markSeen ? '' : '?mark_seen=false';
    const answer = await this.httpGet(
      `${this.itemPath(id, 'results')}${query}`
    );
    return {
      results: Array.isArray(answer?.results) ? answer.results : [],
      load_code: answer?.load_code ?? null
    };
  }

  /**
   * The backends of the server.
   */
  backends(): Promise<IBackendList> {
    return this.httpGet('backends');
  }
}

/**
 * A namespace for `JobsClient` statics.
 */
export namespace JobsClient {
  /**
   * A function that calls the REST API (see `RestClient.RequestFunction`).
   */
  export type RequestFunction = RestClient.RequestFunction;

  /**
   * The options to create a jobs client.
   */
  export type IOptions = RestClient.IOptions;
}
