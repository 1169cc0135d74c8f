import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { act } from 'react';

import { JobsCache } from '../jobcache';
import { JOB_EVENT_SCHEMA_ID } from '../model';
import { filterJobs, jobNotes, JobsPanel } from '../panel';
import { IJob, JobStatus } from '../tokens';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function job(i: number, status: JobStatus, extra: Partial<IJob> = {}): IJob {
  const created = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    id: `j${i}`,
    name: `job ${i}`,
    path: 'a.ipynb',
    kind: 'notebook',
    backend: 'local',
    status,
    parameters: {},
    created_at: created,
    started_at: status === 'queued' ? null : created,
    finished_at: null,
    progress: { done: 1, total: 4 },
    error: null,
    output_path: null,
    ...extra
  };
}

/**
 * Set a form field's value as a user does, so that React sees the change.
 */
function type(
  node: HTMLInputElement | HTMLSelectElement,
  value: string,
  event: string
): void {
  const proto = Object.getPrototypeOf(node);
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(node, value);
  node.dispatchEvent(new Event(event, { bubbles: true }));
}

const trans = nullTranslator.load('jupyter_jobs');

describe('filterJobs()', () => {
  const jobs = [
    job(4, 'queued', { name: 'Clean data' }),
    job(3, 'failed', { name: 'Report' }),
    job(2, 'completed', { name: 'train model again' }),
    job(1, 'running', { name: 'Train model' })
  ];
  const ids = (list: ReadonlyArray<IJob>) => list.map(j => j.id);

  it('should list every job without filters', () => {
    expect(ids(filterJobs(jobs, [], ''))).toEqual(['j4', 'j3', 'j2', 'j1']);
  });

  it('should filter by status', () => {
    expect(ids(filterJobs(jobs, ['running', 'queued'], ''))).toEqual([
      'j4',
      'j1'
    ]);
  });

  it('should search by name, ignoring case', () => {
    expect(ids(filterJobs(jobs, [], 'TRAIN'))).toEqual(['j2', 'j1']);
  });

  it('should combine the status filter and the search', () => {
    expect(ids(filterJobs(jobs, ['completed'], 'train'))).toEqual(['j2']);
  });
});

describe('jobNotes()', () => {
  const prepare = job(1, 'running', { name: 'prepare' });
  const lookup = (id: string) => (id === prepare.id ? prepare : undefined);

  it('should show the attempt of a retried job', () => {
    const retried = job(2, 'running', { attempt: 2, max_retries: 2 });
    expect(jobNotes(retried, lookup, trans).attempt).toBe('attempt 2/3');
  });

  it('should not show the attempt of a first attempt or without retries', () => {
    expect(
      jobNotes(job(2, 'running', { attempt: 1, max_retries: 2 }), lookup, trans)
        .attempt
    ).toBeNull();
    expect(
      jobNotes(job(2, 'running', { attempt: 1, max_retries: 0 }), lookup, trans)
        .attempt
    ).toBeNull();
  });

  it('should name the jobs a queued job waits for', () => {
    const chained = job(3, 'queued', { after: [prepare.id] });
    expect(jobNotes(chained, lookup, trans).waiting).toBe(
      'waiting for prepare'
    );
  });

  it('should fall back on the server reason for unknown jobs', () => {
    const chained = job(3, 'queued', {
      after: ['gone'],
      status_reason: 'waiting for gone'
    });
    expect(jobNotes(chained, lookup, trans).waiting).toBe('waiting for gone');
  });
});

