/**
 * `metaindex items import` and `metaindex items export`: bulk metadata in and out of a
 * server as JSON Lines (and CSV in). The import engine is item-import.ts; this module
 * parses the options, draws the progress bar and turns the outcome into an exit code:
 * 0 every line landed, 2 some lines were rejected (every good one landed), 1 failure.
 */
import { MetaindexError } from '@metaindex/core';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import {
  CONNECTION_HELP,
  connect,
  describeFailure,
  openConnection,
  note,
  withConnectionOptions,
  type ConnectionOptions,
} from './cli-connection.js';
import {
  DEFAULT_BATCH_SIZE,
  MAX_BATCH_SIZE,
  runImport,
  type ImportFormat,
  type ImportMode,
  type ImportProgress,
  type ImportResult,
  type MatchBy,
  type RegisterAs,
} from './item-import.js';

/** Exit codes a script can rely on. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_REJECTED = 2;
export const EXIT_INTERRUPTED = 130;

interface ImportCommandOptions extends ConnectionOptions {
  format?: ImportFormat;
  match?: MatchBy;
  folder?: string;
  register?: true;
  registerAs: RegisterAs;
  mode: ImportMode;
  batchSize: number;
  checkpoint?: string;
  rejects?: string;
  restart?: true;
  progress: boolean;
}

interface ExportCommandOptions extends ConnectionOptions {
  filter?: string;
  folder?: string;
  sort?: string;
}

function parseBatchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_BATCH_SIZE) {
    throw new InvalidArgumentError(
      `Expected a whole number from 1 to ${MAX_BATCH_SIZE.toLocaleString('en')}.`,
    );
  }
  return n;
}

function formatOf(file: string, given: ImportFormat | undefined): ImportFormat {
  if (given !== undefined) return given;
  return extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
}

const n = (value: number): string => value.toLocaleString('en');

function summary(file: string, result: ImportResult): string {
  const { counts } = result;
  const registered = counts.registered > 0 ? ` (${n(counts.registered)} registered)` : '';
  const rejected =
    counts.rejected > 0 ? `${n(counts.rejected)} rejected (reasons in ${result.rejectsPath})` : '0 rejected';
  const rate = result.seconds > 0 ? Math.round(result.runLines / result.seconds) : 0;
  const run =
    result.resumedFrom === null
      ? `${result.seconds.toFixed(1)} s, ${n(rate)} lines/s`
      : `this run: ${n(result.runLines)} lines in ${result.seconds.toFixed(1)} s, ${n(rate)} lines/s`;
  return `${file}: ${n(counts.lines)} lines, ${n(counts.landed)} landed${registered}, ${rejected}; ${run}`;
}

/** A progress bar on stderr: lines done, rate, ETA from bytes read against the file size. */
class ProgressBar {
  readonly #bar: cliProgress.SingleBar;
  readonly #started: number;

  /** `started`: when the import began (performance.now()), for the rate. */
  constructor(size: number, started: number) {
    this.#started = started;
    this.#bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format:
          ' {bar} {percentage}% | {lines} lines | {rate} lines/s | {rejected} rejected | ETA {eta_formatted}',
        hideCursor: true,
        barsize: 30,
        fps: 5,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.#bar.start(Math.max(1, size), 0, { lines: '0', rate: '0', rejected: '0' });
  }

  update(progress: ImportProgress): void {
    const seconds = (performance.now() - this.#started) / 1000;
    this.#bar.update(progress.offset, {
      lines: n(progress.counts.lines),
      rate: n(seconds > 0 ? Math.round(progress.runLines / seconds) : 0),
      rejected: n(progress.counts.rejected),
    });
  }

  stop(): void {
    this.#bar.stop();
  }
}

