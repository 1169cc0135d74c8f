import { TranslationBundle } from '@jupyterlab/translation';
import {
  caretDownIcon,
  caretRightIcon,
  closeIcon,
  LabIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from './commands';
import { statusIcon, statusLabel } from './icons';
import { createProgressBar } from './jobview';
import { compareNewestFirst, parseTime } from './model';
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
 * Build the Jobs panel's row of a sweep: status, name (opens the sweep's
 * view), runs done out of the total and failed, a toggle that shows its
 * runs, cancel or remove.
 */
export function createSweepItem(
  sweep: ISweep,
  options: {
    expanded: boolean;
    onToggle: () => void;
    commands: CommandRegistry;
    trans: TranslationBundle;
    button: (icon: LabIcon, label: string, onClick: () => void) => HTMLElement;
  }
): HTMLLIElement {
  const { trans, commands } = options;
  const li = document.createElement('li');
  li.className = `jp-JobsPanel-item ${JOBS_PANEL_SWEEP_CLASS} jp-mod-${sweep.status}${
    options.expanded ? ' jp-mod-expanded' : ''
  }`;
  li.dataset.sweepId = sweep.id;
  li.dataset.status = sweep.status;
  li.title = trans.__(
    'Sweep %1 — %2\nClick to open its table and chart.',
    sweep.name,
    sweep.path
  );
  const open = () => {
    void commands.execute(CommandIDs.openSweep, { id: sweep.id });
  };
  li.addEventListener('click', open);

  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'jp-JobsPanel-toggle jp-Button jp-mod-minimal';
  toggle.setAttribute('aria-expanded', options.expanded ? 'true' : 'false');
  const toggleLabel = options.expanded
    ? trans.__('Hide the runs of %1', sweep.name)
    : trans.__('Show the runs of %1', sweep.name);
  toggle.setAttribute('aria-label', toggleLabel);
  toggle.title = toggleLabel;
  (options.expanded ? caretDownIcon : caretRightIcon).element({
    container: toggle,
    tag: 'span'
  });
  toggle.addEventListener('click', event => {
    event.stopPropagation();
    options.onToggle();
  });
  li.appendChild(toggle);

  const status = document.createElement('span');
  status.className = 'jp-JobsPanel-status jp-JobsStatus';
  const icon = document.createElement('span');
  icon.className = 'jp-JobsStatus-icon';
  statusIcon(sweep.status as JobStatus).element({ container: icon });
  status.appendChild(icon);
  const word = document.createElement('span');
  word.className = 'jp-JobsStatus-label';
  word.textContent = statusLabel(sweep.status as JobStatus, trans);
  status.appendChild(word);
  li.appendChild(status);

  const name = document.createElement('button');
  name.type = 'button';
  name.className = 'jp-JobsPanel-name';
  name.textContent = sweep.name;
  name.addEventListener('click', event => {
    event.stopPropagation();
    open();
  });
  li.appendChild(name);

  const actions = document.createElement('span');
  actions.className = 'jp-JobsPanel-actions';
  if (isSweepActive(sweep.status)) {
    const cancel = options.button(stopIcon, trans.__('Cancel sweep'), () => {
      void commands.execute(CommandIDs.cancelSweep, { id: sweep.id });
    });
    cancel.classList.add('jp-JobsPanel-cancel');
    actions.appendChild(cancel);
  } else {
    const remove = options.button(closeIcon, trans.__('Remove sweep'), () => {
      void commands.execute(CommandIDs.removeSweep, { id: sweep.id });
    });
    remove.classList.add('jp-JobsPanel-remove');
    actions.appendChild(remove);
  }
  li.appendChild(actions);

  const { done, failed, total } = sweep.progress ?? {
    done: 0,
    failed: 0,
    total: 0
  };
  const details = document.createElement('div');
  details.className = 'jp-JobsPanel-details';
  const kind = document.createElement('span');
  kind.className = 'jp-JobsPanel-backend';
  kind.textContent = trans.__('sweep · %1', sweep.backend);
  details.appendChild(kind);
  const runs = document.createElement('span');
  runs.className = 'jp-JobsPanel-runs';
  runs.textContent = trans.__('%1/%2 runs', done, total);
  details.appendChild(runs);
  if (failed > 0) {
    const failedNode = document.createElement('span');
    failedNode.className = 'jp-JobsPanel-runsFailed';
    failedNode.textContent = trans._n('%1 failed', '%1 failed', failed);
    details.appendChild(failedNode);
  }
  details.appendChild(createProgressBar(done, total, trans.__('Runs done')));
  li.appendChild(details);
  return li;
}
