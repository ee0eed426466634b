import { describe, expect, it } from 'vitest';
import { geospatialType } from './geospatial-type.js';
import { ValueProblem } from './metadata-type.js';

const check = geospatialType.compile(undefined);

function rejection(value: unknown): ValueProblem {
  const result = check(value);
  expect(result).toBeInstanceOf(ValueProblem);
  return result as ValueProblem;
}

describe('geospatial: exactly {latitude: -90..90, longitude: -180..180}', () => {
  it.each([
    [{ latitude: 51.5072, longitude: -0.1276 }],
    [{ longitude: 2.3522, latitude: 48.8566 }],
    [{ latitude: 0, longitude: 0 }],
    [{ latitude: 90, longitude: 180 }],
    [{ latitude: -90, longitude: -180 }],
  ])('accepts %j unchanged', (point) => {
    expect(check(point)).toBe(point);
  });

  it.each([
    [
      'latitude above 90',
      { latitude: 90.0001, longitude: 0 },
      'latitude must be within -90..90, got 90.0001',
    ],
    ['latitude below -90', { latitude: -91, longitude: 0 }, 'latitude must be within -90..90, got -91'],
    [
      'longitude above 180',
      { latitude: 0, longitude: 180.5 },
      'longitude must be within -180..180, got 180.5',
    ],
    [
      'longitude below -180',
      { latitude: 0, longitude: -181 },
      'longitude must be within -180..180, got -181',
    ],
  ])('rejects %s with geospatial.range', (_label, point, message) => {
    const problem = rejection(point);
    expect(problem.rule).toBe('geospatial.range');
    expect(problem.message).toBe(message);
  });

  it.each([
    ['lat/lng', { lat: 1, lng: 2 }, 'lat'],
    ['an extra altitude', { latitude: 1, longitude: 2, altitude: 30 }, 'altitude'],
    ['an extra null field', { latitude: 1, longitude: 2, accuracy: null }, 'accuracy'],
  ])('rejects %s with geospatial.field, naming the field', (_label, point, field) => {
    const problem = rejection(point);
    expect(problem.rule).toBe('geospatial.field');
    expect(problem.message).toBe(`unexpected field "${field}"; a point has only "latitude" and "longitude"`);
  });

  it.each([
    ['a missing longitude', { latitude: 1 }, '"longitude" must be a finite number, got nothing'],
    ['an empty object', {}, '"latitude" must be a finite number, got nothing'],
    ['string coordinates', { latitude: '1', longitude: '2' }, '"latitude" must be a finite number, got "1"'],
    ['null coordinates', { latitude: null, longitude: 2 }, '"latitude" must be a finite number, got null'],
    [
      'a NaN coordinate',
      { latitude: Number.NaN, longitude: 2 },
      '"latitude" must be a finite number, got NaN',
    ],
  ])('rejects %s with geospatial.type, naming the field and what it held', (_label, point, message) => {
    const problem = rejection(point);
    expect(problem.rule).toBe('geospatial.type');
    expect(problem.message).toBe(message);
  });

  it.each([
    ['an array', [51.5, -0.12], 'an array'],
    ['a string', '51.5,-0.12', 'a string'],
    ['a number', 51.5, 'a number'],
    ['null', null, 'null'],
  ])('rejects %s with geospatial.type', (_label, value, kind) => {
    const problem = rejection(value);
    expect(problem.rule).toBe('geospatial.type');
    expect(problem.message).toBe(`expected an object {"latitude", "longitude"}, got ${kind}`);
  });

  it('has exists as its only filter operator', () => {
    expect(geospatialType.operators).toEqual(['exists']);
    expect(geospatialType.indexKind).toBe('geo');
    expect(geospatialType.describe(undefined)).toContain('latitude');
  });
});
