/**
 * Ingest and update throughput over HTTP: N items with 12 metadata keys registered
 * through `data-upload-jobs`, then every item updated through `patch-bulk` at 1,000
 * per request (or patchSize, at most 10,000), against a real `metaindex serve` process
 * (embedded SQLite), signed like the SDK. Side by side: plain better-sqlite3 inserts of
 * the same rows.
 *
 *   npm run bench:ingest -- [items=1000000] [jobSize=100000] [patchSize=1000]
 *
 * BENCH_SERVER_NODE_ARGS passes extra Node flags to the server process, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { benchmarkDocuments, benchmarkSchema } from './data-generator.js';
import { printTable, registerBenchItems, startBenchServer } from './harness.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const JOB_SIZE = Number(process.argv[3] ?? 100_000);
const PATCH_SIZE = Number(process.argv[4] ?? 1000);
const DISTINCT_DOCS = 100_000;

const server = await startBenchServer();
const { call, dataDir } = server;

try {
  await call('POST', 'organisation/client-metadata-schema-v2', Object.fromEntries(benchmarkSchema().entries));
  const docs = benchmarkDocuments(DISTINCT_DOCS);
  const { folder, uuids, seconds: registerSeconds } = await registerBenchItems(call, TOTAL, JOB_SIZE, docs);

  // --- updates through patch-bulk, 1,000 per request ---
  const patchStart = performance.now();
  for (let start = 0; start < uuids.length; start += PATCH_SIZE) {
    const itemPatches: Record<string, unknown> = {};
    for (let k = start; k < Math.min(start + PATCH_SIZE, uuids.length); k++) {
      itemPatches[uuids[k] as string] = { clientMetadata: docs[(k + 1) % DISTINCT_DOCS] };
    }
    await call('PATCH', 'storage/items/patch-bulk', { itemPatches });
  }
  const patchSeconds = (performance.now() - patchStart) / 1000;

  // --- reference: plain better-sqlite3 inserts of the same rows, one transaction ---
  const reference = new Database(join(dataDir, 'reference.db'));
  reference.pragma('journal_mode = WAL');
  reference.pragma('synchronous = NORMAL');
  reference.exec(
    'CREATE TABLE items (uuid TEXT PRIMARY KEY, folder_uuid TEXT, name TEXT, client_metadata TEXT NOT NULL)',
  );
  const insert = reference.prepare('INSERT INTO items VALUES (?, ?, ?, ?)');
  const referenceStart = performance.now();
  reference.transaction(() => {
    for (let k = 0; k < TOTAL; k++) {
      insert.run(
        randomUUID(),
        folder,
        `item-${String(k).padStart(8, '0')}.jpg`,
        JSON.stringify(docs[k % DISTINCT_DOCS]),
      );
    }
  })();
  const referenceSeconds = (performance.now() - referenceStart) / 1000;
  reference.close();

  const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en');
  printTable(
    `ingest over HTTP, ${TOTAL.toLocaleString('en')} items x 12 keys, jobs of ${JOB_SIZE.toLocaleString('en')}, patch-bulk of ${PATCH_SIZE}, Node ${process.version}`,
    ['scenario', 'seconds', 'items/s'],
    [
      [
        'register via data-upload-jobs (HTTP, validated)',
        registerSeconds.toFixed(1),
        rate(TOTAL, registerSeconds),
      ],
      [
        `update via patch-bulk of ${PATCH_SIZE.toLocaleString('en')} (HTTP, validated)`,
        patchSeconds.toFixed(1),
        rate(TOTAL, patchSeconds),
      ],
      [
        'plain better-sqlite3 inserts, one transaction (reference)',
        referenceSeconds.toFixed(1),
        rate(TOTAL, referenceSeconds),
      ],
    ],
  );
} finally {
  await server.stop();
}
