/**
 * `metaindex migrate`: copies a whole embedded installation (the data directory's
 * SQLite database) into an empty PostgreSQL database, below the engine, table by
 * table. The PostgreSQL tables mirror the SQLite ones column for column
 * (pg-migrations.ts, sqlite-migrations.ts); the only differences are the `*_folded`
 * columns PostgreSQL keeps for case-insensitive search (JavaScript toLowerCase of a
 * name or title, computed here exactly as the stores compute it) and booleans, which
 * SQLite stores as 0/1.
 *
 * How it stays safe and fast:
 * - SQLite is read through a read-only connection inside one read transaction, so
 *   the copy (and the row counts it is checked against) is one snapshot even if a
 *   server still writes; rows stream through better-sqlite3 iterators, never all in
 *   memory at once.
 * - Everything lands in ONE PostgreSQL transaction: the target tables are locked,
 *   checked to be empty, filled with COPY (text format, streamed in chunks), and the
 *   item index is rebuilt from the copied items before the commit. A failure at any
 *   point rolls back and leaves the target as it was.
 * - Blobs are not copied: they stay in the data directory, which a server started
 *   with `--data DIR --db postgres://…` keeps reading.
 * - Afterwards every table is counted on both sides; the caller reports mismatches.
 */
import { MetaindexError } from '@metaindex/core';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { openPostgresEngine, type PostgresEngine } from './postgres/pg-engine.js';
import type { PgClient } from './postgres/pg-database.js';
import { foldCase } from './postgres/pg-rows.js';
import { schemaFromStoredJson } from './stored-schema.js';
import { SQLITE_MIGRATIONS } from './sqlite/sqlite-migrations.js';
import {
  COLLECTION_COLUMNS,
  DATA_ROW_COLUMNS,
  DATASET_COLUMNS,
  DATASET_JOB_COLUMNS,
  FOLDER_COLUMNS,
  ITEM_COLUMNS,
  JOB_COLUMNS,
  ONTOLOGY_COLUMNS,
  PRESET_COLUMNS,
  PROJECT_COLUMNS,
  USER_COLUMNS,
} from './table-rows.js';

/**
 * How one table is copied: the same columns read from SQLite and written to
 * PostgreSQL (for the tables the engines read, their column lists in table-rows.ts).
 */
interface TableCopy {
  table: string;
  columns: readonly string[];
  /** Columns SQLite stores as 0/1 and PostgreSQL as boolean. */
  booleans?: readonly string[];
  /** A PostgreSQL-only column holding foldCase(`from`), for case-insensitive search. */
  folded?: { column: string; from: string };
  /**
   * The SELECT that reads the rows, when plain table order will not do. It must
   * return `columns`, in that order.
   */
  select?: string;
}

/**
 * Folders parents first: `parent_uuid` references `folders`, and PostgreSQL checks
 * that reference on every row COPY writes, so a child may only follow its parent.
 * The recursive walk gives every folder its depth below a root; sorting by depth
 * puts each parent before its children.
 */
const FOLDERS_PARENTS_FIRST = `
  WITH RECURSIVE tree (uuid, depth) AS (
    SELECT uuid, 0 FROM folders WHERE parent_uuid IS NULL
    UNION ALL
    SELECT folders.uuid, tree.depth + 1 FROM folders JOIN tree ON folders.parent_uuid = tree.uuid
  )
  SELECT ${FOLDER_COLUMNS.map((column) => `folders.${column}`).join(', ')}
  FROM tree JOIN folders ON folders.uuid = tree.uuid
  ORDER BY tree.depth`;

/**
 * Every table that holds an installation's data, in an order that satisfies the
 * foreign keys (a table comes after every table it references).
 */
