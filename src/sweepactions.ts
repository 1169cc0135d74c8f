import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { hasStatus, reportError } from './actions';
import { ISweepsManager } from './tokens';

/**
 * The code that loads a sweep's table into a notebook.
 */
export function sweepLoadCode(id: string): string {
  return [
    'import jupyter_jobs',
    `table = jupyter_jobs.get_sweep(${JSON.stringify(id)}).table()  # a pandas DataFrame when pandas is installed, a list of dicts otherwise`
  ].join('\n');
}

/**
 * Remove a sweep and its runs; when the server refuses because results were
 * never seen (409), show its reason and ask before removing it anyway.
 *
 * @returns whether the sweep was removed.
 */
export async function removeSweep(
  sweeps: ISweepsManager,
  id: string,
  trans: TranslationBundle
): Promise<boolean> {
  try {
    await sweeps.remove(id);
    return true;
  } catch (reason) {
    if (!hasStatus(reason, 409)) {
      await reportError(trans.__('The sweep could not be removed'), reason);
      return false;
    }
    const sweep = sweeps.get(id);
    const answer = await showDialog({
      title: trans.__('Remove sweep?'),
      body: trans.__(
        'Results of the sweep “%1” were never opened. Remove the sweep, its runs and their outputs anyway?',
        sweep?.name ?? id
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
      await sweeps.remove(id, true);
      return true;
    } catch (error) {
      await reportError(trans.__('The sweep could not be removed'), error);
      return false;
    }
  }
}
