import { TranslationBundle } from '@jupyterlab/translation';

/**
 * A short description of the common cron expressions ("every 5 minutes",
 * "daily at 06:00", "weekdays at 06:00", ...); `null` for the others (the
 * expression itself is shown then).
 */
export function describeCron(
  cron: string,
  trans: TranslationBundle
): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return null;
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const isNumber = (value: string) => /^\d{1,2}$/.test(value);
  const time = () => `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`;
  const anyDay = dayOfMonth === '*' && month === '*';
  if (!anyDay) {
    if (
      isNumber(minute) &&
      isNumber(hour) &&
      isNumber(dayOfMonth) &&
      month === '*' &&
      dayOfWeek === '*'
    ) {
      return trans.__('monthly on day %1 at %2', dayOfMonth, time());
    }
    return null;
  }
  if (hour === '*' && dayOfWeek === '*') {
    if (minute === '*') {
      return trans.__('every minute');
    }
    const step = /^\*\/(\d+)$/.exec(minute);
    if (step) {
      return trans._n(
        'every minute',
        'every %1 minutes',
        Number(step[1]),
        step[1]
      );
    }
    if (isNumber(minute)) {
      return trans.__('hourly at :%1', minute.padStart(2, '0'));
    }
    return null;
  }
  if (!isNumber(minute) || !isNumber(hour)) {
    return null;
  }
  if (dayOfWeek === '*') {
    return trans.__('daily at %1', time());
  }
  if (dayOfWeek === '1-5') {
    return trans.__('weekdays at %1', time());
  }
  const days = [
    trans.__('Sundays'),
    trans.__('Mondays'),
    trans.__('Tuesdays'),
    trans.__('Wednesdays'),
    trans.__('Thursdays'),
    trans.__('Fridays'),
    trans.__('Saturdays'),
    trans.__('Sundays')
  ];
  if (/^[0-7]$/.test(dayOfWeek)) {
    return trans.__('%1 at %2', days[Number(dayOfWeek)], time());
  }
  return null;
}
