import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { Contents, KernelSpec, ServerConnection } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';

import { reportError, saveFirst } from './actions';
import { IKernelChoice, SubmitJobForm, SubmitRequest } from './dialog';
import {
  fromNotebookParameter,
  INotebookParameter,
  IParameter
} from './parameters';
import { RetryFields } from './retryfields';
import { requestAPI } from './request';
import { SchedulesClient } from './scheduleclient';
import { ScheduleFields } from './schedulefields';
import {
  IBackendList,
  IJob,
  IJobsManager,
  ISchedule,
  IScheduleRequest,
  ISweep,
  ISweepRequest,
  ISweepsManager
} from './tokens';

/**
 * The options of `runAsJob`.
 */
export interface IRunOptions {
  /**
   * The file to run, relative to the server root.
   */
  path: string;
  /**
   * The jobs manager.
   */
  manager: IJobsManager;
  /**
   * The sweeps manager: without it the dialog offers no grid.
   */
  sweeps?: ISweepsManager | null;
  /**
   * The contents manager (its server settings reach the REST API).
   */
  contents: Contents.IManager;
  /**
   * The kernel specs, to choose a kernel.
   */
  kernelspecs: KernelSpec.IManager | null;
  /**
   * The open document of the file, if any (to offer saving first).
   */
  context?: DocumentRegistry.Context | null;
  /**
   * The translation bundle.
   */
  trans: TranslationBundle;
  /**
   * The application translator, passed to the dialog.
   */
  translator?: ITranslator;
  /**
   * A job to start from: the dialog is prefilled with its name, parameters,
   * backend, resources and kernel (to run it again with changes).
   */
  from?: IJob | null;
  /**
   * Resources that replace the job's (e.g. the memory its view proposes).
   */
  resources?: { [name: string]: any };
}

/**
 * Run a notebook or a script as a background job: save first if needed,
 * show the dialog, then submit the job, the sweep or the schedule it
 * describes.
 *
 * @returns the new job (or sweep, or schedule), or null if the user
 *   cancelled.
 */
export async function runAsJob(
  options: IRunOptions
): Promise<IJob | ISweep | ISchedule | null> {
  const { path, manager, trans } = options;
  if (!(await saveFirst(options.context, trans))) {
    return null;
  }
  const settings = options.contents.serverSettings;
  const inputs = await Private.dialogInputs(
    path,
    manager,
    options.contents,
    options.kernelspecs,
    trans
  );
  if (!inputs) {
    return null;
  }
  const schedules = new SchedulesClient({ serverSettings: settings });
  const from = options.from ?? null;
  const form = new SubmitJobForm({
    ...inputs,
    path,
    name: from?.name ?? PathExt.basename(path, PathExt.extname(path)),
    ...(from
      ? {
          initialValues: from.parameters,
          initialResources: { ...from.resources, ...options.resources },
          initialBackend: from.backend,
          initialKernel: from.kernel_name ?? null
        }
      : {}),
    allowGrid: !!options.sweeps,
    activeJobs: manager.jobs.filter(RetryFields.isActive),
    preview: (cron, timezone) => schedules.preview(cron, timezone),
    translator: options.translator
  });
  const request = await Private.show(
    form,
    trans.__('Run as Background Job'),
    trans
  );
  if (!request) {
    return null;
  }
  if ('cron' in request) {
    try {
      const schedule = await schedules.create(request);
      Private.notifyScheduled(schedule, trans, false);
      return schedule;
    } catch (reason) {
      await reportError(trans.__('The schedule could not be created'), reason);
      return null;
    }
  }
  if ('grid' in request && options.sweeps) {
    try {
      return await options.sweeps.submit(request as ISweepRequest);
    } catch (reason) {
      await reportError(trans.__('The sweep could not be submitted'), reason);
      return null;
    }
  }
  try {
    return await manager.submit(request);
  } catch (reason) {
    await reportError(trans.__('The job could not be submitted'), reason);
    return null;
  }
}

/**
 * The options of `editSchedule`.
 */
export interface IEditScheduleOptions {
  /**
   * The schedule's id.
   */
  id: string;
  /**
   * The jobs manager (for the backends).
   */
  manager: IJobsManager;
  /**
   * The contents manager (its server settings reach the REST API).
   */
  contents: Contents.IManager;
  /**
   * The kernel specs, to choose a kernel.
   */
  kernelspecs: KernelSpec.IManager | null;
  /**
   * The translation bundle.
   */
  trans: TranslationBundle;
  /**
   * The application translator, passed to the dialog.
   */
  translator?: ITranslator;
}

/**
 * Edit a schedule in the submit dialog, prefilled from it, and save the
 * changes (PATCH); with "Use the file as it is now" its input is frozen
 * anew.
 *
 * @returns the schedule as saved, or null if the user cancelled.
 */
