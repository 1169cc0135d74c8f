import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  closeIcon,
  CommandToolbarButton,
  redoIcon,
  stopIcon
} from '@jupyterlab/ui-components';

import { CommandIDs } from './commands';
import { jobsIcon } from './icons';
// Already loaded at start by the panel plugin; `isEnabled` needs it at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { insertCodeBelow, resultsTarget } from './results';
// The sweeps manager is provided at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { isSweepActive, SweepsCache } from './sweepcache';
import type { SweepView } from './sweepview';
import { ISweepsManager } from './tokens';

/**
 * The sweeps manager: the sweep list kept current from the server.
 */
export const sweepsManagerPlugin: JupyterFrontEndPlugin<ISweepsManager> = {
  id: 'jupyter-jobs:sweeps-manager',
  description:
    'Provides the sweeps manager, which keeps the sweep list current from pushed job events with polling as fallback.',
  autoStart: true,
  provides: ISweepsManager,
  requires: [],
  optional: [],
  activate: (app: JupyterFrontEnd): ISweepsManager => {
    const cache = new SweepsCache({
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events
    });
    void cache.refresh().catch(reason => {
      console.warn('jupyter-jobs: the sweeps service is not reachable', reason);
    });
    return cache;
  }
};

/**
 * The sweep views, the sweep commands and the sweep notifications.
 */