async function importAction(file: string, options: ImportCommandOptions): Promise<void> {
  const format = formatOf(file, options.format);
  const checkpointPath = options.checkpoint ?? `${file}.checkpoint.json`;
  const rejectsPath = options.rejects ?? `${file}.rejects.jsonl`;
  if (options.register === true && options.folder === undefined) {
    throw new MetaindexError(
      'invalid_argument',
      '--register needs --folder: the folder to register new items in',
    );
  }
  const { client, bulk } = await openConnection(options);

  // Ctrl-C: finish the batch in flight, save the checkpoint, stop. A second one kills.
  const interrupt = new AbortController();
  const onSignal = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let bar: ProgressBar | null = null;
  const showBar = options.progress && process.stderr.isTTY;
  const started = performance.now();
  let result: ImportResult;
  try {
    result = await runImport(
      client,
      {
        file,
        format,
        mode: options.mode,
        ...(options.match === undefined ? {} : { match: options.match }),
        ...(options.folder === undefined ? {} : { folder: options.folder }),
        register: options.register === true,
        registerAs: options.registerAs,
        batchSize: options.batchSize,
        checkpointPath,
        rejectsPath,
        restart: options.restart === true,
        signal: interrupt.signal,
        onNote: note,
        onProgress: (progress) => {
          if (!showBar) return;
          bar ??= new ProgressBar(progress.size, started);
          bar.update(progress);
        },
      },
      bulk,
    );
  } catch (error) {
    (bar as ProgressBar | null)?.stop();
    const resumable =
      existsSync(checkpointPath) && !(error instanceof MetaindexError && error.code === 'invalid_argument');
    throw new Error(
      describeFailure(error) +
        (resumable ? `\nProgress is saved in ${checkpointPath}: run the same command again to resume.` : ''),
      { cause: error },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  (bar as ProgressBar | null)?.stop();

  if (result.alreadyDone) {
    note(
      `${file} was already imported completely (checkpoint ${checkpointPath}): ${n(result.counts.lines)} lines, ` +
        `${n(result.counts.landed)} landed, ${n(result.counts.rejected)} rejected. Pass --restart to import it again.`,
    );
  } else if (result.interrupted) {
    note(`Interrupted after line ${n(result.line)}: run the same command again to resume.`);
    note(summary(file, result));
    process.exitCode = EXIT_INTERRUPTED;
    return;
  } else {
    note(summary(file, result));
  }
  process.exitCode = result.counts.rejected > 0 ? EXIT_REJECTED : EXIT_OK;
}

function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const flushed = process.stdout.write(text, (error) => {
      if (error) reject(error);
    });
    if (flushed) resolve();
    else process.stdout.once('drain', resolve);
  });
}

