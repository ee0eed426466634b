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
import { FACETS, SCENARIOS, j } from './query-scenarios.js';

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
