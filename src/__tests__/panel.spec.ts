import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { JOB_EVENT_SCHEMA_ID, JobsModel } from '../model';
import { JobsPanel } from '../panel';
import { IJob, JobStatus } from '../tokens';

function job(i: number, status: JobStatus): IJob {
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
    output_path: null
  };
}

describe('JobsPanel', () => {
  let model: JobsModel;
  let panel: JobsPanel;
  let commands: CommandRegistry;
  const executed: [string, any][] = [];

  beforeEach(() => {
    model = new JobsModel({ refreshInterval: 0, request: async () => ({}) });
    commands = new CommandRegistry();
    for (const id of ['jupyter-jobs:cancel', 'jupyter-jobs:open']) {
      commands.addCommand(id, {
        execute: args => {
          executed.push([id, args]);
        }
      });
    }
    const statuses: JobStatus[] = ['running', 'completed', 'failed', 'queued'];
    for (let i = 0; i < 3000; i++) {
      model.handleEvent({
        schema_id: JOB_EVENT_SCHEMA_ID,
        action: 'updated',
        job: job(i, statuses[i % 4])
      });
    }
    panel = new JobsPanel({ manager: model, commands, pageSize: 50 });
    Widget.attach(panel, document.body);
  });

  afterEach(() => {
    panel.dispose();
    model.dispose();
  });

  const names = () =>
    Array.from(panel.node.querySelectorAll('.jp-JobsPanel-name')).map(
      n => n.textContent
    );

  describe('#constructor()', () => {
    it('should show one page of the jobs, newest first', () => {
      expect(names().length).toBe(50);
      expect(names()[0]).toBe('job 2999');
      expect(
        panel.node.querySelector('.jp-JobsPanel-pageInfo')!.textContent
      ).toBe('Page 1 of 60 (3000 jobs)');
    });
  });

  describe('#page', () => {
    it('should move through the pages', () => {
      panel.page = 1;
      expect(names()[0]).toBe('job 2949');
      panel.page = 1000;
      expect(panel.page).toBe(59);
      expect(names()[names().length - 1]).toBe('job 0');
    });
  });

  describe('filters', () => {
    it('should filter by status and go back to the first page', () => {
      panel.page = 3;
      const select = panel.node.querySelector(
        '.jp-JobsPanel-statusFilter'
      ) as HTMLSelectElement;
      select.value = 'failed';
      select.dispatchEvent(new Event('change'));
      expect(panel.page).toBe(0);
      const words = Array.from(
        panel.node.querySelectorAll('.jp-JobsStatus-label')
      ).map(n => n.textContent);
      expect(new Set(words)).toEqual(new Set(['Failed']));
    });

    it('should search by name', () => {
      const search = panel.node.querySelector(
        '.jp-JobsPanel-search'
      ) as HTMLInputElement;
      search.value = 'job 299';
      search.dispatchEvent(new Event('input'));
      expect(names()).toEqual([
        'job 2999',
        'job 2998',
        'job 2997',
        'job 2996',
        'job 2995',
        'job 2994',
        'job 2993',
        'job 2992',
        'job 2991',
        'job 2990',
        'job 299'
      ]);
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
