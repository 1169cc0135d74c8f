import { TranslationBundle } from '@jupyterlab/translation';
import { closeIcon, redoIcon, stopIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs } from './commands';
import { formatDuration, isActive, isFinal } from './model';
import { PanelRow, RowActions, RowName, StatusBadge } from './panelrow';
import { ProgressBar } from './progressbar';
import { IJob, IJobsManager } from './tokens';

/**
 * The class name of a job in the list; a `jp-mod-<status>` modifier is
 * added (e.g. `jp-mod-running`).
 */
export const JOBS_PANEL_ITEM_CLASS = 'jp-JobsPanel-item';

/**
 * What a job row says beside its status: "attempt 2/3" for a retried job,
 * and "waiting for <job>" for a queued job waiting on others.
 */
export function jobNotes(
  job: IJob,
  lookup: (id: string) => IJob | undefined,
  trans: TranslationBundle
): { attempt: string | null; waiting: string | null } {
  const maxRetries = job.max_retries ?? 0;
  const attemptNumber = job.attempt ?? 1;
  const retrying =
    job.status === 'queued' && /retr/i.test(job.status_reason ?? '');
  const attempt =
    maxRetries > 0 && (attemptNumber > 1 || retrying)
      ? trans.__('attempt %1/%2', attemptNumber, maxRetries + 1)
      : null;
  let waiting: string | null = null;
  const after = job.after ?? [];
  if (job.status === 'queued' && after.length > 0 && !retrying) {
    const names = after
      .map(id => lookup(id))
      .filter(other => !other || !isFinal(other.status))
      .map((other, index) => other?.name ?? after[index]);
    if (names.length > 0 && after.every(id => lookup(id))) {
      waiting = trans.__('waiting for %1', names.join(', '));
    } else if (job.status_reason) {
      waiting = job.status_reason;
    }
  }
  return { attempt, waiting };
}

/**
 * The Jobs panel's row of a job: status, name (opens the job's view),
 * cancel, re-run or remove, backend, attempt, elapsed time, progress and
 * what it waits for.
 */
export function JobItem(props: {
  job: IJob;
  manager: IJobsManager;
  now: number;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { job, manager, commands, trans } = props;
  const open = () => {
    void commands.execute(CommandIDs.open, { id: job.id });
  };
  const notes = jobNotes(job, id => manager.get(id), trans);
  return (
    <PanelRow
      className={`${JOBS_PANEL_ITEM_CLASS} jp-mod-${job.status}`}
      data={{ 'data-job-id': job.id, 'data-status': job.status }}
      title={trans.__('%1 — %2\nClick to open its output.', job.name, job.path)}
      onOpen={open}
    >
      <StatusBadge status={job.status} trans={trans} />
      <RowName name={job.name} onOpen={open} />
      <RowActions
        commands={commands}
        id={job.id}
        actions={[
          isActive(job.status) && {
            command: CommandIDs.cancel,
            icon: stopIcon,
            label: trans.__('Cancel job'),
            className: 'jp-JobsPanel-cancel',
            disabled: job.status === 'cancelling'
          },
          isFinal(job.status) && {
            command: CommandIDs.rerun,
            icon: redoIcon,
            label: trans.__('Re-run job'),
            className: 'jp-JobsPanel-rerun'
          },
          isFinal(job.status) && {
            command: CommandIDs.remove,
            icon: closeIcon,
            label: trans.__('Remove job'),
            className: 'jp-JobsPanel-remove'
          }
        ]}
      />
      <div className="jp-JobsPanel-details">
        <span className="jp-JobsPanel-backend" title={trans.__('Backend')}>
          {job.backend}
        </span>
        {notes.attempt && (
          <span className="jp-JobsPanel-attempt">{notes.attempt}</span>
        )}
        <span className="jp-JobsPanel-elapsed" title={trans.__('Elapsed time')}>
          {formatDuration(manager.elapsed(job, props.now))}
        </span>
        <ProgressBar
          done={job.progress?.done ?? 0}
          total={job.progress?.total ?? 0}
          label={trans.__('Cells done')}
        />
      </div>
      {notes.waiting ? (
        <div className="jp-JobsPanel-reason jp-JobsPanel-waiting">
          {notes.waiting}
        </div>
      ) : (
        job.status_reason &&
        job.status === 'queued' && (
          <div className="jp-JobsPanel-reason">{job.status_reason}</div>
        )
      )}
    </PanelRow>
  );
}
