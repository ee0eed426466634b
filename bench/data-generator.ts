/**
 * Deterministic generator of realistic clientMetadata documents for benchmarks:
 * the same seed gives the same documents on every machine.
 */
import { MetadataSchema } from '@metaindex/core';

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEATHER = ['clear', 'cloudy', 'fog', 'rain', 'snow', 'storm'];
const LENSES = ['wide', 'normal', 'tele', 'fisheye'];
const CAMERAS = ['X1', 'X1 Pro', 'Z9', 'A7 IV', 'R5', 'GoPro 12', 'Pixel 8'];
const WORDS = [
  'car',
  'pedestrian',
  'crossing',
  'street',
  'light',
  'night',
  'bicycle',
  'truck',
  'sign',
  'wet',
  'road',
];

/** The schema of the "typical" 12-key document. */
export function benchmarkSchema(): MetadataSchema {
  const schema = new MetadataSchema();
  schema.addScalar('camera', 'varchar');
  schema.addEnum('weather', WEATHER);
  schema.addScalar('speed', 'number');
  schema.addScalar('captured_at', 'datetime');
  schema.addScalar('night', 'boolean');
  schema.addScalar('session_id', 'uuid');
  schema.addScalar('caption', 'text');
  schema.addGeospatial('location');
  schema.addScalar('exposure', 'number');
  schema.addScalar('iso', 'number');
  schema.addEnum('lens', LENSES);
  schema.addScalar('annotator', 'varchar');
  return schema;
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

function uuidFrom(random: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(random, ['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}

/** One typical document with 12 keys of every common type. */
export function benchmarkDocument(random: () => number): Record<string, unknown> {
  const captured = Date.UTC(2024, 0, 1) + Math.floor(random() * 365 * 86_400_000);
  const caption = Array.from({ length: 8 + Math.floor(random() * 8) }, () => pick(random, WORDS)).join(' ');
  return {
    camera: pick(random, CAMERAS),
    weather: pick(random, WEATHER),
    speed: Math.round(random() * 1300) / 10,
    captured_at: new Date(captured).toISOString(),
    night: random() < 0.3,
    session_id: uuidFrom(random),
    caption,
    location: { latitude: random() * 180 - 90, longitude: random() * 360 - 180 },
    exposure: 1 / (1 + Math.floor(random() * 2000)),
    iso: pick(random, [100, 200, 400, 800, 1600, 3200]),
    lens: pick(random, LENSES),
    annotator: `annotator-${Math.floor(random() * 50)}@example.com`,
  };
}

export function benchmarkDocuments(count: number, seed = 42): Record<string, unknown>[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => benchmarkDocument(random));
}
