import { Signal } from '@lumino/signaling';

import { JobsCache } from '../jobcache';
import {
  compareNewestFirst,
  formatDuration,
  JOB_EVENT_SCHEMA_ID,
  parseTime
} from '../model';
import { IJob, IJobStatusChange, JobStatus } from '../tokens';

/**
 * A job as the server would answer it.
 */
function makeJob(id: string, overrides: Partial<IJob> = {}): IJob {
  return {
    id,
    name: `job ${id}`,
    path: `work/${id}.ipynb`,
    kind: 'notebook',
    backend: 'local',
    status: 'queued',
    parameters: {},
    created_at: '2026-01-01T10:00:00Z',
    started_at: null,
    finished_at: null,
    progress: { done: 0, total: 3 },
    error: null,
    output_path: `work/${id}-output.ipynb`,
    ...overrides
  };
}

/**
 * An in-memory stand-in for the REST API, recording the requests it gets.
 */
class FakeServer {
  jobs: IJob[] = [];
  requests: { endPoint: string; method: string; body?: any }[] = [];
  nextId = 100;

  down = false;

  request = async (endPoint: string, init: RequestInit): Promise<any> => {
    if (this.down) {
      throw new Error('Failed to fetch');
    }
    const answer = await this._answer(endPoint, init);
    // Like JSON over HTTP: the model never shares objects with the server.
    return answer === undefined
      ? undefined
      : JSON.parse(JSON.stringify(answer));
  };

  private _answer = async (
    endPoint: string,
    init: RequestInit
  ): Promise<any> => {
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(init.body as string) : undefined;
    this.requests.push({ endPoint, method, body });
    const url = new URL(endPoint, 'http://server/');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'jobs' && parts.length === 1 && method === 'GET') {
      const statuses = url.searchParams.getAll('status');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const matching = this.jobs
        .filter(j => statuses.length === 0 || statuses.includes(j.status))
        .sort(compareNewestFirst);
      return {
        jobs: matching.slice(offset, offset + limit),
        total: matching.length
      };
    }
    if (parts[0] === 'jobs' && parts.length === 1 && method === 'POST') {
      const job = makeJob(String(this.nextId++), {
        name: body.name,
        path: body.path,
        backend: body.backend ?? 'local',
        parameters: body.parameters ?? {},
        resources: body.resources ?? {},
        kernel_name: body.kernel_name ?? null,
        created_at: '2026-01-02T00:00:00Z'
      });
      this.jobs.push(job);
      return job;
    }
    const job = this.jobs.find(j => j.id === decodeURIComponent(parts[1]));
    if (!job) {
      throw new Error('404');
    }
    if (parts[2] === 'cancel') {
      job.status = 'cancelling';
      return { ...job };
    }
    if (method === 'DELETE') {
      this.jobs = this.jobs.filter(j => j !== job);
      return undefined;
    }
    if (parts[2] === 'results') {
      return {
        results: [{ name: 'accuracy', format: 'json', size: 4, type: 'float' }],
        load_code: job.status === 'completed' ? 'import jupyter_jobs\n' : null
      };
    }
    if (parts[2] === 'log') {
      return { events: [], next: 0 };
    }
    return { ...job };
  };
}

