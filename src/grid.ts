/**
 * The values of a sweep's grid as the submit dialog reads them: a list of
 * values typed as a single value is, or a numeric range with a step or a
 * count; and the number of runs a grid makes.
 */

import { convertValue, guessValue, ParameterType } from './parameters';

/**
 * How a parameter's values are given in the dialog.
 */
export type ValueMode = 'single' | 'list' | 'range';

/**
 * How a numeric range is divided.
 */
export type RangeDivision = 'step' | 'count';

/**
 * A numeric range as typed in the dialog (texts, not yet checked).
 */
export interface IRangeText {
  /**
   * The first value.
   */
  start: string;
  /**
   * The last value (included when the steps reach it).
   */
  stop: string;
  /**
   * The step or the count of values.
   */
  by: string;
  /**
   * Whether `by` is a step or a count.
   */
  division: RangeDivision;
}

/**
 * The values of a parameter, or why the text gives none.
 */
export type GridValuesResult =
  { ok: true; values: any[] } | { ok: false; error: string };

/**
 * The most values one range may expand to: a typo in a step must not hang
 * the browser (the server refuses large grids anyway).
 */
export const MAX_RANGE_VALUES = 10000;

/**
 * Split a list typed in the dialog at its top-level commas: commas inside
 * brackets, braces, parentheses or quotes belong to the value.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      current += char;
      if (char === '\\' && i + 1 < text.length) {
        current += text[++i];
      } else if (char === quote) {
        quote = null;
      }
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
    } else if ('[{('.indexOf(char) !== -1) {
      depth++;
    } else if (']})'.indexOf(char) !== -1) {
      depth = Math.max(0, depth - 1);
    } else if (char === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  items.push(current.trim());
  return items;
}

/**
 * Convert one item of a list with the parameter's type; a text item may be
 * quoted (to hold a comma), a `null` type guesses as free values do.
 */
function convertItem(
  item: string,
  type: ParameterType | null
): { ok: true; value: any } | { ok: false; error: string } {
  if (type === null) {
    return { ok: true, value: guessValue(item) };
  }
  if (type === 'string') {
    const quoted = /^(['"]).*\1$/s.test(item);
    if (quoted) {
      const value = guessValue(item);
      if (typeof value === 'string') {
        return { ok: true, value };
      }
    }
    return { ok: true, value: item };
  }
  return convertValue(item, type);
}

/**
 * Parse a list of values typed in the dialog, `0.001, 0.003, 0.01`: each
 * item converted as a single value of the parameter's type is (`null`
 * guesses the type of each item, as for a script's free parameters).
 *
 * Error messages are in English; the dialog translates the known ones.
 */
export function parseValueList(
  text: string,
  type: ParameterType | null
): GridValuesResult {
  if (!text.trim()) {
    return { ok: false, error: 'Enter at least one value.' };
  }
  const values: any[] = [];
  const seen = new Set<string>();
  for (const item of splitList(text)) {
    if (!item) {
      return { ok: false, error: 'A value of the list is empty.' };
    }
    const result = convertItem(item, type);
    if (!result.ok) {
      return { ok: false, error: `${item}: ${result.error}` };
    }
    const key = JSON.stringify(result.value);
    if (seen.has(key)) {
      return { ok: false, error: `${item} is listed twice.` };
    }
    seen.add(key);
    values.push(result.value);
  }
  return { ok: true, values };
}

/**
 * Round away the binary noise of repeated additions (0.1 + 0.2).
 */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * Expand a numeric range: from `start` to `stop` (included when reached)
 * by a step, or `count` evenly spaced values including both ends. Whole
 * numbers (`integer` type) must stay whole.
 */
export function expandRange(
  range: IRangeText,
  type: ParameterType
): GridValuesResult {
  const integer = type === 'integer';
  const number = (text: string): number | null => {
    const clean = text.trim().replace(/_/g, '');
    const value = Number(clean);
    return clean && isFinite(value) ? value : null;
  };
  const start = number(range.start);
  const stop = number(range.stop);
  const by = number(range.by);
  if (start === null || stop === null) {
    return { ok: false, error: 'Enter the first and the last value.' };
  }
  if (integer && (!Number.isInteger(start) || !Number.isInteger(stop))) {
    return { ok: false, error: 'Enter whole numbers.' };
  }
  const values: number[] = [];
  if (range.division === 'count') {
    if (by === null || !Number.isInteger(by) || by < 1) {
      return { ok: false, error: 'Enter how many values (1 or more).' };
    }
    if (by > MAX_RANGE_VALUES) {
      return { ok: false, error: 'The range has too many values.' };
    }
    if (by === 1) {
      values.push(start);
    } else {
      for (let i = 0; i < by; i++) {
        values.push(tidy(start + ((stop - start) * i) / (by - 1)));
      }
    }
    if (integer && values.some(v => !Number.isInteger(v))) {
      return {
        ok: false,
        error: 'These values are not whole numbers: choose another count.'
      };
    }
  } else {
    if (by === null || by <= 0) {
      return { ok: false, error: 'Enter a step above 0.' };
    }
    if (integer && !Number.isInteger(by)) {
      return { ok: false, error: 'Enter a whole step.' };
    }
    const direction = stop >= start ? 1 : -1;
    const span = Math.abs(stop - start);
    // A step that lands on the last value up to rounding still includes it.
    const steps = Math.floor(span / by + 1e-9);
    if (steps + 1 > MAX_RANGE_VALUES) {
      return { ok: false, error: 'The range has too many values.' };
    }
    for (let i = 0; i <= steps; i++) {
      values.push(tidy(start + direction * by * i));
    }
  }
  return { ok: true, values };
}

/**
 * The number of runs a grid makes: the product of its lists' lengths.
 */
export function countRuns(grid: { [name: string]: any[] }): number {
  return Object.values(grid).reduce((product, v) => product * v.length, 1);
}

/**
 * How many runs the sizes of the varying parameters make, as the dialog
 * shows it: `3 × 2 = 6 runs`, `4 runs`, or `1 run` when nothing varies.
 * `runs` words the total (for translations).
 */
export function formatRunCount(
  sizes: number[],
  runs: (total: number) => string = total =>
    total === 1 ? '1 run' : `${total} runs`
): string {
  const varying = sizes.filter(size => size !== 1);
  const total = sizes.reduce((product, size) => product * size, 1);
  return varying.length > 1
    ? `${varying.join(' × ')} = ${runs(total)}`
    : runs(total);
}
