import { describe, expect, it } from 'vitest';
import { booleanType } from './boolean-type.js';
import { ValueProblem } from './metadata-type.js';

const check = booleanType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('boolean: true or false, nothing else', () => {
  it.each([true, false])('accepts %s unchanged', (value) => {
    expect(check(value)).toBe(value);
  });

  it.each([
    ['the string "true"', 'true', 'a string'],
    ['the string "false"', 'false', 'a string'],
    ['1', 1, 'a number'],
    ['0', 0, 'a number'],
    ['an empty string', '', 'a string'],
    ['an array', [true], 'an array'],
    ['an object', { value: true }, 'an object'],
    ['null', null, 'null'],
  ])('rejects %s with boolean.type, saying what came', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('boolean.type');
    expect(problem.message).toBe(`expected true or false, got ${kind}`);
  });

  it('describes itself and supports only eq, ne and exists', () => {
    expect(booleanType.describe(undefined)).toBe('true or false');
    expect(booleanType.operators).toEqual(['eq', 'ne', 'exists']);
    expect(booleanType.indexKind).toBe('boolean');
  });
});
