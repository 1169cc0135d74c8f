import { cronToPreset, parseTimeOfDay, presetToCron } from '../cronpresets';

describe('cronpresets', () => {
  describe('#presetToCron()', () => {
    it('should write the cron expression of each preset', () => {
      const at = (preset: any, time = '06:30', weekday = 1) =>
        presetToCron({ preset, time, weekday });
      expect(at('hourly', '00:15')).toBe('15 * * * *');
      expect(at('daily')).toBe('30 6 * * *');
      expect(at('weekdays', '18:05')).toBe('5 18 * * 1-5');
      expect(at('weekly', '09:00', 0)).toBe('0 9 * * 0');
      expect(at('custom')).toBeNull();
    });

    it('should refuse a time that is not a time of day', () => {
      expect(
        presetToCron({ preset: 'daily', time: '25:00', weekday: 1 })
      ).toBeNull();
      expect(
        presetToCron({ preset: 'weekly', time: '10:00', weekday: 7 })
      ).toBeNull();
      expect(parseTimeOfDay('9:7')).toBeNull();
      expect(parseTimeOfDay('9:07')).toEqual({ hour: 9, minute: 7 });
    });
  });

  describe('#cronToPreset()', () => {
    it('should find the preset an expression was written from', () => {
      expect(cronToPreset('5 18 * * 1-5')).toEqual({
        preset: 'weekdays',
        time: '18:05',
        weekday: 1
      });
      expect(cronToPreset('0 9 * * 0').preset).toBe('weekly');
      expect(cronToPreset('15 * * * *')).toEqual({
        preset: 'hourly',
        time: '00:15',
        weekday: 1
      });
      expect(cronToPreset('30 6 * * *').time).toBe('06:30');
    });

    it('should call anything else custom', () => {
      for (const cron of ['*/5 * * * *', '0 6 1 * *', '0 6 * * 1,3', 'x']) {
        expect(cronToPreset(cron).preset).toBe('custom');
      }
    });

    it('should read back what each preset writes', () => {
      for (const preset of ['hourly', 'daily', 'weekdays', 'weekly'] as const) {
        const choice = { preset, time: '07:45', weekday: 3 };
        const cron = presetToCron(choice)!;
        expect(presetToCron(cronToPreset(cron))).toBe(cron);
      }
    });
  });
});
