import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  formatSize,
  insertCodeBelow,
  JobResultsView,
  kernelLanguage
} from '../results';
import { IJob, IJobResults, JobStatus } from '../tokens';

const LOAD_CODE =
  'import jupyter_jobs\n\nresults = jupyter_jobs.get("j1").result()\naccuracy = results["accuracy"]\n';

const ANSWER: IJobResults = {
  results: [
    { name: 'accuracy', format: 'json', size: 4, type: 'float' },
    { name: 'weights', format: 'pickle', size: 123456, type: 'numpy.ndarray' }
  ],
  load_code: LOAD_CODE
};

function job(status: JobStatus): IJob {
  return {
    id: 'j1',
    name: 'train',
    path: 'train.ipynb',
    kind: 'notebook',
    backend: 'local',
    status,
    parameters: {},
    created_at: '2026-01-01T00:00:00Z',
    started_at: '2026-01-01T00:00:00Z',
    finished_at: null,
    progress: { done: 1, total: 1 },
    error: null,
    output_path: null
  };
}

/**
 * A notebook panel with just what the results section reads.
 */
function fakeNotebook(language: string | null, label = 'Untitled.ipynb') {
  return {
    id: `panel-${label}`,
    isDisposed: false,
    title: { label },
    sessionContext: {
      session: null,
      specsManager: null,
      kernelChanged: new Signal<any, any>({})
    },
    model: {
      getMetadata: (key: string) =>
        key === 'kernelspec' && language
          ? { name: 'k', display_name: 'K', language }
          : undefined
    }
  } as any;
}

/**
 * A notebook tracker whose current notebook the test sets.
 */
class FakeTracker {
  currentWidget: any = null;
  currentChanged = new Signal<any, any>(this);

  setCurrent(panel: any): void {
    this.currentWidget = panel;
    this.currentChanged.emit(panel);
  }
}

describe('JobResultsView', () => {
  let tracker: FakeTracker;
  let commands: CommandRegistry;
  let executed: any[];
  let answer: IJobResults;
  let fetches: number;
  let view: JobResultsView;

  const manager = {
    fetchResults: async () => {
      fetches++;
      return answer;
    }
  };

  beforeEach(() => {
    tracker = new FakeTracker();
    commands = new CommandRegistry();
    executed = [];
    commands.addCommand('jupyter-jobs:insert-results-code', {
      execute: args => {
        executed.push(args);
      }
    });
    answer = ANSWER;
    fetches = 0;
    view = new JobResultsView({
      manager: manager as any,
      jobId: 'j1',
      notebooks: tracker as any,
      commands
    });
    Widget.attach(view, document.body);
  });

  afterEach(() => {
    view.dispose();
  });

  const names = () =>
    Array.from(view.node.querySelectorAll('.jp-JobResults-item')).map(row =>
      Array.from(row.querySelectorAll('td')).map(td => td.textContent)
    );

  describe('#setJob()', () => {
    it('should stay hidden and load nothing while the job is active', () => {
      view.setJob(job('running'));
      expect(view.isHidden).toBe(true);
      expect(fetches).toBe(0);
    });

    it('should load the results once the job is final, only once', async () => {
      view.setJob(job('completed'));
      view.setJob(job('failed'));
      await new Promise(resolve => setTimeout(resolve, 0));
      expect(view.isHidden).toBe(false);
      expect(fetches).toBe(1);
      expect(names().length).toBe(2);
    });
  });

  describe('#load()', () => {
    it('should list the names with their type and size', async () => {
      await view.load();
      expect(names()).toEqual([
        ['accuracy', 'float', '4 B'],
        ['weights', 'numpy.ndarray', '123 kB']
      ]);
      expect(view.node.querySelector('h3')?.textContent).toBe('Results');
    });

    it('should say so when the job recorded nothing, and offer no button', async () => {
      answer = { results: [], load_code: null };
      tracker.setCurrent(fakeNotebook('python'));
      await view.load();
      expect(names()).toEqual([]);
      expect(view.node.textContent).toContain('No results');
      expect(view.insertButton.hidden).toBe(true);
    });

    it('should show why the results could not be loaded', async () => {
      manager.fetchResults = async () => {
        throw new Error('Not Found');
      };
      await view.load();
      expect(view.node.textContent).toContain(
        'Could not load the results: Not Found'
      );
      expect(view.insertButton.disabled).toBe(true);
      manager.fetchResults = async () => {
        fetches++;
        return answer;
      };
    });
  });

  describe('#insertButton', () => {
    it('should be disabled with a tooltip when no notebook is open', async () => {
      await view.load();
      expect(view.insertButton.textContent).toBe('Insert code to load results');
      expect(view.insertButton.disabled).toBe(true);
      expect(view.insertButton.title).toBe(
        'Open a notebook to insert the code into.'
      );
    });

    it('should be disabled when there is no code to load (the job did not complete)', async () => {
      answer = { results: ANSWER.results, load_code: null };
      tracker.setCurrent(fakeNotebook('python'));
      await view.load();
      expect(names().length).toBe(2);
      expect(view.insertButton.disabled).toBe(true);
      expect(view.insertButton.title).toBe(
        'Only the results of a completed job can be loaded.'
      );
    });

    it('should be disabled for a notebook whose kernel is not Python', async () => {
      tracker.setCurrent(fakeNotebook('R', 'analysis.ipynb'));
      await view.load();
      expect(view.insertButton.disabled).toBe(true);
      expect(view.insertButton.title).toBe(
        'The notebook “analysis.ipynb” does not run a Python kernel.'
      );
    });

    it('should follow the current notebook and execute the command with the job id', async () => {
      await view.load();
      expect(view.insertButton.disabled).toBe(true);
      tracker.setCurrent(fakeNotebook('python', 'work.ipynb'));
      expect(view.insertButton.disabled).toBe(false);
      expect(view.insertButton.title).toContain('“work.ipynb”');
      view.insertButton.click();
      expect(executed).toEqual([{ id: 'j1' }]);
      tracker.setCurrent(null);
      expect(view.insertButton.disabled).toBe(true);
    });

    it('should stay disabled without commands', async () => {
      view.dispose();
      view = new JobResultsView({
        manager: manager as any,
        jobId: 'j1',
        notebooks: tracker as any
      });
      tracker.setCurrent(fakeNotebook('python'));
      await view.load();
      expect(view.insertButton.disabled).toBe(true);
    });
  });
});

