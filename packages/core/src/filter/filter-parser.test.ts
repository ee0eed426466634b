import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { MAX_FILTER_DEPTH, type FilterNode } from './filter-ast.js';
import { parseFilter } from './filter-parser.js';
import { FilterSyntaxError } from './filter-syntax-error.js';

const a = { key: 'a', op: 'eq', value: 1 } as const;
const b = { key: 'b', op: 'eq', value: 2 } as const;
const c = { key: 'c', op: 'eq', value: 3 } as const;

function syntaxError(text: string): FilterSyntaxError {
  try {
    parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseFilter: operators', () => {
  it.each<[string, FilterNode]>([
    ['k = 1', { key: 'k', op: 'eq', value: 1 }],
    ['k != "x"', { key: 'k', op: 'ne', value: 'x' }],
    ['k < -2.5', { key: 'k', op: 'lt', value: -2.5 }],
    ['k <= 1e3', { key: 'k', op: 'lte', value: 1000 }],
    ['k > true', { key: 'k', op: 'gt', value: true }],
    ['k >= false', { key: 'k', op: 'gte', value: false }],
    ['k in ["rain", "snow"]', { key: 'k', op: 'in', value: ['rain', 'snow'] }],
    ['k in [1]', { key: 'k', op: 'in', value: [1] }],
    ['k not in [1, "a", true]', { key: 'k', op: 'nin', value: [1, 'a', true] }],
    ['k between 1 and 2', { key: 'k', op: 'between', value: [1, 2] }],
    ['k between "a" and "b"', { key: 'k', op: 'between', value: ['a', 'b'] }],
    ['k contains "s"', { key: 'k', op: 'contains', value: 's' }],
    ['k startswith "X1"', { key: 'k', op: 'startswith', value: 'X1' }],
    ['k matches "red car"', { key: 'k', op: 'matches', value: 'red car' }],
    ['k exists', { key: 'k', op: 'exists' }],
    ['k not exists', { not: { key: 'k', op: 'exists' } }],
  ])('%s', (text, ast) => {
    expect(parseFilter(text)).toEqual(ast);
  });

  it('needs no spaces around symbols and allows any JSON whitespace', () => {
    expect(parseFilter('k>=10')).toEqual({ key: 'k', op: 'gte', value: 10 });
    expect(parseFilter('\tk\nin\r\n[1,2]  ')).toEqual({ key: 'k', op: 'in', value: [1, 2] });
  });

  it('reads -0 as 0, so that it prints back the same', () => {
    expect(Object.is((parseFilter('k = -0') as { value: number }).value, 0)).toBe(true);
  });
});

describe('parseFilter: combinators and precedence', () => {
  it('not binds tighter than and, and tighter than or', () => {
    expect(parseFilter('a = 1 or b = 2 and not c = 3')).toEqual({ or: [a, { and: [b, { not: c }] }] });
    expect(parseFilter('not a = 1 and b = 2')).toEqual({ and: [{ not: a }, b] });
  });

  it('builds flat n-ary nodes for chains', () => {
    expect(parseFilter('a = 1 and b = 2 and c = 3')).toEqual({ and: [a, b, c] });
    expect(parseFilter('a = 1 or b = 2 or c = 3')).toEqual({ or: [a, b, c] });
  });

  it('keeps the node of each parenthesised group', () => {
    expect(parseFilter('(a = 1 and b = 2) and c = 3')).toEqual({ and: [{ and: [a, b] }, c] });
    expect(parseFilter('a = 1 and (b = 2 or c = 3)')).toEqual({ and: [a, { or: [b, c] }] });
    expect(parseFilter('((a = 1))')).toEqual(a);
    expect(parseFilter('not (a = 1 or b = 2)')).toEqual({ not: { or: [a, b] } });
    expect(parseFilter('not not a = 1')).toEqual({ not: { not: a } });
  });

  it('gives the and of between to between', () => {
    expect(parseFilter('k between 1 and 2 and a = 1')).toEqual({
      and: [{ key: 'k', op: 'between', value: [1, 2] }, a],
    });
  });

  it('parses the example from the issue', () => {
    const text =
      'weather in ["rain", "snow"] and speed >= 10.5 and not (night = true) or `camera model` startswith "X1"';
    expect(parseFilter(text)).toEqual({
      or: [
        {
          and: [
            { key: 'weather', op: 'in', value: ['rain', 'snow'] },
            { key: 'speed', op: 'gte', value: 10.5 },
            { not: { key: 'night', op: 'eq', value: true } },
          ],
        },
        { key: 'camera model', op: 'startswith', value: 'X1' },
      ],
    });
  });
});

