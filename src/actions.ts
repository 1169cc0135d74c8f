import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { TranslationBundle } from '@jupyterlab/translation';

import { hasStatus } from './errors';
import { removeOrAskToForce } from './forceremove';
import { IJob, IJobsManager } from './tokens';

// Kept here for the modules that imported them from the actions.
export { hasStatus, reportError } from './errors';

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
 * Remove a job; when the server refuses because its output was never opened
 * (409), ask before removing it anyway.
 *
 * @returns whether the job was removed.
 */
export function removeJob(
  manager: IJobsManager,
  id: string,
  trans: TranslationBundle
): Promise<boolean> {
  return removeOrAskToForce({
    remove: force => manager.remove(id, force),
    question: {
      title: trans.__('Remove job?'),
      body: trans.__(
        'The output of “%1” was never opened. Remove the job and its output anyway?',
        manager.get(id)?.name ?? id
      )
    },
    failedTitle: trans.__('The job could not be removed'),
    trans
  });
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
