import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/**
 * What the REST clients of jupyter-jobs share: one way to call the server
 * extension (`requestAPI` with the server settings, or a function given for
 * tests) and the paths of one collection (`jobs`, `sweeps`, `schedules`).
 * Requests and answers only, no state.
 */
export abstract class RestClient {
  /**
   * Construct a client of the collection at `{base}jupyter-jobs/<collection>`.
   */
  constructor(collection: string, options: RestClient.IOptions = {}) {
    this._collection = collection;
    const settings = options.serverSettings ?? ServerConnection.makeSettings();
    this._request =
      options.request ??
      ((endPoint, init) => requestAPI<any>(endPoint, settings, init));
  }

  /**
   * GET an end point (relative to `{base_url}jupyter-jobs/`).
   */
  protected httpGet(endPoint: string): Promise<any> {
    return this._request(endPoint, { method: 'GET' });
  }

  /**
   * POST to an end point, with a JSON body if one is given.
   */
  protected httpPost(endPoint: string, body?: unknown): Promise<any> {
    return this._request(endPoint, withBody('POST', body));
  }

  /**
   * PATCH an end point with a JSON body.
   */
  protected httpPatch(endPoint: string, body: unknown): Promise<any> {
    return this._request(endPoint, withBody('PATCH', body));
  }

  /**
   * DELETE an end point.
   */
  protected async httpDelete(endPoint: string): Promise<void> {
    await this._request(endPoint, { method: 'DELETE' });
  }

  /**
   * The path of the collection.
   */
  protected path(): string {
    return this._collection;
  }

  /**
   * The path of one item of the collection, or of one of its end points.
   */
  protected itemPath(id: string, endPoint = ''): string {
    const item = `${this._collection}/${encodeURIComponent(id)}`;
    return endPoint ? `${item}/${endPoint}` : item;
  }

  /**
   * The items of a page answer (`{<collection>: [...], total}`), and how
   * many the server counts.
   */
  protected static page<T>(
    answer: any,
    key: string
  ): { items: T[]; total: number } {
    const items: T[] = Array.isArray(answer?.[key]) ? answer[key] : [];
    return { items, total: Number(answer?.total ?? items.length) };
  }

  private _collection: string;
  private _request: RestClient.RequestFunction;
}

/**
 * The request options of a method with an optional JSON body.
 */
function withBody(method: string, body: unknown): RequestInit {
  return body === undefined
    ? { method }
    : { method, body: JSON.stringify(body) };
}

/**
 * A namespace for `RestClient` statics.
 */
export namespace RestClient {
  /**
   * A function that calls the REST API: an end point relative to
   * `{base_url}jupyter-jobs/` and request options; resolves with the body.
   */
  export type RequestFunction = (
    endPoint: string,
    init: RequestInit
  ) => Promise<any>;

  /**
   * The options to create a client.
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
