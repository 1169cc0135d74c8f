import { nullTranslator } from '@jupyterlab/translation';

import { describeCron } from '../crontext';

const trans = nullTranslator.load('jupyter_jobs');

describe('describeCron()', () => {
  it('should describe the presets of the dialog', () => {
    expect(describeCron('* * * * *', trans)).toBe('every minute');
    expect(describeCron('*/15 * * * *', trans)).toBe('every 15 minutes');
    expect(describeCron('0 * * * *', trans)).toBe('hourly at :00');
    expect(describeCron('30 6 * * *', trans)).toBe('daily at 06:30');
    expect(describeCron('0 6 * * 1-5', trans)).toBe('weekdays at 06:00');
    expect(describeCron('0 9 * * 1', trans)).toBe('Mondays at 09:00');
    expect(describeCron('0 9 1 * *', trans)).toBe('monthly on day 1 at 09:00');
  });

  it('should leave the others to the expression itself', () => {
    expect(describeCron('0 6,18 * * *', trans)).toBeNull();
    expect(describeCron('0 6 * 1 *', trans)).toBeNull();
    expect(describeCron('@daily', trans)).toBeNull();
  });
});
