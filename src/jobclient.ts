import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
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
export class JobsClient {
  /**
   * Construct a jobs client.
   */
  constructor(options: JobsClient.IOptions = {}) {
    const settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._request =
      options.request ??
      ((endPoint, init) => requestAPI<any>(endPoint, settings, init));
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
    const answer = await this._request(`jobs?${query.toString()}`, {
      method: 'GET'
    });
    const jobs: IJob[] = Array.isArray(answer?.jobs) ? answer.jobs : [];
    return { jobs, total: Number(answer?.total ?? jobs.length) };
  }

  /**
   * One job.
   */
  get(id: string): Promise<IJob> {
    return this._request(this._path(id), { method: 'GET' });
  }

  /**
   * Submit a job.
   */
  submit(request: IJobRequest): Promise<IJob> {
    return this._request('jobs', {
      method: 'POST',
      body: JSON.stringify(request)
    });
  }

  /**
   * Cancel a job; resolves with the job as it now is.
   */
  cancel(id: string): Promise<IJob> {
    return this._request(`${this._path(id)}/cancel`, { method: 'POST' });
  }

  /**
   * Remove a finished job; rejects with a 409 response error when its
   * output was never fetched and `force` is not set.
   */
  async remove(id: string, force = false): Promise<void> {
    await this._request(`${this._path(id)}${force ? '?force=true' : ''}`, {
      method: 'DELETE'
    });
  }

  /**
   * A page of a job's log: events after the seq `after`.
   */
  log(id: string, after: number, limit = 1000): Promise<ILogPage> {
    return this._request(
      `${this._path(id)}/log?after=${after}&limit=${limit}`,
      { method: 'GET' }
    );
  }

  /**
   * The last `count` events of a job's log (at most `MAX_LOG_TAIL`).
   */
  logTail(id: string, count: number): Promise<ILogPage> {
    const tail = Math.max(0, Math.min(MAX_LOG_TAIL, Math.floor(count)));
    return this._request(`${this._path(id)}/log?tail=${tail}`, {
      method: 'GET'
    });
  }

  /**
   * A job's output: an nbformat notebook (JSON) or a script's text; the
   * server marks it as fetched.
   */
  output(id: string): Promise<any> {
    return this._request(`${this._path(id)}/output`, { method: 'GET' });
  }

  /**
   * What a job recorded and the code that loads it; unless `markSeen` is
   * false the server marks a finished job's results as seen.
   */
  async results(id: string, markSeen = true): Promise<IJobResults> {
    const query = markSeen ? '' : '?mark_seen=false';
    const answer = await this._request(`${this._path(id)}/results${query}`, {
      method: 'GET'
    });
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

  private _path(id: string): string {
    return `jobs/${encodeURIComponent(id)}`;
  }

  private _request: JobsClient.RequestFunction;
}

/**
 * A namespace for `JobsClient` statics.
 */
export namespace JobsClient {
  /**
   * A function that calls the REST API: an end point relative to
   * `{base_url}jupyter-jobs/` and request options; resolves with the body.
   */
  export type RequestFunction = (
    endPoint: string,
    init: RequestInit
  ) => Promise<any>;

  /**
   * The options to create a jobs client.
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
