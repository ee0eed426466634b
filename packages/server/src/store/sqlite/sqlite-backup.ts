/**
 * `metaindex backup`: a consistent copy of an embedded installation while its server
 * keeps running. The result is itself a data directory (restore = stop the server and
 * start it with `--data DEST`, or copy DEST back over the old directory):
 *
 * - the database, through SQLite's online backup API (better-sqlite3 `db.backup`)
 *   from a read-only connection: a page-by-page copy of one committed state, never a
 *   half-written transaction, taken without stopping the server's writes;
 * - then the blobs: the server never deletes a blob and writes each one completely
 *   (temporary dot-file, then rename) before any item can reference it, so every blob
 *   the copied database references already exists when the blobs are copied after it
 *   (blobs uploaded meanwhile come along unreferenced, which is harmless);
 * - the server secret and the generated admin key files, with their modes.
 *
 * Everything is written into a hidden directory beside DEST and renamed to DEST at
 * the end, so DEST either does not exist or holds a complete backup.
 */
import { MetaindexError } from '@metaindex/core';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMissingFile, resolveDataDir, type DataDirPaths } from '../../data-dir.js';

/** Pages copied per step while no other connection writes (16 MiB at 4 KiB pages). */
const DEFAULT_PAGES_PER_STEP = 4096;
/** better-sqlite3 caps a step at this many pages: in effect "copy the rest in one step". */
const ALL_PAGES = 0x7fffffff;
/** Blob files copied at once. */
const BLOB_COPIES_IN_FLIGHT = 16;

export interface BackupProgress {
  phase: 'database' | 'blobs';
  /** Database pages or blob files copied so far. */
  done: number;
  total: number;
}

export interface BackupOptions {
  /** The data directory of the running (or stopped) embedded server. */
  dataDir: string;
  /** A new directory (or an empty one) to hold the backup. */
  dest: string;
  /** Database pages copied per step before any concurrent write is seen. */
  pagesPerStep?: number;
  onProgress?: (progress: BackupProgress) => void;
}

export interface BackupResult {
  /** The backup's data directory (absolute). */
  root: string;
  databasePages: number;
  databaseBytes: number;
  /**
   * How often a write by the server made SQLite start the database copy again (after
   * the first, the rest is copied in one step, which no write can interrupt).
   */
  restarts: number;
  blobFiles: number;
  blobBytes: number;
  /** Which of the secret and admin key files were copied (file names). */
  files: string[];
  seconds: number;
}

/** Refuses a destination that holds anything, or that lies inside what is copied. */
async function checkDestination(paths: DataDirPaths, dest: string): Promise<void> {
  const inside = (parent: string) => {
    const rel = relative(parent, dest);
    return rel === '' || (!isAbsolute(rel) && rel.split(sep)[0] !== '..');
  };
  if (inside(paths.blobsDir) || dest === paths.root) {
    throw new MetaindexError(
      'invalid_argument',
      `The backup directory ${dest} must not be the data directory or lie inside its blobs directory`,
    );
  }
  try {
    const info = await stat(dest);
    if (!info.isDirectory()) {
      throw new MetaindexError(
        'conflict',
        `${dest} exists and is not a directory: choose a new backup directory`,
      );
    }
    if ((await readdir(dest)).length > 0) {
      throw new MetaindexError(
        'conflict',
        `${dest} exists and is not empty: choose a new backup directory (a backup never overwrites files)`,
      );
    }
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
}

/**
 * Copies the database with SQLite's online backup. Each step copies some pages and
 * lets the event loop run; when another connection (the server) commits in between,
 * SQLite starts the copy over, so a busy server could keep a step-by-step copy from
 * ever finishing. After the first restart the rest is therefore copied in one step:
 * one read transaction, which in WAL mode never blocks the server's writers (it only
 * holds up this process, which has nothing else to do meanwhile).
 */
async function backupDatabase(
  sourcePath: string,
  targetPath: string,
  pagesPerStep: number,
  onProgress: (progress: BackupProgress) => void,
): Promise<{ pages: number; restarts: number }> {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    let copied = -1;
    let restarts = 0;
    let inOneStep = false;
    const result = await source.backup(targetPath, {
      progress: ({ totalPages, remainingPages }) => {
        const nowCopied = totalPages - remainingPages;
        // A step that made no headway started over (a concurrent commit restarted the
        // copy) or found the source busy: either way, take the rest in one step.
        if (copied > 0 && nowCopied <= copied) {
          restarts++;
          inOneStep = true;
        }
        copied = nowCopied;
        onProgress({ phase: 'database', done: nowCopied, total: totalPages });
        return inOneStep ? ALL_PAGES : pagesPerStep;
      },
    });
    onProgress({ phase: 'database', done: result.totalPages, total: result.totalPages });
    return { pages: result.totalPages, restarts };
  } finally {
    source.close();
  }
}