describe('JobsPanel', () => {
  let model: JobsCache;
  let panel: JobsPanel;
  let commands: CommandRegistry;
  const executed: [string, any][] = [];

  const render = async () => {
    await act(async () => {
      MessageLoop.sendMessage(panel.jobs, Widget.Msg.UpdateRequest);
    });
  };

  beforeEach(async () => {
    model = new JobsCache({ refreshInterval: 0, request: async () => ({}) });
    commands = new CommandRegistry();
    for (const id of ['jupyter-jobs:cancel', 'jupyter-jobs:open']) {
      commands.addCommand(id, {
        execute: args => {
          executed.push([id, args]);
        }
      });
    }
    const statuses: JobStatus[] = ['running', 'completed', 'failed', 'queued'];
    for (let i = 0; i < 120; i++) {
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: job(i, statuses[i % 4])
      });
    }
    panel = new JobsPanel({ manager: model, commands, pageSize: 50 });
    Widget.attach(panel, document.body);
    await render();
  });

  afterEach(async () => {
    await act(async () => panel.dispose());
    model.dispose();
  });

  const names = () =>
    Array.from(panel.node.querySelectorAll('.jp-JobsPanel-name')).map(
      n => n.textContent
    );

  describe('#constructor()', () => {
    it('should show one page of the jobs, newest first', () => {
      expect(names().length).toBe(50);
      expect(names()[0]).toBe('job 119');
      expect(
        panel.node.querySelector('.jp-JobsPanel-pageInfo')!.textContent
      ).toBe('Page 1 of 3 (120 jobs)');
    });

    it('should use no DOM id twice', () => {
      expect(panel.id).toBe('jupyter-jobs-panel');
      const ids = Array.from(document.querySelectorAll('[id]')).map(
        node => node.id
      );
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe('#page', () => {
    it('should move through the pages', async () => {
      panel.jobs.page = 1;
      await render();
      expect(names()[0]).toBe('job 69');
      panel.jobs.page = 1000;
      await render();
      expect(panel.jobs.page).toBe(2);
      expect(names()[names().length - 1]).toBe('job 0');
    });
  });

  describe('view state', () => {
    it('should filter by status and go back to the first page', async () => {
      panel.jobs.page = 3;
      await render();
      const select = panel.node.querySelector(
        '.jp-JobsPanel-statusFilter select'
      ) as HTMLSelectElement;
      await act(async () => type(select, 'failed', 'change'));
      await render();
      expect(panel.jobs.page).toBe(0);
      expect(panel.jobs.statusFilter).toBe('failed');
      const words = Array.from(
        panel.node.querySelectorAll('.jp-JobsStatus-label')
      ).map(n => n.textContent);
      expect(new Set(words)).toEqual(new Set(['Failed']));
    });

    it('should search by name', async () => {
      const search = panel.node.querySelector(
        '.jp-JobsPanel-search'
      ) as HTMLInputElement;
      await act(async () => type(search, 'job 11', 'input'));
      await render();
      expect(names()).toEqual([
        'job 119',
        'job 118',
        'job 117',
        'job 116',
        'job 115',
        'job 114',
        'job 113',
        'job 112',
        'job 111',
        'job 110',
        'job 11'
      ]);
    });

    it('should keep the row nodes and the focus across updates', async () => {
      const button = panel.node.querySelector(
        '[aria-label="Cancel job"]'
      ) as HTMLButtonElement;
      button.focus();
      const id = (button.closest('.jp-JobsPanel-item') as HTMLElement).dataset
        .jobId!;
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: {
          ...model.get(id)!,
          progress: { done: 3, total: 4 }
        }
      });
      await render();
      expect(document.activeElement).toBe(button);
      expect(
        panel.node.querySelector(`[data-job-id="${id}"] .jp-JobsProgress-text`)!
          .textContent
      ).toBe('3/4');
    });
  });

  describe('actions', () => {
    it('should offer "Cancel job" on active jobs only', () => {
      const items = panel.node.querySelectorAll('.jp-JobsPanel-item');
      for (const item of Array.from(items)) {
        const status = (item as HTMLElement).dataset.status;
        const cancel = item.querySelector('[aria-label="Cancel job"]');
        expect(!!cancel).toBe(status === 'running' || status === 'queued');
      }
      const first = panel.node.querySelector(
        '[aria-label="Cancel job"]'
      ) as HTMLButtonElement;
      first.click();
      expect(executed.pop()![0]).toBe('jupyter-jobs:cancel');
    });
  });
});
