/**
 * `metaindex migrate sqlite:DIR postgres://…`: moves an embedded installation into
 * an empty PostgreSQL database (the copy itself is store/migrate-sqlite-to-postgres.ts).
 * This module parses the two locations, shows progress on stderr (a bar on a
 * terminal, plain lines otherwise, so logs of unattended runs still show where it
 * is), and prints the row counts of both sides as a table on stdout. Any count that
 * differs makes the command fail (exit 1).
 */
import { MetaindexError } from '@metaindex/core';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { resolveDataDir } from '../data-dir.js';
import {
  migrateSqliteToPostgres,
  type MigrationEvent,
  type MigrationReport,
  type TableCount,
} from '../store/migrate-sqlite-to-postgres.js';
import { isPostgresUrl, redactUrl } from '../store/open-engine.js';

const SQLITE_PREFIX = 'sqlite:';

/** Without a bar, a table still being copied reports at most this often. */
const LINE_INTERVAL_MS = 5000;

interface MigrateCommandOptions {
  progress: boolean;
}

const n = (value: number): string => value.toLocaleString('en');

/** `sqlite:DIR` → the data directory DIR. */
export function parseSqliteSource(value: string): string {
  if (!value.startsWith(SQLITE_PREFIX) || value.length === SQLITE_PREFIX.length) {
    throw new InvalidArgumentError(
      'Expected sqlite:DIR, the data directory of the embedded server (e.g. sqlite:./data).',
    );
  }
  return value.slice(SQLITE_PREFIX.length);
}

function parseTarget(value: string): string {
  if (!isPostgresUrl(value)) {
    throw new InvalidArgumentError('Expected a PostgreSQL URL such as postgres://user@host:5432/metaindex.');
  }
  return value;
}

/** The verification table: rows per table on both sides, mismatches marked. */
export function formatCounts(report: MigrationReport): string {
  const rows: [table: string, source: string, target: string, mark: string][] = [
    ['TABLE', 'SQLITE', 'POSTGRESQL', ''],
  ];
  const line = (count: TableCount, label = count.table): [string, string, string, string] => [
    label,
    n(count.source),
    n(count.target),
    count.source === count.target ? '' : 'DIFFERS',
  ];
  for (const count of report.counts) rows.push(line(count));
  rows.push(line(report.index, 'item_index (one per item)'));
  const tableWidth = Math.max(...rows.map(([table]) => table.length));
  const sourceWidth = Math.max(...rows.map(([, source]) => source.length));
  const targetWidth = Math.max(...rows.map(([, , target]) => target.length));
  return rows
    .map(([table, source, target, mark]) =>
      `${table.padEnd(tableWidth)}  ${source.padStart(sourceWidth)}  ${target.padStart(targetWidth)}  ${mark}`.trimEnd(),
    )
    .join('\n');
}

/**
 * Progress on stderr: one bar over every row to copy when stderr is a terminal (and
 * --no-progress was not given), else a line per table and a line every few seconds
 * while a large table is copied.
 */
class MigrationProgress {
  readonly #showBar: boolean;
  readonly #write: (line: string) => void;
  #bar: cliProgress.SingleBar | null = null;
  #lastLine = 0;

  constructor(showBar: boolean, write: (line: string) => void) {
    this.#showBar = showBar;
    this.#write = write;
  }

