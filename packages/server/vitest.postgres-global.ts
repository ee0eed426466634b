/** Asks once whether the test PostgreSQL answers, says so if not, and tells the test files. */
import type { TestProject } from 'vitest/node';
import { postgresAvailable, TEST_PG_ADMIN_URL } from './src/store/postgres/pg-testing.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresReachable: boolean;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const reachable = await postgresAvailable();
  if (!reachable) {
    process.stderr.write(
      `\nmetaindex: PostgreSQL is unreachable at ${TEST_PG_ADMIN_URL}: ` +
        'the PostgreSQL suites (server-postgres, store/postgres) are SKIPPED.\n' +
        'Start PostgreSQL or set METAINDEX_TEST_PG to run them.\n\n',
    );
  }
  project.provide('postgresReachable', reachable);
}
