import { TranslationBundle } from '@jupyterlab/translation';

import { removeOrAskToForce } from './forceremove';
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
export function removeSweep(
  sweeps: ISweepsManager,
  id: string,
  trans: TranslationBundle
): Promise<boolean> {
  return removeOrAskToForce({
    remove: force => sweeps.remove(id, force),
    question: {
      title: trans.__('Remove sweep?'),
      body: trans.__(
        'Results of the sweep “%1” were never opened. Remove the sweep, its runs and their outputs anyway?',
        sweeps.get(id)?.name ?? id
      )
    },
    failedTitle: trans.__('The sweep could not be removed'),
    trans
  });
}
