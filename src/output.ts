import * as nbformat from '@jupyterlab/nbformat';
import { OutputAreaModel } from '@jupyterlab/outputarea';
import { IOutputModel } from '@jupyterlab/rendermime';
import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { isFinal, MAX_LOG_TAIL } from './model';
import { IJobLogChunk, IJobsManager, ILogEvent } from './tokens';

/**
 * How many lines a stream output holds before a new one starts, so that old
 * lines can be dropped chunk by chunk.
 */
const CHUNK_LINES = 200;

/**
 * Count the lines of a text.
 */
function countLines(text: string): number {
  let lines = 1;
  let index = text.indexOf('\n');
  while (index !== -1) {
    lines++;
    index = text.indexOf('\n', index + 1);
  }
  return lines;
}

/**
 * The MIME type of Jupyter widgets, which need a live kernel.
 */
const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

/**
 * A copy of an output without what cannot render away from its kernel: the
 * `transient` part and widget views (their text fallback stays).
 */
export function detachOutput(output: { [key: string]: any }): any {
  const value: { [key: string]: any } = { ...output };
  delete value.transient;
  const data = value.data;
  if (data && typeof data === 'object' && WIDGET_MIME in data) {
    const rest = { ...data };
    delete rest[WIDGET_MIME];
    if (Object.keys(rest).length > 0) {
      value.data = rest;
    }
  }
  return value;
}

/**
 * A bounded output area model for the live output of a job.
 *
 * #### Notes
 * Streams are combined like in a notebook cell (so ANSI text and `\r`
 * redraws of progress bars work), but in chunks of a limited number of lines;
 * when more than `maxLines` lines are kept the oldest outputs are dropped
 * (first in, first out), like the log console does.
 */
export class JobOutputModel extends OutputAreaModel {
  /**
   * Construct a job output model.
   */
  constructor(options: JobOutputModel.IOptions = {}) {
    super({ trusted: options.trusted ?? false });
    this._maxLines = Math.max(1, options.maxLines ?? 10000);
  }

  /**
   * The maximum number of lines kept.
   */
  get maxLines(): number {
    return this._maxLines;
  }
  set maxLines(value: number) {
    this._maxLines = Math.max(1, value);
    this._trim();
  }

  /**
   * How many outputs were dropped from the start so far.
   */
  get dropped(): number {
    return this._dropped;
  }

  /**
   * Add an output, combined with the previous stream output if it can be,
   * then drop the oldest outputs beyond the bound.
   */
  add(output: nbformat.IOutput): number {
    super.add(output);
    this._trim();
    return this.length;
  }

  /**
   * Combine stream outputs only while the last chunk is small.
   */
  protected shouldCombine(options: {
    value: nbformat.IOutput;
    lastModel: IOutputModel;
  }): boolean {
    const text = options.lastModel.streamText?.text;
    if (text === undefined) {
      return true;
    }
    return countLines(text) < CHUNK_LINES;
  }

  /**
   * Drop the oldest outputs while more than `maxLines` lines are kept.
   */
  private _trim(): void {
    const length = this.list.length;
    if (length <= 1) {
      return;
    }
    const lines: number[] = [];
    let total = 0;
    for (let i = 0; i < length; i++) {
      const item = this.list.get(i);
      let count = this._lineCounts.get(item);
      if (count === undefined || i === length - 1) {
        const text = item.streamText?.text;
        count = text === undefined ? 1 : countLines(text);
        if (i !== length - 1) {
          this._lineCounts.set(item, count);
        }
      }
      lines.push(count);
      total += count;
    }
    let remove = 0;
    while (total > this._maxLines && remove < length - 1) {
      total -= lines[remove];
      remove++;
    }
    if (remove > 0) {
      const removed = this.list.removeRange(0, remove);
      void removed;
      this._dropped += remove;
    }
  }

  private _maxLines: number;
  private _dropped = 0;
  private _lineCounts = new WeakMap<IOutputModel, number>();
}

/**
 * A namespace for `JobOutputModel` statics.
 */
export namespace JobOutputModel {
  /**
   * The options to create a job output model.
   */
  export interface IOptions {
    /**
     * The maximum number of lines kept (default 10000).
     */
    maxLines?: number;
    /**
     * Whether outputs are trusted (default false: replayed outputs come from
     * a file, like those of a notebook opened from disk, and render
     * sanitized).
     */
    trusted?: boolean;
  }
}

/**
 * What a log follower hands the events it reads to, in order.
 */
export interface ILogEventSink {
  /**
   * Apply events in order.
   */
  apply(events: ReadonlyArray<ILogEvent>): void;
}

