import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  Notification,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry, IDocumentWidget } from '@jupyterlab/docregistry';
import {
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IRunningSessionManagers } from '@jupyterlab/running';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  closeIcon,
  CommandToolbarButton,
  redoIcon,
  stopIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { isRunnablePath } from './paths';
import { CommandIDs } from './commands';
import { jobsIcon } from './icons';
import { JobView } from './jobview';
import { outputDocumentPlugin } from './outputdocument';
import { formatDuration, isActive, isFinal, JobsModel } from './model';
import { JobsPanel } from './panel';
import { insertCodeBelow, resultsTarget } from './results';
// The Running sidebar section is registered at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunningJobsManager } from './running';
import { editSchedulePlugin } from './scheduleplugin';
import { sweepsManagerPlugin, sweepViewPlugin } from './sweepplugins';
import { IJobsManager, ISweepsManager } from './tokens';

export * from './tokens';
export { JobsModel } from './model';
export { JobsPanel } from './panel';
export { JobView } from './jobview';
export { JobOutputModel } from './output';
export { JobResultsView } from './results';
export { CommandIDs } from './commands';
export { SweepsClient } from './sweepclient';
export { SweepsCache } from './sweepcache';
export { SweepView } from './sweepview';

/**
 * The id of the plugin that owns the user settings.
 */
const SETTINGS_ID = 'jupyter-jobs:panel';

/**
 * The translation domain.
 */
const DOMAIN = 'jupyter_jobs';

/**
 * The user settings, with their defaults.
 */
interface ISettingsValues {
  notifications: boolean;
  maxOutputLines: number;
  panelSide: 'left' | 'right';
  pageSize: number;
  refreshInterval: number;
  revealPanelOnRun: boolean;
}

const DEFAULT_SETTINGS: ISettingsValues = {
  notifications: true,
  maxOutputLines: 10000,
  panelSide: 'left',
  pageSize: 50,
  refreshInterval: 15,
  revealPanelOnRun: true
};

/**
 * Load the settings and call back now and on every change.
 */
function watchSettings(
  registry: ISettingRegistry | null,
  onChange: (values: ISettingsValues) => void
): void {
  if (!registry) {
    return;
  }
  registry
    .load(SETTINGS_ID)
    .then(settings => {
      const read = () =>
        onChange({
          ...DEFAULT_SETTINGS,
          ...(settings.composite as Partial<ISettingsValues>)
        });
      read();
      settings.changed.connect(read);
    })
    .catch(reason => {
      console.error('jupyter-jobs: cannot load settings', reason);
    });
}

/**
 * The jobs manager: the job list kept current from the server.
 */
const managerPlugin: JupyterFrontEndPlugin<IJobsManager> = {
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
    const model = new JobsModel({
      serverSettings: app.serviceManager.serverSettings,
      events: app.serviceManager.events,
      refreshInterval: DEFAULT_SETTINGS.refreshInterval * 1000
    });
    watchSettings(settingRegistry, values => {
      model.refreshInterval = values.refreshInterval * 1000;
    });
    void model.refresh().catch(reason => {
      console.warn(
        'jupyter-jobs: the jobs service is not reachable (is the jupyter_jobs server extension enabled?)',
        reason
      );
    });
    return model;
  }
};

/**
 * The Jobs panel, the job views and the job commands.
 */
