/**
 * The schedule presets of the submit dialog and the cron expressions they
 * stand for (five fields: minute hour day-of-month month day-of-week).
 */

/**
 * A preset of the dialog's schedule field.
 */
export type CronPreset = 'hourly' | 'daily' | 'weekdays' | 'weekly' | 'custom';

/**
 * The presets in the order the dialog offers them.
 */
export const CRON_PRESETS: CronPreset[] = [
  'hourly',
  'daily',
  'weekdays',
  'weekly',
  'custom'
];

/**
 * What a preset needs besides its name.
 */
export interface IPresetChoice {
  /**
   * The preset.
   */
  preset: CronPreset;
  /**
   * The time of day, `HH:MM` (24 hours); only its minutes count for `hourly`.
   */
  time: string;
  /**
   * The day of the week for `weekly`: 0 (Sunday) to 6 (Saturday), as cron
   * counts.
   */
  weekday: number;
}

/**
 * Hours and minutes of an `HH:MM` text; `null` when it is not a time of day.
 */
export function parseTimeOfDay(
  text: string
): { hour: number; minute: number } | null {
  const match = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!match) {
    return null;
  }
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour < 24 && minute < 60 ? { hour, minute } : null;
}

/**
 * The cron expression of a preset; `null` for `custom` (the user types it)
 * or a time that is not a time of day.
 */
export function presetToCron(choice: IPresetChoice): string | null {
  if (choice.preset === 'custom') {
    return null;
  }
  const time = parseTimeOfDay(choice.time);
  if (!time) {
    return null;
  }
  const { hour, minute } = time;
  switch (choice.preset) {
    case 'hourly':
      return `${minute} * * * *`;
    case 'daily':
      return `${minute} ${hour} * * *`;
    case 'weekdays':
      return `${minute} ${hour} * * 1-5`;
    case 'weekly': {
      const day = Math.trunc(choice.weekday);
      return day >= 0 && day <= 6 ? `${minute} ${hour} * * ${day}` : null;
    }
  }
}

/**
 * The preset a cron expression is, to prefill the dialog when a schedule is
 * edited: `custom` unless it is exactly one of those `presetToCron` writes.
 */
export function cronToPreset(cron: string): IPresetChoice {
  const fields = cron.trim().split(/\s+/);
  const custom: IPresetChoice = {
    preset: 'custom',
    time: '09:00',
    weekday: 1
  };
  if (fields.length !== 5) {
    return custom;
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const number = (text: string, below: number): number | null =>
    /^\d{1,2}$/.test(text) && Number(text) < below ? Number(text) : null;
  const m = number(minute, 60);
  if (m === null || dayOfMonth !== '*' || month !== '*') {
    return custom;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  if (hour === '*' && dayOfWeek === '*') {
    return { preset: 'hourly', time: `00:${pad(m)}`, weekday: 1 };
  }
  const h = number(hour, 24);
  if (h === null) {
    return custom;
  }
  const time = `${pad(h)}:${pad(m)}`;
  if (dayOfWeek === '*') {
    return { preset: 'daily', time, weekday: 1 };
  }
  if (dayOfWeek === '1-5') {
    return { preset: 'weekdays', time, weekday: 1 };
  }
  const day = number(dayOfWeek, 7);
  return day === null ? custom : { preset: 'weekly', time, weekday: day };
}
