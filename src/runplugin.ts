import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  IDefaultFileBrowser,
  IFileBrowserFactory
} from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import type { IRunOptions } from './actions';
import { CommandIDs } from './commands';
import { jobsIcon } from './icons';
import { isRunnablePath } from './paths';
import { DEFAULT_SETTINGS, DOMAIN, watchSettings } from './settings';
import { IJobsManager, ISweepsManager } from './tokens';

/**
 * The "Run as Background Job" command in the file browser, the notebook
 * toolbar, the Run menu, the command palette and Python file editors.
 */
export const runPlugin: JupyterFrontEndPlugin<void> = {
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

    /**
     * The submit dialog for a file (or filled in from a job); what it made,
     * with the Jobs panel shown if the settings say so.
     */
    const openDialog = async (
      options: Pick<IRunOptions, 'path' | 'context' | 'from' | 'resources'>
    ) => {
      const { runAsJob } = await import('./actions');
      const made = await runAsJob({
        ...options,
        manager,
        sweeps,
        contents: app.serviceManager.contents,
        kernelspecs: app.serviceManager.kernelspecs,
        trans,
        translator: translator!
      });
      if (made && reveal) {
        void commands.execute(CommandIDs.showPanel);
      }
      return made;
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
      // The notebook and editor toolbars show the icon only (their button
      // is declared in schema/run.json under `jupyter.lab.toolbars`).
      label: args => (args.toolbar ? '' : trans.__('Run as Background Job')),
      caption: args =>
        args.toolbar
          ? trans.__('Run as Background Job')
          : trans.__(
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
        return openDialog({ path: found.path, context: found.context });
      }
    });

    commands.addCommand(CommandIDs.rerunWithChanges, {
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: trans.__('The job id') },
            resources: {
              type: 'object',
              description: trans.__(
                "Resources replacing the job's in the dialog, e.g. a memory the job view proposes"
              )
            }
          },
          required: ['id']
        }
      },
      label: trans.__('Run Again with Changes…'),
      caption: trans.__(
        'Open the dialog filled in from this job: its file as it is now, its parameters and resources'
      ),
      execute: async args => {
        const id = String(args.id ?? '');
        const job = manager.get(id);
        if (!job) {
          return null;
        }
        // Unless told otherwise, the memory the job's view advises (a job
        // that came close to its --mem, or was killed for it).
        const { memoryAdvice } = await import('./memoryadvice');
        const advice = memoryAdvice(job);
        return openDialog({
          path: job.path,
          from: job,
          resources:
            (args.resources as { [name: string]: any }) ??
            (advice ? { memory: advice.suggested } : undefined)
        });
      }
    });

    // The toolbar buttons show on notebooks and Python files only: whether
    // the command applies depends on the current document.
    shell.currentChanged?.connect(() => {
      commands.notifyCommandChanged(CommandIDs.run);
    });

    if (palette) {
      palette.addItem({
        command: CommandIDs.run,
        category: trans.__('Background Jobs')
      });
    }
  }
};
