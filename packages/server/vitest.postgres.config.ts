/**
 * The `server-postgres` test project: the HTTP suite (every route test, the query
 * differential test, the seed storage flow, two processes on one database, kill -9
 * during a bulk write) again, with each test server on a fresh
 * PostgreSQL database instead of SQLite. The engine contract suites run against
 * PostgreSQL in the `server` project (store/postgres/pg-engine.test.ts).
 *
 * When PostgreSQL cannot be reached, the global setup prints one line saying so and
 * every test of this project is reported as skipped; `.ci/run` fails on skipped tests.
 */
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server-postgres',
    include: [
      'src/http/**/*.test.ts',
      'src/seed-storage-flow.test.ts',
      'src/multi-process.test.ts',
      'src/crash-safety.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { METAINDEX_TEST_ENGINE: 'postgres' },
    globalSetup: ['./vitest.postgres-global.ts'],
    setupFiles: ['./vitest.postgres-setup.ts'],
  },
});
