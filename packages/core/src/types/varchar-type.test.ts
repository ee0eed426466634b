import { describe, expect, it } from 'vitest';
import { VARCHAR_MAX_LENGTH } from '../schema/schema-types.js';
import { ValueProblem } from './metadata-type.js';
import { varcharType } from './varchar-type.js';

const check = varcharType.compile({ maxLength: VARCHAR_MAX_LENGTH });
const five = varcharType.compile({ maxLength: 5 });

function rejection(checker: (value: unknown) => unknown, value: unknown): ValueProblem {
  const result = checker(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('varchar: a string within its max length in code points (default 8192)', () => {
  it('has a default maximum of 8192', () => {
    expect(VARCHAR_MAX_LENGTH).toBe(8192);
    expect(varcharType.describe({ maxLength: VARCHAR_MAX_LENGTH })).toBe(
      'a string of at most 8192 characters',
    );
  });

  it.each([
    ['an empty string', ''],
    ['a label', 'front-left camera'],
    ['exactly 8192 characters', 'x'.repeat(8192)],
    ['8192 emoji (16384 UTF-16 units)', '😀'.repeat(8192)],
  ])('accepts %s unchanged', (_label, text) => {
    expect(check(text)).toBe(text);
  });

  it('rejects 8193 characters with varchar.max_length, saying the limit and the length', () => {
    const problem = rejection(check, 'x'.repeat(8193));
    expect(problem.rule).toBe('varchar.max_length');
    expect(problem.message).toBe('expected at most 8192 characters, got a string of 8193');
  });

  it('counts an emoji as one character', () => {
    expect('😀😀😀😀😀'.length).toBe(10);
    expect(five('😀😀😀😀😀')).toBe('😀😀😀😀😀');
    const problem = rejection(five, '😀😀😀😀😀😀');
    expect(problem.rule).toBe('varchar.max_length');
    expect(problem.message).toBe('expected at most 5 characters, got a string of 6');
  });

  it('applies a legacy max_length of 5', () => {
    expect(five('night')).toBe('night');
    expect(five('')).toBe('');
    expect(rejection(five, 'sunset').message).toBe('expected at most 5 characters, got a string of 6');
    expect(varcharType.describe({ maxLength: 5 })).toBe('a string of at most 5 characters');
  });

  it('counts an unpaired surrogate as one character', () => {
    expect(five('ab\ud800cd')).toBe('ab\ud800cd');
    expect(rejection(five, 'ab\ud800cde').message).toBe('expected at most 5 characters, got a string of 6');
  });

  it.each([
    ['a number', 42, 'a number'],
    ['a boolean', false, 'a boolean'],
    ['an array', ['a'], 'an array'],
    ['an object', { text: 'a' }, 'an object'],
    ['null', null, 'null'],
  ])('rejects %s with varchar.type', (_label, value, kind) => {
    const problem = rejection(check, value);
    expect(problem.rule).toBe('varchar.type');
    expect(problem.message).toBe(`expected a string, got ${kind}`);
  });

  it('has the string operators, under the legacy alias "string" too', () => {
    expect(varcharType.operators).toEqual(
      expect.arrayContaining([
        'eq',
        'ne',
        'lt',
        'in',
        'between',
        'exists',
        'contains',
        'startswith',
        'matches',
      ]),
    );
    expect(varcharType.aliases).toEqual(['string']);
    expect(varcharType.indexKind).toBe('string');
  });
});
