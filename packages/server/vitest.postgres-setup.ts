/**
 * Without PostgreSQL, test servers fall back to SQLite (so `beforeAll` hooks still
 * work) and every test is skipped: reported as skipped, never as passed.
 */
import { beforeEach, inject } from 'vitest';

if (!inject('postgresReachable')) {
  process.env.METAINDEX_TEST_ENGINE = 'sqlite';
  beforeEach((context) => {
    context.skip('PostgreSQL is unreachable');
  });
}
