import { describe, expect, it } from 'vitest';
import { jsonKind, showValue, ValueProblem } from './metadata-type.js';

describe('jsonKind: the JSON kind of a value, for "expected X, got Y"', () => {
  it.each([
    [null, 'null'],
    [[], 'an array'],
    [[1, 2], 'an array'],
    ['', 'a string'],
    [0, 'a number'],
    [false, 'a boolean'],
    [{}, 'an object'],
    [undefined, 'undefined'],
  ])('names %j as %s', (value, kind) => {
    expect(jsonKind(value)).toBe(kind);
  });
});

describe('showValue: a value rendered briefly for a message', () => {
  it('quotes strings as JSON', () => {
    expect(showValue('a "quoted" word')).toBe('"a \\"quoted\\" word"');
  });

  it('shortens strings over 60 characters to 57 and an ellipsis', () => {
    const shown = showValue('y'.repeat(61));
    expect(shown).toBe(JSON.stringify(`${'y'.repeat(57)}...`));
    expect(showValue('y'.repeat(60))).toBe(JSON.stringify('y'.repeat(60)));
  });

  it('shows short arrays in full and long arrays by length', () => {
    expect(showValue([1, 2, 3])).toBe('[1,2,3]');
    expect(showValue(Array.from({ length: 9 }, (_, i) => i))).toBe('an array of 9 elements');
  });

  it('shows numbers, booleans, null, undefined and long objects', () => {
    expect(showValue(1.5)).toBe('1.5');
    expect(showValue(true)).toBe('true');
    expect(showValue(null)).toBe('null');
    expect(showValue(undefined)).toBe('undefined');
    const shown = showValue({ text: 'z'.repeat(100) });
    expect(shown).toHaveLength(60);
    expect(shown.endsWith('...')).toBe(true);
  });
});

describe('ValueProblem', () => {
  it('carries a stable rule and a message', () => {
    const problem = new ValueProblem('boolean.type', 'expected true or false, got a string');
    expect(problem.rule).toBe('boolean.type');
    expect(problem.message).toBe('expected true or false, got a string');
  });
});
