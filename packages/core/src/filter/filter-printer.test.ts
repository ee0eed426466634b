import { describe, expect, it } from 'vitest';
import type { FilterNode } from './filter-ast.js';
import { parseFilter } from './filter-parser.js';
import { printFilter, printFilterKey } from './filter-printer.js';

const a = { key: 'a', op: 'eq', value: 1 } as const;
const b = { key: 'b', op: 'eq', value: 2 } as const;
const c = { key: 'c', op: 'eq', value: 3 } as const;

describe('printFilter: atoms', () => {
  it.each<[FilterNode, string]>([
    [{ key: 'k', op: 'eq', value: 1 }, 'k = 1'],
    [{ key: 'k', op: 'ne', value: 'x' }, 'k != "x"'],
    [{ key: 'k', op: 'lt', value: -2.5 }, 'k < -2.5'],
    [{ key: 'k', op: 'lte', value: 1e21 }, 'k <= 1e+21'],
    [{ key: 'k', op: 'gt', value: true }, 'k > true'],
    [{ key: 'k', op: 'gte', value: false }, 'k >= false'],
    [{ key: 'k', op: 'in', value: ['rain', 'snow'] }, 'k in ["rain", "snow"]'],
    [{ key: 'k', op: 'nin', value: [1, 'a', true] }, 'k not in [1, "a", true]'],
    [{ key: 'k', op: 'between', value: [1, 2] }, 'k between 1 and 2'],
    [{ key: 'k', op: 'contains', value: 's' }, 'k contains "s"'],
    [{ key: 'k', op: 'startswith', value: 'X1' }, 'k startswith "X1"'],
    [{ key: 'k', op: 'matches', value: 'red car' }, 'k matches "red car"'],
    [{ key: 'k', op: 'exists' }, 'k exists'],
    [{ not: { key: 'k', op: 'exists' } }, 'k not exists'],
    [{ not: a }, 'not a = 1'],
  ])('%j → %s', (ast, text) => {
    expect(printFilter(ast)).toBe(text);
  });

  it('prints strings as JSON strings, keeping unicode as it is', () => {
    expect(printFilter({ key: 'k', op: 'eq', value: 'a"b\\c\n日本 🚗' })).toBe('k = "a\\"b\\\\c\\n日本 🚗"');
  });
});

describe('printFilter: parentheses from precedence and nesting', () => {
  it.each<[FilterNode, string]>([
    [{ and: [a, b, c] }, 'a = 1 and b = 2 and c = 3'],
    [{ or: [a, b, c] }, 'a = 1 or b = 2 or c = 3'],
    [{ or: [a, { and: [b, c] }] }, 'a = 1 or b = 2 and c = 3'],
    [{ and: [a, { or: [b, c] }] }, 'a = 1 and (b = 2 or c = 3)'],
    [{ and: [{ and: [a, b] }, c] }, '(a = 1 and b = 2) and c = 3'],
    [{ or: [{ or: [a, b] }, c] }, '(a = 1 or b = 2) or c = 3'],
    [{ and: [{ not: a }, b] }, 'not a = 1 and b = 2'],
    [{ not: { and: [a, b] } }, 'not (a = 1 and b = 2)'],
    [{ not: { or: [a, b] } }, 'not (a = 1 or b = 2)'],
    [{ not: { not: a } }, 'not (not a = 1)'],
    [{ not: { not: { key: 'k', op: 'exists' } } }, 'not (k not exists)'],
  ])('%j → %s', (ast, text) => {
    expect(printFilter(ast)).toBe(text);
  });

  it('prints the canonical form of the issue example', () => {
    const text =
      'weather in ["rain", "snow"] and speed >= 10.5 and not (night = true) or `camera model` startswith "X1"';
    expect(printFilter(parseFilter(text))).toBe(
      'weather in ["rain", "snow"] and speed >= 10.5 and not night = true or `camera model` startswith "X1"',
    );
  });

  it('canonicalises spacing, keyword case and number spelling', () => {
    expect(printFilter(parseFilter('(A=1E2  AND  NOT b!=TRUE)OR c   NOT   EXISTS'))).toBe(
      'A = 100 and not b != true or c not exists',
    );
  });
});

describe('printFilterKey', () => {
  it.each([
    ['speed', 'speed'],
    ['_video.meta-data_2', '_video.meta-data_2'],
    ['$name', '$name'],
    ['$not', '$not'],
    ['camera model', '`camera model`'],
    ['a`b', '`a``b`'],
    ['2fast', '`2fast`'],
    ['-x', '`-x`'],
    ['日本', '`日本`'],
    ['and', '`and`'],
    ['NOT', '`NOT`'],
    ['StartsWith', '`StartsWith`'],
    ['True', '`True`'],
    ['android', 'android'],
    ['$', '`$`'],
    ['$my field', '`$my field`'],
    ['$$x', '`$$x`'],
  ])('%j → %s', (key, text) => {
    expect(printFilterKey(key)).toBe(text);
  });
});