async function exportAction(options: ExportCommandOptions): Promise<void> {
  const client = await connect(options);
  const query = client.queryItems(options.filter ?? null, {
    ...(options.sort === undefined ? {} : { sort: options.sort }),
    ...(options.folder === undefined ? {} : { folder: options.folder }),
    pageSize: 1000,
    count: 'none',
  });
  let count = 0;
  const started = performance.now();
  for await (const page of query.pages()) {
    if (page.results.length === 0) continue;
    let text = '';
    for (const item of page.results) {
      text += `${JSON.stringify({ uuid: item.uuid, name: item.name, folder: item.parent, clientMetadata: item.clientMetadata })}\n`;
    }
    count += page.results.length;
    await write(text);
  }
  note(`Exported ${n(count)} items in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const IMPORT_HELP = `
Line formats (JSONL, one object per line; blank lines are skipped):
  {"uuid": "…", "clientMetadata": {"speed": 3, "weather": "rain"}}
  {"name": "img-001.jpg", "clientMetadata": {…}}                      (needs --folder)
  {"objectUrl": "s3://b/img-001.jpg", "name": "img-001.jpg", "clientMetadata": {…}}
  With --match, bare lines too: {"uuid": "…", "speed": 3, "weather": "rain"}
  The identifier is --match's field, else uuid, else objectUrl, else name. items export
  writes {"uuid", "name", "folder", "clientMetadata"}, which imports as is.

CSV (--format csv, or a .csv file): a header row; the uuid, objectUrl or name column
  (or --match's) identifies the item, every other column is a metadata key typed by the
  schema: number, boolean (true/false), enum/varchar/text/uuid/datetime as text,
  embedding/geospatial as JSON ("[0.1, 0.2]", "{""latitude"": 1, ""longitude"": 2}").
  An empty cell leaves the key out.

Resuming: after each batch the server acknowledged, the position is saved in the
  checkpoint (default FILE.checkpoint.json). Run the same command again after a crash or
  Ctrl-C and it resumes there; a checkpoint of another version of the file (size, time or
  first 64 KiB changed) or other options is an error unless --restart. Rejected lines
  are reported once each in the rejects file (default FILE.rejects.jsonl):
  {"line": 12, "reason": "key \\"speed\\": …", "key": "speed"}

Exit codes: 0 every line landed; 2 some lines were rejected (all the good ones landed);
  1 failure (connection, authentication, bad arguments: message on stderr);
  130 interrupted (rerun to resume).

Examples:
  $ metaindex items import metadata.jsonl
  $ metaindex items import labels.csv --match name --folder "$FOLDER" --mode merge
  $ metaindex items import files.jsonl --match objectUrl --folder "$FOLDER" --register
  $ metaindex items export --filter 'weather = "rain"' > rain.jsonl
${CONNECTION_HELP}`;

export function itemsCommand(): Command {
  const items = new Command('items')
    .description('bulk item metadata: import from JSONL or CSV, export as JSONL')
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex items import metadata.jsonl --mode merge
  $ metaindex items export --folder "$FOLDER" > backup.jsonl`,
    );

  withConnectionOptions(
    items
      .command('import')
      .description("write items' clientMetadata from a JSONL or CSV file (resumable; see below)")
      .argument('<file>', 'the JSONL or CSV file')
      .addOption(
        new Option('--format <format>', 'file format (default: csv for .csv files, else jsonl)').choices([
          'jsonl',
          'csv',
        ]),
      )
      .addOption(
        new Option(
          '--match <field>',
          'the field that identifies each item (default: uuid, else objectUrl, else name)',
        ).choices(['uuid', 'name', 'objectUrl']),
      )
      .option('--folder <uuid>', 'the folder whose items name and objectUrl lines are looked up in')
      .addOption(
        new Option(
          '--mode <mode>',
          'replace: the line becomes the whole clientMetadata; merge: RFC 7396 merge (null removes a key)',
        )
          .choices(['replace', 'merge'])
          .default('replace'),
      )
      .option('--register', 'register objectUrl lines that match no item, with their metadata, in --folder')
      .addOption(
        new Option('--register-as <type>', 'item type of registered objectUrls')
          .choices(['image', 'video', 'audio', 'text', 'pdf'])
          .default('image'),
      )
      .addOption(
        new Option('--batch-size <n>', `lines per request (at most ${n(MAX_BATCH_SIZE)})`)
          .argParser(parseBatchSize)
          .default(DEFAULT_BATCH_SIZE),
      )
      .option('--checkpoint <path>', 'checkpoint file (default: FILE.checkpoint.json)')
      .option('--rejects <path>', 'rejected lines report, JSONL (default: FILE.rejects.jsonl)')
      .option('--restart', 'ignore an existing checkpoint and import from the first line')
      .option('--no-progress', 'no progress bar (there is none when stderr is not a terminal)'),
  )
    .addHelpText('after', IMPORT_HELP)
    .action(importAction);

  withConnectionOptions(
    items
      .command('export')
      .description('write items as JSONL to stdout: {"uuid", "name", "folder", "clientMetadata"} per line')
      .option('--filter <filter>', 'only the items matching this filter (docs/filter-language.md)')
      .option('--folder <uuid>', 'only items in this folder or below it')
      .option('--sort <keys>', 'comma-separated sort keys, "-" for descending (default: by uuid)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex items export > all.jsonl
  $ metaindex items export --filter 'speed > 10' --sort -speed --folder "$FOLDER" > fast.jsonl
  $ metaindex items import all.jsonl        # the output imports as is
${CONNECTION_HELP}`,
    )
    .action(exportAction);

  return items;
}