const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:panel',
  description:
    'Adds the Jobs panel to the sidebar, the job output views and the commands to cancel, re-run and remove jobs.',
  autoStart: true,
  requires: [IJobsManager, IRenderMimeRegistry],
  optional: [
    ITranslator,
    ISettingRegistry,
    ILayoutRestorer,
    IDocumentManager,
    ICommandPalette,
    INotebookTracker,
    ISweepsManager,
    IEditorServices
  ],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    rendermime: IRenderMimeRegistry,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    docManager: IDocumentManager | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    sweeps: ISweepsManager | null,
    editorServices: IEditorServices | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load(DOMAIN);
    const { commands, shell } = app;
    const category = trans.__('Background Jobs');
    let settings = { ...DEFAULT_SETTINGS };

    const panel = new JobsPanel({
      manager,
      sweeps,
      commands,
      translator,
      pageSize: settings.pageSize
    });
    shell.add(panel, settings.panelSide, { rank: 600, type: 'Jobs' });
    if (restorer) {
      restorer.add(panel, 'jupyter-jobs-panel');
    }

    const tracker = new WidgetTracker<MainAreaWidget<JobView>>({
      namespace: 'jupyter-jobs-view'
    });
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.open,
        args: widget => ({ id: widget.content.jobId }),
        name: widget => widget.content.jobId
      });
    }

    watchSettings(settingRegistry, values => {
      const moved = values.panelSide !== settings.panelSide;
      settings = values;
      panel.pageSize = values.pageSize;
      if (moved) {
        shell.add(panel, values.panelSide, { rank: 600, type: 'Jobs' });
      }
      tracker.forEach(widget => {
        widget.content.maxLines = values.maxOutputLines;
      });
    });

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
          translator: translator!,
          maxLines: settings.maxOutputLines,
          editorFactory: editorServices?.factoryService.newInlineEditor,
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
        toolbarButton(
          'cancel',
          CommandIDs.cancel,
          trans.__('Cancel'),
          stopIcon
        );
        toolbarButton(
          'open-output',
          CommandIDs.openOutput,
          trans.__('Open output notebook')
        );
        toolbarButton('rerun', CommandIDs.rerun, trans.__('Re-run'), redoIcon);
        toolbarButton(
          'remove',
          CommandIDs.remove,
          trans.__('Remove'),
          closeIcon
        );
        content.removed.connect(() => widget.close());
        void tracker.add(widget);
        shell.add(widget, 'main');
        shell.activateById(widget.id);
        return widget;
      }
    });

    commands.addCommand(CommandIDs.cancel, {
      describedBy: jobIdArgs,
      label: args =>
        args.id ? trans.__('Cancel Job') : trans.__('Cancel Job…'),
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
          if (settings.revealPanelOnRun) {
            shell.activateById(panel.id);
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

    commands.addCommand(CommandIDs.showPanel, {
      describedBy: { args: { type: 'object', properties: {} } },
      label: trans.__('Show Jobs Panel'),
      execute: () => shell.activateById(panel.id)
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

    if (palette) {
      for (const command of [
        CommandIDs.showPanel,
        CommandIDs.refresh,
        CommandIDs.clearFinished
      ]) {
        palette.addItem({ command, category });
      }
    }
  }
};

/**
 * The "Run as Background Job" command in the file browser, the notebook
 * toolbar, the Run menu, the command palette and Python file editors.
 */
const runPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:run',
  description:
    'Adds the "Run as Background Job" command to the file browser, notebook toolbar, Run menu, command palette and Python editors.',
  autoStart: true,
  requires: [IJobsManager],
  optional: [
    ITranslator,
    IDocumentManager,
    IFileBrowserFactory,
    IDefaultFileBrowser,
    ICommandPalette,
    ISettingRegistry,
    ISweepsManager
  ],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    translator: ITranslator | null,
    docManager: IDocumentManager | null,
    browserFactory: IFileBrowserFactory | null,
    defaultBrowser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    sweeps: ISweepsManager | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load(DOMAIN);
    const { commands, shell } = app;
    let reveal = DEFAULT_SETTINGS.revealPanelOnRun;
    watchSettings(settingRegistry, values => {
      reveal = values.revealPanelOnRun;
    });

    /**
     * The file the command acts on, and its open document if any.
     */
    const target = (
      args: any
    ): { path: string; context: DocumentRegistry.Context | null } | null => {
      let path: string | null = args.path ? String(args.path) : null;
      let context: DocumentRegistry.Context | null = null;
      if (!path && args.source === 'filebrowser') {
        const browser = browserFactory?.tracker.currentWidget ?? defaultBrowser;
        if (browser) {
          for (const item of browser.selectedItems()) {
            if (isRunnablePath(item.path)) {
              path = item.path;
              break;
            }
          }
        }
      }
      if (!path && docManager) {
        const widget = shell.currentWidget;
        const current = widget
          ? docManager.contextForWidget(widget)
          : undefined;
        if (current && isRunnablePath(current.path)) {
          path = current.path;
          context = current;
        }
      }
      if (!path || !isRunnablePath(path)) {
        return null;
      }
      if (!context && docManager) {
        const widget = docManager.findWidget(path);
        context = (widget && docManager.contextForWidget(widget)) || null;
      }
      return { path, context };
    };

    commands.addCommand(CommandIDs.run, {
      describedBy: {
        args: {
          type: 'object',
          properties: {
            path: {
              type: 'string',
              description: trans.__(
                'The notebook or script to run, relative to the server root; defaults to the current document'
              )
            },
            source: {
              type: 'string',
              description: trans.__(
                '"filebrowser" to run the file selected in the file browser'
              )
            }
          }
        }
      },
      label: trans.__('Run as Background Job'),
      caption: trans.__(
        'Run this notebook or script as a background job and follow it in the Jobs panel'
      ),
      icon: args => (args.toolbar ? jobsIcon : undefined),
      isEnabled: args => target(args) !== null,
      isVisible: args => args.source === 'filebrowser' || target(args) !== null,
      execute: async args => {
        const found = target(args);
        if (!found) {
          return null;
        }
        const { runAsJob } = await import('./actions');
        const job = await runAsJob({
          path: found.path,
          context: found.context,
          manager,
          sweeps,
          contents: app.serviceManager.contents,
          kernelspecs: app.serviceManager.kernelspecs,
          trans,
          translator: translator!
        });
        if (job && reveal) {
          shell.activateById('jupyter-jobs-panel');
        }
        return job;
      }
    });

    if (palette) {
      palette.addItem({
        command: CommandIDs.run,
        category: trans.__('Background Jobs')
      });
    }

    // A toolbar button for notebooks and Python files.
    const addButton = (
      widget: IDocumentWidget,
      context: DocumentRegistry.Context
    ) => {
      if (!isRunnablePath(context.path)) {
        return;
      }
      const button = new ToolbarButton({
        icon: jobsIcon,
        tooltip: trans.__('Run as Background Job'),
        label: '',
        onClick: () => {
          void commands.execute(CommandIDs.run, { path: context.path });
        }
      });
      widget.disposed.connect(() => button.dispose());
      button.addClass('jp-JobsRunButton');
      button.node.setAttribute('aria-label', trans.__('Run as Background Job'));
      button.node.dataset.command = CommandIDs.run;
      if (
        !widget.toolbar.insertAfter('cellType', 'run-as-background-job', button)
      ) {
        widget.toolbar.addItem('run-as-background-job', button);
      }
    };
    for (const factory of ['Notebook', 'Editor']) {
      app.docRegistry.addWidgetExtension(factory, {
        createNew: (widget: IDocumentWidget, context) => {
          addButton(widget, context as DocumentRegistry.Context);
          return new Widget();
        }
      });
    }
  }
};

/**
 * Notifications when a job completes or fails.
 */
const notificationsPlugin: JupyterFrontEndPlugin<void> = {
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
    manager.statusChanged.connect((_, { job }) => {
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

/**
 * Running jobs in JupyterLab's Running sidebar, where shut down cancels.
 */
const runningPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:running',
  description:
    'Lists the active background jobs in the Running sidebar; shutting one down cancels it.',
  autoStart: true,
  requires: [IJobsManager, IRunningSessionManagers],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    running: IRunningSessionManagers,
    translator: ITranslator | null
  ): void => {
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

const plugins: JupyterFrontEndPlugin<any>[] = [
  managerPlugin,
  panelPlugin,
  runPlugin,
  notificationsPlugin,
  runningPlugin,
  sweepsManagerPlugin,
  sweepViewPlugin,
  outputDocumentPlugin,
  editSchedulePlugin
];

export default plugins;
