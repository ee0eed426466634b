/**
 * Collection → dataset: how long a collection of N items takes to become a dataset
 * (`POST /api/collections/{u}/dataset` until its job is DONE), and to append only new
 * members (`mode: "append-new"` after the collection grew by 1 %), on SQLite and on
 * PostgreSQL in one run. Items are registered through data-upload-jobs and added to
 * the collection through `index/collections/{u}/add-items`, as clients do.
 *
 * PostgreSQL is the server at METAINDEX_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench creates its own database there and drops it afterwards.
 *
 *   npm run bench:curation -- [items=100000]
 */
import { createTestDatabase } from '@metaindex/server/postgres-testing';
import { benchmarkDocuments, benchmarkSchema } from './data-generator.js';
import { printTable, registerBenchItems, startBenchServer, type BenchServer } from './harness.js';

const TOTAL = Number(process.argv[2] ?? 100_000);
const GROWTH = Math.max(1, Math.floor(TOTAL / 100));
const JOB_SIZE = 100_000;

interface JobView {
  uuid: string;
  datasetHash: string;
  status: string;
  added: number;
  alreadyThere: number;
  error: string | null;
}

async function addMembers(
  call: BenchServer['call'],
  collection: string,
  items: readonly string[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 10_000) {
    await call('POST', `index/collections/${collection}/add-items`, {
      itemUuids: items.slice(i, i + 10_000),
    });
  }
}

/** Starts a dataset job and long-polls it to the end; answers the job and the seconds from POST to DONE. */
async function runJob(call: BenchServer['call'], path: string, body: unknown): Promise<[JobView, number]> {
  const started = performance.now();
  let job = (await call('POST', path, body)) as JobView;
  while (job.status === 'PENDING') {
    job = (await call('GET', `/api/dataset-jobs/${job.uuid}?timeoutSeconds=30`)) as JobView;
  }
  if (job.status !== 'DONE') throw new Error(`job ${job.uuid} ended ${job.status}: ${String(job.error)}`);
  return [job, (performance.now() - started) / 1000];
}

async function measure(engine: 'SQLite' | 'PostgreSQL'): Promise<[number, number]> {
  const database = engine === 'PostgreSQL' ? await createTestDatabase() : null;
  const server = await startBenchServer(database === null ? {} : { db: database.url });
  const { call } = server;
  try {
    await call(
      'POST',
      'organisation/client-metadata-schema-v2',
      Object.fromEntries(benchmarkSchema().entries),
    );
    const { folder, uuids } = await registerBenchItems(
      call,
      TOTAL + GROWTH,
      JOB_SIZE,
      benchmarkDocuments(10_000),
    );
    const collection = (await call('POST', `index/collections?topLevelFolderUuid=${folder}`, {
      name: 'bench',
      description: '',
    })) as string;
    await addMembers(call, collection, uuids.slice(0, TOTAL));
    const [created, createSeconds] = await runJob(call, `/api/collections/${collection}/dataset`, {
      title: 'bench',
    });
    if (created.added !== TOTAL) throw new Error(`${engine}: ${created.added} rows added, expected ${TOTAL}`);

    await addMembers(call, collection, uuids.slice(TOTAL));
    const [appended, appendSeconds] = await runJob(call, `/api/collections/${collection}/dataset`, {
      datasetHash: created.datasetHash,
      mode: 'append-new',
    });
    if (appended.added !== GROWTH || appended.alreadyThere !== TOTAL) {
      throw new Error(
        `${engine}: append-new added ${appended.added}, found ${appended.alreadyThere} already there`,
      );
    }
    return [createSeconds, appendSeconds];
  } finally {
    await server.stop();
    await database?.drop();
  }
}

const sqlite = await measure('SQLite');
const postgres = await measure('PostgreSQL');
printTable(
  `Collection → dataset over HTTP, POST to DONE, Node ${process.version}`,
  ['scenario', 'SQLite s', 'PostgreSQL s'],
  [
    [`new dataset from ${TOTAL.toLocaleString('en')} members`, sqlite[0].toFixed(2), postgres[0].toFixed(2)],
    [
      `append-new after ${GROWTH.toLocaleString('en')} joined (${TOTAL.toLocaleString('en')} already there)`,
      sqlite[1].toFixed(2),
      postgres[1].toFixed(2),
    ],
  ],
);
