import {
  convertValue,
  findParametersSource,
  formatValue,
  guessValue,
  parseParameters,
  parsePythonLiteral
} from '../parameters';

describe('parameters', () => {
  describe('#findParametersSource()', () => {
    it('should find the code cell tagged parameters', () => {
      const notebook = {
        cells: [
          {
            cell_type: 'markdown',
            source: 'x = 1',
            metadata: { tags: ['parameters'] }
          },
          { cell_type: 'code', source: ['a = 1\n', 'b = 2'], metadata: {} },
          {
            cell_type: 'code',
            source: ['n = 3\n', 'rate = 0.5'],
            metadata: { tags: ['parameters'] }
          }
        ]
      };
      expect(findParametersSource(notebook)).toBe('n = 3\nrate = 0.5');
    });

    it('should give null without a parameters cell', () => {
      expect(findParametersSource({ cells: [] })).toBeNull();
    });
  });

  describe('#parseParameters()', () => {
    it('should keep the JSON type of each default', () => {
      const source = [
        'n = 10  # how many',
        'rate: float = 0.25',
        "name = 'abc'",
        'flag = True',
        'nothing = None',
        'items = [1, 2, "x"]',
        "options = {'a': 1, 'b': [True, None]}",
        'import os',
        'path = os.path.join("a", "b")',
        'if n:',
        '    hidden = 1'
      ].join('\n');
      const parameters = parseParameters(source);
      expect(parameters.map(p => [p.name, p.value, p.type])).toEqual([
        ['n', 10, 'integer'],
        ['rate', 0.25, 'number'],
        ['name', 'abc', 'string'],
        ['flag', true, 'boolean'],
        ['nothing', null, 'null'],
        ['items', [1, 2, 'x'], 'array'],
        ['options', { a: 1, b: [true, null] }, 'object']
      ]);
      expect(parameters[0].comment).toBe('how many');
    });

    it('should join a literal spanning lines', () => {
      const parameters = parseParameters(
        'values = [\n  1,\n  2,  # two\n]\nx = 1'
      );
      expect(parameters.map(p => [p.name, p.value])).toEqual([
        ['values', [1, 2]],
        ['x', 1]
      ]);
    });

    it('should keep the last assignment of a name', () => {
      expect(parseParameters('a = 1\na = "two"')).toEqual([
        { name: 'a', value: 'two', type: 'string' }
      ]);
    });
  });

  describe('#parsePythonLiteral()', () => {
    it('should parse strings with escapes and negative numbers', () => {
      expect(parsePythonLiteral('"a\\nb"')).toBe('a\nb');
      expect(parsePythonLiteral("r'a\\nb'")).toBe('a\\nb');
      expect(parsePythonLiteral('-1.5e3')).toBe(-1500);
      expect(parsePythonLiteral('1_000')).toBe(1000);
      expect(parsePythonLiteral('(1, 2)')).toEqual([1, 2]);
    });

    it('should refuse expressions', () => {
      expect(() => parsePythonLiteral('1 + 2')).toThrow();
      expect(() => parsePythonLiteral('foo')).toThrow();
    });
  });

  describe('#convertValue()', () => {
    it('should keep numbers numbers', () => {
      expect(convertValue('42', 'integer')).toEqual({ ok: true, value: 42 });
      expect(convertValue('0.5', 'number')).toEqual({ ok: true, value: 0.5 });
      expect(convertValue('7', 'number')).toEqual({ ok: true, value: 7 });
    });

    it('should refuse invalid values', () => {
      expect(convertValue('4.2', 'integer').ok).toBe(false);
      expect(convertValue('abc', 'number').ok).toBe(false);
      expect(convertValue('', 'number').ok).toBe(false);
      expect(convertValue('maybe', 'boolean').ok).toBe(false);
      expect(convertValue('{"a": 1}', 'array').ok).toBe(false);
    });

    it('should read booleans, lists and dicts', () => {
      expect(convertValue('false', 'boolean')).toEqual({
        ok: true,
        value: false
      });
      expect(convertValue('[1, 2]', 'array')).toEqual({
        ok: true,
        value: [1, 2]
      });
      expect(convertValue("{'a': 1}", 'object')).toEqual({
        ok: true,
        value: { a: 1 }
      });
    });

    it('should keep strings as typed', () => {
      expect(convertValue(' 12 ', 'string')).toEqual({
        ok: true,
        value: ' 12 '
      });
    });
  });

  describe('#formatValue()', () => {
    it('should show values like Python', () => {
      expect(formatValue(true, 'boolean')).toBe('True');
      expect(formatValue(null, 'null')).toBe('None');
      expect(formatValue([1, 'a'], 'array')).toBe('[1,"a"]');
      expect(formatValue('text', 'string')).toBe('text');
    });
  });

  describe('#guessValue()', () => {
    it('should read literals and keep other text as a string', () => {
      expect(guessValue('3')).toBe(3);
      expect(guessValue('True')).toBe(true);
      expect(guessValue('hello world')).toBe('hello world');
    });
  });
});
