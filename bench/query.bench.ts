/**
 * Index query latency at N items: a real `metaindex serve` process (embedded SQLite)
 * loaded through the API with the deterministic 12-key documents, then fixed
 * scenarios over HTTP (`POST /api/items/query`: first page of 100 plus the exact
 * total; `POST /api/items/facets`). Each scenario runs side by side, in the same run,
 * with a plain `json_extract` scan over the same documents (first page + count on the
 * server's own items table, opened read-only).
 *
 *   npm run bench:query -- [items=1000000] [runs=15]
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { benchmarkDocument, benchmarkSchema, createRandom } from './data-generator.js';
import { printTable, startBenchServer } from './harness.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 15);
const JOB_SIZE = 100_000;
const BASELINE_RUNS = 3;

const server = await startBenchServer();
const { call, dataDir } = server;

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

async function timed(run: () => Promise<unknown>, runs: number): Promise<number[]> {
  await run(); // warm-up: prepares statements, fills the page cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return times;
}

/** A scenario: the filter in metaindex's language, and the same condition written with json_extract. */
interface Scenario {
  name: string;
  filter: string;
  sort?: string;
  baseline: string;
  baselineOrder?: string;
}

const j = (key: string): string => `json_extract(client_metadata, '$.${key}')`;

const SCENARIOS: Scenario[] = [
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

const FACETS = [
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

try {
  await call('POST', 'organisation/client-metadata-schema-v2', Object.fromEntries(benchmarkSchema().entries));
  const folder = ((await call('POST', 'storage/folders', { name: 'bench' })) as { uuid: string }).uuid;
  const random = createRandom(42);

  const loadStart = performance.now();
  for (let start = 0; start < TOTAL; start += JOB_SIZE) {
    const count = Math.min(JOB_SIZE, TOTAL - start);
    const images = Array.from({ length: count }, (_, k) => ({
      objectUrl: `https://bucket.example.com/bench/${start + k}.jpg`,
      title: `item-${String(start + k).padStart(8, '0')}.jpg`,
      clientMetadata: benchmarkDocument(random),
      externalFileType: 'IMAGE',
    }));
    const job = (await call('POST', `storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images },
      ignoreErrors: false,
    })) as string;
    let status: { status: string };
    do {
      status = (await call('GET', `storage/folders/${folder}/data-upload-jobs/${job}?timeoutSeconds=60`)) as {
        status: string;
      };
    } while (status.status === 'PENDING');
    if (status.status !== 'DONE') throw new Error(`job ${job} ended ${status.status}`);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;

  const plain = new Database(join(dataDir, 'metaindex.db'), { readonly: true });
  plain.pragma('cache_size = -262144');

  const rows: string[][] = [];
  const ms = (v: number): string => v.toFixed(1);
  for (const scenario of SCENARIOS) {
    let total = 0;
    const times = await timed(async () => {
      const answer = (await call('POST', '/api/items/query', {
        filter: scenario.filter,
        ...(scenario.sort === undefined ? {} : { sort: scenario.sort }),
        pageSize: 100,
        count: 'exact',
      })) as { total: number };
      total = answer.total;
    }, RUNS);
    const pageSql = plain.prepare(
      `SELECT uuid, client_metadata FROM items WHERE ${scenario.baseline} ORDER BY ${scenario.baselineOrder ?? 'uuid'} LIMIT 100`,
    );
    const countSql = plain.prepare(`SELECT count(*) AS n FROM items WHERE ${scenario.baseline}`).pluck();
    let baselineTotal = 0;
    const baseline = await timed(() => {
      pageSql.all();
      baselineTotal = countSql.get() as number;
      return Promise.resolve();
    }, BASELINE_RUNS);
    if (baselineTotal !== total) {
      throw new Error(`${scenario.name}: metaindex counted ${total}, the json_extract scan ${baselineTotal}`);
    }
    const p50 = percentile(times, 50);
    rows.push([
      scenario.name,
      `\`${scenario.filter}\`${scenario.sort === undefined ? '' : ` sort \`${scenario.sort}\``}`,
      `${((100 * total) / TOTAL).toFixed(2)} %`,
      ms(p50),
      ms(percentile(times, 95)),
      ms(percentile(baseline, 50)),
      `${(percentile(baseline, 50) / p50).toFixed(0)}x`,
    ]);
  }

  const facetTimes = await timed(() => call('POST', '/api/items/facets', { facets: FACETS }), RUNS);
  const facetsFiltered = await timed(
    () => call('POST', '/api/items/facets', { filter: 'weather = "fog" and night = true', facets: FACETS }),
    RUNS,
  );
  const facetBaseline = await timed(() => {
    for (const key of ['weather', 'lens', 'night', 'camera', 'annotator']) {
      plain.prepare(`SELECT ${j(key)} AS v, count(*) FROM items GROUP BY v`).all();
    }
    for (const key of ['speed', 'exposure', 'iso', 'captured_at']) {
      plain.prepare(`SELECT min(${j(key)}), max(${j(key)}) FROM items`).get();
    }
    return Promise.resolve();
  }, 1);
  rows.push([
    'facets over every item (5 value counts + 4 histograms)',
    '(no filter)',
    '100 %',
    ms(percentile(facetTimes, 50)),
    ms(percentile(facetTimes, 95)),
    `${ms(percentile(facetBaseline, 50))} (value counts + min/max only)`,
    `${(percentile(facetBaseline, 50) / percentile(facetTimes, 50)).toFixed(0)}x`,
  ]);
  rows.push([
    'facets over a filter (same 9 facets)',
    '`weather = "fog" and night = true`',
    '≈5 %',
    ms(percentile(facetsFiltered, 50)),
    ms(percentile(facetsFiltered, 95)),
    '–',
    '–',
  ]);
  plain.close();

  printTable(
    `Index queries over HTTP, ${TOTAL.toLocaleString('en')} items x 12 keys (loaded in ${loadSeconds.toFixed(1)} s through data-upload-jobs), first page of 100 + exact total, ${RUNS} runs each, Node ${process.version}`,
    ['scenario', 'filter', 'matches', 'p50 ms', 'p95 ms', 'json_extract scan ms', 'speed-up'],
    rows,
  );
} finally {
  await server.stop();
}
