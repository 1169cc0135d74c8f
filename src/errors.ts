import { showErrorMessage } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';

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
 * Tell the user an action failed, with the server's message.
 */
export function reportError(title: string, reason: unknown): Promise<void> {
  const message = (reason as Error)?.message ?? String(reason ?? '');
  return showErrorMessage(title, String(message));
}