/**
 * Checks the copy is a sound SQLite database (SQLite's quick_check: every page and
 * record well formed, without comparing indexes to tables). Opened read-write: the
 * copy is in WAL mode like its source, and only a writable connection removes the
 * -wal and -shm files it makes when it closes.
 */
function checkDatabase(path: string): void {
  const db = new Database(path, { fileMustExist: true });
  try {
    const verdict = db.pragma('quick_check', { simple: true });
    if (verdict !== 'ok') {
      throw new MetaindexError(
        'internal',
        `the copied database ${path} fails SQLite's quick_check: ${String(verdict)}`,
      );
    }
  } finally {
    db.close();
  }
}

/** Relative paths of the blob files below `root`, skipping the store's temporary dot-files. */
async function listBlobs(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch (error) {
      if (isMissingFile(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = dir === '' ? entry.name : join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk('');
  return found;
}

/** Copies the blob files (a reflink where the filesystem can, else a byte copy). */
async function copyBlobs(
  from: string,
  to: string,
  onProgress: (progress: BackupProgress) => void,
): Promise<{ files: number; bytes: number }> {
  const blobs = await listBlobs(from);
  let next = 0;
  let files = 0;
  let bytes = 0;
  const madeDirs = new Set<string>();
  onProgress({ phase: 'blobs', done: 0, total: blobs.length });
  const worker = async (): Promise<void> => {
    for (let path = blobs[next++]; path !== undefined; path = blobs[next++]) {
      const dir = dirname(join(to, path));
      if (!madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        madeDirs.add(dir);
      }
      await copyFile(join(from, path), join(to, path), constants.COPYFILE_FICLONE);
      // Read the size before adding: `bytes += await …` would add to a stale total.
      const { size } = await stat(join(to, path));
      bytes += size;
      files++;
      onProgress({ phase: 'blobs', done: files, total: blobs.length });
    }
  };
  await Promise.all(Array.from({ length: BLOB_COPIES_IN_FLIGHT }, worker));
  return { files, bytes };
}

/** Copies one of the data directory's key files with its mode (0600); false when absent. */
async function copyKeyFile(from: string, to: string): Promise<boolean> {
  try {
    const { mode } = await stat(from);
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await chmod(to, mode & 0o777);
    return true;
  } catch (error) {
    if (isMissingFile(error)) return false;
    throw error;
  }
}

/** Backs up the data directory `dataDir` into the new directory `dest`. */
export async function backupDataDir(options: BackupOptions): Promise<BackupResult> {
  const started = performance.now();
  const paths = resolveDataDir(options.dataDir);
  const dest = resolve(options.dest);
  const onProgress = options.onProgress ?? (() => undefined);
  if (!existsSync(paths.databasePath)) {
    throw new MetaindexError(
      'not_found',
      `No metaindex database at ${paths.databasePath}: pass the data directory of your server with --data`,
    );
  }
  await checkDestination(paths, dest);

  await mkdir(dirname(dest), { recursive: true });
  const staging = join(dirname(dest), `.${basename(dest)}.backup-${randomBytes(4).toString('hex')}`);
  const target = resolveDataDir(staging);
  await mkdir(target.blobsDir, { recursive: true, mode: 0o700 });
  await chmod(target.root, 0o700);
  try {
    const database = await backupDatabase(
      paths.databasePath,
      target.databasePath,
      options.pagesPerStep ?? DEFAULT_PAGES_PER_STEP,
      onProgress,
    );
    checkDatabase(target.databasePath);
    const blobs = await copyBlobs(paths.blobsDir, target.blobsDir, onProgress);
    const files: string[] = [];
    for (const key of ['secretPath', 'adminKeyPath', 'adminPublicKeyPath'] as const) {
      if (await copyKeyFile(paths[key], target[key])) files.push(basename(paths[key]));
    }
    const databaseBytes = (await stat(target.databasePath)).size;
    // Nothing may have appeared at DEST meanwhile: rename replaces only an empty directory.
    await checkDestination(paths, dest);
    await rename(staging, dest);
    return {
      root: dest,
      databasePages: database.pages,
      databaseBytes,
      restarts: database.restarts,
      blobFiles: blobs.files,
      blobBytes: blobs.bytes,
      files,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
