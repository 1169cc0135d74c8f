import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
// The sweeps manager is provided at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SweepsCache } from './sweepcache';
// The commands are added at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addSweepCommands } from './sweepcommands';
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
    const { commands } = app;
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
    addSweepCommands(app, {
      sweeps,
      rendermime,
      translator,
      tracker,
      notebooks
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