/**
 * Apply log events of a job to an output model.
 *
 * #### Notes
 * Consecutive stream outputs of the same stream are joined first, so a burst
 * of lines renders once.
 */
export class LogEventApplier implements ILogEventSink {
  /**
   * Construct an applier writing to the given model.
   */
  constructor(model: JobOutputModel) {
    this._model = model;
  }

  /**
   * Apply events in order.
   */
  apply(events: ReadonlyArray<ILogEvent>): void {
    let pending: nbformat.IStream | null = null;
    const flush = () => {
      if (pending) {
        this._model.add(pending);
        pending = null;
      }
    };
    for (const event of events) {
      if (event.type === 'output' && event.output) {
        const output = event.output as nbformat.IOutput;
        if (nbformat.isStream(output)) {
          const text = Array.isArray(output.text)
            ? output.text.join('')
            : String(output.text ?? '');
          if (pending && pending.name === output.name) {
            pending.text = (pending.text as string) + text;
          } else {
            flush();
            pending = { output_type: 'stream', name: output.name, text };
          }
          continue;
        }
        flush();
        this._addOutput(output, event.display_id);
      } else if (event.type === 'clear_output') {
        flush();
        this._model.clear(!!event.wait);
      } else if (event.type === 'update_display' && event.output) {
        flush();
        this._updateDisplay(
          event.display_id ?? (event.output as any)?.transient?.display_id,
          event.output as nbformat.IOutput
        );
      }
    }
    flush();
  }

  /**
   * Add a non stream output, remembering its display id.
   */
  private _addOutput(output: nbformat.IOutput, displayId?: string): void {
    const id = displayId ?? (output as any)?.transient?.display_id;
    this._model.add(detachOutput(output));
    if (id) {
      const models = this._displays.get(id) ?? [];
      models.push(this._model.get(this._model.length - 1));
      this._displays.set(id, models);
    }
  }

  /**
   * Replace the outputs shown for a display id.
   */
  private _updateDisplay(
    displayId: string | undefined,
    output: nbformat.IOutput
  ): void {
    if (!displayId) {
      return;
    }
    const models = this._displays.get(displayId) ?? [];
    const kept: IOutputModel[] = [];
    for (const model of models) {
      let index = -1;
      for (let i = 0; i < this._model.length; i++) {
        if (this._model.get(i) === model) {
          index = i;
          break;
        }
      }
      if (index === -1) {
        continue;
      }
      const old = model.toJSON() as any;
      const fresh = detachOutput(output);
      const value: any = {
        output_type: old.output_type,
        data: fresh.data ?? {},
        metadata: fresh.metadata ?? {}
      };
      if (old.output_type === 'execute_result') {
        value.execution_count = old.execution_count ?? null;
      }
      this._model.set(index, value);
      kept.push(this._model.get(index));
    }
    this._displays.set(displayId, kept);
  }

  private _model: JobOutputModel;
  private _displays = new Map<string, IOutputModel[]>();
}

/**
 * Follows the log of a job: loads it from the server, then applies the
 * events the server pushes, with a poll as fallback while the job is active.
 */
export class JobLogFollower implements IDisposable {
  /**
   * Construct a follower.
   */
  constructor(options: JobLogFollower.IOptions) {
    this._manager = options.manager;
    this._jobId = options.jobId;
    this._applier = options.sink ?? new LogEventApplier(options.model!);
    this._tail = Math.max(100, options.tailEvents ?? 10000);
    this._manager.logReceived.connect(this._onLog, this);
    this._poll = new Poll({
      auto: false,
      factory: () => this._onPoll(),
      frequency: {
        interval: options.interval ?? 5000,
        backoff: true,
        max: 60000
      },
      name: `jupyter-jobs:JobLogFollower#${options.jobId}`,
      standby: 'when-hidden'
    });
  }

  /**
   * How many events at the start of the log were skipped because the log
   * is longer than what is shown.
   */
  get skipped(): number {
    return this._skipped;
  }

  /**
   * The last event applied.
   */
  get next(): number {
    return this._next;
  }

  /**
   * A signal emitted after events were applied.
   */
  get updated(): ISignal<JobLogFollower, void> {
    return this._updated;
  }

  /**
   * Whether the follower is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Load the log so far and start following.
   */
  async start(): Promise<void> {
    await this.catchUp();
    void this._poll.start();
  }

  /**
   * Fetch and apply every event after the last one applied.
   */
  catchUp(): Promise<void> {
    if (this._catching) {
      this._again = true;
      return this._catching;
    }
    this._catching = this._catchUpLoop().finally(() => {
      this._catching = null;
    });
    return this._catching;
  }

