/**
 * The index query scenarios shared by query.bench.ts (SQLite against a json_extract
 * scan) and engines.bench.ts (SQLite and PostgreSQL side by side): each filter in
 * metaindex's language, with the same condition written with json_extract over the
 * SQLite items table.
 */

/** A scenario: the filter in metaindex's language, and the same condition written with json_extract. */
export interface Scenario {
  name: string;
  filter: string;
  sort?: string;
  baseline: string;
  baselineOrder?: string;
}

export const j = (key: string): string => `json_extract(client_metadata, '$.${key}')`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'selective number range',
    filter: 'speed between 10 and 11',
    baseline: `${j('speed')} BETWEEN 10 AND 11`,
  },
  {
    name: 'selective datetime range',
    filter: 'captured_at between "2024-03-01" and "2024-03-03"',
    baseline: `${j('captured_at')} BETWEEN '2024-03-01' AND '2024-03-03T00:00:00.000Z'`,
  },
  {
    name: 'selective enum + boolean AND',
    filter: 'weather = "fog" and lens = "fisheye" and night = true',
    baseline: `${j('weather')} = 'fog' AND ${j('lens')} = 'fisheye' AND ${j('night')} = 1`,
  },
  {
    name: 'selective varchar eq + number',
    filter: 'annotator = "annotator-7@example.com" and iso = 800',
    baseline: `${j('annotator')} = 'annotator-7@example.com' AND ${j('iso')} = 800`,
  },
  {
    name: 'selective contains + range',
    filter: 'camera contains "pro" and speed < 2',
    baseline: `instr(lower(${j('camera')}), 'pro') > 0 AND ${j('speed')} < 2`,
  },
  {
    name: 'selective matches + enum + number',
    filter: 'caption matches "bicycle truck" and weather = "fog" and iso = 100',
    baseline: `' ' || ${j('caption')} || ' ' LIKE '% bicycle %' AND ' ' || ${j('caption')} || ' ' LIKE '% truck %' AND ${j('weather')} = 'fog' AND ${j('iso')} = 100`,
  },
  {
    name: 'selective OR mix',
    filter: 'speed < 1 or (iso = 3200 and weather = "storm" and lens = "tele")',
    baseline: `${j('speed')} < 1 OR (${j('iso')} = 3200 AND ${j('weather')} = 'storm' AND ${j('lens')} = 'tele')`,
  },
  {
    name: 'selective NOT mix',
    filter: 'not (weather in ["clear", "cloudy", "fog", "rain", "snow"]) and speed > 120',
    baseline: `NOT coalesce(${j('weather')} IN ('clear', 'cloudy', 'fog', 'rain', 'snow'), 0) AND ${j('speed')} > 120`,
  },
  {
    name: 'selective filter sorted by -exposure',
    filter: 'speed between 10 and 11',
    sort: '-exposure',
    baseline: `${j('speed')} BETWEEN 10 AND 11`,
    baselineOrder: `${j('exposure')} IS NULL, ${j('exposure')} DESC, uuid`,
  },
  { name: 'broad number (50%)', filter: 'speed >= 65', baseline: `${j('speed')} >= 65` },
  {
    name: 'broad enum IN (50%)',
    filter: 'weather in ["rain", "snow", "storm"]',
    baseline: `${j('weather')} IN ('rain', 'snow', 'storm')`,
  },
  {
    name: 'broad AND (49%)',
    filter: 'speed >= 30 and night = false',
    baseline: `${j('speed')} >= 30 AND ${j('night')} = 0`,
  },
  {
    name: 'broad OR (58%)',
    filter: 'iso >= 800 or weather = "rain"',
    baseline: `${j('iso')} >= 800 OR ${j('weather')} = 'rain'`,
  },
  {
    name: 'broad NOT (50%)',
    filter: 'not (lens in ["wide", "normal"])',
    baseline: `NOT coalesce(${j('lens')} IN ('wide', 'normal'), 0)`,
  },
  {
    name: 'broad filter sorted by speed',
    filter: 'weather in ["rain", "snow", "storm"]',
    sort: 'speed',
    baseline: `${j('weather')} IN ('rain', 'snow', 'storm')`,
    baselineOrder: `${j('speed')} IS NULL, ${j('speed')}, uuid`,
  },
];

export const FACETS = [
  { key: 'weather' },
  { key: 'lens' },
  { key: 'night' },
  { key: 'camera' },
  { key: 'annotator' },
  { key: 'speed', histogram: { buckets: 10 } },
  { key: 'exposure', histogram: { buckets: 10 } },
  { key: 'iso', histogram: { buckets: 10 } },
  { key: 'captured_at', histogram: { buckets: 10 } },
];
