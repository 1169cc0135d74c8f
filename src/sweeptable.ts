/**
 * The logic of a sweep's table, apart from its rendering: which columns are
 * parameters and which recorded metrics, sorting by any column, the best run
 * of a metric.
 */

import { ISweep, ISweepTable } from './tokens';

/**
 * A row of a sweep's table, by column name.
 */
export type SweepRow = { [column: string]: any };

/**
 * A sort direction.
 */
export type SortDirection = 'ascending' | 'descending';

/**
 * Which way a metric is better.
 */
export type BestMode = 'max' | 'min';

/**
 * The columns of every sweep table that are neither parameters nor metrics.
 */
export const FIXED_COLUMNS: ReadonlyArray<string> = [
  'index',
  'job_id',
  'status',
  'duration_seconds'
];

/**
 * The columns of a sweep's table by role.
 */
export interface ISweepColumns {
  /**
   * The grid's parameters, in the table's order.
   */
  parameters: string[];
  /**
   * Every scalar the runs recorded, in the table's order.
   */
  metrics: string[];
  /**
   * The metrics with at least one number: those a best run and a chart
   * can be made of.
   */
  numericMetrics: string[];
}

/**
 * Sort the columns of a sweep's table by role.
 */
export function sweepColumns(
  sweep: Pick<ISweep, 'grid' | 'table'>
): ISweepColumns {
  const table: ISweepTable = sweep.table ?? { columns: [], rows: [] };
  const gridNames = Object.keys(sweep.grid ?? {});
  const columns = table.columns.length
    ? table.columns
    : [...FIXED_COLUMNS.slice(0, 2), ...gridNames, ...FIXED_COLUMNS.slice(2)];
  const parameters = columns.filter(c => gridNames.indexOf(c) !== -1);
  const metrics = columns.filter(
    c => FIXED_COLUMNS.indexOf(c) === -1 && gridNames.indexOf(c) === -1
  );
  const numericMetrics = metrics.filter(m =>
    table.rows.some(row => isNumber(row[m]))
  );
  return { parameters, metrics, numericMetrics };
}

/**
 * Whether a value is a finite number (booleans are not).
 */
export function isNumber(value: any): value is number {
  return typeof value === 'number' && isFinite(value);
}

/**
 * The rank of a value's kind in a sort: numbers and booleans, then text,
 * then anything else; missing values always go last.
 */
function kindRank(value: any): number {
  if (typeof value === 'number' || typeof value === 'boolean') {
    return 0;
  }
  if (typeof value === 'string') {
    return 1;
  }
  return 2;
}

/**
 * Compare two cell values in ascending order (missing values excluded).
 */
export function compareValues(a: any, b: any): number {
  const ka = kindRank(a);
  const kb = kindRank(b);
  if (ka !== kb) {
    return ka - kb;
  }
  if (ka === 0) {
    return Number(a) - Number(b);
  }
  if (ka === 1) {
    return (a as string).localeCompare(b as string, undefined, {
      numeric: true
    });
  }
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

/**
 * Whether a cell holds no value.
 */
function isMissing(value: any): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'number' && isNaN(value))
  );
}

/**
 * The rows sorted by a column (a new array): missing values last in either
 * direction, ties kept in grid order.
 */
export function sortRows(
  rows: ReadonlyArray<SweepRow>,
  column: string,
  direction: SortDirection = 'ascending'
): SweepRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, position) => ({ row, position }))
    .sort((x, y) => {
      const a = x.row[column];
      const b = y.row[column];
      const ma = isMissing(a);
      const mb = isMissing(b);
      if (ma || mb) {
        return ma && mb ? x.position - y.position : ma ? 1 : -1;
      }
      return sign * compareValues(a, b) || x.position - y.position;
    })
    .map(entry => entry.row);
}

/**
 * The runs (their `index`) holding the best number of a metric, bigger or
 * smaller being better; several when tied; none without a number.
 */
export function bestRuns(
  rows: ReadonlyArray<SweepRow>,
  metric: string,
  mode: BestMode
): number[] {
  let best: number | null = null;
  let indexes: number[] = [];
  for (const row of rows) {
    const value = row[metric];
    if (!isNumber(value)) {
      continue;
    }
    if (best === null || (mode === 'max' ? value > best : value < best)) {
      best = value;
      indexes = [row.index];
    } else if (value === best) {
      indexes.push(row.index);
    }
  }
  return indexes;
}

/**
 * Which way a metric is better, guessed from its name (losses and errors
 * are better small); the user can change it.
 */
export function guessBestMode(metric: string): BestMode {
  return /loss|err|mse|mae|rmse|perplexity|time|duration|cost|regret/i.test(
    metric
  )
    ? 'min'
    : 'max';
}

/**
 * Format a cell value for the table: numbers to 4 significant digits (the
 * exact value is in the cell's title), booleans as Python writes them.
 */
export function formatCell(value: any): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (!isFinite(value)) {
      return String(value);
    }
    if (Number.isInteger(value)) {
      return String(value);
    }
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}