  /**
   * Dispose the follower.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    this._manager.logReceived.disconnect(this._onLog, this);
    Signal.clearData(this);
  }

  private async _catchUpLoop(): Promise<void> {
    const limit = 1000;
    do {
      this._again = false;
      if (!this._started) {
        this._started = true;
        await this._skipToTail();
      }
      for (;;) {
        if (this._isDisposed) {
          return;
        }
        const page = await this._manager.fetchLog(
          this._jobId,
          this._next,
          limit
        );
        this._applyNew(page.events);
        if (page.next > this._next && page.events.length === 0) {
          this._next = page.next;
        }
        // A page is cut by bytes as well as by count: only an empty one is the end.
        if (page.events.length === 0) {
          break;
        }
      }
      // Apply what was pushed meanwhile.
      const buffered = this._buffer;
      this._buffer = [];
      for (const chunk of buffered) {
        if (!this._applyChunk(chunk)) {
          this._again = true;
        }
      }
    } while (this._again && !this._isDisposed);
  }

  /**
   * Start at the end of the log: one `tail` request answers the last events,
   * as many as are kept (the whole log when it is shorter). When more are
   * kept than one answer holds, it tells where the log ends, and the pages
   * are read from there.
   */
  private async _skipToTail(): Promise<void> {
    const whole = this._tail <= MAX_LOG_TAIL;
    const page = await this._manager.fetchLogTail(
      this._jobId,
      whole ? this._tail : 1
    );
    if (this._isDisposed) {
      return;
    }
    const events = page.events ?? [];
    if (events.length === 0) {
      return;
    }
    if (whole) {
      const start = Math.max(0, events[0].seq - 1);
      this._skipped = start;
      this._next = start;
      this._applyNew(events);
      return;
    }
    const last = Math.max(page.next ?? 0, events[events.length - 1].seq);
    const start = Math.max(0, last - this._tail);
    this._skipped = start;
    this._next = start;
  }

  /**
   * Apply the events newer than the last one applied.
   */
  private _applyNew(events: ReadonlyArray<ILogEvent>): void {
    const fresh = events.filter(e => e.seq > this._next);
    if (fresh.length === 0) {
      return;
    }
    this._applier.apply(fresh);
    this._next = fresh[fresh.length - 1].seq;
    this._updated.emit();
  }

  /**
   * Apply a pushed chunk; returns false when events are missing before it.
   */
  private _applyChunk(chunk: IJobLogChunk): boolean {
    const events = chunk.events
      .filter(e => e.seq > this._next)
      .sort((a, b) => a.seq - b.seq);
    if (events.length === 0) {
      return true;
    }
    if (events[0].seq > this._next + 1) {
      return false;
    }
    this._applyNew(events);
    return true;
  }

  private _onLog(sender: IJobsManager, chunk: IJobLogChunk): void {
    if (chunk.jobId !== this._jobId || this._isDisposed) {
      return;
    }
    if (this._catching || !this._started) {
      this._buffer.push(chunk);
      return;
    }
    if (!this._applyChunk(chunk)) {
      void this.catchUp();
    }
  }

  /**
   * The fallback poll: catch up while the job is active; stop once a
   * finished job was read to its end.
   */
  private async _onPoll(): Promise<void> {
    const job = this._manager.get(this._jobId);
    if (!job) {
      this._poll.stop();
      return;
    }
    await this.catchUp();
    if (isFinal(job.status)) {
      void this._poll.stop();
    }
  }

  private _manager: IJobsManager;
  private _jobId: string;
  private _applier: ILogEventSink;
  private _tail: number;
  private _poll: Poll;
  private _next = 0;
  private _skipped = 0;
  private _started = false;
  private _catching: Promise<void> | null = null;
  private _again = false;
  private _buffer: IJobLogChunk[] = [];
  private _isDisposed = false;
  private _updated = new Signal<JobLogFollower, void>(this);
}

/**
 * A namespace for `JobLogFollower` statics.
 */
export namespace JobLogFollower {
  /**
   * The options to create a follower.
   */
  export interface IOptions {
    /**
     * The jobs manager.
     */
    manager: IJobsManager;
    /**
     * The job to follow.
     */
    jobId: string;
    /**
     * The model the events are applied to (unless a `sink` is given).
     */
    model?: JobOutputModel;
    /**
     * What the events are handed to instead of one output model (the live
     * notebook view routes them to their cells).
     */
    sink?: ILogEventSink;
    /**
     * How many events at most to load from the end of a long log.
     */
    tailEvents?: number;
    /**
     * The fallback poll interval in milliseconds.
     */
    interval?: number;
  }
}
