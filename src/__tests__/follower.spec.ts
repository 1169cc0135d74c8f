import { Signal } from '@lumino/signaling';

import { JobLogFollower, JobOutputModel } from '../output';
import { IJobLogChunk, ILogEvent } from '../tokens';

/**
 * A manager with an in-memory log, enough for a follower.
 */
class FakeManager {
  events: ILogEvent[] = [];
  fetches: [number, number][] = [];
  tails: number[] = [];
  logReceived = new Signal<any, IJobLogChunk>(this);

  add(count: number): ILogEvent[] {
    const added: ILogEvent[] = [];
    for (let i = 0; i < count; i++) {
      const seq = this.events.length + 1;
      const event: ILogEvent = {
        seq,
        time: '',
        type: 'output',
        output: { output_type: 'stream', name: 'stdout', text: `e${seq}\n` }
      };
      this.events.push(event);
      added.push(event);
    }
    return added;
  }

  get(): any {
    return { id: 'j', status: 'running' };
  }

  async fetchLogTail(id: string, count: number) {
    this.tails.push(count);
    const events = count > 0 ? this.events.slice(-count) : [];
    return {
      events,
      next: events.length ? events[events.length - 1].seq : 0
    };
  }

  async fetchLog(id: string, after: number, limit = 1000) {
    this.fetches.push([after, limit]);
    const events = this.events.filter(e => e.seq > after).slice(0, limit);
    return {
      events,
      next: events.length ? events[events.length - 1].seq : after
    };
  }
}

function text(model: JobOutputModel): string {
  return model
    .toJSON()
    .map((o: any) => o.text)
    .join('');
}

describe('JobLogFollower', () => {
  let manager: FakeManager;
  let model: JobOutputModel;
  let follower: JobLogFollower;

  beforeEach(() => {
    manager = new FakeManager();
    model = new JobOutputModel({ maxLines: 100000 });
  });

  afterEach(() => {
    follower.dispose();
    model.dispose();
  });

  const create = (tailEvents = 10000) =>
    (follower = new JobLogFollower({
      manager: manager as any,
      jobId: 'j',
      model,
      tailEvents,
      interval: 60000
    }));

  describe('#start()', () => {
    it('should load the log so far, page by page', async () => {
      manager.add(2500);
      await create().start();
      expect(follower.next).toBe(2500);
      expect(follower.skipped).toBe(0);
      expect(text(model).startsWith('e1\ne2\n')).toBe(true);
    });

    it('should start near the end of a very long log with one tail request', async () => {
      manager.add(5000);
      await create(300).start();
      expect(manager.tails).toEqual([300]);
      // No probing: only the read that checks for newer events follows.
      expect(manager.fetches).toEqual([[5000, 1000]]);
      expect(follower.skipped).toBe(4700);
      expect(follower.next).toBe(5000);
      expect(text(model).startsWith('e4701\n')).toBe(true);
    });

    it('should read pages from where the kept part starts when more is kept than one tail answer holds', async () => {
      manager.add(25000);
      await create(20000).start();
      expect(manager.tails).toEqual([1]);
      expect(manager.fetches[0]).toEqual([5000, 1000]);
      expect(follower.skipped).toBe(5000);
      expect(follower.next).toBe(25000);
      expect(text(model).startsWith('e5001\n')).toBe(true);
    });

    it('should follow an empty log from its start', async () => {
      await create().start();
      expect(follower.next).toBe(0);
      const pushed = manager.add(2);
      manager.logReceived.emit({ jobId: 'j', events: pushed, next: 2 });
      expect(text(model)).toBe('e1\ne2\n');
    });
  });

  describe('#logReceived', () => {
    it('should apply pushed events in order, ignoring those it has', async () => {
      manager.add(3);
      await create().start();
      const pushed = manager.add(2);
      manager.logReceived.emit({ jobId: 'j', events: pushed, next: 5 });
      manager.logReceived.emit({ jobId: 'j', events: pushed, next: 5 });
      manager.logReceived.emit({ jobId: 'other', events: pushed, next: 5 });
      expect(text(model)).toBe('e1\ne2\ne3\ne4\ne5\n');
    });

    it('should fetch what is missing when pushed events leave a gap', async () => {
      manager.add(3);
      await create().start();
      manager.add(2);
      const pushed = manager.add(1);
      manager.logReceived.emit({ jobId: 'j', events: pushed, next: 6 });
      await follower.catchUp();
      expect(text(model)).toBe('e1\ne2\ne3\ne4\ne5\ne6\n');
    });
  });
});
