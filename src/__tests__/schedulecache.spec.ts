import { SchedulesCache } from '../schedulecache';
import { ISchedule } from '../tokens';

const SCHEDULE_SCHEMA = 'https://events.jupyter.org/jupyter_jobs/schedule/v1';
const JOB_SCHEMA = 'https://events.jupyter.org/jupyter_jobs/job/v1';

function makeSchedule(
  id: string,
  overrides: Partial<ISchedule> = {}
): ISchedule {
  return {
    id,
    name: `schedule ${id}`,
    path: `work/${id}.ipynb`,
    cron: '0 6 * * 1-5',
    timezone: 'Europe/Berlin',
    parameters: {},
    backend: 'local',
    resources: {},
    paused: false,
    catch_up: 'skip',
    next_run_at: '2026-12-01T05:00:00Z',
    last_job_id: null,
    created_at: '2026-11-29T10:00:00Z',
    ...overrides
  };
}

/**
 * An in-memory stand-in for the schedules REST API, recording requests.
 */
class FakeServer {
  schedules: ISchedule[] = [];
  requests: { endPoint: string; method: string; body?: any }[] = [];
  down = false;
  nextJob = 1;

  request = async (endPoint: string, init: RequestInit): Promise<any> => {
    if (this.down) {
      throw new Error('Failed to fetch');
    }
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(init.body as string) : undefined;
    this.requests.push({ endPoint, method, body });
    const parts = endPoint.split('?')[0].split('/').filter(Boolean);
    const answer = (value: any) => JSON.parse(JSON.stringify(value ?? null));
    if (parts.length === 1 && method === 'GET') {
      return answer({
        schedules: this.schedules,
        total: this.schedules.length
      });
    }
    if (parts.length === 1 && method === 'POST') {
      const schedule = makeSchedule(`s${this.schedules.length + 1}`, body);
      this.schedules.push(schedule);
      return answer(schedule);
    }
    const schedule = this.schedules.find(s => s.id === parts[1]);
    if (!schedule) {
      const error: any = new Error('Not found');
      error.response = { status: 404 };
      throw error;
    }
    if (parts[2] === 'run') {
      const job = { id: `job${this.nextJob++}`, schedule_id: schedule.id };
      schedule.last_job_id = job.id;
      return answer(job);
    }
    if (method === 'PATCH') {
      Object.assign(schedule, body);
      schedule.next_run_at = schedule.paused ? null : '2026-12-01T05:00:00Z';
      return answer(schedule);
    }
    if (method === 'DELETE') {
      this.schedules = this.schedules.filter(s => s !== schedule);
      return undefined;
    }
    return answer(schedule);
  };
}

describe('SchedulesCache', () => {
  let server: FakeServer;
  let cache: SchedulesCache;
  let changes: number;

  beforeEach(() => {
    server = new FakeServer();
    cache = new SchedulesCache({
      request: server.request,
      refreshInterval: 0,
      refetchLimit: 0
    });
    changes = 0;
    cache.changed.connect(() => changes++);
  });

  afterEach(() => {
    cache.dispose();
  });

  describe('#refresh()', () => {
    it('should load the schedules, by name', async () => {
      server.schedules = [
        makeSchedule('b', { name: 'weekly report' }),
        makeSchedule('a', { name: 'daily training' })
      ];
      await cache.refresh();
      expect(cache.isReady).toBe(true);
      expect(cache.schedules.map(s => s.id)).toEqual(['a', 'b']);
      expect(changes).toBe(1);
    });

    it('should drop schedules the server no longer has, and not emit when nothing changed', async () => {
      server.schedules = [makeSchedule('a'), makeSchedule('b')];
      await cache.refresh();
      await cache.refresh();
      expect(changes).toBe(1);
      server.schedules = [server.schedules[1]];
      await cache.refresh();
      expect(cache.schedules.map(s => s.id)).toEqual(['b']);
      expect(changes).toBe(2);
    });
  });

  describe('#check()', () => {
    it('should keep the error of an unreachable server until the next success', async () => {
      server.down = true;
      await expect(cache.check()).rejects.toThrow('Failed to fetch');
      expect(cache.lastError).toBe('Failed to fetch');
      server.down = false;
      await cache.check();
      expect(cache.lastError).toBeNull();
    });
  });

  describe('actions', () => {
    beforeEach(async () => {
      server.schedules = [makeSchedule('a')];
      await cache.refresh();
    });

    it('should create a schedule and list it at once', async () => {
      const created = await cache.create({
        path: 'work/x.ipynb',
        cron: '*/5 * * * *',
        name: 'every five'
      });
      expect(cache.get(created.id)?.name).toBe('every five');
      expect(server.requests.pop()).toEqual({
        endPoint: 'schedules',
        method: 'POST',
        body: { path: 'work/x.ipynb', cron: '*/5 * * * *', name: 'every five' }
      });
    });

    it('should pause and resume with PATCH paused', async () => {
      await cache.setPaused('a', true);
      expect(server.requests.pop()).toEqual({
        endPoint: 'schedules/a',
        method: 'PATCH',
        body: { paused: true }
      });
      expect(cache.get('a')?.paused).toBe(true);
      expect(cache.get('a')?.next_run_at).toBeNull();
      await cache.setPaused('a', false);
      expect(cache.get('a')?.paused).toBe(false);
    });

    it('should run now and refetch the schedule for its last job', async () => {
      const job = await cache.runNow('a');
      expect(job.id).toBe('job1');
      expect(cache.get('a')?.last_job_id).toBe('job1');
      expect(server.requests.map(r => `${r.method} ${r.endPoint}`)).toEqual([
        'GET schedules',
        'POST schedules/a/run',
        'GET schedules/a'
      ]);
    });

    it('should remove a schedule', async () => {
      await cache.remove('a');
      expect(cache.get('a')).toBeUndefined();
      expect(cache.schedules).toEqual([]);
    });
  });

  describe('#handleEvent()', () => {
    beforeEach(async () => {
      server.schedules = [makeSchedule('a')];
      await cache.refresh();
      changes = 0;
    });

    it('should take a pushed schedule', () => {
      cache.handleEvent({
        schema_id: SCHEDULE_SCHEMA,
        action: 'schedule-updated',
        schedule: makeSchedule('a', { paused: true })
      });
      expect(cache.get('a')?.paused).toBe(true);
      expect(changes).toBe(1);
    });

    it('should drop a pushed removal', () => {
      cache.handleEvent({
        schema_id: SCHEDULE_SCHEMA,
        action: 'schedule-removed',
        schedule_id: 'a'
      });
      expect(cache.get('a')).toBeUndefined();
    });

    it('should refetch a schedule when a job it fired appears', async () => {
      server.schedules[0].last_job_id = 'fired';
      cache.handleEvent({
        schema_id: JOB_SCHEMA,
        action: 'updated',
        job: { id: 'fired', schedule_id: 'a', status: 'queued' }
      });
      await new Promise(resolve => setTimeout(resolve, 20));
      expect(cache.get('a')?.last_job_id).toBe('fired');
      expect(server.requests.pop()?.endPoint).toBe('schedules/a');
    });

    it('should ignore events of other extensions', () => {
      cache.handleEvent({
        schema_id: 'https://events.jupyter.org/jupyter_server/contents',
        action: 'schedule-removed',
        schedule_id: 'a'
      });
      expect(cache.get('a')).toBeDefined();
    });
  });
});
