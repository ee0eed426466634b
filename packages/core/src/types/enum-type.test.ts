import { describe, expect, it } from 'vitest';
import { enumType } from './enum-type.js';
import { ValueProblem } from './metadata-type.js';

const options = ['test', 'train', 'val'];
const check = enumType.compile({ options });

function rejection(checker: (value: unknown) => unknown, value: unknown): ValueProblem {
  const result = checker(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('enum: one of its options, case-sensitive', () => {
  it.each(options)('accepts the option %j unchanged', (option) => {
    expect(check(option)).toBe(option);
  });

  it.each([
    ['a different case', 'Train'],
    ['all caps', 'TEST'],
    ['surrounding spaces', ' val '],
    ['a prefix of an option', 'tra'],
    ['an empty string', ''],
  ])('rejects %s with enum.option, listing the options', (_label, value) => {
    const problem = rejection(check, value);
    expect(problem.rule).toBe('enum.option');
    expect(problem.message).toBe(
      `${JSON.stringify(value)} is not an option of this enum (options: "test", "train", "val")`,
    );
  });

  it.each([
    ['a number', 1, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['an array', ['train'], 'an array'],
    ['null', null, 'null'],
  ])('rejects %s with enum.type', (_label, value, kind) => {
    const problem = rejection(check, value);
    expect(problem.rule).toBe('enum.type');
    expect(problem.message).toBe(`expected one of the enum options, got ${kind}`);
  });

  it('lists at most ten options in messages and descriptions', () => {
    const many = Array.from({ length: 12 }, (_, i) => `o${i}`);
    const manyCheck = enumType.compile({ options: many });
    expect(manyCheck('o11')).toBe('o11');
    const listed = '"o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", … (12 in all)';
    expect(rejection(manyCheck, 'o12').message).toBe(
      `"o12" is not an option of this enum (options: ${listed})`,
    );
    expect(enumType.describe({ options: many })).toBe(`one of ${listed}`);
  });

  it('accepts nothing when it has no options', () => {
    expect(rejection(enumType.compile({ options: [] }), 'train').rule).toBe('enum.option');
  });

  it('describes its options and has the ordered operators', () => {
    expect(enumType.describe({ options })).toBe('one of "test", "train", "val"');
    expect(enumType.operators).toEqual(expect.arrayContaining(['eq', 'ne', 'in', 'nin', 'exists']));
    expect(enumType.operators).not.toContain('contains');
    expect(enumType.indexKind).toBe('string');
  });
});
