/**
 * `metaindex backup --data DIR DEST`: a consistent copy of an embedded installation
 * while its server runs (store/sqlite/sqlite-backup.ts does the work). DEST becomes a
 * data directory of its own; restoring is starting a server on it. Progress goes to
 * stderr (a bar on a terminal, a few lines otherwise), the summary to stdout.
 */
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { backupDataDir, type BackupProgress, type BackupResult } from '../store/sqlite/sqlite-backup.js';

const DEFAULT_DATA_DIR = './data';

interface BackupCommandOptions {
  data: string;
  progress: boolean;
}

const n = (value: number): string => value.toLocaleString('en');
const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

const PHASE_LABEL: Record<BackupProgress['phase'], string> = {
  database: 'database pages',
  blobs: 'blob files',
};

/** A bar per phase on a terminal; otherwise one line when each phase starts. */
class BackupProgressView {
  readonly #showBar: boolean;
  readonly #write: (line: string) => void;
  #phase: BackupProgress['phase'] | null = null;
  #bar: cliProgress.SingleBar | null = null;

  constructor(showBar: boolean, write: (line: string) => void) {
    this.#showBar = showBar;
    this.#write = write;
  }

  on(progress: BackupProgress): void {
    if (progress.phase !== this.#phase) {
      this.stop();
      this.#phase = progress.phase;
      if (progress.total === 0) return;
      if (this.#showBar) {
        this.#bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: ` {bar} {percentage}% | {value}/{total} ${PHASE_LABEL[progress.phase]}`,
            hideCursor: true,
            barsize: 30,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        );
        this.#bar.start(Math.max(1, progress.total), progress.done);
      } else {
        this.#write(`Copying ${n(progress.total)} ${PHASE_LABEL[progress.phase]}…`);
      }
    }
    this.#bar?.setTotal(Math.max(1, progress.total));
    this.#bar?.update(progress.done);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}

export function formatBackupSummary(dataDir: string, result: BackupResult): string {
  const files = result.files.length === 0 ? 'no key files' : result.files.join(', ');
  return (
    `Backed up ${dataDir} to ${result.root} in ${result.seconds.toFixed(1)} s: ` +
    `database ${mib(result.databaseBytes)}, ${n(result.blobFiles)} blobs (${mib(result.blobBytes)}), ${files}.\n` +
    `To restore: stop the server and run \`metaindex serve --data ${result.root}\` ` +
    `(or copy ${result.root} back over ${dataDir}).`
  );
}

const HELP = `
Copies the data directory of an embedded server while it runs: the database as one
consistent snapshot (SQLite's online backup; the server keeps writing meanwhile),
then the uploaded blobs, the server secret and the generated admin key. DEST must not
exist or be empty; it becomes a data directory of its own. A failed backup leaves
nothing at DEST.

For a server on PostgreSQL (--db), back up the database with pg_dump and the data
directory's blobs and secret with any file copy.

Examples:
  $ metaindex backup --data ./data /backups/metaindex-$(date +%F)
  $ metaindex serve --data /backups/metaindex-2025-01-31     # restore: run on the backup`;

export function backupCommand(): Command {
  return new Command('backup')
    .description('copy an embedded installation (database, blobs, keys) while its server runs')
    .argument('<dest>', 'the new directory to write the backup to')
    .addOption(new Option('--data <dir>', 'data directory').env('METAINDEX_DATA').default(DEFAULT_DATA_DIR))
    .option('--no-progress', 'no progress bar (there is none when stderr is not a terminal)')
    .addHelpText('after', HELP)
    .action(async (dest: string, options: BackupCommandOptions) => {
      const view = new BackupProgressView(options.progress && process.stderr.isTTY, (line) =>
        process.stderr.write(`${line}\n`),
      );
      let result: BackupResult;
      try {
        result = await backupDataDir({
          dataDir: options.data,
          dest,
          onProgress: (progress) => {
            view.on(progress);
          },
        });
      } finally {
        view.stop();
      }
      process.stdout.write(`${formatBackupSummary(options.data, result)}\n`);
    });
}