export const COPIED_TABLES: readonly TableCopy[] = [
  { table: 'metadata_schema', columns: ['id', 'version', 'schema_json', 'created_at', 'updated_at'] },
  { table: 'users', columns: USER_COLUMNS },
  {
    table: 'folders',
    columns: FOLDER_COLUMNS,
    folded: { column: 'name_folded', from: 'name' },
    select: FOLDERS_PARENTS_FIRST,
  },
  {
    table: 'items',
    columns: ITEM_COLUMNS,
    booleans: ['is_placeholder'],
    folded: { column: 'name_folded', from: 'name' },
  },
  { table: 'upload_jobs', columns: ['uuid', 'folder_uuid', 'record_json', 'updated_at'] },
  {
    table: 'datasets',
    columns: DATASET_COLUMNS,
    folded: { column: 'title_folded', from: 'title' },
  },
  {
    table: 'data_rows',
    columns: DATA_ROW_COLUMNS,
    folded: { column: 'title_folded', from: 'title' },
  },
  {
    table: 'projects',
    columns: PROJECT_COLUMNS,
    folded: { column: 'title_folded', from: 'title' },
  },
  { table: 'project_datasets', columns: ['project_uuid', 'dataset_uuid'] },
  { table: 'ontologies', columns: ONTOLOGY_COLUMNS },
  { table: 'project_ontologies', columns: ['project_uuid', 'ontology_uuid'] },
  { table: 'collections', columns: COLLECTION_COLUMNS },
  { table: 'collection_items', columns: ['collection_uuid', 'item_uuid', 'added_at'] },
  { table: 'presets', columns: PRESET_COLUMNS },
  { table: 'collection_jobs', columns: JOB_COLUMNS },
  { table: 'dataset_jobs', columns: DATASET_JOB_COLUMNS },
];

/**
 * SQLite tables that are not copied: each engine records its own migrations, and the
 * item index (with SQLite's full-text table and its shadow tables) is derived from
 * the items, so PostgreSQL rebuilds its own.
 */
const NOT_COPIED = new Set(['schema_migrations', 'index_slots', 'item_index', 'item_words', 'index_state']);
const isNotCopied = (table: string): boolean => NOT_COPIED.has(table) || table.startsWith('item_words_');

/** COPY text chunks of about this many characters are handed to the connection. */
const CHUNK_CHARS = 256 * 1024;

export interface TableCount {
  table: string;
  source: number;
  target: number;
}

export type MigrationEvent =
  /** The snapshot is open: what will be copied. */
  | { kind: 'start'; tables: { table: string; rows: number }[]; totalRows: number }
  /** More rows of `table` were handed to PostgreSQL. */
  | { kind: 'rows'; table: string; tableRows: number; tableTotal: number; rows: number; totalRows: number }
  | { kind: 'table-done'; table: string; rows: number; seconds: number }
  /** Rebuilding the item index from the copied items (no finer progress). */
  | { kind: 'indexing'; items: number }
  | { kind: 'indexed'; items: number; seconds: number }
  /** The transaction committed: the target holds the whole installation. */
  | { kind: 'committed' };

export interface MigrateOptions {
  /** The SQLite database file (a data directory's `metaindex.db`). */
  sqlitePath: string;
  /** A `postgres://` URL of an empty database (migrations are applied to it). */
  url: string;
  onEvent?: (event: MigrationEvent) => void;
}

export interface MigrationReport {
  /** Rows per table in the SQLite snapshot and in PostgreSQL after the commit. */
  counts: TableCount[];
  /** Index rows PostgreSQL holds against the items copied (they must be equal). */
  index: TableCount;
  /** Every count matches. */
  ok: boolean;
  seconds: number;
}

/** Encodes one value for COPY's text format (see COPY in the PostgreSQL manual). */
function copyField(value: unknown, asBoolean: boolean): string {
  if (value === null || value === undefined) return '\\N';
  if (asBoolean) {
    // 0/1 read with safeIntegers come back as bigint.
    if (value === 0n || value === 0) return 'f';
    if (value === 1n || value === 1) return 't';
    const shown = typeof value === 'bigint' || typeof value === 'number' ? String(value) : typeof value;
    throw new MetaindexError('internal', `expected 0 or 1 for a boolean column, found ${shown}`);
  }
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    // Backslash starts an escape; tab, newline and carriage return delimit fields and rows.
    return value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c);
  }
  throw new MetaindexError(
    'internal',
    `cannot copy a ${typeof value} value (only text and numbers are stored)`,
  );
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The COPY text of `rows`, in chunks, reporting each chunk's row count as it goes. */
function* copyText(
  rows: Iterable<unknown[]>,
  spec: TableCopy,
  onRows: (rows: number) => void,
): Generator<string> {
  const booleans = spec.columns.map((column) => spec.booleans?.includes(column) === true);
  const foldFrom = spec.folded === undefined ? -1 : spec.columns.indexOf(spec.folded.from);
  let chunk = '';
  let inChunk = 0;
  for (const row of rows) {
    const fields = row.map((value, index) => copyField(value, booleans[index] === true));
    if (foldFrom >= 0) fields.push(copyField(foldCase(row[foldFrom] as string), false));
    chunk += `${fields.join('\t')}\n`;
    inChunk++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      onRows(inChunk);
      chunk = '';
      inChunk = 0;
    }
  }
  if (chunk !== '') {
    yield chunk;
    onRows(inChunk);
  }
}

