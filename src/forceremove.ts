import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { hasStatus, reportError } from './errors';

/**
 * Remove something the server keeps until its results were seen: when the
 * server refuses (409), ask before removing it anyway with `force`.
 *
 * @returns whether it was removed.
 */
export async function removeOrAskToForce(options: {
  /**
   * Remove it, forced or not.
   */
  remove: (force: boolean) => Promise<void>;
  /**
   * The title of the question and the body that says what would be lost.
   */
  question: { title: string; body: string };
  /**
   * The title of the error shown when removing fails.
   */
  failedTitle: string;
  trans: TranslationBundle;
}): Promise<boolean> {
  const { remove, question, failedTitle, trans } = options;
  try {
    await remove(false);
    return true;
  } catch (reason) {
    if (!hasStatus(reason, 409)) {
      await reportError(failedTitle, reason);
      return false;
    }
  }
  const answer = await showDialog({
    title: question.title,
    body: question.body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Remove') })
    ]
  });
  if (!answer.button.accept) {
    return false;
  }
  try {
    await remove(true);
    return true;
  } catch (error) {
    await reportError(failedTitle, error);
    return false;
  }
}
