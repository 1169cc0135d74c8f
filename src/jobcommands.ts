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
import {
  closeIcon,
  CommandToolbarButton,
  redoIcon,
  stopIcon
} from '@jupyterlab/ui-components';

import { CommandIDs } from './commands';
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

  const jobArg = (args: any): string => String(args.id ?? '');
  // The arguments of every command acting on one job.
  const jobIdArgs = {
    args: {
      type: 'object' as const,
      properties: {
        id: { type: 'string' as const, description: trans.__('The job id') }
      },
      required: ['id']
    }
  };

  commands.addCommand(CommandIDs.open, {
    describedBy: jobIdArgs,
    label: trans.__('Open Job'),
    execute: args => {
      const id = jobArg(args);
      const existing = tracker.find(w => w.content.jobId === id);
      if (existing) {
        shell.activateById(existing.id);
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
      const widget = new MainAreaWidget({ content });
      widget.id = `jupyter-jobs-view-${id}`;
      widget.addClass('jp-JobViewPanel');
      widget.title.label = manager.get(id)?.name ?? id;
      widget.title.icon = jobsIcon;
      content.title.changed.connect(() => {
        widget.title.label = content.title.label;
        widget.title.caption = content.title.caption;
        widget.title.icon = content.title.icon;
      });
      const toolbarButton = (
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
      toolbarButton('cancel', CommandIDs.cancel, trans.__('Cancel'), stopIcon);
      toolbarButton(
        'open-output',
        CommandIDs.openOutput,
        trans.__('Open output notebook')
      );
      toolbarButton('rerun', CommandIDs.rerun, trans.__('Re-run'), redoIcon);
      toolbarButton('remove', CommandIDs.remove, trans.__('Remove'), closeIcon);
      content.removed.connect(() => widget.close());
      void tracker.add(widget);
      shell.add(widget, 'main');
      shell.activateById(widget.id);
      return widget;
    }
  });

  commands.addCommand(CommandIDs.cancel, {
    describedBy: jobIdArgs,
    label: args => (args.id ? trans.__('Cancel Job') : trans.__('Cancel Job…')),
    caption: trans.__('Cancel the job; its partial output is kept'),
    isEnabled: args => {
      const job = manager.get(jobArg(args));
      return !!job && isActive(job.status) && job.status !== 'cancelling';
    },
    execute: async args => {
      try {
        await manager.cancel(jobArg(args));
      } catch (reason) {
        await showErrorMessage(
          trans.__('The job could not be cancelled'),
          (reason as Error).message ?? String(reason)
        );
      }
    }
  });

  commands.addCommand(CommandIDs.remove, {
    describedBy: jobIdArgs,
    label: trans.__('Remove Job'),
    caption: trans.__('Remove the finished job and its files'),
    isEnabled: args => {
      const job = manager.get(jobArg(args));
      return !!job && isFinal(job.status);
    },
    execute: async args => {
      const { removeJob } = await import('./actions');
      return removeJob(manager, jobArg(args), trans);
    }
  });

  commands.addCommand(CommandIDs.rerun, {
    describedBy: jobIdArgs,
    label: trans.__('Re-run Job'),
    caption: trans.__('Run the job again with the same parameters'),
    isEnabled: args => !!manager.get(jobArg(args)),
    execute: async args => {
      try {
        const job = await manager.rerun(jobArg(args));
        if (settings().revealPanelOnRun) {
          void commands.execute(CommandIDs.showPanel);
        }
        return job;
      } catch (reason) {
        await showErrorMessage(
          trans.__('The job could not be submitted'),
          (reason as Error).message ?? String(reason)
        );
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
      manager.get(jobArg(args))?.status === 'completed' &&
      resultsTarget(notebooks, trans).notebook !== null,
    execute: async args => {
      const id = jobArg(args);
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
        await showErrorMessage(
          title,
          (reason as Error).message ?? String(reason)
        );
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
        await showErrorMessage(
          trans.__('The jobs could not be loaded'),
          (reason as Error).message ?? String(reason)
        );
      }
    }
  });

  manager.changed.connect(() => {
    for (const id of [
      CommandIDs.cancel,
      CommandIDs.remove,
      CommandIDs.rerun,
      CommandIDs.openOutput,
      CommandIDs.insertResultsCode,
      CommandIDs.clearFinished
    ]) {
      commands.notifyCommandChanged(id);
    }
  });
  notebooks?.currentChanged.connect(() => {
    commands.notifyCommandChanged(CommandIDs.insertResultsCode);
  });
}
