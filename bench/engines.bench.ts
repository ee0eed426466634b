/**
 * SQLite and PostgreSQL side by side, in one run: for each engine, a real
 * `metaindex serve` process on a fresh database is loaded with N items of the 12-key
 * documents through data-upload-jobs (jobs of 100,000), every item is updated through
 * patch-bulk (1,000 per request), and then the query scenarios of query.bench.ts (first
 * page of 100 + exact total) and the facet requests run over HTTP. Both engines must
 * count the same matches for every scenario, or the run fails.
 *
 * On PostgreSQL, VACUUM ANALYZE runs after the load (as autovacuum would).
 *
 * PostgreSQL is the server at METAINDEX_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench creates its own database there and drops it afterwards.
 *
 *   npm run bench:engines -- [items=1000000] [runs=9]
 */
import { createTestDatabase, type TestDatabase } from '@metaindex/server/postgres-testing';
import pg from 'pg';
import { benchmarkDocuments, benchmarkSchema } from './data-generator.js';
import { printTable, registerBenchItems, startBenchServer } from './harness.js';
import { FACETS, SCENARIOS } from './query-scenarios.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 9);
const JOB_SIZE = 100_000;
const PATCH_SIZE = 1000;
const DISTINCT_DOCS = 100_000;

type EngineName = 'SQLite' | 'PostgreSQL';

interface EngineResult {
  registerSeconds: number;
  patchSeconds: number;
  /** Per scenario (then the two facet rows): p50 and p95 in ms, and the total matched. */
  queries: { p50: number; p95: number; total: number | null }[];
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

async function timed(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function measure(engine: EngineName): Promise<EngineResult> {
  const database: TestDatabase | null = engine === 'PostgreSQL' ? await createTestDatabase() : null;
  const server = await startBenchServer(database === null ? {} : { db: database.url });
  const { call } = server;
  try {
    console.error(`${engine}: loading ${TOTAL.toLocaleString('en')} items`);
    await call(
      'POST',
      'organisation/client-metadata-schema-v2',
      Object.fromEntries(benchmarkSchema().entries),
    );
    const docs = benchmarkDocuments(DISTINCT_DOCS);
    const { uuids, seconds: registerSeconds } = await registerBenchItems(call, TOTAL, JOB_SIZE, docs);

    console.error(`${engine}: patch-bulk of every item`);
    const patchStart = performance.now();
    for (let start = 0; start < uuids.length; start += PATCH_SIZE) {
      const itemPatches: Record<string, unknown> = {};
      for (let k = start; k < Math.min(start + PATCH_SIZE, uuids.length); k++) {
        itemPatches[uuids[k] as string] = { clientMetadata: docs[(k + 1) % DISTINCT_DOCS] };
      }
      await call('PATCH', 'storage/items/patch-bulk', { itemPatches });
    }
    const patchSeconds = (performance.now() - patchStart) / 1000;

    if (database !== null) {
      // What autovacuum does on a stock PostgreSQL after a load like this; the test
      // server here runs with autovacuum off, which would leave the planner without
      // statistics.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('VACUUM ANALYZE');
      await client.end();
    }

    console.error(`${engine}: queries`);
    const queries: EngineResult['queries'] = [];
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
      });
      queries.push({ ...times, total });
    }
    queries.push({
      ...(await timed(() => call('POST', '/api/items/facets', { facets: FACETS }))),
      total: null,
    });
    queries.push({
      ...(await timed(() =>
        call('POST', '/api/items/facets', { filter: 'weather = "fog" and night = true', facets: FACETS }),
      )),
      total: null,
    });
    return { registerSeconds, patchSeconds, queries };
  } finally {
    await server.stop();
    await database?.drop();
  }
}

const sqlite = await measure('SQLite');
const postgres = await measure('PostgreSQL');

for (const [i, scenario] of SCENARIOS.entries()) {
  const a = sqlite.queries[i]?.total;
  const b = postgres.queries[i]?.total;
  if (a !== b) throw new Error(`${scenario.name}: SQLite counted ${String(a)}, PostgreSQL ${String(b)}`);
}

const rate = (seconds: number) => Math.round(TOTAL / seconds).toLocaleString('en');
printTable(
  `Ingest over HTTP, ${TOTAL.toLocaleString('en')} items x 12 keys, both engines in one run, Node ${process.version}`,
  ['scenario', 'SQLite s', 'SQLite items/s', 'PostgreSQL s', 'PostgreSQL items/s'],
  [
    [
      `register via data-upload-jobs (jobs of ${JOB_SIZE.toLocaleString('en')})`,
      sqlite.registerSeconds.toFixed(1),
      rate(sqlite.registerSeconds),
      postgres.registerSeconds.toFixed(1),
      rate(postgres.registerSeconds),
    ],
    [
      `update via patch-bulk of ${PATCH_SIZE.toLocaleString('en')}`,
      sqlite.patchSeconds.toFixed(1),
      rate(sqlite.patchSeconds),
      postgres.patchSeconds.toFixed(1),
      rate(postgres.patchSeconds),
    ],
  ],
);

const names = [
  ...SCENARIOS.map((s) => `${s.name}: \`${s.filter}\`${s.sort === undefined ? '' : ` sort \`${s.sort}\``}`),
  'facets over every item (5 value counts + 4 histograms)',
  'facets over `weather = "fog" and night = true`',
];
const ms = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(1));
printTable(
  `Index queries over HTTP at ${TOTAL.toLocaleString('en')} items, first page of 100 + exact total, ${RUNS} runs each`,
  ['scenario', 'matches', 'SQLite p50 ms', 'SQLite p95 ms', 'PostgreSQL p50 ms', 'PostgreSQL p95 ms'],
  names.map((name, i) => {
    const total = sqlite.queries[i]?.total;
    return [
      name,
      total === null || total === undefined ? '–' : `${((100 * total) / TOTAL).toFixed(2)} %`,
      ms(sqlite.queries[i]?.p50),
      ms(sqlite.queries[i]?.p95),
      ms(postgres.queries[i]?.p50),
      ms(postgres.queries[i]?.p95),
    ];
  }),
);
