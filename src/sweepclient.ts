import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import { ISweep, ISweepRequest } from './tokens';

/**
 * The REST client of the sweeps end points (`{base}jupyter-jobs/sweeps`):
 * requests and answers only, no state.
 */
export class SweepsClient {
  /**
   * Construct a sweeps client.
   */
  constructor(options: SweepsClient.IOptions = {}) {
    const settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._request =
      options.request ??
      ((endPoint, init) => requestAPI<any>(endPoint, settings, init));
  }

  /**
   * One page of sweeps, newest first, and how many there are.
   */
  async list(
    limit = 1000,
    offset = 0
  ): Promise<{ sweeps: ISweep[]; total: number }> {
    const answer = await this._request(
      `sweeps?limit=${limit}&offset=${offset}`,
      { method: 'GET' }
    );
    const sweeps: ISweep[] = Array.isArray(answer?.sweeps) ? answer.sweeps : [];
    return { sweeps, total: Number(answer?.total ?? sweeps.length) };
  }

  /**
   * One sweep with its runs and table.
   */
  get(id: string): Promise<ISweep> {
    return this._request(`sweeps/${encodeURIComponent(id)}`, {
      method: 'GET'
    });
  }

  /**
   * Submit a sweep; resolves with the new sweep.
   */
  submit(request: ISweepRequest): Promise<ISweep> {
    return this._request('sweeps', {
      method: 'POST',
      body: JSON.stringify(request)
    });
  }

  /**
   * Cancel every active run of a sweep; resolves with the server's answer.
   */
  cancel(id: string): Promise<ISweep | undefined> {
    return this._request(`sweeps/${encodeURIComponent(id)}/cancel`, {
      method: 'POST'
    });
  }

  /**
   * Run a sweep again (all of it, or only its failed runs) as a new sweep.
   */
  rerun(id: string, onlyFailed = false): Promise<ISweep> {
    return this._request(`sweeps/${encodeURIComponent(id)}/rerun`, {
      method: 'POST',
      body: JSON.stringify({ only_failed: onlyFailed })
    });
  }

  /**
   * Remove a sweep and its runs; rejects with a 409 response error when
   * results were never seen and `force` is not set.
   */
  async remove(id: string, force = false): Promise<void> {
    await this._request(
      `sweeps/${encodeURIComponent(id)}${force ? '?force=true' : ''}`,
      { method: 'DELETE' }
    );
  }

  private _request: SweepsClient.RequestFunction;
}

/**
 * A namespace for `SweepsClient` statics.
 */
export namespace SweepsClient {
  /**
   * A function that calls the REST API: an end point relative to
   * `{base_url}jupyter-jobs/` and request options; resolves with the body.
   */
  export type RequestFunction = (
    endPoint: string,
    init: RequestInit
  ) => Promise<any>;

  /**
   * The options to create a sweeps client.
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
