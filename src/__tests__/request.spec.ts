import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';

/**
 * Server settings whose fetch answers with the given body and type.
 */
function settings(
  body: string,
  status = 200,
  contentType = 'application/json'
): ServerConnection.ISettings {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: (async (url: string) => {
      const init: ResponseInit = { status, headers: {} };
      if (contentType) {
        init.headers = { 'Content-Type': contentType };
      }
      return new Response(body || null, init);
    }) as any
  });
}

describe('requestAPI', () => {
  beforeAll(() => {
    if (typeof (globalThis as any).Response === 'undefined') {
      // jsdom has no fetch Response: a minimal one is enough here.
      (globalThis as any).Response = class {
        constructor(
          private _body: string | null,
          init: ResponseInit
        ) {
          this.status = init.status ?? 200;
          this.ok = this.status >= 200 && this.status < 300;
          const headers = new Map(
            Object.entries((init.headers as any) ?? {}).map(([k, v]) => [
              k.toLowerCase(),
              v as string
            ])
          );
          this.headers = {
            get: (k: string) => headers.get(k.toLowerCase()) ?? null
          };
        }
        status: number;
        ok: boolean;
        headers: { get(name: string): string | null };
        statusText = '';
        async text() {
          return this._body ?? '';
        }
      };
    }
  });

  describe('#requestAPI()', () => {
    it('should parse JSON answers', async () => {
      const data = await requestAPI<any>(
        'jobs',
        settings('{"jobs": [], "total": 0}')
      );
      expect(data).toEqual({ jobs: [], total: 0 });
    });

    it('should keep a text answer as text even if it looks like JSON', async () => {
      const data = await requestAPI<any>(
        'jobs/a/output',
        settings('42', 200, 'text/plain; charset=UTF-8')
      );
      expect(data).toBe('42');
    });

    it('should throw a response error with the server message', async () => {
      await expect(
        requestAPI('jobs/x', settings('{"message": "no such job"}', 404))
      ).rejects.toThrow('no such job');
      try {
        await requestAPI('jobs/x', settings('{"message": "busy"}', 409));
      } catch (reason) {
        expect(reason).toBeInstanceOf(ServerConnection.ResponseError);
        expect((reason as ServerConnection.ResponseError).response.status).toBe(
          409
        );
      }
    });

    it('should give undefined for an empty answer', async () => {
      expect(await requestAPI('jobs/a', settings('', 204, ''))).toBeUndefined();
    });
  });
});
