import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator } from '@jupyterlab/translation';
import { closeIcon, redoIcon, stopIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import {
  activateOpenView,
  addItemView,
  itemId,
  itemIdArgs,
  notifyCommandsOnChange
} from './commandhelpers';
import { CommandIDs } from './commands';
import { reportError } from './errors';
import { jobsIcon } from './icons';
import { insertCodeBelow, resultsTarget } from './results';
import { isSweepActive } from './sweepcache';
import type { SweepView } from './sweepview';
import { ISweepsManager } from './tokens';

/**
 * Add the commands acting on sweeps: open, cancel, re-run (all or the
 * failed runs), remove, insert the code that loads the table.
 */
export function addSweepCommands(
  app: JupyterFrontEnd,
  options: {
    sweeps: ISweepsManager;
    rendermime: IRenderMimeRegistry;
    translator: ITranslator;
    tracker: WidgetTracker<MainAreaWidget<SweepView>>;
    notebooks: INotebookTracker | null;
  }
): void {
  const { sweeps, rendermime, translator, tracker, notebooks } = options;
  const trans = translator.load('jupyter_jobs');
  const { commands, shell } = app;
  const sweepIdArgs = itemIdArgs(trans.__('The sweep id'));
  // The sweep a command names, if it is known and finished.
  const finishedSweep = (args: ReadonlyPartialJSONObject) => {
    const sweep = sweeps.get(itemId(args));
    return sweep && !isSweepActive(sweep.status) ? sweep : undefined;
  };

  commands.addCommand(CommandIDs.openSweep, {
    describedBy: sweepIdArgs,
    label: trans.__('Open Sweep'),
    execute: async args => {
      const id = itemId(args);
      const existing = activateOpenView(shell, tracker, v => v.sweepId === id);
      if (existing) {
        return existing;
      }
      const { SweepView } = await import('./sweepview');
      const content = new SweepView({
        sweeps,
        sweepId: id,
        rendermime,
        commands,
        translator
      });
      return addItemView(app, {
        content,
        tracker,
        itemId: id,
        widgetId: `jupyter-jobs-sweep-view-${id}`,
        className: 'jp-SweepViewPanel',
        label: sweeps.get(id)?.name ?? id,
        icon: jobsIcon,
        buttons: [
          {
            name: 'cancel',
            command: CommandIDs.cancelSweep,
            label: trans.__('Cancel'),
            icon: stopIcon
          },
          {
            name: 'rerun',
            command: CommandIDs.rerunSweep,
            label: trans.__('Re-run'),
            icon: redoIcon
          },
          {
            name: 'rerun-failed',
            command: CommandIDs.rerunFailedSweep,
            label: trans.__('Re-run failed')
          },
          {
            name: 'remove',
            command: CommandIDs.removeSweep,
            label: trans.__('Remove'),
            icon: closeIcon
          },
          {
            name: 'insert-code',
            command: CommandIDs.insertSweepCode,
            label: trans.__('Insert code to load results')
          }
        ]
      });
    }
  });

  commands.addCommand(CommandIDs.cancelSweep, {
    describedBy: sweepIdArgs,
    label: trans.__('Cancel Sweep'),
    caption: trans.__('Cancel every active run of the sweep'),
    isEnabled: args => {
      const sweep = sweeps.get(itemId(args));
      return !!sweep && isSweepActive(sweep.status);
    },
    execute: async args => {
      try {
        return await sweeps.cancel(itemId(args));
      } catch (reason) {
        await reportError(trans.__('The sweep could not be cancelled'), reason);
      }
    }
  });

  const rerun = async (id: string, onlyFailed: boolean) => {
    try {
      const sweep = await sweeps.rerun(id, onlyFailed);
      await commands.execute(CommandIDs.openSweep, { id: sweep.id });
      return sweep;
    } catch (reason) {
      await reportError(trans.__('The sweep could not be submitted'), reason);
    }
  };

  commands.addCommand(CommandIDs.rerunSweep, {
    describedBy: sweepIdArgs,
    label: trans.__('Re-run Sweep'),
    caption: trans.__('Run the whole grid again as a new sweep'),
    isEnabled: args => !!finishedSweep(args),
    execute: args => rerun(itemId(args), false)
  });

  commands.addCommand(CommandIDs.rerunFailedSweep, {
    describedBy: sweepIdArgs,
    label: trans.__('Re-run Failed Runs'),
    caption: trans.__('Run the failed runs again as a new sweep'),
    isEnabled: args => (finishedSweep(args)?.progress?.failed ?? 0) > 0,
    execute: args => rerun(itemId(args), true)
  });

  commands.addCommand(CommandIDs.removeSweep, {
    describedBy: sweepIdArgs,
    label: trans.__('Remove Sweep'),
    caption: trans.__('Remove the finished sweep, its runs and their files'),
    isEnabled: args => !!finishedSweep(args),
    execute: async args => {
      const { removeSweep } = await import('./sweepactions');
      return removeSweep(sweeps, itemId(args), trans);
    }
  });

  commands.addCommand(CommandIDs.insertSweepCode, {
    describedBy: sweepIdArgs,
    label: trans.__('Insert Code to Load Results'),
    caption: trans.__(
      "Insert the code that loads the sweep's table as a new cell below the active cell of the current notebook"
    ),
    isEnabled: args =>
      !!sweeps.get(itemId(args)) &&
      resultsTarget(notebooks, trans).notebook !== null,
    execute: async args => {
      const target = resultsTarget(notebooks, trans);
      if (!target.notebook) {
        await showErrorMessage(
          trans.__('The code could not be inserted'),
          target.reason
        );
        return;
      }
      const { sweepLoadCode } = await import('./sweepactions');
      insertCodeBelow(target.notebook.content, sweepLoadCode(itemId(args)));
      shell.activateById(target.notebook.id);
      return target.notebook.content.activeCell;
    }
  });

  notifyCommandsOnChange(app, sweeps.changed, [
    CommandIDs.cancelSweep,
    CommandIDs.rerunSweep,
    CommandIDs.rerunFailedSweep,
    CommandIDs.removeSweep,
    CommandIDs.insertSweepCode
  ]);
  // Where the code would go depends on the current notebook and its
  // kernel's language.
  const notifyInsert = () =>
    commands.notifyCommandChanged(CommandIDs.insertSweepCode);
  let watched: NotebookPanel | null = null;
  notebooks?.currentChanged.connect(() => {
    if (watched && !watched.isDisposed) {
      watched.sessionContext.kernelChanged.disconnect(notifyInsert);
    }
    watched = notebooks.currentWidget;
    watched?.sessionContext.kernelChanged.connect(notifyInsert);
    notifyInsert();
  });
}
