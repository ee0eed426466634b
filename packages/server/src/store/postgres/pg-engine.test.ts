import { describe } from 'vitest';
import { describeDatasetContract } from '../engine-contract-datasets.js';
import { describeEngineContract } from '../engine-contract.js';
import { describeOntologyContract } from '../engine-contract-ontologies.js';
import { describeCollectionContract } from '../engine-contract-collections.js';
import { describeDatasetJobContract } from '../engine-contract-dataset-jobs.js';
import type { Engine } from '../engine.js';
import { openPostgresEngine } from './pg-engine.js';
import { createTestDatabase, postgresAvailable, TEST_PG_ADMIN_URL } from './pg-testing.js';

const reachable = await postgresAvailable();
if (!reachable) {
  process.stderr.write(
    `metaindex: PostgreSQL is unreachable at ${TEST_PG_ADMIN_URL}: the PostgreSQL engine contract suites are SKIPPED\n`,
  );
}

/** A fresh engine on a database of its own, dropped when the engine closes. */
async function openFresh(): Promise<Engine> {
  const database = await createTestDatabase();
  const engine = await openPostgresEngine({ url: database.url, maxConnections: 4 });
  return {
    ...engine,
    async close() {
      await engine.close();
      await database.drop();
    },
  };
}

describe.skipIf(!reachable)('postgres engine', () => {
  describeEngineContract('postgres', openFresh);
  describeDatasetContract('postgres', openFresh);
  describeOntologyContract('postgres', openFresh);
  describeCollectionContract('postgres', openFresh);
  describeDatasetJobContract('postgres', openFresh);
});
