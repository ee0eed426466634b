/**
 * PostgreSQL for tests: every test gets its own database, created on the server at
 * METAINDEX_TEST_PG (default postgres://postgres@127.0.0.1:5432/postgres) and dropped
 * afterwards. When that server cannot be reached, the PostgreSQL suites are skipped
 * with one clear line (see vitest setup); `.ci/run` refuses to pass with them skipped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_PG_ADMIN_URL =
  process.env.METAINDEX_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let available: Promise<boolean> | undefined;

/** Whether the test PostgreSQL server answers (asked once per process). */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return available;
}

export interface TestDatabase {
  /** A connection string for the new, empty database. */
  url: string;
  name: string;
  /** Drops the database (closing whatever connections are still open to it). */
  drop(): Promise<void>;
}

async function onAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named metaindex_test_<random> for one test or suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `metaindex_test_${randomBytes(6).toString('hex')}`;
  await onAdmin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      onAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
