import { RestClient } from './restclient';
import { ISweep, ISweepRequest } from './tokens';

/**
 * The REST client of the sweeps end points (`{base}jupyter-jobs/sweeps`):
 * requests and answers only, no state.
 */
export class SweepsClient extends RestClient {
  /**
   * Construct a sweeps client.
   */
  constructor(options: SweepsClient.IOptions = {}) {
    super('sweeps', options);
  }

  /**
   * One page of sweeps, newest first, and how many there are.
   */
  async list(
    limit = 1000,
    offset = 0
  ): Promise<{ sweeps: ISweep[]; total: number }> {
    const answer = await this.httpGet(
      `${this.path()}?limit=${limit}&offset=${offset}`
    );
    const { items, total } = RestClient.page<ISweep>(answer, 'sweeps');
    return { sweeps: items, total };
  }

  /**
   * One sweep with its runs and table.
   */
  get(id: string): Promise<ISweep> {
    return this.httpGet(this.itemPath(id));
  }

  /**
   * Submit a sweep; resolves with the new sweep.
   */
  submit(request: ISweepRequest): Promise<ISweep> {
    return this.httpPost(this.path(), request);
  }

  /**
   * Cancel every active run of a sweep; resolves with the server's answer.
   */
  cancel(id: string): Promise<ISweep | undefined> {
    return this.httpPost(this.itemPath(id, 'cancel'));
  }

  /**
   * Run a sweep again (all of it, or only its failed runs) as a new sweep.
   */
  rerun(id: string, onlyFailed = false): Promise<ISweep> {
    return this.httpPost(this.itemPath(id, 'rerun'), {
      only_failed: onlyFailed
    });
  }

  /**
   * Remove a sweep and its runs; rejects with a 409 response error when
   * results were never seen and `force` is not set.
   */
  remove(id: string, force = false): Promise<void> {
    return this.httpDelete(`${this.itemPath(id)}${force ? '?force=true' : ''}`);
  }
}

/**
 * A namespace for `SweepsClient` statics.
 */
export namespace SweepsClient {
  /**
   * A function that calls the REST API (see `RestClient.RequestFunction`).
   */
  export type RequestFunction = RestClient.RequestFunction;

  /**
   * The options to create a sweeps client.
   */
  export type IOptions = RestClient.IOptions;
}
