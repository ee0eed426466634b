/**
 * `metaindex collections send`: turn an Index collection into a dataset (and maybe a
 * project) through the SDK. The server links the collection's items into the dataset in a
 * background job; the command follows it with a progress line on stderr and ends with one
 * summary line on stdout. Exit codes: 0 done, 1 failure (message on stderr), 2 usage.
 */
import { MetaindexError } from '@metaindex/core';
import {
  AuthorisationError,
  DatasetJobError,
  type Collection,
  type DatasetJob,
  type EncordUserClient,
} from '@metaindex/sdk';
import { Command, Option } from 'commander';
import {
  CONNECTION_HELP,
  connect,
  out,
  withConnectionOptions,
  type ConnectionOptions,
} from './cli-connection.js';

/** A wrong combination of flags, an unknown flag or a missing argument: 1, as for every command. */
const EXIT_USAGE = 1;

interface SendOptions extends ConnectionOptions {
  dataset?: string;
  description?: string;
  appendTo?: string;
  project?: string;
  projectHash?: string;
}

const n = (value: number): string => value.toLocaleString('en');

/** The collection, or an error naming the uuid (the SDK says only "No collection found"). */
async function readCollection(client: EncordUserClient, uuid: string): Promise<Collection> {
  try {
    return await client.getCollection(uuid);
  } catch (error) {
    if (error instanceof AuthorisationError) {
      throw new MetaindexError('not_found', `No collection ${uuid} (or your key may not see it)`);
    }
    throw error;
  }
}

/** Starts the job the flags describe, without waiting for it. */
function startJob(collection: Collection, options: SendOptions): Promise<DatasetJob> {
  const common = {
    description: options.description,
    // An existing dataset implies mode append-new.
    datasetHash: options.appendTo,
    wait: false,
  };
  if (options.project === undefined && options.projectHash === undefined) {
    return collection.toDataset({ ...common, title: options.dataset });
  }
  return collection.toProject({
    ...common,
    title: options.project,
    projectHash: options.projectHash,
    datasetTitle: options.dataset,
  });
}

function progressLine(job: DatasetJob): string {
  const percent = job.total === 0 ? 100 : Math.floor((job.processed / job.total) * 100);
  return `dataset ${job.datasetHash}: ${n(job.processed)} of ${n(job.total)} members (${percent}%), ${n(job.added)} rows added`;
}

/**
 * The progress line on stderr: rewritten in place on a terminal, else one line each time
 * the job has moved on (so a log shows it without a line per poll).
 */
class ProgressLine {
  readonly #terminal = process.stderr.isTTY;
  #last = '';

  show(job: DatasetJob): void {
    const line = progressLine(job);
    if (line === this.#last) return;
    this.#last = line;
    process.stderr.write(this.#terminal ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Ends the line on a terminal, so what follows starts on a line of its own. */
  end(): void {
    if (this.#terminal && this.#last !== '') process.stderr.write('\n');
  }
}

async function sendAction(uuid: string, options: SendOptions, command: Command): Promise<void> {
  if (options.dataset === undefined && options.appendTo === undefined) {
    command.error(
      'error: give --dataset TITLE (a new dataset) or --append-to DATASET_HASH (an existing one)',
      { exitCode: EXIT_USAGE, code: 'metaindex.usage' },
    );
  }
  const client = await connect(options);
  const collection = await readCollection(client, uuid);
  const job = await startJob(collection, options);
  const progress = new ProgressLine();
  progress.show(job);
  try {
    await job.wait({
      onProgress: (running) => {
        progress.show(running);
      },
    });
  } catch (error) {
    if (error instanceof DatasetJobError) {
      throw new MetaindexError(
        'internal',
        `The job ${job.uuid} failed after ${n(job.processed)} of ${n(job.total)} members ` +
          `(${n(job.added)} rows added to dataset ${job.datasetHash}): ${error.message}`,
      );
    }
    throw error;
  } finally {
    progress.end();
  }
  out(`dataset ${job.datasetHash}: ${n(job.added)} rows added, ${n(job.alreadyThere)} already there`);
  if (job.projectHash !== null) out(`project ${job.projectHash}`);
}

export function collectionsCommand(): Command {
  const collections = new Command('collections')
    .description('make datasets and projects from Index collections')
    .addHelpText(
      'after',
      `
Examples:
  $ metaindex collections send "$COLLECTION" --dataset "rainy nights"
  $ metaindex collections send "$COLLECTION" --dataset "rainy nights" --project "label rain"`,
    );

  withConnectionOptions(
    collections
      .command('send')
      .description(
        "link a collection's items into a new dataset (or the members an existing one lacks), " +
          'optionally attached to a project',
      )
      .argument('<uuid>', "the collection's uuid")
      .addOption(new Option('--dataset <title>', "the new dataset's title").conflicts('appendTo'))
      .option('--description <text>', "the new dataset's description (and the new project's, with --project)")
      .option(
        '--append-to <datasetHash>',
        'add only the members not yet in this existing dataset (instead of --dataset)',
      )
      .addOption(
        new Option('--project <title>', 'also attach the dataset to a new project with this title').conflicts(
          'projectHash',
        ),
      )
      .option('--project-hash <hash>', 'also attach the dataset to this existing project'),
  )
    .addHelpText(
      'after',
      `
Data rows reference the collection's items (their metadata is the items', also after
later edits); nothing is copied. Progress goes to stderr; the summary to stdout:
  dataset 5f1c…: 10,000 rows added, 0 already there
  project 9a2b…                      (with --project or --project-hash)

Exit codes: 0 done; 1 failure (message on stderr); 2 usage (e.g. neither --dataset
  nor --append-to).

Examples:
  $ metaindex collections send "$COLLECTION" --dataset "rainy nights" --description "v1"
  $ metaindex collections send "$COLLECTION" --append-to "$DATASET"
  $ metaindex collections send "$COLLECTION" --dataset "rainy nights" --project "label rain"
  $ metaindex collections send "$COLLECTION" --dataset "more rain" --project-hash "$PROJECT"
${CONNECTION_HELP}`,
    )
    .action(sendAction);

  return collections;
}
