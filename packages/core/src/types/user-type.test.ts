import { describe, expect, it } from 'vitest';
import { ValueProblem } from './metadata-type.js';
import { userType } from './user-type.js';

const check = userType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('user (legacy): a non-empty user identifier string', () => {
  it.each(['ana@example.com', 'user-42', 'x'])('accepts %j unchanged', (id) => {
    expect(check(id)).toBe(id);
  });

  it.each([
    ['an empty string', '', 'a string'],
    ['a number', 42, 'a number'],
    ['an object', { email: 'ana@example.com' }, 'an object'],
    ['null', null, 'null'],
  ])('rejects %s with user.type', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('user.type');
    expect(problem.message).toBe(`expected a non-empty user identifier string, got ${kind}`);
  });

  it('supports equality and membership, not ordering', () => {
    expect(userType.operators).toEqual(['eq', 'ne', 'in', 'nin', 'exists']);
    expect(userType.indexKind).toBe('string');
  });
});
