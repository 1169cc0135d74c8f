import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { ServerConnection } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';

import { IJob, IJobsManager } from './tokens';

/**
 * Whether an error is an HTTP answer with the given status.
 */
export function hasStatus(reason: unknown, status: number): boolean {
  return (
    reason instanceof ServerConnection.ResponseError &&
    reason.response.status === status
  );
}

/**
 * Offer to save a document with unsaved changes before running it.
 *
 * @returns false if the user cancelled.
 */
export async function saveFirst(
  context: DocumentRegistry.Context | null | undefined,
  trans: TranslationBundle
): Promise<boolean> {
  if (!context || !context.model.dirty) {
    return true;
  }
  const result = await showDialog({
    title: trans.__('Save before running?'),
    body: trans.__(
      '“%1” has unsaved changes. A job runs the file as it is saved on disk.',
      PathExt.basename(context.path)
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({
        label: trans.__('Run Saved Version'),
        accept: false,
        actions: ['run-saved']
      }),
      Dialog.okButton({ label: trans.__('Save and Run') })
    ],
    defaultButton: 2
  });
  if (result.button.accept) {
    await context.save();
    return true;
  }
  return result.button.actions.indexOf('run-saved') !== -1;
}

// The submit dialog's entry point lives with the dialog.
export { IRunOptions, runAsJob } from './submit';

/**
 * Tell the user an action failed, with the server's message.
 */
export function reportError(title: string, reason: unknown): Promise<void> {
  const message =
    reason instanceof Error ? reason.message : String(reason ?? '');
  return showErrorMessage(title, message);
}

/**
 * Remove a job; when the server refuses because its output was never opened
 * (409), ask before removing it anyway.
 *
 * @returns whether the job was removed.
 */
export async function removeJob(
  manager: IJobsManager,
  id: string,
  trans: TranslationBundle
): Promise<boolean> {
  try {
    await manager.remove(id);
    return true;
  } catch (reason) {
    if (!hasStatus(reason, 409)) {
      await reportError(trans.__('The job could not be removed'), reason);
      return false;
    }
    const job = manager.get(id);
    const answer = await showDialog({
      title: trans.__('Remove job?'),
      body: trans.__(
        'The output of “%1” was never opened. Remove the job and its output anyway?',
        job?.name ?? id
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Remove') })
      ]
    });
    if (!answer.button.accept) {
      return false;
    }
    try {
      await manager.remove(id, true);
      return true;
    } catch (error) {
      await reportError(trans.__('The job could not be removed'), error);
      return false;
    }
  }
}

/**
 * Remove every finished job; asks once before removing those whose output
 * was never opened.
 *
 * @returns how many jobs were removed.
 */
export async function clearFinished(
  manager: IJobsManager,
  trans: TranslationBundle
): Promise<number> {
  // The runs of a sweep go with their sweep, not one by one.
  const finished = manager.jobs.filter(
    job =>
      !job.sweep_id &&
      (job.status === 'completed' ||
        job.status === 'failed' ||
        job.status === 'cancelled')
  );
  let removed = 0;
  const unopened: IJob[] = [];
  const errors: string[] = [];
  for (const job of finished) {
    try {
      await manager.remove(job.id);
      removed++;
    } catch (reason) {
      if (hasStatus(reason, 409)) {
        unopened.push(job);
      } else if (!hasStatus(reason, 404)) {
        errors.push(`${job.name}: ${(reason as Error).message}`);
      }
    }
  }
  if (unopened.length > 0) {
    const answer = await showDialog({
      title: trans.__('Remove jobs with unopened output?'),
      body: trans._n(
        'The output of %1 finished job was never opened. Remove it anyway?',
        'The outputs of %1 finished jobs were never opened. Remove them anyway?',
        unopened.length
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Keep Them') }),
        Dialog.warnButton({ label: trans.__('Remove') })
      ]
    });
    if (answer.button.accept) {
      for (const job of unopened) {
        try {
          await manager.remove(job.id, true);
          removed++;
        } catch (reason) {
          if (!hasStatus(reason, 404)) {
            errors.push(`${job.name}: ${(reason as Error).message}`);
          }
        }
      }
    }
  }
  if (errors.length > 0) {
    await showErrorMessage(
      trans.__('Some jobs could not be removed'),
      errors.join('\n')
    );
  }
  return removed;
}
