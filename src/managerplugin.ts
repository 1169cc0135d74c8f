import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

// The jobs manager is provided at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { JobsCache } from './jobcache';
import { DEFAULT_SETTINGS, watchSettings } from './settings';
import { IJobsManager } from './tokens';

/**
 * The jobs manager: the job list kept current from the server.
 */
export const managerPlugin: JupyterFrontEndPlugin<IJobsManager> = {
  id: 'jupyter-jobs:manager',
  description:
    'Provides the jobs manager, which keeps the job list current from the server push channel with polling as fallback.',
  autoStart: true,
  provides: IJobsManager,
  requires: [],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null
  ): IJobsManager => {
    const cache = new JobsCache({
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events,
      refreshInterval: DEFAULT_SETTINGS.refreshInterval * 1000
    });
    watchSettings(settingRegistry, values => {
      cache.refreshInterval = values.refreshInterval * 1000;
    });
    void cache.refresh().catch(reason => {
      console.warn(
        'jupyter-jobs: the jobs service is not reachable (is the jupyter_jobs server extension enabled?)',
        reason
      );
    });
    return cache;
  }
};