describe('parseFilter: keys, keywords and literals', () => {
  it('reads bare keys with dots, dashes and underscores', () => {
    expect(parseFilter('_video.meta-data_2 = 1')).toMatchObject({ key: '_video.meta-data_2' });
  });

  it('reads backtick keys with any characters and doubled backticks', () => {
    expect(parseFilter('`camera model` = 1')).toMatchObject({ key: 'camera model' });
    expect(parseFilter('`a``b` = 1')).toMatchObject({ key: 'a`b' });
    expect(parseFilter('```` = 1')).toMatchObject({ key: '`' });
    expect(parseFilter('`日本 ✓` = 1')).toMatchObject({ key: '日本 ✓' });
    expect(parseFilter('`and` = 1')).toMatchObject({ key: 'and' });
  });

  it('reads built-in fields bare with their $', () => {
    for (const field of ['$name', '$type', '$created', '$edited', '$folder', '$collection', '$dataset']) {
      expect(parseFilter(`${field} exists`)).toEqual({ key: field, op: 'exists' });
    }
    expect(parseFilter('`$name` exists')).toEqual({ key: '$name', op: 'exists' });
  });

  it('treats keywords case-insensitively', () => {
    expect(parseFilter('a = TRUE AND NOT b = False Or c In [1] oR k NoT ExIsTs')).toEqual({
      or: [
        { and: [{ key: 'a', op: 'eq', value: true }, { not: { key: 'b', op: 'eq', value: false } }] },
        { key: 'c', op: 'in', value: [1] },
        { not: { key: 'k', op: 'exists' } },
      ],
    });
    expect(parseFilter('k BETWEEN 1 AND 2')).toEqual({ key: 'k', op: 'between', value: [1, 2] });
    expect(parseFilter('k StartsWith "a"')).toEqual({ key: 'k', op: 'startswith', value: 'a' });
  });

  it('keeps the case of keys that merely contain keywords', () => {
    expect(parseFilter('android = 1')).toMatchObject({ key: 'android' });
    expect(parseFilter('notes exists')).toEqual({ key: 'notes', op: 'exists' });
  });

  it('decodes JSON strings, escapes and unicode', () => {
    expect(parseFilter('k = "日本語 🚗"')).toMatchObject({ value: '日本語 🚗' });
    expect(parseFilter('k = "a\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude97"')).toMatchObject({
      value: 'a"b\\c/d\n\té🚗',
    });
    expect(parseFilter('k = ""')).toMatchObject({ value: '' });
  });

  it('reads JSON numbers', () => {
    expect(parseFilter('k = 0')).toMatchObject({ value: 0 });
    expect(parseFilter('k = -12.5e-3')).toMatchObject({ value: -0.0125 });
    expect(parseFilter('k = 1E+2')).toMatchObject({ value: 100 });
  });
});