  on(event: MigrationEvent): void {
    switch (event.kind) {
      case 'start':
        this.#write(
          `Copying ${n(event.totalRows)} rows from ${event.tables.length} tables in one transaction` +
            ` (${event.tables.map((t) => `${t.table} ${n(t.rows)}`).join(', ')})`,
        );
        if (this.#showBar) {
          this.#bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: ' {bar} {percentage}% | {value}/{total} rows | {table} | ETA {eta_formatted}',
              hideCursor: true,
              barsize: 30,
              fps: 5,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          this.#bar.start(Math.max(1, event.totalRows), 0, { table: '' });
        }
        this.#lastLine = performance.now();
        break;
      case 'rows':
        if (this.#bar !== null) {
          this.#bar.update(event.rows, { table: event.table });
        } else if (performance.now() - this.#lastLine >= LINE_INTERVAL_MS) {
          this.#lastLine = performance.now();
          this.#write(`  ${event.table}: ${n(event.tableRows)} of ${n(event.tableTotal)} rows`);
        }
        break;
      case 'table-done':
        if (this.#bar === null)
          this.#write(`  ${event.table}: ${n(event.rows)} rows (${event.seconds.toFixed(1)} s)`);
        this.#lastLine = performance.now();
        break;
      case 'indexing':
        this.#stopBar();
        this.#write(`Rebuilding the item index for ${n(event.items)} items…`);
        break;
      case 'indexed':
        this.#write(`  item index: ${n(event.items)} rows (${event.seconds.toFixed(1)} s)`);
        break;
      case 'committed':
        this.#write('Committed.');
        break;
    }
  }

  stop(): void {
    this.#stopBar();
  }

  #stopBar(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}

export interface MigrateRun {
  dataDir: string;
  url: string;
  showBar: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * Runs a migration and prints its outcome: the verification table on `out`, progress
 * on `err`. Throws when it fails or any count differs.
 */
export async function runMigrate(run: MigrateRun): Promise<MigrationReport> {
  const paths = resolveDataDir(run.dataDir);
  const progress = new MigrationProgress(run.showBar, run.err);
  run.err(`Migrating ${paths.databasePath} into ${redactUrl(run.url)}`);
  let report: MigrationReport;
  try {
    report = await migrateSqliteToPostgres({
      sqlitePath: paths.databasePath,
      url: run.url,
      onEvent: (event) => {
        progress.on(event);
      },
    });
  } finally {
    progress.stop();
  }
  run.out(formatCounts(report));
  if (!report.ok) {
    const differing = [...report.counts, report.index]
      .filter((count) => count.source !== count.target)
      .map((count) => count.table);
    throw new MetaindexError(
      'internal',
      `Verification failed: row counts differ for ${differing.join(', ')}. Do not start servers on this database.`,
    );
  }
  run.err(
    `Done in ${report.seconds.toFixed(1)} s: every table has the same number of rows on both sides.\n` +
      `Blobs stay in ${paths.blobsDir}. Run the server on PostgreSQL with:\n` +
      `  metaindex serve --data ${run.dataDir} --db ${redactUrl(run.url)}`,
  );
  return report;
}

const HELP = `
Copies everything the embedded server keeps in DIR/metaindex.db (schema, users,
folders, items, upload jobs, datasets and data rows, projects, ontologies,
collections, presets and collection jobs) into an empty PostgreSQL database, in one
transaction: if anything fails, the database is left as it was. The item index is
rebuilt in PostgreSQL; every table is then counted on both sides, and the command
fails if any count differs.

Stop the server first: the copy is a snapshot of the moment it starts, and later
writes to DIR would not be in PostgreSQL. Uploaded files are not copied: they stay in
DIR/blobs, which the server keeps using when started with --data DIR --db URL.

Examples:
  $ metaindex migrate sqlite:./data postgres://metaindex@db.internal:5432/metaindex
  $ metaindex serve --data ./data --db postgres://metaindex@db.internal:5432/metaindex`;

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('move an embedded installation (sqlite:DIR) into an empty PostgreSQL database')
    .argument('<source>', 'sqlite:DIR, the data directory of the embedded server', parseSqliteSource)
    .argument('<target>', 'postgres://user@host:5432/database, an empty database', parseTarget)
    .option('--no-progress', 'no progress bar (there is none when stderr is not a terminal)')
    .addHelpText('after', HELP)
    .action(async (dataDir: string, url: string, options: MigrateCommandOptions) => {
      await runMigrate({
        dataDir,
        url,
        showBar: options.progress && process.stderr.isTTY,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
