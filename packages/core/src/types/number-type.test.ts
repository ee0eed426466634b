import { describe, expect, it } from 'vitest';
import { ValueProblem } from './metadata-type.js';
import { numberType } from './number-type.js';

const F32_MAX = 3.4028234663852886e38;
const f64 = numberType.compile({ format: 'F64' });
const f32 = numberType.compile({ format: 'F32' });

function rejection(check: (value: unknown) => unknown, value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('number: a finite JSON number', () => {
  it.each([0, -0, 1, -1, 0.5, 1e-300, -273.15, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, -Number.MAX_VALUE])(
    'accepts %s unchanged',
    (value) => {
      expect(f64(value)).toBe(value);
    },
  );

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('rejects %s with number.finite', (_label, value) => {
    const problem = rejection(f64, value);
    expect(problem.rule).toBe('number.finite');
    expect(problem.message).toMatch(/^expected a finite number, got /);
  });

  it.each([
    ['a numeric string', '42', 'a string'],
    ['an empty string', '', 'a string'],
    ['a boolean', true, 'a boolean'],
    ['an array', [1], 'an array'],
    ['an object', { value: 1 }, 'an object'],
    ['null', null, 'null'],
    ['a bigint', 1n, 'bigint'],
  ])('rejects %s with number.type, saying what came', (_label, value, kind) => {
    const problem = rejection(f64, value);
    expect(problem.rule).toBe('number.type');
    expect(problem.message).toBe(`expected a number, got ${kind}`);
  });
});

describe('number{format: F32}: a legacy strict 32-bit float', () => {
  it.each([0, 0.1, -0.1, 1e38, -1e38, F32_MAX, -F32_MAX])('accepts %s unchanged', (value) => {
    expect(f32(value)).toBe(value);
  });

  it.each([3.5e38, -3.5e38, 1e39, Number.MAX_VALUE])('rejects %s, beyond the 32-bit range', (value) => {
    const problem = rejection(f32, value);
    expect(problem.rule).toBe('number.finite');
    expect(problem.message).toBe(`expected a finite 32-bit number, got ${JSON.stringify(value)}`);
    // The same value is fine as an F64 number.
    expect(f64(value)).toBe(value);
  });

  it('rejects the next double above the 32-bit maximum', () => {
    const justAbove = F32_MAX * (1 + Number.EPSILON);
    expect(justAbove).toBeGreaterThan(F32_MAX);
    expect(rejection(f32, justAbove).rule).toBe('number.finite');
  });

  it('still reports the wrong kind as number.type', () => {
    expect(rejection(f32, '1.5').rule).toBe('number.type');
  });
});

describe('number: description and operators', () => {
  it('describes F32 and F64 differently', () => {
    expect(numberType.describe({ format: 'F64' })).toBe('a finite number');
    expect(numberType.describe({ format: 'F32' })).toBe('a finite 32-bit float');
  });

  it('has the ordered operators but no string operators', () => {
    expect(numberType.operators).toEqual(
      expect.arrayContaining(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'exists']),
    );
    expect(numberType.operators).not.toContain('contains');
    expect(numberType.operators).not.toContain('startswith');
    expect(numberType.operators).not.toContain('matches');
    expect(numberType.indexKind).toBe('number');
  });
});
