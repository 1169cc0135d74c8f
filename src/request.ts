import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the jupyter-jobs server extension.
 */
export const API_NAMESPACE = 'jupyter-jobs';

/**
 * Call the jupyter-jobs server extension.
 *
 * @param endPoint API end point relative to `{base_url}jupyter-jobs/`,
 *   with its query string if any.
 * @param serverSettings The server settings to use for the request.
 * @param init Initial values for the request.
 * @returns The response body: parsed JSON for a JSON content type, the text
 *   for other types (e.g. text/plain), or `undefined` for an empty body.
 * @throws ServerConnection.NetworkError when the server cannot be reached,
 *   ServerConnection.ResponseError for a non 2xx status (with the server's
 *   `message`).
 */
export async function requestAPI<T>(
  endPoint: string,
  serverSettings: ServerConnection.ISettings,
  init: RequestInit = {}
): Promise<T> {
  const requestUrl = URLExt.join(
    serverSettings.baseUrl,
    API_NAMESPACE,
    endPoint
  );

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      requestUrl,
      init,
      serverSettings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }

  let data: any = await response.text();
  const contentType = response.headers.get('Content-Type') ?? '';
  if (data.length === 0) {
    data = undefined;
  } else if (!contentType || /json/i.test(contentType)) {
    try {
      data = JSON.parse(data);
    } catch {
      // Not JSON after all: keep the text.
    }
  }
  // Other types (a script's text/plain output) stay text, even if they
  // happen to look like JSON.

  if (!response.ok) {
    const message =
      data && typeof data === 'object' && data.message
        ? data.message
        : typeof data === 'string' && data
          ? data
          : undefined;
    throw new ServerConnection.ResponseError(response, message);
  }

  return data as T;
}
