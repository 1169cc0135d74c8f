import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

/**
 * The jupyter-jobs panel plugin (placeholder while the build lands).
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:panel',
  description: 'Run notebooks and scripts as background jobs.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    console.log('jupyter-jobs is activated');
  }
};

export default plugin;
