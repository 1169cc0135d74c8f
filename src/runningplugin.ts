import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
// The Running sidebar section is registered at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunningJobsManager } from './running';
import { IJobsManager } from './tokens';

/**
 * Running jobs in JupyterLab's Running sidebar, where shut down cancels.
 */
export const runningPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:running',
  description:
    'Lists the active background jobs in the Running sidebar; shutting one down cancels it.',
  autoStart: true,
  requires: [IJobsManager],
  // Optional: Jupyter Notebook's notebook pages have no Running list.
  optional: [IRunningSessionManagers, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    running: IRunningSessionManagers | null,
    translator: ITranslator | null
  ): void => {
    if (!running) {
      return;
    }
    running.add(
      new RunningJobsManager({
        manager,
        translator: translator ?? nullTranslator,
        open: id => {
          void app.commands.execute(CommandIDs.open, { id });
        }
      })
    );
  }
};
