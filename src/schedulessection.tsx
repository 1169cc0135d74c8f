import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';
import {
  closeIcon,
  editIcon,
  ReactWidget,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { CommandIDs } from './commands';
import { describeCron } from './crontext';
import { IconButton } from './iconbutton';
import { statusLabel } from './icons';
import { parseTime } from './model';
import { IJobsManager, ISchedule, ISchedulesManager } from './tokens';

/**
 * The class name of the Schedules section of the Jobs panel.
 */
export const SCHEDULES_SECTION_CLASS = 'jp-JobsSchedules';

/**
 * The class name of a schedule in the list; `jp-mod-paused` is added while
 * it is paused.
 */
export const SCHEDULES_ITEM_CLASS = 'jp-JobsSchedules-item';

/**
 * A time of the server as the user's locale writes it ('' if missing).
 */
function localTime(value: string | null | undefined): string {
  const ms = parseTime(value);
  return ms === null
    ? ''
    : new Date(ms).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short'
      });
}

/**
 * The Schedules section of the Jobs panel: each schedule with its name,
 * when it runs, its next run time or paused state, its last job, and the
 * actions pause/resume, run now, edit and delete.
 */
export class SchedulesSection extends ReactWidget {
  /**
   * Construct the Schedules section.
   */
  constructor(options: SchedulesSection.IOptions) {
    super();
    this.addClass(SCHEDULES_SECTION_CLASS);
    this._manager = options.manager;
    this._jobs = options.jobs ?? null;
    this._commands = options.commands;
    this._trans = (options.translator ?? nullTranslator).load('jupyter_jobs');
    this.title.label = this._trans.__('Schedules');
    this._manager.changed.connect(this._onChanged, this);
    this._jobs?.changed.connect(this._onChanged, this);
    this._commands.commandChanged.connect(this._onCommandChanged, this);
  }

  /**
   * Dispose the section.
   */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._manager.changed.disconnect(this._onChanged, this);
    this._jobs?.changed.disconnect(this._onChanged, this);
    this._commands.commandChanged.disconnect(this._onCommandChanged, this);
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  /**
   * Render the schedule list.
   */
  protected render(): JSX.Element {
    const trans = this._trans;
    const manager = this._manager;
    const schedules = manager.schedules;
    let empty = '';
    if (!manager.isReady) {
      empty = manager.lastError ? '' : trans.__('Loading schedules…');
    } else if (schedules.length === 0) {
      empty = trans.__(
        'No schedules. Choose “On a schedule” in the Run as Background Job dialog to run a notebook regularly.'
      );
    }
    return (
      <>
        <div className="jp-JobsSchedules-error" role="status">
          {manager.lastError
            ? trans.__(
                'Cannot reach the schedules service: %1',
                manager.lastError
              )
            : ''}
        </div>
        <ul
          className="jp-JobsSchedules-list"
          aria-label={trans.__('Schedules')}
        >
          {schedules.map(schedule => this._renderSchedule(schedule))}
        </ul>
        <div className="jp-JobsPanel-empty">{empty}</div>
      </>
    );
  }