describe('parseFilter: errors name the column and what was expected', () => {
  const VALUE = 'a value (a number, a string, true or false)';
  const CONDITION = 'a condition (a key, "not" or "(")';
  const KEY_HINT = 'a condition (a key, "not" or "("; write other keys in backticks, like `my key`)';
  const OPERATOR =
    'an operator (= != < <= > >= in, not in, between, contains, startswith, matches, exists or not exists)';
  const END = 'the end of the filter';

  it.each<[string, number, string, string]>([
    ['speed >= 10 and (night = )', 26, VALUE, '")"'],
    ['', 1, CONDITION, END],
    ['a = 1 and', 10, CONDITION, END],
    ['()', 2, CONDITION, '")"'],
    ['= 1', 1, CONDITION, '"="'],
    ['and = 1', 1, KEY_HINT, '"and"'],
    ['Between = 1', 1, KEY_HINT, '"Between"'],
    ['é = 1', 1, KEY_HINT, '"é"'],
    ['$ = 1', 1, KEY_HINT, '"$"'],
    ['`` = 1', 1, 'a non-empty key between the backticks', '"``"'],
    ['a', 2, OPERATOR, END],
    ['a == 1', 4, VALUE, '"="'],
    ['a ! 1', 3, OPERATOR, '"!"'],
    ['a 1', 3, OPERATOR, 'the number 1'],
    ['a foo 1', 3, OPERATOR, '"foo"'],
    ['a =', 4, VALUE, END],
    ['a = b', 5, VALUE, '"b"'],
    ['a = null', 5, VALUE, '"null"'],
    ['a in 1', 6, '"[" to start the list of values', 'the number 1'],
    ['a in []', 7, VALUE, '"]"'],
    ['a in [1 2]', 9, '"," or "]"', 'the number 2'],
    ['a in [1,]', 9, VALUE, '"]"'],
    ['a in [1', 8, '"," or "]"', END],
    ['a not 1', 7, '"in" or "exists" after "not"', 'the number 1'],
    ['a between 1 or 2', 13, '"and" (between low and high)', '"or"'],
    ['a between 1', 12, '"and" (between low and high)', END],
    ['a contains 1', 12, 'a string after "contains"', 'the number 1'],
    ['a matches true', 11, 'a string after "matches"', '"true"'],
    ['a startswith', 13, 'a string after "startswith"', END],
    ['(a = 1', 7, '"and", "or" or ")"', END],
    ['a = 1)', 6, '"and", "or" or the end of the filter', '")"'],
    ['a = 1 b = 2', 7, '"and", "or" or the end of the filter', '"b"'],
    ['a = "x" "y"', 9, '"and", "or" or the end of the filter', 'the string "y"'],
    ['a = 01', 5, 'a JSON number', '"01"'],
    ['a = 1.', 5, 'a JSON number', '"1."'],
    ['a = -', 5, 'a JSON number', '"-"'],
    ['a = 1e999', 5, 'a number within the range of a double', '"1e999"'],
    ['a = "x', 7, 'a closing " to end the string', END],
    [
      'a = "\\q"',
      6,
      'a JSON escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u followed by four hex digits)',
      '"\\\\q"',
    ],
    [
      'a = "\\u12"',
      6,
      'a JSON escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u followed by four hex digits)',
      '"\\\\u12\\""',
    ],
    ['a = "x\ny"', 7, 'a string character (control characters must be escaped)', '"\\n"'],
    ['`a = 1', 7, 'a closing ` to end the key', END],
  ])('%j → column %i', (text, column, expected, found) => {
    const error = syntaxError(text);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.code).toBe('invalid_argument');
    expect({ column: error.column, expected: error.expected, found: error.found }).toEqual({
      column,
      expected,
      found,
    });
    expect(error.message).toBe(`column ${column}: expected ${expected}, found ${found}`);
  });

  it('counts columns in code points, not UTF-16 units', () => {
    expect(syntaxError('`🚗🚗` = )').column).toBe(8);
  });

  it('reports the first error in source order, even when a later string is broken', () => {
    expect(syntaxError('a = ) and b = "unterminated').column).toBe(5);
  });

  it('shortens long strings in messages', () => {
    const error = syntaxError(`a = 1 "${'x'.repeat(100)}"`);
    expect(error.found).toBe(`the string "${'x'.repeat(37)}..."`);
  });

  it('refuses trees deeper than MAX_FILTER_DEPTH, and absurd nesting before recursing', () => {
    const deep = (n: number) => `${'not '.repeat(n - 1)}a = 1`;
    expect(parseFilter(deep(MAX_FILTER_DEPTH))).toBeDefined();
    const error = syntaxError(deep(MAX_FILTER_DEPTH + 1));
    expect(error.expected).toBe(`a filter at most ${MAX_FILTER_DEPTH} levels deep`);
    expect(syntaxError(`${'('.repeat(100_000)}a = 1${')'.repeat(100_000)}`).expected).toBe(
      `at most ${2 * MAX_FILTER_DEPTH} nested parentheses and "not"s`,
    );
  });
});
