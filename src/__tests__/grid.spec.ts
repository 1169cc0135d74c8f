import {
  countRuns,
  expandRange,
  formatRunCount,
  parseValueList,
  splitList
} from '../grid';

describe('grid', () => {
  describe('#splitList', () => {
    it('should split at top-level commas only', () => {
      expect(splitList('1, [2, 3], {"a": 4, "b": 5}, "x, y", (6, 7)')).toEqual([
        '1',
        '[2, 3]',
        '{"a": 4, "b": 5}',
        '"x, y"',
        '(6, 7)'
      ]);
    });
  });

  describe('#parseValueList', () => {
    it('should type each value as a single value of the parameter is', () => {
      expect(parseValueList('0.001, 0.003,0.01', 'number')).toEqual({
        ok: true,
        values: [0.001, 0.003, 0.01]
      });
      expect(parseValueList('16, 32, 64', 'integer')).toEqual({
        ok: true,
        values: [16, 32, 64]
      });
      expect(parseValueList('True, false', 'boolean')).toEqual({
        ok: true,
        values: [true, false]
      });
      expect(parseValueList('[1, 2], [3]', 'array')).toEqual({
        ok: true,
        values: [[1, 2], [3]]
      });
    });

    it('should keep text as text, unquoting a quoted value that holds a comma', () => {
      expect(parseValueList('adam, sgd, "a, b"', 'string')).toEqual({
        ok: true,
        values: ['adam', 'sgd', 'a, b']
      });
      // A number typed for a text parameter stays text.
      expect(parseValueList('1, 2', 'string')).toEqual({
        ok: true,
        values: ['1', '2']
      });
    });

    it('should guess the type of each value without a parameter type', () => {
      expect(parseValueList('1, 0.5, relu, None', null)).toEqual({
        ok: true,
        values: [1, 0.5, 'relu', null]
      });
    });

    it('should refuse a value of the wrong type, an empty value, a repeat or nothing', () => {
      const wrong = parseValueList('16, 3.5', 'integer');
      expect(wrong.ok).toBe(false);
      expect(!wrong.ok && wrong.error).toBe('3.5: Enter a whole number.');
      expect(parseValueList('1,,2', 'integer').ok).toBe(false);
      const twice = parseValueList('0.1, 0.10', 'number');
      expect(!twice.ok && twice.error).toBe('0.10 is listed twice.');
      expect(parseValueList('  ', 'number').ok).toBe(false);
    });
  });

  describe('#expandRange', () => {
    it('should step from the first value to the last, included', () => {
      expect(
        expandRange(
          { start: '16', stop: '64', by: '16', division: 'step' },
          'integer'
        )
      ).toEqual({ ok: true, values: [16, 32, 48, 64] });
    });

    it('should not include a last value the steps do not reach', () => {
      expect(
        expandRange(
          { start: '1', stop: '10', by: '4', division: 'step' },
          'integer'
        )
      ).toEqual({ ok: true, values: [1, 5, 9] });
    });

    it('should keep decimal steps free of rounding noise', () => {
      expect(
        expandRange(
          { start: '0.1', stop: '0.5', by: '0.1', division: 'step' },
          'number'
        )
      ).toEqual({ ok: true, values: [0.1, 0.2, 0.3, 0.4, 0.5] });
    });

    it('should step downwards when the last value is smaller', () => {
      expect(
        expandRange(
          { start: '3', stop: '1', by: '1', division: 'step' },
          'integer'
        )
      ).toEqual({ ok: true, values: [3, 2, 1] });
    });

    it('should spread a count of values evenly, both ends included', () => {
      expect(
        expandRange(
          { start: '0', stop: '1', by: '5', division: 'count' },
          'number'
        )
      ).toEqual({ ok: true, values: [0, 0.25, 0.5, 0.75, 1] });
      expect(
        expandRange(
          { start: '2', stop: '8', by: '1', division: 'count' },
          'integer'
        )
      ).toEqual({ ok: true, values: [2] });
    });

    it('should refuse whole-number ranges whose values are not whole', () => {
      expect(
        expandRange(
          { start: '1', stop: '2', by: '3', division: 'count' },
          'integer'
        ).ok
      ).toBe(false);
      expect(
        expandRange(
          { start: '1', stop: '4', by: '0.5', division: 'step' },
          'integer'
        ).ok
      ).toBe(false);
    });

    it('should refuse a missing end, a step of 0 and a huge range', () => {
      expect(
        expandRange(
          { start: '', stop: '4', by: '1', division: 'step' },
          'number'
        ).ok
      ).toBe(false);
      expect(
        expandRange(
          { start: '1', stop: '4', by: '0', division: 'step' },
          'number'
        ).ok
      ).toBe(false);
      const huge = expandRange(
        { start: '0', stop: '1', by: '0.00001', division: 'step' },
        'number'
      );
      expect(!huge.ok && huge.error).toBe('The range has too many values.');
    });
  });

  describe('#countRuns', () => {
    it('should multiply the numbers of values', () => {
      expect(countRuns({ lr: [1, 2, 3], hidden: [16, 64] })).toBe(6);
      expect(countRuns({})).toBe(1);
    });
  });

  describe('#formatRunCount', () => {
    it('should show the product of the varying parameters', () => {
      expect(formatRunCount([3, 1, 2])).toBe('3 × 2 = 6 runs');
      expect(formatRunCount([4, 1])).toBe('4 runs');
      expect(formatRunCount([1, 1])).toBe('1 run');
    });
  });
});
