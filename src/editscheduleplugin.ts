import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IJobsManager } from './tokens';

/**
 * The command that edits a schedule in the submit dialog (args: `{id}`);
 * it resolves with the schedule as saved, or null if cancelled.
 */
export const EDIT_SCHEDULE_COMMAND = 'jupyter-jobs:edit-schedule';

/**
 * The schedule editing command: the submit dialog in schedule mode,
 * prefilled from the schedule, saving with PATCH.
 */
export const editSchedulePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:edit-schedule',
  description:
    'Adds the command that edits a schedule (cron, time zone, parameters, resources) in the submit dialog.',
  autoStart: true,
  requires: [IJobsManager],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_jobs');
    app.commands.addCommand(EDIT_SCHEDULE_COMMAND, {
      label: trans.__('Edit Schedule…'),
      caption: trans.__('Change when and how a schedule runs'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: trans.__('The schedule id') }
          },
          required: ['id']
        }
      },
      execute: async args => {
        const id = typeof args.id === 'string' ? args.id : '';
        if (!id) {
          throw new Error(`${EDIT_SCHEDULE_COMMAND} needs a schedule id`);
        }
        const { editSchedule } = await import('./submit');
        return editSchedule({
          id,
          manager,
          contents: app.serviceManager.contents,
          kernelspecs: app.serviceManager.kernelspecs,
          trans,
          translator: translator ?? nullTranslator
        });
      }
    });
  }
};
