import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
import { DEFAULT_SETTINGS, DOMAIN, watchSettings } from './settings';
import { IJobsManager } from './tokens';

/**
 * Notifications when a job completes or fails.
 */
export const notificationsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:notifications',
  description:
    'Shows a notification when a background job completes or fails, with an action that opens its output.',
  autoStart: true,
  requires: [IJobsManager],
  optional: [ITranslator, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    let enabled = DEFAULT_SETTINGS.notifications;
    watchSettings(settingRegistry, values => {
      enabled = values.notifications;
    });
    manager.statusChanged.connect(async (_, { job }) => {
      // The runs of a sweep are told about once, by the sweep's notification.
      if (!enabled || job.sweep_id) {
        return;
      }
      const actions = [
        {
          label: trans.__('Open output'),
          caption: trans.__('Open the output notebook of %1', job.name),
          callback: () => {
            void app.commands.execute(CommandIDs.openOutput, { id: job.id });
          }
        },
        {
          label: trans.__('Show job'),
          caption: trans.__('Show the job %1', job.name),
          callback: () => {
            void app.commands.execute(CommandIDs.open, { id: job.id });
          }
        }
      ];
      const { formatDuration } = await import('./model');
      const duration = formatDuration(manager.elapsed(job));
      if (job.status === 'completed') {
        Notification.success(
          trans.__('Job “%1” completed in %2.', job.name, duration),
          { autoClose: 8000, actions }
        );
      } else if (job.status === 'failed') {
        Notification.error(
          trans.__(
            'Job “%1” failed: %2',
            job.name,
            job.error?.message ?? trans.__('unknown error')
          ),
          { autoClose: false, actions }
        );
      }
    });
  }
};
