import {
  convertValue,
  annotationType,
  fromNotebookParameter,
  formatValue,
  guessValue,
  parsePythonLiteral
} from '../parameters';

describe('parameters', () => {
  describe('#annotationType()', () => {
    it('should map Python annotations to JSON types', () => {
      expect(annotationType('int')).toBe('integer');
      expect(annotationType('float')).toBe('number');
      expect(annotationType('str')).toBe('string');
      expect(annotationType('bool')).toBe('boolean');
      expect(annotationType('list[int]')).toBe('array');
      expect(annotationType('typing.Dict[str, int]')).toBe('object');
      expect(annotationType('Optional[int]')).toBeNull();
      expect(annotationType(null)).toBeNull();
    });
  });

  describe('#fromNotebookParameter()', () => {
    it('should take the type from the annotation and keep the help', () => {
      expect(
        fromNotebookParameter({
          name: 'lr',
          type: 'float',
          default: '1',
          help: 'learning rate'
        })
      ).toEqual({
        name: 'lr',
        value: 1,
        type: 'number',
        literal: true,
        comment: 'learning rate',
        annotation: 'float'
      });
    });

    it('should infer the type of an unannotated literal default', () => {
      const parameter = fromNotebookParameter({
        name: 'sizes',
        type: null,
        default: '[1, 2]',
        help: ''
      });
      expect(parameter.type).toBe('array');
      expect(parameter.value).toEqual([1, 2]);
      expect(parameter.comment).toBeUndefined();
    });

    it('should not bind an annotation the default does not fit', () => {
      const parameter = fromNotebookParameter({
        name: 'seed',
        type: 'int',
        default: 'None',
        help: ''
      });
      expect(parameter.type).toBe('null');
      expect(parameter.value).toBeNull();
    });

    it('should keep an expression default as text, marked as no literal', () => {
      const parameter = fromNotebookParameter({
        name: 'xs',
        type: null,
        default: 'np.arange(3)',
        help: ''
      });
      expect(parameter).toEqual({
        name: 'xs',
        value: 'np.arange(3)',
        type: 'null',
        literal: false
      });
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
