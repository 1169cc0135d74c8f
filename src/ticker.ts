import { IDisposable } from '@lumino/disposable';

/**
 * A callback called every second while started: what moves the elapsed
 * times of running jobs in the views that show them.
 */
export class SecondTicker implements IDisposable {
  /**
   * Construct a ticker; it starts stopped.
   */
  constructor(tick: () => void) {
    this._tick = tick;
  }

  /**
   * Whether the ticker is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start ticking (nothing if already started or disposed).
   */
  start(): void {
    if (this._timer === null && !this._isDisposed) {
      this._timer = window.setInterval(this._tick, 1000);
    }
  }

  /**
   * Stop ticking.
   */
  stop(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  /**
   * Stop for good.
   */
  dispose(): void {
    this.stop();
    this._isDisposed = true;
  }

  private _tick: () => void;
  private _timer: number | null = null;
  private _isDisposed = false;
}
