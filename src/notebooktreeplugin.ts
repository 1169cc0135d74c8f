import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTree } from '@jupyter-notebook/tree';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The tab is added at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { JobsPanel } from './panel';
import { DOMAIN } from './settings';
import { IJobsManager, ISchedulesManager, ISweepsManager } from './tokens';

/**
 * Jupyter Notebook 7's file browser page has no sidebars: the Jobs panel
 * is a tab there, beside Files and Running.
 */
export const notebookTreePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:notebook-tree',
  description: "Adds the Jobs panel as a tab of Jupyter Notebook's tree view.",
  autoStart: true,
  requires: [IJobsManager],
  // Optional: JupyterLab has no tree view, and nothing to do then.
  optional: [INotebookTree, ITranslator, ISweepsManager, ISchedulesManager],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    tree: INotebookTree | null,
    translator: ITranslator | null,
    sweeps: ISweepsManager | null,
    schedules: ISchedulesManager | null
  ): void => {
    if (!tree) {
      return;
    }
    translator = translator ?? nullTranslator;
    const trans = translator.load(DOMAIN);
    const panel = new JobsPanel({
      // The sidebar's panel exists in this page too, hidden: its own id.
      id: 'jupyter-jobs-tree-panel',
      manager,
      sweeps,
      schedules,
      commands: app.commands,
      translator
    });
    panel.title.label = trans.__('Jobs');
    tree.addWidget(panel);
    tree.tabBar.addTab(panel.title);
  }
};
