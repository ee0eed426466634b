/**
 * Opens the engine an installation runs on: the embedded SQLite database in the data
 * directory by default, or PostgreSQL when a `postgres://` URL is given (`--db`,
 * METAINDEX_DB). Several server processes may share one PostgreSQL database.
 */
import { MetaindexError } from '@metaindex/core';
import type { Engine } from './engine.js';
import { openPostgresEngine } from './postgres/pg-engine.js';
import { openSqliteEngine } from './sqlite/sqlite-engine.js';

export interface EngineChoice {
  /** The SQLite file used when `db` is absent. */
  sqlitePath: string;
  /** A `postgres://` or `postgresql://` URL, or undefined for the embedded default. */
  db?: string | undefined;
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** Checks a --db value early, with a message that says what is accepted. */
export function checkDatabaseUrl(value: string): string {
  if (!isPostgresUrl(value)) {
    throw new MetaindexError(
      'invalid_argument',
      `--db must be a PostgreSQL URL such as postgres://user@host:5432/metaindex, got "${redactUrl(value)}"`,
    );
  }
  return value;
}

/** A database URL fit for logs: the password, if any, replaced by ***. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/:[^:@/]*@/, ':***@');
  }
}

export async function openEngine(choice: EngineChoice): Promise<Engine> {
  if (choice.db === undefined || choice.db === '') return openSqliteEngine({ path: choice.sqlitePath });
  return openPostgresEngine({ url: checkDatabaseUrl(choice.db) });
}