/** Opens the source read-only, refusing a database this metaindex would not open as is. */
function openSource(sqlitePath: string): Database.Database {
  if (!existsSync(sqlitePath)) {
    throw new MetaindexError('not_found', `No metaindex database at ${sqlitePath}`);
  }
  // Read-only: the migration can never change the installation it copies. (Like any
  // read-only connection to a WAL database, it leaves an empty -wal and -shm file
  // behind when no server has the database open; SQLite reuses them.)
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const applied = db
      .prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations')
      .pluck()
      .get();
    if (applied !== SQLITE_MIGRATIONS.length) {
      throw new MetaindexError(
        'invalid_argument',
        applied !== undefined && applied > SQLITE_MIGRATIONS.length
          ? `${sqlitePath} was written by a newer metaindex (migration ${applied}): migrate it with that version`
          : `${sqlitePath} is at migration ${applied ?? 0} of ${SQLITE_MIGRATIONS.length}: start a server on it ` +
              'once with this version of metaindex (it upgrades the database), stop it, then migrate',
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Checks that this copier knows every table and column on both sides, so a column
 * added by a later migration on one side cannot be silently dropped here.
 */
async function checkShapes(source: Database.Database, client: PgClient): Promise<void> {
  const problems: string[] = [];
  const copied = new Set(COPIED_TABLES.map((spec) => spec.table));
  const sourceTables = source
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all();
  for (const table of sourceTables) {
    if (!copied.has(table) && !isNotCopied(table)) problems.push(`SQLite table ${table} is not copied`);
  }
  for (const spec of COPIED_TABLES) {
    const want = [...spec.columns].sort();
    const sqliteColumns = source
      .prepare<[string], string>('SELECT name FROM pragma_table_info(?)')
      .pluck()
      .all(spec.table)
      .sort();
    if (sqliteColumns.join() !== want.join()) {
      problems.push(
        `SQLite ${spec.table} has columns (${sqliteColumns.join(', ')}), expected (${want.join(', ')})`,
      );
    }
    const pgWant = [...want, ...(spec.folded === undefined ? [] : [spec.folded.column])].sort();
    const result = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1`,
      [spec.table],
    );
    const pgColumns = result.rows.map((row) => row.column_name).sort();
    if (pgColumns.join() !== pgWant.join()) {
      problems.push(
        `PostgreSQL ${spec.table} has columns (${pgColumns.join(', ')}), expected (${pgWant.join(', ')})`,
      );
    }
  }
  if (problems.length > 0) {
    throw new MetaindexError(
      'internal',
      `metaindex migrate does not match the two databases' tables: ${problems.join('; ')}`,
    );
  }
}

/** Refuses a target that holds any metaindex data: migrate never merges. */
async function checkEmpty(client: PgClient): Promise<void> {
  const holding: string[] = [];
  for (const { table } of COPIED_TABLES) {
    const result = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`);
    if (result.rows[0]?.any === true) holding.push(table);
  }
  if (holding.length > 0) {
    throw new MetaindexError(
      'conflict',
      `The PostgreSQL database already holds metaindex data (rows in ${holding.join(', ')}). ` +
        'metaindex migrate only copies into an empty database: create a new one (e.g. createdb metaindex) ' +
        'and migrate into that. Nothing was changed.',
    );
  }
}

/** Streams one table from SQLite into PostgreSQL with COPY. */
async function copyTable(
  source: Database.Database,
  client: PgClient,
  spec: TableCopy,
  onRows: (rows: number) => void,
): Promise<void> {
  // raw: rows as arrays in column order; safeIntegers: INTEGER values as bigint, so
  // no integer is rounded on its way through JavaScript.
  const statement = source
    .prepare(spec.select ?? `SELECT ${spec.columns.join(', ')} FROM ${spec.table}`)
    .raw(true)
    .safeIntegers(true);
  const targetColumns = [...spec.columns, ...(spec.folded === undefined ? [] : [spec.folded.column])];
  const copy = client.query(copyStreams.from(`COPY ${spec.table} (${targetColumns.join(', ')}) FROM STDIN`));
  try {
    await pipeline(Readable.from(copyText(statement.iterate() as Iterable<unknown[]>, spec, onRows)), copy);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`copying ${spec.table} failed: ${message}`, { cause: error });
  }
}

async function countTarget(engine: PostgresEngine, table: string): Promise<number> {
  const result = await engine.database.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return result[0]?.n ?? 0;
}

/**
 * Copies the installation in `sqlitePath` into the empty database at `url` and
 * counts both sides. Throws (leaving the target unchanged) when the target is not
 * empty or anything fails before the commit.
 */
export async function migrateSqliteToPostgres(options: MigrateOptions): Promise<MigrationReport> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const source = openSource(options.sqlitePath);
  let engine: PostgresEngine | undefined;
  try {
    // Applies the PostgreSQL migrations (a no-op on a database that has them).
    engine = await openPostgresEngine({ url: options.url, maxConnections: 2 });

    // One read transaction: every SELECT below, counts included, sees one snapshot.
    source.exec('BEGIN');
    const sourceCounts = COPIED_TABLES.map((spec) => ({
      table: spec.table,
      rows: source.prepare<[], number>(`SELECT count(*) FROM ${spec.table}`).pluck().get() ?? 0,
    }));
    const totalRows = sourceCounts.reduce((sum, { rows }) => sum + rows, 0);
    const itemCount = sourceCounts.find(({ table }) => table === 'items')?.rows ?? 0;

    const client = await engine.database.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        // Locks out writers (a server started on the target too early) until the
        // commit, so the emptiness check below stays true while we copy. Readers
        // still read; a lock held elsewhere for long fails the migration clearly.
        await client.query("SET LOCAL lock_timeout = '30s'");
        await client.query(
          `LOCK TABLE ${COPIED_TABLES.map((spec) => spec.table).join(', ')} IN EXCLUSIVE MODE`,
        );
        await checkShapes(source, client);
        await checkEmpty(client);
        emit({ kind: 'start', tables: sourceCounts, totalRows });

        let done = 0;
        for (const [index, spec] of COPIED_TABLES.entries()) {
          const tableTotal = sourceCounts[index]?.rows ?? 0;
          const tableStarted = performance.now();
          let tableRows = 0;
          await copyTable(source, client, spec, (rows) => {
            tableRows += rows;
            done += rows;
            emit({ kind: 'rows', table: spec.table, tableRows, tableTotal, rows: done, totalRows });
          });
          emit({
            kind: 'table-done',
            table: spec.table,
            rows: tableRows,
            seconds: (performance.now() - tableStarted) / 1000,
          });
        }

        // The index is derived with the schema just copied, as the engine's own
        // writes would have derived it.
        const schemaRow = (
          await client.query<{ version: number; schema_json: string }>(
            'SELECT version, schema_json FROM metadata_schema WHERE id = 1',
          )
        ).rows[0];
        const schemaAt =
          schemaRow === undefined
            ? { schema: new Map(), version: 0 }
            : { schema: schemaFromStoredJson(schemaRow.schema_json), version: schemaRow.version };
        emit({ kind: 'indexing', items: itemCount });
        const indexStarted = performance.now();
        const indexed = await engine.index.rebuild(client, schemaAt);
        emit({ kind: 'indexed', items: indexed, seconds: (performance.now() - indexStarted) / 1000 });

        await client.query('COMMIT');
        emit({ kind: 'committed' });
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      }
    } finally {
      client.release(broken);
    }

    // Fresh statistics: the planner would otherwise plan the first queries on a
    // million rows as if the tables were empty, until autovacuum gets to them.
    await engine.database.query('ANALYZE');

    const counts: TableCount[] = [];
    for (const { table, rows } of sourceCounts) {
      counts.push({ table, source: rows, target: await countTarget(engine, table) });
    }
    const index: TableCount = {
      table: 'item_index',
      source: itemCount,
      target: await countTarget(engine, 'item_index'),
    };
    const ok = [...counts, index].every((count) => count.source === count.target);
    return { counts, index, ok, seconds: (performance.now() - started) / 1000 };
  } finally {
    source.close();
    await engine?.close();
  }
}