  private _renderSchedule(schedule: ISchedule): JSX.Element {
    const trans = this._trans;
    const commands = this._commands;
    const args = { id: schedule.id };
    const when = describeCron(schedule.cron, trans) ?? schedule.cron;
    const lastJob = schedule.last_job_id
      ? this._jobs?.get(schedule.last_job_id)
      : undefined;
    // Its history: the jobs it fired (or ran now), newest first.
    const history = (this._jobs?.jobs ?? []).filter(
      job => job.schedule_id === schedule.id
    );
    const classes = [SCHEDULES_ITEM_CLASS];
    if (schedule.paused) {
      classes.push('jp-mod-paused');
    }
    return (
      <li
        key={schedule.id}
        className={classes.join(' ')}
        data-schedule-id={schedule.id}
        title={trans.__(
          '%1 — %2\nIts input was frozen when the schedule was saved.',
          schedule.name,
          schedule.path
        )}
      >
        <span className="jp-JobsSchedules-name">{schedule.name}</span>
        <span className="jp-JobsPanel-actions">
          {schedule.paused ? (
            <IconButton
              icon={runIcon}
              label={trans.__('Resume schedule')}
              className="jp-JobsSchedules-resume"
              onClick={() => {
                void commands.execute(CommandIDs.resumeSchedule, args);
              }}
            />
          ) : (
            <IconButton
              icon={stopIcon}
              label={trans.__('Pause schedule')}
              className="jp-JobsSchedules-pause"
              onClick={() => {
                void commands.execute(CommandIDs.pauseSchedule, args);
              }}
            />
          )}
          <IconButton
            icon={runIcon}
            label={trans.__('Run schedule now')}
            text={trans.__('Run now')}
            className="jp-JobsSchedules-runNow"
            onClick={() => {
              void commands.execute(CommandIDs.runSchedule, args);
            }}
          />
          {commands.hasCommand(CommandIDs.editSchedule) && (
            <IconButton
              icon={editIcon}
              label={trans.__('Edit schedule')}
              className="jp-JobsSchedules-edit"
              onClick={() => {
                void commands.execute(CommandIDs.editSchedule, args);
              }}
            />
          )}
          <IconButton
            icon={closeIcon}
            label={trans.__('Delete schedule')}
            className="jp-JobsSchedules-delete"
            onClick={() => {
              void commands.execute(CommandIDs.removeSchedule, args);
            }}
          />
        </span>
        <div className="jp-JobsSchedules-details">
          <span
            className="jp-JobsSchedules-cron"
            title={`${schedule.cron} (${schedule.timezone})`}
          >
            {when}
          </span>
          {schedule.paused ? (
            <span className="jp-JobsSchedules-paused">
              {trans.__('paused')}
            </span>
          ) : (
            <span className="jp-JobsSchedules-next">
              {trans.__('next: ')}
              <time
                dateTime={schedule.next_run_at ?? ''}
                title={schedule.next_run_at ?? ''}
              >
                {localTime(schedule.next_run_at) || trans.__('none')}
              </time>
            </span>
          )}
        </div>
        {schedule.last_job_id && (
          <div className="jp-JobsSchedules-last">
            {trans.__('last job: ')}
            <button
              type="button"
              className="jp-JobsSchedules-lastJob"
              data-job-id={schedule.last_job_id}
              onClick={() => {
                void commands.execute(CommandIDs.open, {
                  id: schedule.last_job_id!
                });
              }}
            >
              {lastJob
                ? trans.__(
                    '%1 (%2)',
                    lastJob.name,
                    statusLabel(lastJob.status, trans)
                  )
                : schedule.last_job_id}
            </button>
          </div>
        )}
        {history.length > 0 && (
          <details className="jp-JobsSchedules-history">
            <summary>
              {trans._n('%1 job so far', '%1 jobs so far', history.length)}
            </summary>
            <ul>
              {history.map(job => (
                <li key={job.id}>
                  <button
                    type="button"
                    className="jp-JobsSchedules-historyJob"
                    data-job-id={job.id}
                    onClick={() => {
                      void commands.execute(CommandIDs.open, { id: job.id });
                    }}
                  >
                    {trans.__(
                      '%1 (%2)',
                      localTime(job.created_at),
                      statusLabel(job.status, trans)
                    )}
                  </button>
                </li>
              ))}
            </ul>
          </details>
        )}
        {schedule.last_error && (
          <div className="jp-JobsSchedules-lastError">
            {trans.__('last firing failed: %1', schedule.last_error.message)}
          </div>
        )}
      </li>
    );
  }

  private _onChanged(): void {
    if (this.isVisible) {
      this.update();
    }
  }

  private _onCommandChanged(
    sender: CommandRegistry,
    args: CommandRegistry.ICommandChangedArgs
  ): void {
    if (args.id === CommandIDs.editSchedule || args.type === 'many-changed') {
      this.update();
    }
  }

  private _manager: ISchedulesManager;
  private _jobs: IJobsManager | null;
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
}

/**
 * A namespace for `SchedulesSection` statics.
 */
export namespace SchedulesSection {
  /**
   * The options to create a Schedules section.
   */
  export interface IOptions {
    /**
     * The schedules manager the section renders.
     */
    manager: ISchedulesManager;
    /**
     * The jobs manager, for the names of the last jobs.
     */
    jobs?: IJobsManager | null;
    /**
     * The command registry (the buttons execute commands).
     */
    commands: CommandRegistry;
    /**
     * The application translator.
     */
    translator?: ITranslator;
  }
}
