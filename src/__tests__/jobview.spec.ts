import { RenderMimeRegistry } from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commands';
import { copyCandidates, outputFileName } from '../outputdocument';
import { nextCellMarks } from '../notebookview';
import { ILogEvent } from '../tokens';
import { jobUsage, JobUsageView, usageChartSpec } from '../usagechart';

const event = (seq: number, fields: Partial<ILogEvent>): ILogEvent =>
  ({ seq, time: '2026-11-29T20:00:00Z', type: 'output', ...fields }) as any;

describe('job view conversions', () => {
  describe('#nextCellMarks', () => {
    const none = { running: null, failed: new Set<number>() };

    it('should mark the cell between its start and its end', () => {
      const started = nextCellMarks(none, [
        event(1, { type: 'cell_start', cell_index: 2 })
      ]);
      expect(started.running).toBe(2);
      const ended = nextCellMarks(started, [
        event(2, { type: 'cell_end', cell_index: 2 }),
        event(3, { type: 'cell_start', cell_index: 3 })
      ]);
      expect(ended.running).toBe(3);
    });

    it('should mark a cell with an error output failed, and stop at a final status', () => {
      const marks = nextCellMarks(none, [
        event(1, { type: 'cell_start', cell_index: 1 }),
        event(2, {
          type: 'output',
          cell_index: 1,
          output: {
            output_type: 'error',
            ename: 'E',
            evalue: '',
            traceback: []
          }
        }),
        event(3, { type: 'status', status: 'failed' })
      ]);
      expect(marks.running).toBeNull();
      expect([...marks.failed]).toEqual([1]);
      expect(none.failed.size).toBe(0);
    });
  });

  describe('#usageChartSpec', () => {
    it('should chart memory in MB and CPU over time', () => {
      const spec = usageChartSpec([
        {
          time: '2026-11-29T20:00:00Z',
          cpu_percent: 50,
          rss_bytes: 200_000_000
        },
        { time: '2026-11-29T20:00:02Z', cpu_percent: null, rss_bytes: null }
      ]) as any;
      expect(spec.data.values).toEqual([
        { time: '2026-11-29T20:00:00Z', memory: 200, cpu: 50 },
        { time: '2026-11-29T20:00:02Z', memory: null, cpu: null }
      ]);
      expect(spec.vconcat.map((v: any) => v.encoding.y.field)).toEqual([
        'memory',
        'cpu'
      ]);
    });

    it('should give no chart without samples', () => {
      expect(usageChartSpec([])).toBeNull();
    });
  });

  describe('#jobUsage', () => {
    it("should read a job's usage, if any", () => {
      expect(jobUsage({ usage: { peak_rss_bytes: 5 } } as any)).toEqual({
        peak_rss_bytes: 5
      });
      expect(jobUsage({} as any)).toBeNull();
    });
  });

  describe('#outputFileName', () => {
    it('should name the output after the input', () => {
      expect(outputFileName({ path: 'a/train.ipynb', kind: 'notebook' })).toBe(
        'train-output.ipynb'
      );
      expect(outputFileName({ path: 'run.py', kind: 'script' })).toBe(
        'run-output.txt'
      );
    });
  });

  describe('#copyCandidates', () => {
    it('should try the name, then numbered names, in the same directory', () => {
      expect(copyCandidates('a', 'train-output.ipynb', 3)).toEqual([
        'a/train-output.ipynb',
        'a/train-output-1.ipynb',
        'a/train-output-2.ipynb'
      ]);
      expect(copyCandidates('', 'x.ipynb', 1)).toEqual(['x.ipynb']);
    });
  });
});

describe('JobUsageView', () => {
  it('should offer to run a job that came close to its memory again with more', async () => {
    const commands = new CommandRegistry();
    const calls: any[] = [];
    commands.addCommand(CommandIDs.rerunWithChanges, {
      execute: args => {
        calls.push(args);
      }
    });
    const view = new JobUsageView({
      jobId: 'j1',
      rendermime: new RenderMimeRegistry(),
      commands
    });
    view.setJob({
      id: 'j1',
      status: 'completed',
      resources: { memory: '1G' },
      usage: {
        cpu_percent: null,
        rss_bytes: null,
        peak_rss_bytes: 0.95 * 1024 ** 3,
        cpu_seconds: 3,
        gpu_memory_bytes: null
      }
    } as any);
    const advice = view.node.querySelector('.jp-JobUsage-advice')!;
    expect(advice.textContent).toContain(
      'of the memory it asked for (--mem=1G). Ask for'
    );
    const button = advice.querySelector('button')!;
    const suggested = (advice as HTMLElement).dataset.suggested;
    expect(button.textContent).toBe(`Run again with ${suggested}`);
    button.click();
    await Promise.resolve();
    expect(calls).toEqual([{ id: 'j1', resources: { memory: suggested } }]);
    view.dispose();
  });

  it('should give no button without the command', () => {
    const view = new JobUsageView({
      jobId: 'j2',
      rendermime: new RenderMimeRegistry()
    });
    view.setJob({
      id: 'j2',
      status: 'completed',
      resources: { memory: '1G' },
      usage: { peak_rss_bytes: 0.95 * 1024 ** 3 }
    } as any);
    expect(view.node.querySelector('.jp-JobUsage-advice button')).toBeNull();
    view.dispose();
  });
});