export async function editSchedule(
  options: IEditScheduleOptions
): Promise<ISchedule | null> {
  const { id, trans } = options;
  const schedules = new SchedulesClient({
    serverSettings: options.contents.serverSettings
  });
  let schedule: ISchedule;
  try {
    schedule = await schedules.get(id);
  } catch (reason) {
    await reportError(trans.__('Cannot read the schedule'), reason);
    return null;
  }
  const inputs = await Private.dialogInputs(
    schedule.path,
    options.manager,
    options.contents,
    options.kernelspecs,
    trans
  );
  if (!inputs) {
    return null;
  }
  const form = new SubmitJobForm({
    ...inputs,
    path: schedule.path,
    name: schedule.name,
    initialValues: schedule.parameters,
    initialResources: schedule.resources,
    initialBackend: schedule.backend,
    initialKernel: schedule.kernel_name ?? null,
    schedule,
    preview: (cron, timezone) => schedules.preview(cron, timezone),
    translator: options.translator
  });
  const refreeze = Private.refreezeChoice(trans);
  form.node.appendChild(refreeze.node);
  const request = await Private.show(
    form,
    trans.__('Edit Schedule “%1”', schedule.name),
    trans,
    trans.__('Save')
  );
  if (!request || !('cron' in request)) {
    return null;
  }
  const changes: Partial<IScheduleRequest> = { ...request };
  if (!refreeze.input.checked) {
    delete changes.path;
  }
  // Every field the form shows is sent: a resource or parameter removed in
  // the form is removed from the schedule.
  changes.parameters = request.parameters ?? {};
  changes.resources = request.resources ?? {};
  try {
    const saved = await schedules.update(id, changes);
    Private.notifyScheduled(saved, trans, true);
    return saved;
  } catch (reason) {
    await reportError(trans.__('The schedule could not be saved'), reason);
    return null;
  }
}

/**
 * The parameters the server reads from a notebook (papermill's
 * `inspect_notebook`), as the dialog shows them.
 */
export async function notebookParameters(
  path: string,
  settings: ServerConnection.ISettings
): Promise<IParameter[]> {
  const query = new URLSearchParams({ path });
  const answer = await requestAPI<{ parameters: INotebookParameter[] }>(
    `parameters?${query.toString()}`,
    settings,
    { method: 'GET' }
  );
  return (answer?.parameters ?? []).map(fromNotebookParameter);
}

/**
 * A namespace for private helpers.
 */
namespace Private {
  /**
   * What the dialog needs to know about a file and the server.
   */
  export interface IDialogInputs {
    kind: 'notebook' | 'script';
    parameters?: IParameter[];
    backends: IBackendList | null;
    kernels: IKernelChoice[] | null;
    notebookKernel: string | null;
  }

  /**
   * Read a file's parameters and kernel, the backends and the kernels;
   * null (after telling the user) if the file cannot be read.
   */
  export async function dialogInputs(
    path: string,
    manager: IJobsManager,
    contents: Contents.IManager,
    kernelspecs: KernelSpec.IManager | null,
    trans: TranslationBundle
  ): Promise<IDialogInputs | null> {
    const kind =
      PathExt.extname(path).toLowerCase() === '.ipynb' ? 'notebook' : 'script';
    let parameters: IParameter[] | undefined = undefined;
    let notebookKernel: string | null = null;
    if (kind === 'notebook') {
      try {
        const [found, model] = await Promise.all([
          notebookParameters(path, contents.serverSettings),
          contents.get(path, { content: true, type: 'notebook' })
        ]);
        parameters = found;
        const spec = model.content?.metadata?.kernelspec;
        notebookKernel = spec?.display_name ?? spec?.name ?? null;
      } catch (reason) {
        await reportError(trans.__('Cannot read %1', path), reason);
        return null;
      }
    }

    let backends: IBackendList | null = null;
    try {
      backends = await manager.backends();
    } catch (reason) {
      console.warn('jupyter-jobs: cannot list backends', reason);
    }

    let kernels: IKernelChoice[] | null = null;
    if (kind === 'notebook' && kernelspecs) {
      try {
        await kernelspecs.ready;
        const specs = kernelspecs.specs?.kernelspecs ?? {};
        kernels = Object.keys(specs)
          .sort()
          .map(name => ({
            name,
            displayName: specs[name]?.display_name ?? name
          }));
      } catch {
        kernels = null;
      }
    }
    return { kind, parameters, backends, kernels, notebookKernel };
  }

  /**
   * Show the dialog; the request, or null if cancelled.
   */
  export async function show(
    form: SubmitJobForm,
    title: string,
    trans: TranslationBundle,
    accept?: string
  ): Promise<SubmitRequest | null> {
    const result = await showDialog({
      title,
      body: form,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: accept ?? trans.__('Run') })
      ],
      focusNodeSelector: 'input',
      defaultButton: 1
    });
    if (!result.button.accept || !result.value) {
      return null;
    }
    return result.value;
  }

  /**
   * The checkbox that freezes a schedule's input anew when it is saved.
   */
  export function refreezeChoice(trans: TranslationBundle): {
    node: HTMLElement;
    input: HTMLInputElement;
  } {
    const node = document.createElement('label');
    node.className = 'jp-JobsSubmitForm-refreeze';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = true;
    node.appendChild(input);
    node.appendChild(
      document.createTextNode(
        trans.__('Use the file as it is now (copy it again for the next runs)')
      )
    );
    return { node, input };
  }

  /**
   * Tell the user a schedule was created or saved, with its next run.
   */
  export function notifyScheduled(
    schedule: ISchedule,
    trans: TranslationBundle,
    edited: boolean
  ): void {
    const next = schedule.next_run_at
      ? ScheduleFields.formatRun(schedule.next_run_at, schedule.timezone)
      : trans.__('none');
    Notification.success(
      edited
        ? trans.__('Schedule “%1” saved; next run: %2', schedule.name, next)
        : trans.__('Schedule “%1” created; next run: %2', schedule.name, next),
      { autoClose: 5000 }
    );
  }
}
