import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { MAX_FILTER_DEPTH, validateFilter } from './filter-ast.js';

function validationError(input: unknown): InvalidArgumentError {
  try {
    validateFilter(input);
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const a = { key: 'a', op: 'eq', value: 1 };
const b = { key: 'b', op: 'eq', value: 2 };

describe('validateFilter: valid input', () => {
  it.each([
    { key: 'k', op: 'eq', value: 'x' },
    { key: 'k', op: 'ne', value: true },
    { key: 'k', op: 'lt', value: 1.5 },
    { key: 'k', op: 'lte', value: 'b' },
    { key: 'k', op: 'gt', value: -3 },
    { key: 'k', op: 'gte', value: false },
    { key: 'k', op: 'in', value: ['a', 1, true] },
    { key: 'k', op: 'nin', value: [1] },
    { key: 'k', op: 'between', value: [1, 2] },
    { key: 'k', op: 'contains', value: 's' },
    { key: 'k', op: 'startswith', value: '' },
    { key: 'k', op: 'matches', value: 'red car' },
    { key: 'k', op: 'exists' },
    { key: '$name', op: 'exists' },
    { and: [a, b] },
    { or: [a, b, { not: a }] },
    { not: { and: [a, { or: [a, b] }] } },
  ])('accepts %j unchanged', (input) => {
    expect(validateFilter(input)).toStrictEqual(input);
  });

  it('drops the optional value: true of exists', () => {
    expect(validateFilter({ key: 'k', op: 'exists', value: true })).toStrictEqual({ key: 'k', op: 'exists' });
  });

  it('replaces a one-child and/or with its child', () => {
    expect(validateFilter({ and: [a] })).toStrictEqual(a);
    expect(validateFilter({ or: [{ and: [{ not: a }] }] })).toStrictEqual({ not: a });
  });

  it('folds -0 into 0', () => {
    expect([-0]).not.toStrictEqual([0]); // the matcher tells them apart, so the next line means something
    expect(validateFilter({ key: 'k', op: 'between', value: [-0, 1] })).toStrictEqual({
      key: 'k',
      op: 'between',
      value: [0, 1],
    });
  });

  it('accepts MAX_FILTER_DEPTH levels', () => {
    let deep: unknown = a;
    for (let i = 1; i < MAX_FILTER_DEPTH; i++) deep = { not: deep };
    expect(() => validateFilter(deep)).not.toThrow();
    expect(validationError({ not: deep }).message).toBe(
      `filter${'.not'.repeat(MAX_FILTER_DEPTH)}: a filter may nest at most ${MAX_FILTER_DEPTH} levels deep`,
    );
  });
});

describe('validateFilter: errors name the path', () => {
  const SHAPE = '{"and": [...]}, {"or": [...]}, {"not": {...}} or {"key", "op", "value"}';
  it.each<[unknown, string]>([
    [null, `filter: expected a filter object (${SHAPE}), got null`],
    ['a = 1', `filter: expected a filter object (${SHAPE}), got a string`],
    [[a], `filter: expected a filter object (${SHAPE}), got an array`],
    [{ and: [a], or: [b] }, 'filter: "and" must be the only property of its object, found "and", "or"'],
    [{ not: a, key: 'k' }, 'filter: "not" must be the only property of its object, found "not", "key"'],
    [{ and: [] }, 'filter.and: and needs a non-empty array of filters'],
    [{ or: a }, 'filter.or: or needs a non-empty array of filters'],
    [{ and: [a, { or: [a, 7] }] }, `filter.and[1].or[1]: expected a filter object (${SHAPE}), got a number`],
    [{ not: {} }, 'filter.not.key: expected a non-empty string, got undefined'],
    [{ key: 'k', op: 'eq', value: 1, extra: 1 }, `filter: unknown "extra"; a filter object is ${SHAPE}`],
    [{ key: '', op: 'eq', value: 1 }, 'filter.key: expected a non-empty string, got a string'],
    [{ key: 3, op: 'eq', value: 1 }, 'filter.key: expected a non-empty string, got a number'],
    [
      { key: 'k', op: 'like', value: 1 },
      'filter.op: expected one of eq, ne, lt, lte, gt, gte, in, nin, between, contains, startswith, matches, exists, got "like"',
    ],
    [
      { key: 'k', op: null, value: 1 },
      'filter.op: expected one of eq, ne, lt, lte, gt, gte, in, nin, between, contains, startswith, matches, exists, got null',
    ],
    [
      { key: 'k', op: 'eq' },
      'filter.value: eq needs a value (a number, a string, true or false), got undefined',
    ],
    [
      { key: 'k', op: 'lt', value: null },
      'filter.value: lt needs a value (a number, a string, true or false), got null',
    ],
    [
      { key: 'k', op: 'gt', value: [1] },
      'filter.value: gt needs a value (a number, a string, true or false), got an array',
    ],
    [
      { key: 'k', op: 'eq', value: NaN },
      'filter.value: eq needs a value (a number, a string, true or false), got NaN',
    ],
    [
      { key: 'k', op: 'eq', value: Infinity },
      'filter.value: eq needs a value (a number, a string, true or false), got Infinity',
    ],
    [
      { and: [a, a, { key: 'k', op: 'between', value: [1] }] },
      'filter.and[2].value: between needs [low, high]',
    ],
    [{ key: 'k', op: 'between', value: 1 }, 'filter.value: between needs [low, high]'],
    [
      { key: 'k', op: 'between', value: [1, {}] },
      'filter.value[1]: between needs a value (a number, a string, true or false), got an object',
    ],
    [
      { key: 'k', op: 'in', value: [] },
      'filter.value: in needs a non-empty array of values (a number, a string, true or false)',
    ],
    [
      { key: 'k', op: 'nin', value: 'a' },
      'filter.value: nin needs a non-empty array of values (a number, a string, true or false)',
    ],
    [
      { key: 'k', op: 'in', value: [1, null] },
      'filter.value[1]: in needs a value (a number, a string, true or false), got null',
    ],
    [{ key: 'k', op: 'contains', value: 1 }, 'filter.value: contains needs a string, got a number'],
    [{ key: 'k', op: 'matches', value: ['a'] }, 'filter.value: matches needs a string, got an array'],
    [
      { key: 'k', op: 'exists', value: false },
      'filter.value: exists takes no value (or true); for "does not exist" wrap it in {"not": ...}',
    ],
  ])('%j', (input, message) => {
    const error = validationError(input);
    expect(error.message).toBe(message);
    expect(error.code).toBe('invalid_argument');
    expect(error.details).toEqual({ path: message.slice(0, message.indexOf(':')) });
  });

  it('rejects a JSON __proto__ property as unknown rather than ignoring it', () => {
    expect(validationError(JSON.parse('{"key":"k","op":"exists","__proto__":{}}')).message).toMatch(
      /^filter: unknown "__proto__"/,
    );
  });

  it('uses the given root path', () => {
    expect(() => validateFilter(null, 'body.filter')).toThrow(/^body\.filter: /);
  });
});
