import { describe, expect, it } from 'vitest';
import { embeddingType } from './embedding-type.js';
import { ValueProblem } from './metadata-type.js';

const check = embeddingType.compile({ size: 3 });

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('embedding: an array of exactly `size` finite numbers', () => {
  it.each([[[0.1, -0.2, 0.3]], [[0, 0, 0]], [[1e300, -1e-300, 42]]])('accepts %j unchanged', (vector) => {
    expect(check(vector)).toBe(vector);
  });

  it('accepts a 4096-dimensional vector at size 4096', () => {
    const vector = Array.from({ length: 4096 }, (_, i) => i / 4096);
    expect(embeddingType.compile({ size: 4096 })(vector)).toBe(vector);
  });

  it.each([
    ['too few', [1, 2], 'expected 3 numbers, got 2'],
    ['too many', [1, 2, 3, 4], 'expected 3 numbers, got 4'],
    ['empty', [], 'expected 3 numbers, got 0'],
  ])('rejects %s numbers with embedding.size', (_label, vector, message) => {
    const problem = rejection(vector);
    expect(problem.rule).toBe('embedding.size');
    expect(problem.message).toBe(message);
  });

  it.each([
    ['a string element', [1, '2', 3], 'element 1 must be a finite number, got a string'],
    ['a null element', [null, 2, 3], 'element 0 must be a finite number, got null'],
    ['a nested array', [1, 2, [3]], 'element 2 must be a finite number, got an array'],
    ['NaN', [1, Number.NaN, 3], 'element 1 must be a finite number, got NaN'],
    ['Infinity', [1, 2, Number.POSITIVE_INFINITY], 'element 2 must be a finite number, got Infinity'],
  ])('rejects %s with embedding.element, naming the element', (_label, vector, message) => {
    const problem = rejection(vector);
    expect(problem.rule).toBe('embedding.element');
    expect(problem.message).toBe(message);
  });

  it.each([
    ['an object', { 0: 1, 1: 2, 2: 3 }, 'an object'],
    ['a string', '[1,2,3]', 'a string'],
    ['a number', 1, 'a number'],
    ['null', null, 'null'],
  ])('rejects %s with embedding.type', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('embedding.type');
    expect(problem.message).toBe(`expected an array of 3 numbers, got ${kind}`);
  });

  it('is searched by similarity: exists is its only filter operator', () => {
    expect(embeddingType.operators).toEqual(['exists']);
    expect(embeddingType.indexKind).toBe('vector');
    expect(embeddingType.describe({ size: 512 })).toBe('an array of 512 finite numbers');
  });
});
