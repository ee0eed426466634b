/**
 * The PostgreSQL engine: the same Engine interface as SQLite, for several stateless
 * server processes sharing one database. Migrations are applied on open (under an
 * advisory lock, so processes starting together apply each once); every method is
 * one transaction on a pooled connection (pg-database.ts).
 *
 * It is four stores, each answering one part of the interface (pg-parts.ts).
 */
import type { Engine } from '../engine.js';
import { COLLECTION_METHODS, CORE_METHODS, DATASET_METHODS, INDEX_METHODS } from './pg-parts.js';
import { PgCollectionStore } from './pg-collection-store.js';
import { PgCoreStore } from './pg-core-store.js';
import { PgDatabase } from './pg-database.js';
import { PgDatasetStore } from './pg-dataset-store.js';
import { PgItemIndex } from './pg-item-index.js';
import { applyPgMigrations } from './pg-migrations.js';

export interface PostgresEngineOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** Most connections this process opens (default 10). */
  maxConnections?: number;
}

export interface PostgresEngine extends Engine {
  readonly kind: 'postgres';
  /** The pool, for tools that work below the engine (`metaindex migrate`). */
  readonly database: PgDatabase;
  /** The index, for rebuilding it after a bulk copy. */
  readonly index: PgItemIndex;
}

/** Methods of `source` bound to it, for composing an object from parts. */
function bound<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) {
    const value = source[key];
    out[key] = (
      typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(source) : value
    ) as T[K];
  }
  return out;
}

export async function openPostgresEngine(options: PostgresEngineOptions): Promise<PostgresEngine> {
  const database = new PgDatabase({
    url: options.url,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  try {
    await applyPgMigrations(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const index = new PgItemIndex(database);
  const core = new PgCoreStore(database, index);
  const datasets = new PgDatasetStore(database);
  const collections = new PgCollectionStore(database);
  return {
    kind: 'postgres',
    database,
    index,
    close: () => database.close(),
    ...bound(core, CORE_METHODS),
    ...bound(datasets, DATASET_METHODS),
    ...bound(collections, COLLECTION_METHODS),
    ...bound(index, INDEX_METHODS),
  };
}
