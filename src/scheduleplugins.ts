import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
// The schedules manager is provided at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { SchedulesCache } from './schedulecache';
import { DEFAULT_SETTINGS, DOMAIN, watchSettings } from './settings';
import { ISchedulesManager } from './tokens';

/**
 * The schedules manager: the schedule list kept current from the server.
 */
export const schedulesManagerPlugin: JupyterFrontEndPlugin<ISchedulesManager> =
  {
    id: 'jupyter-jobs:schedules-manager',
    description:
      'Provides the schedules manager, which keeps the schedule list current from pushed events with polling as fallback.',
    autoStart: true,
    provides: ISchedulesManager,
    requires: [],
    optional: [ISettingRegistry],
    activate: (
      app: JupyterFrontEnd,
      settingRegistry: ISettingRegistry | null
    ): ISchedulesManager => {
      const cache = new SchedulesCache({
        serverSettings: app.serviceManager.serverSettings,
        events: app.serviceManager.events,
        refreshInterval: DEFAULT_SETTINGS.refreshInterval * 1000
      });
      watchSettings(settingRegistry, values => {
        cache.refreshInterval = values.refreshInterval * 1000;
      });
      void cache.check().catch(reason => {
        console.warn(
          'jupyter-jobs: the schedules service is not reachable',
          reason
        );
      });
      return cache;
    }
  };

/**
 * The commands acting on schedules: pause, resume, run now, delete and
 * refresh (editing is the submit dialog's command).
 */
export const schedulesPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:schedules',
  description:
    'Adds the commands to pause, resume, run now and delete schedules, used by the Schedules section of the Jobs panel.',
  autoStart: true,
  requires: [ISchedulesManager],
  optional: [ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    schedules: ISchedulesManager,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    const { commands } = app;
    const idArgs = {
      args: {
        type: 'object' as const,
        properties: {
          id: {
            type: 'string' as const,
            description: trans.__('The schedule id')
          }
        },
        required: ['id']
      }
    };
    const scheduleArg = (args: any): string => String(args.id ?? '');
    const report = (title: string, reason: unknown) =>
      showErrorMessage(title, (reason as Error).message ?? String(reason));

    commands.addCommand(CommandIDs.pauseSchedule, {
      describedBy: idArgs,
      label: trans.__('Pause Schedule'),
      caption: trans.__('Stop firing the schedule until it is resumed'),
      isEnabled: args => schedules.get(scheduleArg(args))?.paused === false,
      execute: async args => {
        try {
          return await schedules.setPaused(scheduleArg(args), true);
        } catch (reason) {
          await report(trans.__('The schedule could not be paused'), reason);
        }
      }
    });

    commands.addCommand(CommandIDs.resumeSchedule, {
      describedBy: idArgs,
      label: trans.__('Resume Schedule'),
      caption: trans.__('Fire the schedule again from its next run time'),
      isEnabled: args => schedules.get(scheduleArg(args))?.paused === true,
      execute: async args => {
        try {
          return await schedules.setPaused(scheduleArg(args), false);
        } catch (reason) {
          await report(trans.__('The schedule could not be resumed'), reason);
        }
      }
    });

    commands.addCommand(CommandIDs.runSchedule, {
      describedBy: idArgs,
      label: trans.__('Run Schedule Now'),
      caption: trans.__('Submit a job from the schedule now'),
      isEnabled: args => !!schedules.get(scheduleArg(args)),
      execute: async args => {
        try {
          return await schedules.runNow(scheduleArg(args));
        } catch (reason) {
          await report(trans.__('The schedule could not be run'), reason);
        }
      }
    });

    commands.addCommand(CommandIDs.removeSchedule, {
      describedBy: idArgs,
      label: trans.__('Delete Schedule…'),
      caption: trans.__('Delete the schedule; the jobs it fired stay'),
      isEnabled: args => !!schedules.get(scheduleArg(args)),
      execute: async args => {
        const id = scheduleArg(args);
        const schedule = schedules.get(id);
        if (!schedule) {
          return;
        }
        const answer = await showDialog({
          title: trans.__('Delete schedule'),
          body: trans.__(
            'Delete the schedule “%1”? It will not fire again; the jobs it fired stay.',
            schedule.name
          ),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({ label: trans.__('Delete') })
          ]
        });
        if (!answer.button.accept) {
          return;
        }
        try {
          await schedules.remove(id);
        } catch (reason) {
          await report(trans.__('The schedule could not be deleted'), reason);
        }
      }
    });

    commands.addCommand(CommandIDs.refreshSchedules, {
      describedBy: { args: { type: 'object', properties: {} } },
      label: trans.__('Refresh Schedules'),
      caption: trans.__('Reload the schedule list from the server'),
      execute: async () => {
        try {
          await schedules.refresh();
        } catch (reason) {
          await report(trans.__('The schedules could not be loaded'), reason);
        }
      }
    });

    schedules.changed.connect(() => {
      for (const id of [
        CommandIDs.pauseSchedule,
        CommandIDs.resumeSchedule,
        CommandIDs.runSchedule,
        CommandIDs.removeSchedule
      ]) {
        commands.notifyCommandChanged(id);
      }
    });

    palette?.addItem({
      command: CommandIDs.refreshSchedules,
      category: trans.__('Background Jobs')
    });
  }
};
