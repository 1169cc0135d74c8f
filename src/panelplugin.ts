import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
// The panel and the commands are added at activation: needed at once.
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { addJobCommands } from './jobcommands';
import type { JobView } from './jobview';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { JobsPanel } from './panel';
import { DEFAULT_SETTINGS, DOMAIN, watchSettings } from './settings';
import { IJobsManager, ISchedulesManager, ISweepsManager } from './tokens';

/**
 * The Jobs panel, the job views and the job commands.
 */
export const panelPlugin: JupyterFrontEndPlugin<void> = {
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
    ISchedulesManager,
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
    schedules: ISchedulesManager | null,
    editorServices: IEditorServices | null
  ): void => {
    translator = translator ?? nullTranslator;
    const trans = translator.load(DOMAIN);
    const { commands, shell } = app;
    let settings = { ...DEFAULT_SETTINGS };

    const panel = new JobsPanel({
      manager,
      sweeps,
      schedules,
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

    commands.addCommand(CommandIDs.showPanel, {
      describedBy: { args: { type: 'object', properties: {} } },
      label: trans.__('Show Jobs Panel'),
      execute: () => shell.activateById(panel.id)
    });

    addJobCommands(app, {
      manager,
      rendermime,
      translator,
      tracker,
      settings: () => settings,
      docManager,
      notebooks,
      editorServices
    });

    if (palette) {
      for (const command of [
        CommandIDs.showPanel,
        CommandIDs.refresh,
        CommandIDs.clearFinished
      ]) {
        palette.addItem({ command, category: trans.__('Background Jobs') });
      }
    }
  }
};
