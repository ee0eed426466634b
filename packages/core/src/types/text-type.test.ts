import { describe, expect, it } from 'vitest';
import { ValueProblem } from './metadata-type.js';
import { TEXT_MAX_LENGTH, textType } from './text-type.js';

const check = textType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('text: any string up to TEXT_MAX_LENGTH code points', () => {
  it('allows 1,048,576 code points', () => {
    expect(TEXT_MAX_LENGTH).toBe(1_048_576);
    expect(textType.describe(undefined)).toBe('a string of at most 1048576 characters');
  });

  it.each([
    ['an empty string', ''],
    ['a transcript with newlines and emoji', 'Speaker 1: hello 👋\nSpeaker 2: hi\n'],
    ['longer than a varchar', 'x'.repeat(10_000)],
  ])('accepts %s unchanged', (_label, text) => {
    expect(check(text)).toBe(text);
  });

  it('accepts exactly TEXT_MAX_LENGTH code points, even as surrogate pairs', () => {
    const ascii = 'x'.repeat(TEXT_MAX_LENGTH);
    expect(check(ascii)).toBe(ascii);
    const emoji = '😀'.repeat(TEXT_MAX_LENGTH);
    expect(check(emoji)).toBe(emoji);
  });

  it('rejects one code point more with text.max_length, naming the limit', () => {
    const problem = rejection('x'.repeat(TEXT_MAX_LENGTH + 1));
    expect(problem.rule).toBe('text.max_length');
    expect(problem.message).toBe(
      `expected at most ${TEXT_MAX_LENGTH} characters, got a string of ${TEXT_MAX_LENGTH + 1}`,
    );
    expect(problem.message).toContain(`expected at most ${TEXT_MAX_LENGTH} characters`);
    expect(rejection('😀'.repeat(TEXT_MAX_LENGTH + 1)).rule).toBe('text.max_length');
  });

  it.each([
    ['a number', 1, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['an array', ['line 1', 'line 2'], 'an array'],
    ['an object', { text: 'a' }, 'an object'],
    ['null', null, 'null'],
  ])('rejects %s with text.type', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('text.type');
    expect(problem.message).toBe(`expected a string, got ${kind}`);
  });

  it('has the string operators, under the legacy alias "long_string" too', () => {
    expect(textType.operators).toEqual(
      expect.arrayContaining(['contains', 'startswith', 'matches', 'exists']),
    );
    expect(textType.aliases).toEqual(['long_string']);
    expect(textType.indexKind).toBe('fulltext');
  });
});
