import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import {
  NotebookPanel,
  NotebookWidgetFactory,
  StaticNotebook
} from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { saveIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';

import { CommandIDs } from './commands';
import { requestAPI } from './request';
import { IJob, IJobsManager } from './tokens';

/**
 * The name of the read-only drive that serves jobs' outputs: a job's output
 * opens as `JupyterJobsOutput:<job id>/<name>`.
 */
export const OUTPUT_DRIVE_NAME = 'JupyterJobsOutput';

/**
 * The widget factory of output notebooks: read-only and kernel-less.
 */
export const OUTPUT_FACTORY_NAME = 'Job Output Notebook';

/**
 * The class name of the "Save a copy" toolbar button.
 */
export const SAVE_COPY_CLASS = 'jp-JobOutput-saveCopy';

/**
 * The file name a job's output shows under: `<input stem>-output.<ext>`.
 */
export function outputFileName(job: Pick<IJob, 'path' | 'kind'>): string {
  const extension = job.kind === 'notebook' ? '.ipynb' : '.txt';
  const stem = PathExt.basename(job.path, PathExt.extname(job.path));
  return `${stem || 'job'}-output${extension}`;
}

/**
 * The path of a job's output in the output drive.
 */
export function outputDrivePath(job: Pick<IJob, 'id' | 'path' | 'kind'>) {
  return `${OUTPUT_DRIVE_NAME}:${job.id}/${outputFileName(job)}`;
}

/**
 * The candidates for a copy of `name` in `directory`, in order: `name`,
 * then `stem-1.ext`, `stem-2.ext`, ...
 */
export function copyCandidates(
  directory: string,
  name: string,
  count = 100
): string[] {
  const extension = PathExt.extname(name);
  const stem = name.slice(0, name.length - extension.length);
  const candidates = [PathExt.join(directory, name)];
  for (let i = 1; i < count; i++) {
    candidates.push(PathExt.join(directory, `${stem}-${i}${extension}`));
  }
  return candidates;
}

/**
 * A read-only contents drive over `GET jobs/{id}/output`: the output
 * notebook of a job opens in JupyterLab's own notebook widget, wherever the
 * job's directory lies (often outside the server's root).
 */
export class JobOutputDrive implements Contents.IDrive {
  /**
   * Construct the drive.
   */
  constructor(options: { serverSettings?: ServerConnection.ISettings } = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly name = OUTPUT_DRIVE_NAME;
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * Never emitted: outputs are not changed through the drive.
   */
  get fileChanged(): ISignal<this, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  /**
   * Whether the drive is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Dispose the drive.
   */
  dispose(): void {
    this._isDisposed = true;
    Signal.clearData(this);
  }

  /**
   * The output of the job named by the path's first part.
   */
  async get(
    localPath: string,
    options?: Contents.IFetchOptions
  ): Promise<Contents.IModel> {
    const parts = localPath.split('/').filter(part => part);
    if (parts.length < 2) {
      return {
        name: parts[0] ?? '',
        path: localPath,
        type: 'directory',
        writable: false,
        created: '',
        last_modified: '',
        mimetype: '',
        content: options?.content === false ? null : [],
        format: 'json'
      };
    }
    const name = parts[parts.length - 1];
    const notebook = name.endsWith('.ipynb');
    const content =
      options?.content === false
        ? null
        : await requestAPI<any>(
            `jobs/${encodeURIComponent(parts[0])}/output`,
            this.serverSettings
          );
    return {
      name,
      path: localPath,
      type: notebook ? 'notebook' : 'file',
      writable: false,
      created: '',
      last_modified: '',
      mimetype: notebook ? 'application/x-ipynb+json' : 'text/plain',
      content,
      format: content === null ? null : notebook ? 'json' : 'text'
    };
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    const id = localPath.split('/').filter(part => part)[0] ?? '';
    return `${this.serverSettings.baseUrl}jupyter-jobs/jobs/${encodeURIComponent(id)}/output`;
  }

  newUntitled(): Promise<Contents.IModel> {
    return this._readOnly();
  }

  delete(): Promise<void> {
    return this._readOnly();
  }

  rename(): Promise<Contents.IModel> {
    return this._readOnly();
  }

  save(): Promise<Contents.IModel> {
    return this._readOnly();
  }

  copy(): Promise<Contents.IModel> {
    return this._readOnly();
  }

  async createCheckpoint(): Promise<Contents.ICheckpointModel> {
    return this._readOnly();
  }

  async listCheckpoints(): Promise<Contents.ICheckpointModel[]> {
    return [];
  }

  restoreCheckpoint(): Promise<void> {
    return this._readOnly();
  }

  deleteCheckpoint(): Promise<void> {
    return this._readOnly();
  }

  private _readOnly(): Promise<never> {
    return Promise.reject(
      new Error('The output of a job is read-only: save a copy instead.')
    );
  }

  private _fileChanged = new Signal<this, Contents.IChangedArgs>(this);
  private _isDisposed = false;
}

/**
 * Write a notebook next to a job's input under a free name (never over an
 * existing file), through the contents manager; the path written.
 */
export async function saveOutputCopy(
  contents: Contents.IManager,
  job: Pick<IJob, 'path' | 'kind'>,
  notebook: any
): Promise<string> {
  const directory = PathExt.dirname(job.path);
  for (const candidate of copyCandidates(directory, outputFileName(job))) {
    try {
      await contents.get(candidate, { content: false });
      continue; // taken
    } catch (reason) {
      if ((reason as ServerConnection.ResponseError).response?.status !== 404) {
        throw reason;
      }
    }
    await contents.save(candidate, {
      type: 'notebook',
      format: 'json',
      content: notebook
    });
    return candidate;
  }
  throw new Error(`No free name for a copy in ${directory || '/'}`);
}

/**
 * Opens a job's output in JupyterLab's notebook widget, read-only and
 * without a kernel, with a "Save a copy" toolbar button that writes it next
 * to the input and opens the copy as an ordinary notebook.
 */
export const outputDocumentPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-jobs:output-document',
  description:
    "Opens a job's output notebook read-only and kernel-less in the notebook widget, with a button that saves a copy next to the input.",
  autoStart: true,
  requires: [
    IJobsManager,
    IDocumentManager,
    IEditorServices,
    IRenderMimeRegistry
  ],
  optional: [ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: IJobsManager,
    docManager: IDocumentManager,
    editorServices: IEditorServices,
    rendermime: IRenderMimeRegistry,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyter_jobs');
    const contents = app.serviceManager.contents;
    contents.addDrive(
      new JobOutputDrive({ serverSettings: app.serviceManager.serverSettings })
    );

    const jobOf = (panel: NotebookPanel): IJob | undefined => {
      const local = contents.localPath(panel.context.path);
      return manager.get(local.split('/')[0]);
    };

    const saveCopy = async (panel: NotebookPanel) => {
      const job = jobOf(panel);
      if (!job || !panel.context.model) {
        return;
      }
      try {
        const path = await saveOutputCopy(
          contents,
          job,
          panel.context.model.toJSON()
        );
        Notification.success(trans.__('Saved a copy as %1', path), {
          autoClose: 5000
        });
        return docManager.openOrReveal(path);
      } catch (reason) {
        await showErrorMessage(
          trans.__('The copy could not be saved'),
          (reason as Error).message ?? String(reason)
        );
      }
    };

    const factory = new NotebookWidgetFactory({
      name: OUTPUT_FACTORY_NAME,
      label: trans.__('Job Output (read-only)'),
      // Opened by name only: not offered under "Open With" for every notebook.
      fileTypes: [],
      modelName: 'notebook',
      readOnly: true,
      preferKernel: false,
      canStartKernel: false,
      rendermime,
      contentFactory: new NotebookPanel.ContentFactory({
        editorFactory: editorServices.factoryService.newInlineEditor
      }),
      mimeTypeService: editorServices.mimeTypeService,
      editorConfig: StaticNotebook.defaultEditorConfig,
      notebookConfig: StaticNotebook.defaultNotebookConfig,
      translator: translator ?? nullTranslator,
      toolbarFactory: (panel: NotebookPanel) => {
        const button = new ToolbarButton({
          className: SAVE_COPY_CLASS,
          icon: saveIcon,
          label: trans.__('Save a copy'),
          tooltip: trans.__(
            'Save this output as a new notebook next to the input and open it'
          ),
          onClick: () => void saveCopy(panel)
        });
        return [{ name: 'save-copy', widget: button }];
      }
    });
    factory.widgetCreated.connect((_, panel) => {
      panel.addClass('jp-JobOutputNotebook');
      void panel.context.ready.then(() => {
        panel.context.model.readOnly = true;
        const lock = () =>
          panel.content.widgets.forEach(cell => (cell.readOnly = true));
        lock();
        panel.content.model?.cells.changed.connect(lock);
      });
    });
    app.docRegistry.addWidgetFactory(factory);

    app.commands.addCommand(CommandIDs.openOutput, {
      label: trans.__('Open Output Notebook'),
      caption: trans.__("Open the job's output (partial while it runs)"),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            id: { type: 'string', description: trans.__('The job id') }
          },
          required: ['id']
        }
      },
      isEnabled: args => !!manager.get(String(args.id ?? ''))?.output_path,
      execute: async args => {
        const job = manager.get(String(args.id ?? ''));
        if (!job || !job.output_path) {
          return;
        }
        try {
          const widget = docManager.openOrReveal(
            outputDrivePath(job),
            job.kind === 'notebook' ? OUTPUT_FACTORY_NAME : 'Editor'
          );
          if (widget) {
            widget.title.caption = trans.__(
              'Read-only output of job “%1”: %2',
              job.name,
              job.output_path
            );
          }
          return widget;
        } catch (reason) {
          await showErrorMessage(
            trans.__('The output could not be opened'),
            (reason as Error).message ?? String(reason)
          );
        }
      }
    });
  }
};
