import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueProblem } from './metadata-type.js';
import { normaliseUuid, uuidType } from './uuid-type.js';

const check = uuidType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

/** A UUID with the given version and variant digits, otherwise fixed. */
const uuid = (version: string, variant: string): string =>
  `123e4567-e89b-${version}2d3-${variant}456-426614174000`;

describe('uuid: any RFC 4122 / 9562 UUID, normalised to lowercase', () => {
  it.each(['1', '2', '3', '4', '5', '6', '7', '8'])('accepts version %s', (version) => {
    const text = uuid(version, 'a');
    expect(check(text)).toBe(text);
  });

  it.each(['8', '9', 'a', 'b'])('accepts variant %s', (variant) => {
    const text = uuid('4', variant);
    expect(check(text)).toBe(text);
  });

  it.each([
    ['uppercase', '123E4567-E89B-42D3-A456-426614174000', '123e4567-e89b-42d3-a456-426614174000'],
    ['mixed case', '123e4567-E89B-42d3-a456-426614174ABC', '123e4567-e89b-42d3-a456-426614174abc'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ['the max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    [
      'the max UUID in uppercase',
      'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ],
  ])('accepts %s, lowercased', (_label, text, normalised) => {
    expect(check(text)).toBe(normalised);
    expect(normaliseUuid(text)).toBe(normalised);
  });

  it.each([
    ['version 0 (other than nil)', uuid('0', 'a')],
    ['version 9', uuid('9', 'a')],
    ['version f (other than max)', uuid('f', 'a')],
    ['variant 7 (NCS)', uuid('4', '7')],
    ['variant c (Microsoft)', uuid('4', 'c')],
    ['variant f', uuid('4', 'f')],
    ['a non-hex digit', '123e4567-e89b-42d3-a456-42661417400g'],
    ['no hyphens', '123e4567e89b42d3a456426614174000'],
    ['hyphens in the wrong places', '123e456-7e89b-42d3-a456-426614174000'],
    ['braces', '{123e4567-e89b-42d3-a456-426614174000}'],
    ['a URN', 'urn:uuid:123e4567-e89b-42d3-a456-426614174000'],
    ['surrounding spaces', ' 123e4567-e89b-42d3-a456-42661417400 '],
    ['one digit short', '123e4567-e89b-42d3-a456-42661417400'],
    ['one digit long', '123e4567-e89b-42d3-a456-4266141740000'],
    ['an empty string', ''],
  ])('rejects %s with uuid.format', (_label, text) => {
    const problem = rejection(text);
    expect(problem.rule).toBe('uuid.format');
    expect(problem.message).toBe(
      `expected an RFC 4122 UUID (8-4-4-4-12 hex digits), got ${JSON.stringify(text)}`,
    );
    expect(normaliseUuid(text)).toBeUndefined();
  });

  it.each([
    ['a number', 42, 'a number'],
    ['an object', { uuid: uuid('4', 'a') }, 'an object'],
    ['an array', [uuid('4', 'a')], 'an array'],
    ['null', null, 'null'],
  ])('rejects %s with uuid.type', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('uuid.type');
    expect(problem.message).toBe(`expected a UUID string, got ${kind}`);
  });

  it('accepts every generated v1–v8 UUID in any case, normalising to lowercase', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.boolean(), (text, upper) => {
        expect(check(upper ? text.toUpperCase() : text)).toBe(text);
      }),
    );
  });

  it('has the ordered operators, no string operators', () => {
    expect(uuidType.operators).toEqual(expect.arrayContaining(['eq', 'ne', 'in', 'nin', 'exists']));
    expect(uuidType.operators).not.toContain('contains');
    expect(uuidType.indexKind).toBe('string');
    expect(uuidType.describe(undefined)).toContain('UUID');
  });
});
