import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  closeIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs } from './commands';
import { ProgressBar } from './progressbar';
import { compareNewestFirst, parseTime } from './model';
import { PanelRow, RowActions, RowName, StatusBadge } from './panelrow';
import { isSweepActive } from './sweepcache';
import { IJob, ISweep, JobStatus } from './tokens';

/**
 * The class name of a sweep in the Jobs panel (beside
 * `jp-JobsPanel-item`); a `jp-mod-<status>` modifier is added, and
 * `jp-mod-expanded` while its runs show.
 */
export const JOBS_PANEL_SWEEP_CLASS = 'jp-JobsPanel-sweep';

/**
 * An entry of the Jobs panel: a job, or a sweep standing for its runs.
 */
export type PanelEntry = IJob | ISweep;

/**
 * Whether a panel entry is a sweep.
 */
export function isSweep(entry: PanelEntry): entry is ISweep {
  // Only a sweep has a grid (both may have a `kind`).
  return 'grid' in entry;
}

/**
 * The entries of the Jobs panel, newest first: the jobs that are not runs of
 * a sweep, and the sweeps matching the same status filter and name search.
 */
export function panelEntries(
  jobs: ReadonlyArray<IJob>,
  sweeps: ReadonlyArray<ISweep>,
  statusFilter: ReadonlyArray<string>,
  search: string
): PanelEntry[] {
  const text = search.trim().toLowerCase();
  const shownSweeps = sweeps.filter(
    sweep =>
      (statusFilter.length === 0 ||
        statusFilter.indexOf(sweep.status) !== -1) &&
      (!text || sweep.name.toLowerCase().indexOf(text) !== -1)
  );
  const entries: PanelEntry[] = [
    ...jobs.filter(job => !job.sweep_id),
    ...shownSweeps
  ];
  const time = (entry: PanelEntry) => parseTime(entry.created_at) ?? 0;
  return entries.sort((a, b) =>
    time(a) !== time(b)
      ? time(b) - time(a)
      : compareNewestFirst(a as IJob, b as IJob)
  );
}

/**
 * The runs of a sweep among the known jobs, in grid order.
 */
export function sweepRuns(jobs: ReadonlyArray<IJob>, sweepId: string): IJob[] {
  return jobs
    .filter(job => job.sweep_id === sweepId)
    .sort((a, b) => (a.sweep_index ?? 0) - (b.sweep_index ?? 0));
}

/**
 * The Jobs panel's row of a sweep: status, name (opens the sweep's view),
 * runs done out of the total and failed, a toggle that shows its runs
 * (the children), cancel or remove.
 */
export function SweepItem(props: {
  sweep: ISweep;
  expanded: boolean;
  onToggle: () => void;
  commands: CommandRegistry;
  trans: TranslationBundle;
  children?: React.ReactNode;
}): JSX.Element {
  const { sweep, expanded, trans, commands } = props;
  const open = () => {
    void commands.execute(CommandIDs.openSweep, { id: sweep.id });
  };
  const toggleLabel = expanded
    ? trans.__('Hide the runs of %1', sweep.name)
    : trans.__('Show the runs of %1', sweep.name);
  const ToggleIcon = expanded ? caretDownIcon : caretRightIcon;
  const { done, failed, total } = sweep.progress ?? {
    done: 0,
    failed: 0,
    total: 0
  };
  const classes = [
    'jp-JobsPanel-item',
    JOBS_PANEL_SWEEP_CLASS,
    `jp-mod-${sweep.status}`
  ];
  if (expanded) {
    classes.push('jp-mod-expanded');
  }
  return (
    <PanelRow
      className={classes.join(' ')}
      data={{ 'data-sweep-id': sweep.id, 'data-status': sweep.status }}
      title={trans.__(
        'Sweep %1 — %2\nClick to open its table and chart.',
        sweep.name,
        sweep.path
      )}
      onOpen={open}
    >
      <button
        type="button"
        className="jp-JobsPanel-toggle jp-Button jp-mod-minimal"
        aria-expanded={expanded ? 'true' : 'false'}
        aria-label={toggleLabel}
        title={toggleLabel}
        onClick={event => {
          event.stopPropagation();
          props.onToggle();
        }}
      >
        <ToggleIcon.react tag="span" />
      </button>
      <StatusBadge status={sweep.status as JobStatus} trans={trans} />
      <RowName name={sweep.name} onOpen={open} />
      <RowActions
        commands={commands}
        id={sweep.id}
        actions={[
          isSweepActive(sweep.status)
            ? {
                command: CommandIDs.cancelSweep,
                icon: stopIcon,
                label: trans.__('Cancel sweep'),
                className: 'jp-JobsPanel-cancel'
              }
            : {
                command: CommandIDs.removeSweep,
                icon: closeIcon,
                label: trans.__('Remove sweep'),
                className: 'jp-JobsPanel-remove'
              }
        ]}
      />
      <div className="jp-JobsPanel-details">
        <span className="jp-JobsPanel-backend">
          {trans.__('sweep · %1', sweep.backend)}
        </span>
        <span className="jp-JobsPanel-runs">
          {trans.__('%1/%2 runs', done, total)}
        </span>
        {failed > 0 && (
          <span className="jp-JobsPanel-runsFailed">
            {trans._n('%1 failed', '%1 failed', failed)}
          </span>
        )}
        <ProgressBar done={done} total={total} label={trans.__('Runs done')} />
      </div>
      {props.children}
    </PanelRow>
  );
}