describe('kernelLanguage()', () => {
  it('should prefer the running kernel’s spec, then the metadata', () => {
    const panel = fakeNotebook('python');
    expect(kernelLanguage(panel)).toBe('python');
    panel.sessionContext.session = { kernel: { name: 'ir' } };
    panel.sessionContext.specsManager = {
      specs: { kernelspecs: { ir: { language: 'R' } } }
    };
    expect(kernelLanguage(panel)).toBe('R');
    expect(kernelLanguage(fakeNotebook(null))).toBeNull();
  });
});

describe('insertCodeBelow()', () => {
  it('should insert a code cell below the active cell and activate it', () => {
    const cells: any[] = [
      { cell_type: 'markdown', source: '# Title' },
      { cell_type: 'code', source: 'x = 1' }
    ];
    const sharedModel = {
      cells,
      insertCell: (index: number, cell: any) => cells.splice(index, 0, cell)
    };
    const notebook = { model: { sharedModel }, activeCellIndex: 0 } as any;
    expect(insertCodeBelow(notebook, LOAD_CODE)).toBe(1);
    expect(cells).toEqual([
      { cell_type: 'markdown', source: '# Title' },
      { cell_type: 'code', source: LOAD_CODE },
      { cell_type: 'code', source: 'x = 1' }
    ]);
    expect(notebook.activeCellIndex).toBe(1);
  });

  it('should append to a notebook without an active cell', () => {
    const cells: any[] = [];
    const sharedModel = {
      cells,
      insertCell: (index: number, cell: any) => cells.splice(index, 0, cell)
    };
    const notebook = { model: { sharedModel }, activeCellIndex: -1 } as any;
    expect(insertCodeBelow(notebook, 'x = 1')).toBe(0);
    expect(cells).toEqual([{ cell_type: 'code', source: 'x = 1' }]);
  });
});

describe('formatSize()', () => {
  it('should format bytes for people', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1500)).toBe('1.5 kB');
    expect(formatSize(250000)).toBe('250 kB');
    expect(formatSize(3200000)).toBe('3.2 MB');
  });
});