export const sweepViewPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:sweeps',
  description:
    'Adds the sweep view (table and chart of the runs) and the commands to cancel, re-run and remove sweeps.',
  autoStart: true,
  requires: [ISweepsManager, IRenderMimeRegistry],
  optional: [ITranslator, ILayoutRestorer, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    sweeps: ISweepsManager,
    rendermime: IRenderMimeRegistry,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    notebooks: INotebookTracker | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyter_jobs');
    const { commands, shell } = app;
    const tracker = new WidgetTracker<MainAreaWidget<SweepView>>({
      namespace: 'jupyter-jobs-sweep'
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.openSweep,
        args: widget => ({ id: widget.content.sweepId }),
        name: widget => widget.content.sweepId
      });
    }
    const idOf = (args: any): string => String(args.id ?? '');
    const sweepIdArgs = {
      args: {
        type: 'object' as const,
        properties: {
          id: {
            type: 'string' as const,
            description: trans.__('The sweep id')
          }
        },
        required: ['id']
      }
    };
    const report = (title: string, reason: unknown) =>
      showErrorMessage(title, (reason as Error).message ?? String(reason));

    commands.addCommand(CommandIDs.openSweep, {
      describedBy: sweepIdArgs,
      label: trans.__('Open Sweep'),
      execute: async args => {
        const id = idOf(args);
        const existing = tracker.find(w => w.content.sweepId === id);
        if (existing) {
          shell.activateById(existing.id);
          return existing;
        }
        const { SweepView } = await import('./sweepview');
        const content = new SweepView({
          sweeps,
          sweepId: id,
          rendermime,
          commands,
          translator: translator!
        });
        const widget = new MainAreaWidget({ content });
        widget.id = `jupyter-jobs-sweep-view-${id}`;
        widget.addClass('jp-SweepViewPanel');
        widget.title.label = sweeps.get(id)?.name ?? id;
        widget.title.icon = jobsIcon;
        content.title.changed.connect(() => {
          widget.title.label = content.title.label;
          widget.title.caption = content.title.caption;
          widget.title.icon = content.title.icon;
        });
        const button = (
          name: string,
          command: string,
          label: string,
          icon?: any
        ) =>
          widget.toolbar.addItem(
            name,
            new CommandToolbarButton({
              commands,
              id: command,
              args: { id },
              label,
              icon
            })
          );
        button('cancel', CommandIDs.cancelSweep, trans.__('Cancel'), stopIcon);
        button('rerun', CommandIDs.rerunSweep, trans.__('Re-run'), redoIcon);
        button(
          'rerun-failed',
          CommandIDs.rerunFailedSweep,
          trans.__('Re-run failed')
        );
        button('remove', CommandIDs.removeSweep, trans.__('Remove'), closeIcon);
        button(
          'insert-code',
          CommandIDs.insertSweepCode,
          trans.__('Insert code to load results')
        );
        content.removed.connect(() => widget.close());
        void tracker.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
        return widget;
      }
    });

    commands.addCommand(CommandIDs.cancelSweep, {
      describedBy: sweepIdArgs,
      label: trans.__('Cancel Sweep'),
      caption: trans.__('Cancel every active run of the sweep'),
      isEnabled: args => {
        const sweep = sweeps.get(idOf(args));
        return !!sweep && isSweepActive(sweep.status);
      },
      execute: async args => {
        try {
          return await sweeps.cancel(idOf(args));
        } catch (reason) {
          await report(trans.__('The sweep could not be cancelled'), reason);
        }
      }
    });

    const rerun = async (id: string, onlyFailed: boolean) => {
      try {
        const sweep = await sweeps.rerun(id, onlyFailed);
        await commands.execute(CommandIDs.openSweep, { id: sweep.id });
        return sweep;
      } catch (reason) {
        await report(trans.__('The sweep could not be submitted'), reason);
      }
    };

    commands.addCommand(CommandIDs.rerunSweep, {
      describedBy: sweepIdArgs,
      label: trans.__('Re-run Sweep'),
      caption: trans.__('Run the whole grid again as a new sweep'),
      isEnabled: args => {
        const sweep = sweeps.get(idOf(args));
        return !!sweep && !isSweepActive(sweep.status);
      },
      execute: args => rerun(idOf(args), false)
    });

    commands.addCommand(CommandIDs.rerunFailedSweep, {
      describedBy: sweepIdArgs,
      label: trans.__('Re-run Failed Runs'),
      caption: trans.__('Run the failed runs again as a new sweep'),
      isEnabled: args => {
        const sweep = sweeps.get(idOf(args));
        return (
          !!sweep &&
          !isSweepActive(sweep.status) &&
          (sweep.progress?.failed ?? 0) > 0
        );
      },
      execute: args => rerun(idOf(args), true)
    });

    commands.addCommand(CommandIDs.removeSweep, {
      describedBy: sweepIdArgs,
      label: trans.__('Remove Sweep'),
      caption: trans.__('Remove the finished sweep, its runs and their files'),
      isEnabled: args => {
        const sweep = sweeps.get(idOf(args));
        return !!sweep && !isSweepActive(sweep.status);
      },
      execute: async args => {
        const { removeSweep } = await import('./sweepactions');
        return removeSweep(sweeps, idOf(args), trans);
      }
    });

    commands.addCommand(CommandIDs.insertSweepCode, {
      describedBy: sweepIdArgs,
      label: trans.__('Insert Code to Load Results'),
      caption: trans.__(
        "Insert the code that loads the sweep's table as a new cell below the active cell of the current notebook"
      ),
      isEnabled: args =>
        !!sweeps.get(idOf(args)) &&
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
        insertCodeBelow(target.notebook.content, sweepLoadCode(idOf(args)));
        shell.activateById(target.notebook.id);
        return target.notebook.content.activeCell;
      }
    });

    const sweepCommands = [
      CommandIDs.cancelSweep,
      CommandIDs.rerunSweep,
      CommandIDs.rerunFailedSweep,
      CommandIDs.removeSweep,
      CommandIDs.insertSweepCode
    ];
    sweeps.changed.connect(() => {
      for (const id of sweepCommands) {
        commands.notifyCommandChanged(id);
      }
    });
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

    // One notification per sweep, not one per run.
    sweeps.statusChanged.connect((_, { sweep }) => {
      const actions = [
        {
          label: trans.__('Show sweep'),
          caption: trans.__('Show the table of %1', sweep.name),
          callback: () => {
            void commands.execute(CommandIDs.openSweep, { id: sweep.id });
          }
        }
      ];
      const { done, failed, total } = sweep.progress;
      if (sweep.status === 'completed') {
        Notification.success(
          trans.__('Sweep “%1” completed: %2 runs.', sweep.name, total),
          { autoClose: 8000, actions }
        );
      } else if (sweep.status === 'failed') {
        Notification.error(
          trans.__(
            'Sweep “%1” finished with %2 of %3 runs failed.',
            sweep.name,
            failed,
            done
          ),
          { autoClose: false, actions }
        );
      }
    });
  }
};
