import { chartSpec } from '../sweepchart';
import {
  bestRuns,
  formatCell,
  guessBestMode,
  sortRows,
  sweepColumns
} from '../sweeptable';

/**
 * A sweep's table as the server answers it: 2 learning rates × 2 sizes,
 * one run failed before recording its accuracy.
 */
const TABLE = {
  columns: [
    'index',
    'job_id',
    'learning_rate',
    'hidden_units',
    'status',
    'duration_seconds',
    'accuracy',
    'loss',
    'optimizer'
  ],
  rows: [
    {
      index: 0,
      job_id: 'a',
      learning_rate: 0.001,
      hidden_units: 16,
      status: 'completed',
      duration_seconds: 12.5,
      accuracy: 0.91,
      loss: 0.3,
      optimizer: 'adam'
    },
    {
      index: 1,
      job_id: 'b',
      learning_rate: 0.001,
      hidden_units: 64,
      status: 'completed',
      duration_seconds: 20,
      accuracy: 0.97,
      loss: 0.1,
      optimizer: 'adam'
    },
    {
      index: 2,
      job_id: 'c',
      learning_rate: 0.01,
      hidden_units: 16,
      status: 'failed',
      duration_seconds: 3,
      accuracy: null,
      loss: null,
      optimizer: null
    },
    {
      index: 3,
      job_id: 'd',
      learning_rate: 0.01,
      hidden_units: 64,
      status: 'completed',
      duration_seconds: 9,
      accuracy: 0.95,
      loss: 0.1,
      optimizer: 'sgd'
    }
  ]
};
const GRID = { learning_rate: [0.001, 0.01], hidden_units: [16, 64] };

describe('sweeptable', () => {
  describe('#sweepColumns', () => {
    it('should tell the grid parameters from the recorded metrics', () => {
      expect(sweepColumns({ grid: GRID, table: TABLE })).toEqual({
        parameters: ['learning_rate', 'hidden_units'],
        metrics: ['accuracy', 'loss', 'optimizer'],
        numericMetrics: ['accuracy', 'loss']
      });
    });
  });

  describe('#sortRows', () => {
    it('should sort by a number column both ways, missing values last', () => {
      const up = sortRows(TABLE.rows, 'accuracy', 'ascending');
      expect(up.map(r => r.index)).toEqual([0, 3, 1, 2]);
      const down = sortRows(TABLE.rows, 'accuracy', 'descending');
      expect(down.map(r => r.index)).toEqual([1, 3, 0, 2]);
    });

    it('should keep grid order between ties', () => {
      expect(
        sortRows(TABLE.rows, 'loss', 'ascending').map(r => r.index)
      ).toEqual([1, 3, 0, 2]);
      expect(
        sortRows(TABLE.rows, 'hidden_units', 'descending').map(r => r.index)
      ).toEqual([1, 3, 0, 2]);
    });

    it('should sort text, with numbers inside compared as numbers', () => {
      const rows = [
        { index: 0, name: 'run10' },
        { index: 1, name: 'run9' },
        { index: 2, name: 'Run1' }
      ];
      expect(sortRows(rows, 'name').map(r => r.index)).toEqual([2, 1, 0]);
      expect(
        sortRows(TABLE.rows, 'status', 'ascending').map(r => r.index)
      ).toEqual([0, 1, 3, 2]);
    });

    it('should not change the rows it was given', () => {
      const before = TABLE.rows.map(r => r.index);
      sortRows(TABLE.rows, 'accuracy', 'descending');
      expect(TABLE.rows.map(r => r.index)).toEqual(before);
    });
  });

  describe('#bestRuns', () => {
    it('should find the biggest or the smallest number', () => {
      expect(bestRuns(TABLE.rows, 'accuracy', 'max')).toEqual([1]);
      expect(bestRuns(TABLE.rows, 'accuracy', 'min')).toEqual([0]);
    });

    it('should return every run of a tie', () => {
      expect(bestRuns(TABLE.rows, 'loss', 'min')).toEqual([1, 3]);
    });

    it('should find nothing without a number', () => {
      expect(bestRuns(TABLE.rows, 'optimizer', 'max')).toEqual([]);
      expect(bestRuns([], 'accuracy', 'max')).toEqual([]);
    });
  });

  describe('#guessBestMode', () => {
    it('should take losses and errors as better small', () => {
      expect(guessBestMode('val_loss')).toBe('min');
      expect(guessBestMode('test_error')).toBe('min');
      expect(guessBestMode('accuracy')).toBe('max');
    });
  });

  describe('#formatCell', () => {
    it('should show numbers short and values as Python writes them', () => {
      expect(formatCell(0.971111)).toBe('0.9711');
      expect(formatCell(64)).toBe('64');
      expect(formatCell(0.0003)).toBe('0.0003');
      expect(formatCell(true)).toBe('True');
      expect(formatCell(null)).toBe('');
    });
  });

  describe('#chartSpec', () => {
    it('should plot a metric against a parameter, a line per value of another', () => {
      const spec = chartSpec(TABLE.rows, {
        x: 'learning_rate',
        y: 'accuracy',
        color: 'hidden_units'
      }) as any;
      expect(spec.$schema).toContain('vega-lite/v5');
      expect(spec.data.values).toEqual([
        { x: 0.001, y: 0.91, run: 0, series: '16' },
        { x: 0.001, y: 0.97, run: 1, series: '64' },
        { x: 0.01, y: 0.95, run: 3, series: '64' }
      ]);
      expect(spec.encoding.x.title).toBe('learning_rate');
      expect(spec.encoding.x.type).toBe('quantitative');
      expect(spec.encoding.color.title).toBe('hidden_units');
    });

    it('should use a log scale over two decades and more', () => {
      const rows = [1e-4, 1e-3, 1e-2].map((lr, index) => ({
        index,
        lr,
        accuracy: 0.9
      }));
      const spec = chartSpec(rows, { x: 'lr', y: 'accuracy' }) as any;
      expect(spec.encoding.x.scale).toEqual({ type: 'log' });
      expect(spec.encoding.color).toBeUndefined();
    });

    it('should have nothing to draw without a number', () => {
      expect(chartSpec(TABLE.rows, { x: 'hidden_units', y: 'optimizer' })).toBe(
        null
      );
    });
  });
});
