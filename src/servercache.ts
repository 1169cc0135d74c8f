import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * The schema ids of the events the server pushes about jobs, sweeps and
 * schedules all start with this.
 */
export const EVENT_SCHEMA_PREFIX = 'https://events.jupyter.org/jupyter_jobs/';

/**
 * The data of one emission of the server's event bus, if it is one of
 * jupyter-jobs; `null` otherwise.
 *
 * #### Notes
 * jupyter_server sends the event data next to `schema_id`; a nested `data`
 * is accepted too.
 */
export function jobsEventData(emission: {
  [key: string]: any;
}): { [key: string]: any } | null {
  const schema = String(emission?.schema_id ?? '');
  if (!schema.startsWith(EVENT_SCHEMA_PREFIX)) {
    return null;
  }
  return emission.data && typeof emission.data === 'object' && !emission.action
    ? emission.data
    : emission;
}

/**
 * What the job, sweep and schedule caches share: a list kept current from
 * the server's pushed events, with a `Poll` (backoff, standby when hidden)
 * as fallback. Subclasses load the list in `check()` and read the events in
 * `onEvent()`.
 */
export abstract class ServerCache<T> {
  /**
   * Construct a cache; the poll starts at once when its interval is not 0.
   */
  constructor(options: ServerCache.IOptions) {
    this._name = options.name;
    this._standby = options.standby ?? 'when-hidden';
    if (options.events) {
      this._events = options.events;
      this._events.stream.connect(this._onEmission, this);
    }
    this.refreshInterval = options.refreshInterval ?? 15000;
  }

  /**
   * The fallback poll interval in milliseconds; 0 stops polling.
   */
  get refreshInterval(): number {
    return this._refreshInterval;
  }
  set refreshInterval(value: number) {
    const interval = Math.max(0, value);
    if (interval === this._refreshInterval || this._isDisposed) {
      return;
    }
    this._refreshInterval = interval;
    if (interval === 0) {
      this._poll?.dispose();
      this._poll = null;
      return;
    }
    const frequency = { interval, backoff: true, max: 300 * 1000 };
    if (this._poll) {
      this._poll.frequency = frequency;
      return;
    }
    this._poll = new Poll({
      auto: true,
      factory: () => this.check(),
      frequency,
      name: this._name,
      standby: this._standby
    });
  }

  /**
   * Whether the list was loaded at least once.
   */
  get isReady(): boolean {
    return this._isReady;
  }

  /**
   * Whether the cache is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * A signal emitted when the list changed.
   */
  get changed(): ISignal<T, void> {
    return this._changed;
  }

  /**
   * Handle one emission of the server's event bus; only those of
   * jupyter-jobs reach `onEvent`.
   */
  handleEvent(emission: { [key: string]: any }): void {
    if (this._isDisposed) {
      return;
    }
    const data = jobsEventData(emission);
    if (data) {
      this.onEvent(data);
    }
  }

  /**
   * Ask the poll to check now (as after an action that changes the list).
   */
  refreshSoon(): void {
    void this._poll?.refresh();
  }

  /**
   * Dispose the cache.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll?.dispose();
    this._poll = null;
    this._events?.stream.disconnect(this._onEmission, this);
    Signal.clearData(this);
  }

  /**
   * Bring the list up to date: what the poll calls.
   */
  abstract check(): Promise<void>;

  /**
   * Read the data of one jupyter-jobs event.
   */
  protected abstract onEvent(data: { [key: string]: any }): void;

  /**
   * Emit `changed`.
   */
  protected emitChanged(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  /**
   * Note that the list was loaded.
   */
  protected markReady(): void {
    this._isReady = true;
  }

  private _onEmission(sender: unknown, emission: { [key: string]: any }) {
    this.handleEvent(emission);
  }

  private _name: string;
  private _standby: Poll.Standby | (() => boolean | Poll.Standby);
  private _events: ServerCache.IEventSource | null = null;
  private _poll: Poll | null = null;
  private _refreshInterval = -1;
  private _isReady = false;
  private _isDisposed = false;
  private _changed = new Signal<T, void>(this as any);
}

/**
 * A namespace for `ServerCache` statics.
 */
export namespace ServerCache {
  /**
   * A source of server events (the service manager's event manager).
   */
  export interface IEventSource {
    /**
     * The stream of emissions.
     */
    readonly stream: ISignal<any, { [key: string]: any }>;
  }

  /**
   * The options every cache takes.
   */
  export interface ICommonOptions {
    /**
     * The server's event bus (`serviceManager.events`) for pushed updates.
     */
    events?: IEventSource | null;
    /**
     * The fallback poll interval in milliseconds; 0 disables polling.
     * Defaults to 15 s.
     */
    refreshInterval?: number;
    /**
     * When the poll stands by. Defaults to `'when-hidden'`.
     */
    standby?: Poll.Standby | (() => boolean | Poll.Standby);
  }

  /**
   * The options of the base class.
   */
  export interface IOptions extends ICommonOptions {
    /**
     * The name of the poll (for debugging).
     */
    name: string;
  }
}
