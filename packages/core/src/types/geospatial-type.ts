import { jsonKind, showValue, ValueProblem, type MetadataType } from './metadata-type.js';

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

const badCoordinate = (field: string, x: unknown): ValueProblem =>
  new ValueProblem(
    'geospatial.type',
    `"${field}" must be a finite number, got ${x === undefined ? 'nothing' : showValue(x)}`,
  );

/**
 * `{"latitude": -90..90, "longitude": -180..180}` and nothing else: an unknown field
 * (`lat`, `lng`, `altitude`) is an error rather than silently ignored data.
 */
export const geospatialType: MetadataType = {
  name: 'geospatial',
  aliases: [],
  operators: ['exists'],
  indexKind: 'geo',
  describe: () => 'an object {"latitude": -90..90, "longitude": -180..180}',
  compile: () => (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return new ValueProblem(
        'geospatial.type',
        `expected an object {"latitude", "longitude"}, got ${jsonKind(value)}`,
      );
    }
    const point = value as Record<string, unknown>;
    for (const field of Object.keys(point)) {
      if (field !== 'latitude' && field !== 'longitude') {
        return new ValueProblem(
          'geospatial.field',
          `unexpected field ${JSON.stringify(field)}; a point has only "latitude" and "longitude"`,
        );
      }
    }
    const { latitude, longitude } = point;
    if (!isFiniteNumber(latitude)) return badCoordinate('latitude', latitude);
    if (!isFiniteNumber(longitude)) return badCoordinate('longitude', longitude);
    if (latitude < -90 || latitude > 90) {
      return new ValueProblem('geospatial.range', `latitude must be within -90..90, got ${latitude}`);
    }
    if (longitude < -180 || longitude > 180) {
      return new ValueProblem('geospatial.range', `longitude must be within -180..180, got ${longitude}`);
    }
    return value;
  },
};