describe('JobsCache', () => {
  let server: FakeServer;
  let model: JobsCache;

  beforeEach(() => {
    server = new FakeServer();
    model = new JobsCache({ request: server.request, refreshInterval: 0 });
  });

  afterEach(() => {
    model.dispose();
  });

  describe('#constructor()', () => {
    it('should start empty and not ready', () => {
      expect(model.jobs).toEqual([]);
      expect(model.isReady).toBe(false);
    });
  });

  describe('#refresh()', () => {
    it('should load every page of jobs, newest first', async () => {
      const paged = new JobsCache({
        request: server.request,
        refreshInterval: 0,
        pageSize: 2
      });
      for (let i = 0; i < 5; i++) {
        server.jobs.push(
          makeJob(`j${i}`, { created_at: `2026-01-01T10:00:0${i}Z` })
        );
      }
      await paged.refresh();
      expect(paged.isReady).toBe(true);
      expect(paged.jobs.map(j => j.id)).toEqual(['j4', 'j3', 'j2', 'j1', 'j0']);
      expect(
        server.requests.filter(r => r.endPoint.startsWith('jobs?')).length
      ).toBe(3);
      paged.dispose();
    });

    it('should emit changed once loaded', async () => {
      server.jobs.push(makeJob('a'));
      let count = 0;
      model.changed.connect(() => count++);
      await model.refresh();
      expect(count).toBe(1);
    });

    it('should drop jobs the server no longer has', async () => {
      server.jobs.push(makeJob('a'), makeJob('b'));
      await model.refresh();
      server.jobs = server.jobs.filter(j => j.id !== 'a');
      await model.refresh();
      expect(model.jobs.map(j => j.id)).toEqual(['b']);
    });

    it('should report status changes of known jobs', async () => {
      server.jobs.push(makeJob('a', { status: 'running' }));
      await model.refresh();
      const changes: IJobStatusChange[] = [];
      model.statusChanged.connect((_, change) => changes.push(change));
      server.jobs[0].status = 'completed';
      await model.refresh();
      expect(changes.length).toBe(1);
      expect(changes[0].previous).toBe('running');
      expect(changes[0].job.status).toBe('completed');
    });
  });

  describe('#check()', () => {
    it('should reload the whole list once the server is back', async () => {
      server.jobs.push(makeJob('a', { status: 'running' }), makeJob('b'));
      await model.check();
      expect(model.jobs.map(j => j.id).sort()).toEqual(['a', 'b']);

      // The server goes away; meanwhile jobs finish, vanish and appear.
      server.down = true;
      await expect(model.check()).rejects.toThrow('Failed to fetch');
      expect(model.lastError).toBe('Failed to fetch');
      server.down = false;
      server.jobs = [
        makeJob('a', { status: 'completed' }),
        makeJob('c', { created_at: '2026-01-01T11:00:00Z' })
      ];

      await model.check();
      expect(model.lastError).toBeNull();
      expect(model.jobs.map(j => [j.id, j.status])).toEqual([
        ['c', 'queued'],
        ['a', 'completed']
      ]);
    });

    it('should follow active jobs that left the newest page', async () => {
      for (let i = 0; i < 150; i++) {
        server.jobs.push(
          makeJob(`n${i}`, {
            status: 'completed',
            created_at: '2026-01-02T00:00:00Z'
          })
        );
      }
      server.jobs.push(makeJob('old', { status: 'running' }));
      await model.check();
      server.jobs.find(j => j.id === 'old')!.status = 'failed';
      await model.check();
      expect(model.get('old')?.status).toBe('failed');
      expect(model.jobs.length).toBe(151);
    });
  });

  describe('#handleEvent()', () => {
    const updated = (job: IJob) => ({
      schema_id: JOB_EVENT_SCHEMA_ID,
      action: 'updated',
      job
    });

    it('should add a job pushed by the server', () => {
      let count = 0;
      model.changed.connect(() => count++);
      model.handleEvent(updated(makeJob('a')));
      expect(model.get('a')?.status).toBe('queued');
      expect(count).toBe(1);
    });

    it('should follow a job through its states', () => {
      const statuses: [JobStatus, JobStatus][] = [];
      model.statusChanged.connect((_, { job, previous }) =>
        statuses.push([previous, job.status])
      );
      model.handleEvent(updated(makeJob('a')));
      model.handleEvent(
        updated(
          makeJob('a', {
            status: 'running',
            started_at: '2026-01-01T10:00:01Z'
          })
        )
      );
      model.handleEvent(
        updated(
          makeJob('a', {
            status: 'running',
            started_at: '2026-01-01T10:00:01Z',
            progress: { done: 2, total: 3 }
          })
        )
      );
      model.handleEvent(
        updated(
          makeJob('a', {
            status: 'completed',
            started_at: '2026-01-01T10:00:01Z',
            finished_at: '2026-01-01T10:00:09Z',
            progress: { done: 3, total: 3 }
          })
        )
      );
      expect(statuses).toEqual([
        ['queued', 'running'],
        ['running', 'completed']
      ]);
      expect(model.get('a')?.progress).toEqual({ done: 3, total: 3 });
    });

    it('should not move a finished job back to an active state', () => {
      model.handleEvent(updated(makeJob('a', { status: 'failed' })));
      model.handleEvent(updated(makeJob('a', { status: 'running' })));
      expect(model.get('a')?.status).toBe('failed');
    });

    it('should not emit changed for an identical update', () => {
      model.handleEvent(updated(makeJob('a')));
      let count = 0;
      model.changed.connect(() => count++);
      model.handleEvent(updated(makeJob('a')));
      expect(count).toBe(0);
    });

    it('should remove a job', () => {
      model.handleEvent(updated(makeJob('a')));
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'removed',
        job_id: 'a'
      });
      expect(model.get('a')).toBeUndefined();
      expect(model.jobs.length).toBe(0);
    });

    it('should relay log events', () => {
      const chunks: any[] = [];
      model.logReceived.connect((_, chunk) => chunks.push(chunk));
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'log',
        job_id: 'a',
        events: [{ seq: 1, time: '2026-01-01T10:00:00Z', type: 'status' }],
        next: 1
      });
      expect(chunks).toEqual([
        {
          jobId: 'a',
          events: [{ seq: 1, time: '2026-01-01T10:00:00Z', type: 'status' }],
          next: 1
        }
      ]);
    });

    it('should ignore events of other schemas', () => {
      model.handleEvent({
        schema_id:
          'https://events.jupyter.org/jupyter_server/contents_service/actions/v1',
        action: 'updated',
        job: makeJob('a')
      });
      expect(model.jobs.length).toBe(0);
    });

    it('should listen to the event stream it is given', () => {
      const stream = new Signal<any, any>({});
      const pushed = new JobsCache({
        request: server.request,
        refreshInterval: 0,
        events: { stream }
      });
      stream.emit(updated(makeJob('z')));
      expect(pushed.get('z')).toBeDefined();
      pushed.dispose();
      stream.emit(updated(makeJob('y')));
      expect(pushed.get('y')).toBeUndefined();
    });
  });

  describe('#jobs', () => {
    it('should order jobs newest first', () => {
      const times = ['2026-01-01T10:00:05Z', '2026-01-03T00:00:00Z'];
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: makeJob('old', { created_at: times[0] })
      });
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: makeJob('new', { created_at: times[1] })
      });
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: makeJob('middle', { created_at: '2026-01-02T00:00:00' })
      });
      expect(model.jobs.map(j => j.id)).toEqual(['new', 'middle', 'old']);
    });
  });

  describe('#elapsed()', () => {
    it('should be null for a job that never started', () => {
      expect(model.elapsed(makeJob('a'))).toBeNull();
    });

    it('should count from the start to now while running', () => {
      const job = makeJob('a', {
        status: 'running',
        started_at: '2026-01-01T10:00:00Z'
      });
      const now = Date.parse('2026-01-01T10:01:05Z');
      expect(model.elapsed(job, now)).toBe(65000);
      expect(model.elapsed(job, now + 1000)).toBe(66000);
    });

    it('should be the duration once finished', () => {
      const job = makeJob('a', {
        status: 'completed',
        started_at: '2026-01-01T10:00:00Z',
        finished_at: '2026-01-01T11:00:30Z'
      });
      expect(model.elapsed(job, Date.parse('2027-01-01T00:00:00Z'))).toBe(
        3630000
      );
    });

    it('should read times without an offset as UTC', () => {
      const job = makeJob('a', {
        status: 'completed',
        started_at: '2026-01-01T10:00:00',
        finished_at: '2026-01-01T10:00:02.5+00:00'
      });
      expect(model.elapsed(job)).toBe(2500);
    });
  });

  describe('#submit()', () => {
    it('should post the request and add the new job', async () => {
      const job = await model.submit({
        path: 'a.ipynb',
        name: 'a',
        parameters: { n: 3, rate: 0.5, label: 'x' }
      });
      expect(server.requests[0].method).toBe('POST');
      expect(server.requests[0].body.parameters).toEqual({
        n: 3,
        rate: 0.5,
        label: 'x'
      });
      expect(model.get(job.id)).toBeDefined();
    });
  });

  describe('#cancel()', () => {
    it('should post to the cancel end point and keep the answer', async () => {
      server.jobs.push(makeJob('a', { status: 'running' }));
      await model.refresh();
      const job = await model.cancel('a');
      expect(job.status).toBe('cancelling');
      expect(model.get('a')?.status).toBe('cancelling');
      expect(server.requests.pop()).toEqual({
        endPoint: 'jobs/a/cancel',
        method: 'POST',
        body: undefined
      });
    });
  });

  describe('#remove()', () => {
    it('should delete the job, with force when asked', async () => {
      server.jobs.push(makeJob('a', { status: 'completed' }));
      await model.refresh();
      await model.remove('a', true);
      expect(server.requests.pop()?.endPoint).toBe('jobs/a?force=true');
      expect(model.get('a')).toBeUndefined();
    });
  });

  describe('#fetchLogTail()', () => {
    it('should ask for the last events, at most as many as the server answers', async () => {
      server.jobs.push(makeJob('a', { status: 'running' }));
      await model.fetchLogTail('a', 300);
      expect(server.requests.pop()?.endPoint).toBe('jobs/a/log?tail=300');
      await model.fetchLogTail('a', 50000);
      expect(server.requests.pop()?.endPoint).toBe('jobs/a/log?tail=10000');
    });
  });

  describe('#fetchResults()', () => {
    it('should answer the results and mark a finished job as fetched', async () => {
      server.jobs.push(makeJob('a', { status: 'completed' }));
      await model.refresh();
      let changes = 0;
      model.changed.connect(() => changes++);
      const answer = await model.fetchResults('a');
      expect(server.requests.pop()?.endPoint).toBe('jobs/a/results');
      expect(answer.results.map(r => r.name)).toEqual(['accuracy']);
      expect(answer.load_code).toBe('import jupyter_jobs\n');
      expect(model.get('a')?.output_fetched).toBe(true);
      expect(changes).toBe(1);
    });

    it('should leave the results unseen when only listing them', async () => {
      server.jobs.push(makeJob('a', { status: 'completed' }));
      await model.refresh();
      await model.fetchResults('a', false);
      expect(server.requests.pop()?.endPoint).toBe(
        'jobs/a/results?mark_seen=false'
      );
      expect(model.get('a')?.output_fetched).toBeFalsy();
    });

    it('should not mark an active job as fetched', async () => {
      server.jobs.push(makeJob('a', { status: 'running' }));
      await model.refresh();
      const answer = await model.fetchResults('a');
      expect(answer.load_code).toBeNull();
      expect(model.get('a')?.output_fetched).toBeFalsy();
    });
  });

  describe('#rerun()', () => {
    it('should submit the same file, parameters and backend again', async () => {
      server.jobs.push(
        makeJob('a', {
          status: 'failed',
          parameters: { n: 1 },
          backend: 'slurm',
          resources: { cpus: 2 },
          kernel_name: 'python3'
        })
      );
      await model.refresh();
      const job = await model.rerun('a');
      expect(job.id).not.toBe('a');
      expect(server.requests.pop()?.body).toEqual({
        path: 'work/a.ipynb',
        name: 'job a',
        backend: 'slurm',
        parameters: { n: 1 },
        resources: { cpus: 2 },
        kernel_name: 'python3'
      });
    });
  });
});

describe('formatDuration()', () => {
  it('should format minutes and seconds', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(65000)).toBe('1:05');
  });

  it('should format hours and days', () => {
    expect(formatDuration(3630000)).toBe('1:00:30');
    expect(formatDuration(90061000)).toBe('1d 1:01:01');
  });

  it('should give nothing for an unknown duration', () => {
    expect(formatDuration(null)).toBe('');
  });
});

describe('parseTime()', () => {
  it('should parse times with and without an offset', () => {
    expect(parseTime('2026-01-01T00:00:00Z')).toBe(
      Date.UTC(2026, 0, 1, 0, 0, 0)
    );
    expect(parseTime('2026-01-01T00:00:00')).toBe(
      Date.UTC(2026, 0, 1, 0, 0, 0)
    );
    expect(parseTime(null)).toBeNull();
    expect(parseTime('nonsense')).toBeNull();
  });
});
