import { ServerConnection } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { Poll, Throttler } from '@lumino/polling';
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
 * What the job, sweep and schedule caches share: a list of items by id kept
 * current from the server's pushed events, with a `Poll` (backoff, standby
 * when hidden) as fallback; the items sorted on demand, the last error met,
 * throttled refetches of one item. Subclasses load the list in `check()`,
 * read the events in `onEvent()` and say how to get one item in
 * `getFromServer()`.
 */
export abstract class ServerCache<T, Item extends ServerCache.IItem> {
  /**
   * Construct a cache; the poll starts at once when its interval is not 0.
   */
  constructor(options: ServerCache.IOptions<Item>) {
    this._name = options.name;
    this._compare = options.compare;
    this._refetchLimit = options.refetchLimit ?? 1000;
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
   * The last error met talking to the server, cleared by the next success.
   */
  get lastError(): string | null {
    return this._lastError;
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
   * One item by id, if known.
   */
  get(id: string): Item | undefined {
    return this._items.get(id);
  }

  /**
   * Fetch one item and keep it; one the server no longer has is dropped
   * (and the request rejects).
   */
  async fetch(id: string): Promise<Item> {
    try {
      const item = await this.getFromServer(id);
      this.applyItem(item);
      return this._items.get(id) ?? item;
    } catch (reason) {
      if (
        (reason as ServerConnection.ResponseError)?.response?.status === 404
      ) {
        this.dropItem(id);
      }
      throw reason;
    }
  }

  /**
   * Refetch an item soon: bursts of events become one request (at most one
   * per `refetchLimit` milliseconds for each item).
   */
  scheduleFetch(id: string): void {
    if (!this._refetchers.has(id)) {
      this._refetchers.set(
        id,
        new Throttler(
          () =>
            this.fetch(id).catch(() => {
              // The fallback poll tries again.
            }),
          { limit: this._refetchLimit, edge: 'trailing' }
        )
      );
    }
    void this._refetchers.get(id)!.invoke();
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
    for (const throttler of this._refetchers.values()) {
      throttler.dispose();
    }
    this._refetchers.clear();
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
   * Get one item from the server.
   */
  protected abstract getFromServer(id: string): Promise<Item>;

  /**
   * The item to keep when the server answers `next` for a known item, or
   * `null` to ignore the answer (a stale one); the answer itself by default.
   */
  protected merge(previous: Item, next: Item): Item | null {
    return next;
  }

  /**
   * Called when a known item was replaced by a different one (to tell of a
   * status change).
   */
  protected itemUpdated(previous: Item, item: Item): void {
    // Nothing by default.
  }

  /**
   * The known items, sorted (the order is kept until the next change).
   */
  protected sortedItems(): ReadonlyArray<Item> {
    if (this._sorted === null) {
      this._sorted = Array.from(this._items.values()).sort(this._compare);
    }
    return this._sorted;
  }

  /**
   * The known items by id, as the server last answered.
   */
  protected get items(): ReadonlyMap<string, Item> {
    return this._items;
  }

  /**
   * Insert or update an item without telling; returns whether anything
   * changed.
   */
  protected upsert(item: Item): boolean {
    if (this._isDisposed) {
      return false;
    }
    const previous = this._items.get(item.id);
    let next: Item | null = item;
    if (previous) {
      next = this.merge(previous, item);
      if (next === null || JSONExt.deepEqual(previous as any, next as any)) {
        return false;
      }
    }
    this._items.set(item.id, next);
    if (previous) {
      this.itemUpdated(previous, next);
    }
    return true;
  }

  /**
   * Insert or update an item the server answered, and tell.
   */
  protected applyItem(item: Item): void {
    if (this.upsert(item)) {
      this.emitChanged();
    }
  }

  /**
   * Replace a known item by a changed copy (as the server changed it), and
   * tell.
   */
  protected replaceItem(item: Item): void {
    this._items.set(item.id, item);
    this.emitChanged();
  }

  /**
   * Forget an item the server no longer has, and tell unless `notify` is
   * false (the caller tells once for many); returns whether it was known.
   */
  protected dropItem(id: string, notify = true): boolean {
    if (!this._items.delete(id)) {
      return false;
    }
    if (notify) {
      this.emitChanged();
    }
    return true;
  }

  /**
   * Take the whole list the server answered: drop the items it no longer
   * has, merge the others, note that the list is loaded and clear the last
   * error; tells once if anything changed.
   */
  protected replaceAll(loaded: ReadonlyMap<string, Item>): void {
    if (this._isDisposed) {
      return;
    }
    let changed = !this._isReady || this._lastError !== null;
    for (const id of Array.from(this._items.keys())) {
      if (!loaded.has(id)) {
        this._items.delete(id);
        changed = true;
      }
    }
    for (const item of loaded.values()) {
      changed = this.upsert(item) || changed;
    }
    this._isReady = true;
    this._lastError = null;
    if (changed) {
      this.emitChanged();
    }
  }

  /**
   * Load every page of a list, in order; `list` answers the page at an
   * offset. Resolves with the items by id and how many the server counted.
   */
  protected static async loadPages<Item extends ServerCache.IItem>(
    list: (offset: number) => Promise<{ items: Item[]; total: number }>
  ): Promise<{ items: Map<string, Item>; total: number }> {
    const items = new Map<string, Item>();
    let total = 0;
    for (let offset = 0; ;) {
      const page = await list(offset);
      total = page.total;
      for (const item of page.items) {
        items.set(item.id, item);
      }
      offset += page.items.length;
      if (page.items.length === 0 || offset >= total) {
        break;
      }
    }
    return { items, total };
  }

  /**
   * Run a load, keeping its error for the view (`lastError`) until a load
   * succeeds; the error is thrown again (for the poll's backoff).
   */
  protected async keepingError(load: () => Promise<void>): Promise<void> {
    try {
      await load();
      if (this._lastError !== null) {
        this._lastError = null;
        this.emitChanged();
      }
    } catch (reason) {
      const message = (reason as Error).message ?? String(reason);
      if (message !== this._lastError) {
        this._lastError = message;
        this.emitChanged();
      }
      throw reason;
    }
  }

  /**
   * Emit `changed` (the sorted list is made again on demand).
   */
  protected emitChanged(): void {
    this._sorted = null;
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _onEmission(sender: unknown, emission: { [key: string]: any }) {
    this.handleEvent(emission);
  }

  private _name: string;
  private _compare: (a: Item, b: Item) => number;
  private _refetchLimit: number;
  private _refetchers = new Map<string, Throttler>();
  private _items = new Map<string, Item>();
  private _sorted: Item[] | null = null;
  private _lastError: string | null = null;
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
   * What every cached item has: an id.
   */
  export interface IItem {
    /**
     * The item's id.
     */
    readonly id: string;
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
    /**
     * The least time between two refetches of one item prompted by events,
     * in milliseconds. Defaults to 1 s.
     */
    refetchLimit?: number;
  }

  /**
   * The options of the base class.
   */
  export interface IOptions<Item> extends ICommonOptions {
    /**
     * The name of the poll (for debugging).
     */
    name: string;
    /**
     * The order of the sorted items.
     */
    compare: (a: Item, b: Item) => number;
  }
}
