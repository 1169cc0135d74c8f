import { IRunningSessions } from '@jupyterlab/running';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import { statusIcon, statusLabel } from './icons';
import { formatDuration, isActive } from './model';
import { IJob, IJobsManager } from './tokens';

/**
 * The active jobs as a section of JupyterLab's Running sidebar, where
 * "shut down" cancels a job.
 */
export class RunningJobsManager implements IRunningSessions.IManager {
  /**
   * Construct the section.
   */
  constructor(options: RunningJobsManager.IOptions) {
    this._manager = options.manager;
    this._open = options.open;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this.name = this._trans.__('Background Jobs');
    this.shutdownLabel = this._trans.__('Cancel Job');
    this.shutdownAllLabel = this._trans.__('Cancel All');
    this.shutdownAllConfirmationText = this._trans.__(
      'Are you sure you want to cancel all running background jobs?'
    );
    this._manager.changed.connect(this._onChanged, this);
  }

  /**
   * The section name.
   */
  readonly name: string;

  /**
   * The label of the shut down (cancel) action.
   */
  readonly shutdownLabel: string;

  /**
   * The label of the shut down all action.
   */
  readonly shutdownAllLabel: string;

  /**
   * The confirmation text of the shut down all action.
   */
  readonly shutdownAllConfirmationText: string;

  /**
   * A signal emitted when the active jobs change.
   */
  get runningChanged(): ISignal<RunningJobsManager, void> {
    return this._runningChanged;
  }

  /**
   * The active jobs as running items.
   */
  running(): IRunningSessions.IRunningItem[] {
    return this._active().map(job => this._item(job));
  }

  /**
   * Cancel every active job.
   */
  shutdownAll(): void {
    for (const job of this._active()) {
      if (job.status !== 'cancelling') {
        void this._manager.cancel(job.id).catch(reason => {
          console.error(`jupyter-jobs: cannot cancel ${job.id}`, reason);
        });
      }
    }
  }

  /**
   * Reload the job list.
   */
  refreshRunning(): void {
    void this._manager.refresh().catch(reason => {
      console.warn('jupyter-jobs: cannot refresh jobs', reason);
    });
  }

  private _active(): IJob[] {
    return this._manager.jobs.filter(job => isActive(job.status));
  }

  private _item(job: IJob): IRunningSessions.IRunningItem {
    const trans = this._trans;
    return {
      className: `jp-JobsRunning-item jp-mod-${job.status}`,
      icon: (): LabIcon => statusIcon(job.status),
      label: () => job.name,
      labelTitle: () =>
        trans.__(
          '%1 — %2 on %3 (%4)',
          job.name,
          statusLabel(job.status, trans),
          job.backend,
          job.path
        ),
      detail: () =>
        `${statusLabel(job.status, trans)} ${formatDuration(
          this._manager.elapsed(job)
        )}`.trim(),
      open: () => this._open(job.id),
      shutdown: () => {
        void this._manager.cancel(job.id).catch(reason => {
          console.error(`jupyter-jobs: cannot cancel ${job.id}`, reason);
        });
      }
    };
  }

  private _onChanged(): void {
    const key = this._active()
      .map(job => `${job.id}:${job.status}`)
      .join(',');
    if (key !== this._lastKey) {
      this._lastKey = key;
      this._runningChanged.emit();
    }
  }

  private _manager: IJobsManager;
  private _open: (id: string) => void;
  private _trans: TranslationBundle;
  private _lastKey = '';
  private _runningChanged = new Signal<RunningJobsManager, void>(this);
}

/**
 * A namespace for `RunningJobsManager` statics.
 */
export namespace RunningJobsManager {
  /**
   * The options to create the section.
   */
  export interface IOptions {
    /**
     * The jobs manager.
     */
    manager: IJobsManager;
    /**
     * Open the view of a job.
     */
    open: (id: string) => void;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}
