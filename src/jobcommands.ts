import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  MainAreaWidget,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ITranslator } from '@jupyterlab/translation';
import { closeIcon, redoIcon, stopIcon } from '@jupyterlab/ui-components';

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
import { JobView } from './jobview';
import { isActive, isFinal } from './model';
import { insertCodeBelow, resultsTarget } from './results';
import { DOMAIN, ISettingsValues } from './settings';
import { IJobsManager } from './tokens';

/**
 * Add the commands acting on jobs: open, cancel, remove, re-run, open
 * output, insert results code, clear finished, refresh.
 */
export function addJobCommands(
  app: JupyterFrontEnd,
  options: {
    manager: IJobsManager;
    rendermime: IRenderMimeRegistry;
    translator: ITranslator;
    tracker: WidgetTracker<MainAreaWidget<JobView>>;
    settings: () => ISettingsValues;
    docManager: IDocumentManager | null;
    notebooks: INotebookTracker | null;
    editorServices?: IEditorServices | null;
  }
): void {
  const { manager, rendermime, translator, tracker, settings } = options;
  const notebooks = options.notebooks;
  const trans = translator.load(DOMAIN);
  const { commands, shell } = app;

  // The arguments of every command acting on one job.
  const jobIdArgs = itemIdArgs(trans.__('The job id'));

  commands.addCommand(CommandIDs.open, {
    describedBy: jobIdArgs,
    label: trans.__('Open Job'),
    execute: args => {
      const id = itemId(args);
      const existing = activateOpenView(shell, tracker, v => v.jobId === id);
      if (existing) {
        return existing;
      }
      const content = new JobView({
        manager,
        jobId: id,
        rendermime,
        translator,
        maxLines: settings().maxOutputLines,
        editorFactory: options.editorServices?.factoryService.newInlineEditor,
        notebooks,
        commands
      });
      return addItemView(app, {
        content,
        tracker,
        itemId: id,
        widgetId: `jupyter-jobs-view-${id}`,
        className: 'jp-JobViewPanel',
        label: manager.get(id)?.name ?? id,
        icon: jobsIcon,
        buttons: [
          {
            name: 'cancel',
            command: CommandIDs.cancel,
            label: trans.__('Cancel'),
            icon: stopIcon
          },
          {
            name: 'open-output',
            command: CommandIDs.openOutput,
            label: trans.__('Open output notebook')
          },
          {
            name: 'rerun',
            command: CommandIDs.rerun,
            label: trans.__('Re-run'),
            icon: redoIcon
          },
          {
            name: 'remove',
            command: CommandIDs.remove,
            label: trans.__('Remove'),
            icon: closeIcon
          }
        ]
      });
    }
  });

  commands.addCommand(CommandIDs.cancel, {
    describedBy: jobIdArgs,
    label: args => (args.id ? trans.__('Cancel Job') : trans.__('Cancel Job…')),
    caption: trans.__('Cancel the job; its partial output is kept'),
    isEnabled: args => {
      const job = manager.get(itemId(args));
      return !!job && isActive(job.status) && job.status !== 'cancelling';
    },
    execute: async args => {
      try {
        await manager.cancel(itemId(args));
      } catch (reason) {
        await reportError(trans.__('The job could not be cancelled'), reason);
      }
    }
  });

  commands.addCommand(CommandIDs.remove, {
    describedBy: jobIdArgs,
    label: trans.__('Remove Job'),
    caption: trans.__('Remove the finished job and its files'),
    isEnabled: args => {
      const job = manager.get(itemId(args));
      return !!job && isFinal(job.status);
    },
    execute: async args => {
      const { removeJob } = await import('./actions');
      return removeJob(manager, itemId(args), trans);
    }
  });

  commands.addCommand(CommandIDs.rerun, {
    describedBy: jobIdArgs,
    label: trans.__('Re-run Job'),
    caption: trans.__('Run the job again with the same parameters'),
    isEnabled: args => !!manager.get(itemId(args)),
    execute: async args => {
      try {
        const job = await manager.rerun(itemId(args));
        if (settings().revealPanelOnRun) {
          void commands.execute(CommandIDs.showPanel);
        }
        return job;
      } catch (reason) {
        await reportError(trans.__('The job could not be submitted'), reason);
      }
    }
  });

  commands.addCommand(CommandIDs.insertResultsCode, {
    describedBy: jobIdArgs,
    label: trans.__('Insert Code to Load Results'),
    caption: trans.__(
      'Insert the code that loads the results of the job as a new cell below the active cell of the current notebook'
    ),
    isEnabled: args =>
      manager.get(itemId(args))?.status === 'completed' &&
      resultsTarget(notebooks, trans).notebook !== null,
    execute: async args => {
      const id = itemId(args);
      const target = resultsTarget(notebooks, trans);
      const title = trans.__('The results could not be loaded');
      if (!target.notebook) {
        await showErrorMessage(title, target.reason);
        return;
      }
      const notebook = target.notebook;
      try {
        const { load_code } = await manager.fetchResults(id);
        if (!load_code) {
          await showErrorMessage(
            title,
            trans.__('The job has no results to load.')
          );
          return;
        }
        insertCodeBelow(notebook.content, load_code);
        shell.activateById(notebook.id);
        return notebook.content.activeCell;
      } catch (reason) {
        await reportError(title, reason);
      }
    }
  });

  commands.addCommand(CommandIDs.clearFinished, {
    describedBy: { args: { type: 'object', properties: {} } },
    label: trans.__('Clear Finished Jobs'),
    caption: trans.__('Remove every finished job'),
    isEnabled: () => manager.jobs.some(job => isFinal(job.status)),
    execute: async () => {
      const { clearFinished } = await import('./actions');
      return clearFinished(manager, trans);
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    describedBy: { args: { type: 'object', properties: {} } },
    label: trans.__('Refresh Jobs'),
    caption: trans.__('Reload the job list from the server'),
    execute: async () => {
      try {
        await manager.refresh();
      } catch (reason) {
        await reportError(trans.__('The jobs could not be loaded'), reason);
      }
    }
  });

  notifyCommandsOnChange(app, manager.changed, [
    CommandIDs.cancel,
    CommandIDs.remove,
    CommandIDs.rerun,
    CommandIDs.openOutput,
    CommandIDs.insertResultsCode,
    CommandIDs.clearFinished
  ]);
  notebooks?.currentChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.insertResultsCode);
  });
}
