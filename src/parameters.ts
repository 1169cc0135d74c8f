/**
 * Conversions between the values typed in the submit dialog and JSON, and
 * the notebook parameters the server reads (papermill's inspect_notebook) as
 * the dialog shows them.
 */

/**
 * The JSON type of a parameter, from its annotation or its default value.
 */
export type ParameterType =
  'integer' | 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object';

/**
 * A parameter as `GET jupyter-jobs/parameters?path=` describes it.
 */
export interface INotebookParameter {
  /**
   * The Python name.
   */
  name: string;
  /**
   * Its annotation (`float`), or null when it has none.
   */
  type: string | null;
  /**
   * The default as source text (`0.1`, `'a'`, `np.arange(3)`).
   */
  default: string;
  /**
   * The comment at the end of its line.
   */
  help: string;
}

/**
 * A parameter as the dialog shows it.
 */
export interface IParameter {
  /**
   * The Python name.
   */
  name: string;
  /**
   * The default value, as JSON (its source text when it is not a literal).
   */
  value: any;
  /**
   * The JSON type the dialog converts typed values to.
   */
  type: ParameterType;
  /**
   * The help comment, if any.
   */
  comment?: string;
  /**
   * The annotation as written, if any.
   */
  annotation?: string;
  /**
   * Whether the default is a Python literal. When it is not (an
   * expression), a value left as it is is not sent: the notebook's own
   * default stays.
   */
  literal?: boolean;
}

/**
 * The JSON type of a Python annotation; `null` for one without a JSON
 * counterpart (`Any`, a class, `Optional[int]`).
 */
export function annotationType(
  annotation: string | null | undefined
): ParameterType | null {
  const name = (annotation ?? '').trim().replace(/^typing\./, '');
  switch (name.split('[')[0].trim()) {
    case 'int':
      return 'integer';
    case 'float':
      return 'number';
    case 'str':
      return 'string';
    case 'bool':
      return 'boolean';
    case 'list':
    case 'List':
    case 'tuple':
    case 'Tuple':
      return 'array';
    case 'dict':
    case 'Dict':
      return 'object';
    default:
      return null;
  }
}

/**
 * The dialog's view of a parameter the server read: its type from the
 * annotation, else from the default literal; a default that is no literal
 * (an expression) is kept as its text.
 */
export function fromNotebookParameter(
  parameter: INotebookParameter
): IParameter {
  let value: any;
  let literal = true;
  try {
    value = parsePythonLiteral(parameter.default);
  } catch {
    value = parameter.default;
    literal = false;
  }
  const inferred: ParameterType = literal ? typeOf(value) : 'null';
  const annotated = annotationType(parameter.type);
  // An annotation the default does not fit (`x: int = None`) does not bind.
  const fits =
    annotated !== null &&
    (!literal ||
      inferred === annotated ||
      (annotated === 'number' && inferred === 'integer'));
  const result: IParameter = {
    name: parameter.name,
    value: fits && annotated === 'number' && literal ? Number(value) : value,
    type: fits ? annotated! : inferred,
    literal
  };
  if (parameter.help) {
    result.comment = parameter.help;
  }
  if (parameter.type) {
    result.annotation = parameter.type;
  }
  return result;
}

/**
 * The JSON type of a value.
 */
export function typeOf(value: any): ParameterType {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

/**
 * A Python identifier.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Python keywords, which are not valid names.
 */
const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield'
]);

/**
 * Whether a text is a valid Python variable name.
 */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name);
}

/**
 * Parse a Python literal (numbers, strings, True/False/None, lists, tuples
 * and dicts of literals) into JSON.
 *
 * @throws SyntaxError if the text is not such a literal.
 */
export function parsePythonLiteral(text: string): any {
  const parser = new Private.LiteralParser(text);
  const value = parser.parseValue();
  parser.skipSpace();
  if (!parser.atEnd()) {
    throw new SyntaxError(`Unexpected text at ${parser.position}`);
  }
  return value;
}

/**
 * Format a JSON value for an input of the dialog.
 */
export function formatValue(value: any, type: ParameterType): string {
  switch (type) {
    case 'string':
      return String(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'null':
      return 'None';
    case 'integer':
    case 'number':
      return String(value);
    default:
      return JSON.stringify(value);
  }
}

/**
 * The result of converting a typed value.
 */
export type ConversionResult =
  { ok: true; value: any } | { ok: false; error: string };

/**
 * Convert the text of an input into a JSON value of the given type.
 *
 * - `string`: the text as is.
 * - `integer`: a whole number; `number`: any finite number.
 * - `boolean`: True/False (any case) or 1/0.
 * - `array` / `object`: a Python literal or JSON of that type.
 * - `null` (a parameter whose default is None): None, a literal, or else the
 *   text as a string.
 *
 * Error messages are in English; callers translate the known ones.
 */
export function convertValue(
  text: string,
  type: ParameterType
): ConversionResult {
  const trimmed = text.trim();
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'integer': {
      const clean = trimmed.replace(/_/g, '');
      if (!/^[+-]?\d+$/.test(clean)) {
        return { ok: false, error: 'Enter a whole number.' };
      }
      const value = Number(clean);
      if (!Number.isSafeInteger(value)) {
        return { ok: false, error: 'The number is too large.' };
      }
      return { ok: true, value };
    }
    case 'number': {
      const clean = trimmed.replace(/_/g, '');
      const value = Number(clean);
      if (!clean || !isFinite(value)) {
        return { ok: false, error: 'Enter a number.' };
      }
      return { ok: true, value };
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === '1') {
        return { ok: true, value: true };
      }
      if (lower === 'false' || lower === '0') {
        return { ok: true, value: false };
      }
      return { ok: false, error: 'Enter True or False.' };
    }
    case 'array':
    case 'object': {
      let value: any;
      try {
        value = parsePythonLiteral(trimmed);
      } catch {
        value = undefined;
      }
      if (value === undefined || typeOf(value) !== type) {
        return {
          ok: false,
          error:
            type === 'array'
              ? 'Enter a list, like [1, 2].'
              : 'Enter a dict, like {"a": 1}.'
        };
      }
      return { ok: true, value };
    }
    case 'null':
    default:
      return { ok: true, value: guessValue(text) };
  }
}

/**
 * Interpret free text: a Python literal (number, quoted string, True, None,
 * list, dict) when it is one, else the text itself as a string.
 */
export function guessValue(text: string): any {
  const trimmed = text.trim();
  if (!trimmed) {
    return '';
  }
  try {
    return parsePythonLiteral(trimmed);
  } catch {
    return text;
  }
}

/**
 * A namespace for private helpers.
 */
namespace Private {
  /**
   * A small recursive descent parser of Python literals.
   */
  export class LiteralParser {
    constructor(text: string) {
      this._text = text;
    }

    /**
     * The current offset.
     */
    get position(): number {
      return this._pos;
    }

    /**
     * Whether the whole text was consumed.
     */
    atEnd(): boolean {
      return this._pos >= this._text.length;
    }

    /**
     * The text not consumed yet.
     */
    rest(): string {
      return this._text.slice(this._pos);
    }

    /**
     * Skip white space (and line breaks inside brackets).
     */
    skipSpace(inside = false): void {
      for (;;) {
        const ch = this._text[this._pos];
        if (ch === ' ' || ch === '\t' || ch === '\r') {
          this._pos++;
        } else if (inside && ch === '\n') {
          this._pos++;
        } else if (inside && ch === '#') {
          while (
            this._pos < this._text.length &&
            this._text[this._pos] !== '\n'
          ) {
            this._pos++;
          }
        } else {
          return;
        }
      }
    }

    /**
     * Parse one value.
     */
    parseValue(inside = false): any {
      this.skipSpace(inside);
      const ch = this._text[this._pos];
      if (ch === undefined) {
        throw new SyntaxError('Unexpected end');
      }
      if (ch === '[') {
        return this._parseSequence('[', ']');
      }
      if (ch === '(') {
        return this._parseSequence('(', ')');
      }
      if (ch === '{') {
        return this._parseDict();
      }
      if (ch === '-' || ch === '+' || ch === '.' || (ch >= '0' && ch <= '9')) {
        return this._parseNumber();
      }
      const stringStart = /^([rRbBuUfF]{0,2})(['"])/.exec(this.rest());
      if (stringStart) {
        return this._parseString(stringStart[1], stringStart[2]);
      }
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.rest());
      if (word) {
        const name = word[0];
        const values: { [name: string]: any } = {
          True: true,
          False: false,
          None: null,
          true: true,
          false: false,
          null: null
        };
        if (name in values) {
          this._pos += name.length;
          return values[name];
        }
      }
      throw new SyntaxError(`Not a literal at ${this._pos}`);
    }

    private _parseNumber(): number {
      const match =
        /^[+-]?(\d[\d_]*\.?[\d_]*([eE][+-]?\d+)?|\.\d[\d_]*([eE][+-]?\d+)?|0[xX][0-9a-fA-F_]+)/.exec(
          this.rest()
        );
      if (!match) {
        throw new SyntaxError(`Not a number at ${this._pos}`);
      }
      this._pos += match[0].length;
      const clean = match[0].replace(/_/g, '');
      const value = Number(clean);
      if (!isFinite(value)) {
        throw new SyntaxError('Not a finite number');
      }
      return value;
    }

    private _parseString(prefix: string, quote: string): string {
      const raw = /r/i.test(prefix);
      if (/[bf]/i.test(prefix)) {
        throw new SyntaxError('Bytes and f-strings are not literals');
      }
      this._pos += prefix.length;
      const triple = this._text.startsWith(quote.repeat(3), this._pos);
      const end = triple ? quote.repeat(3) : quote;
      this._pos += end.length;
      let out = '';
      for (;;) {
        if (this._pos >= this._text.length) {
          throw new SyntaxError('Unterminated string');
        }
        if (this._text.startsWith(end, this._pos)) {
          this._pos += end.length;
          break;
        }
        const ch = this._text[this._pos];
        if (ch === '\n' && !triple) {
          throw new SyntaxError('Unterminated string');
        }
        if (ch === '\\' && !raw) {
          const next = this._text[this._pos + 1];
          const escapes: { [key: string]: string } = {
            n: '\n',
            t: '\t',
            r: '\r',
            '\\': '\\',
            "'": "'",
            '"': '"',
            '0': '\0',
            '\n': ''
          };
          if (next in escapes) {
            out += escapes[next];
            this._pos += 2;
            continue;
          }
          const unicode =
            /^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(
              this._text.slice(this._pos)
            );
          if (unicode) {
            out += String.fromCodePoint(parseInt(unicode[1].slice(1), 16));
            this._pos += unicode[0].length;
            continue;
          }
          out += ch;
          this._pos++;
          continue;
        }
        out += ch;
        this._pos++;
      }
      // Adjacent string literals concatenate.
      const save = this._pos;
      this.skipSpace();
      const more = /^([rRuU]?)(['"])/.exec(this.rest());
      if (more) {
        return out + this._parseString(more[1], more[2]);
      }
      this._pos = save;
      return out;
    }

    private _parseSequence(open: string, close: string): any[] {
      this._pos++; // the opening bracket
      const items: any[] = [];
      for (;;) {
        this.skipSpace(true);
        if (this._text[this._pos] === close) {
          this._pos++;
          return items;
        }
        items.push(this.parseValue(true));
        this.skipSpace(true);
        const ch = this._text[this._pos];
        if (ch === ',') {
          this._pos++;
        } else if (ch === close) {
          this._pos++;
          return items;
        } else {
          throw new SyntaxError(`Expected , or ${close} at ${this._pos}`);
        }
      }
    }

    private _parseDict(): { [key: string]: any } {
      this._pos++; // {
      const result: { [key: string]: any } = {};
      for (;;) {
        this.skipSpace(true);
        if (this._text[this._pos] === '}') {
          this._pos++;
          return result;
        }
        const key = this.parseValue(true);
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new SyntaxError('Dict keys must be strings or numbers');
        }
        this.skipSpace(true);
        if (this._text[this._pos] !== ':') {
          throw new SyntaxError(`Expected : at ${this._pos}`);
        }
        this._pos++;
        result[String(key)] = this.parseValue(true);
        this.skipSpace(true);
        const ch = this._text[this._pos];
        if (ch === ',') {
          this._pos++;
        } else if (ch === '}') {
          this._pos++;
          return result;
        } else {
          throw new SyntaxError(`Expected , or } at ${this._pos}`);
        }
      }
    }

    private _text: string;
    private _pos = 0;
  }
}
