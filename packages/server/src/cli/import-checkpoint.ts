/**
 * What makes `metaindex items import` resumable: a checkpoint file saying how far the
 * import got (the byte offset and line after the last batch the server acknowledged),
 * for which file (its size, modification time and a hash of its first 64 KiB) and with
 * which options, and the rejects report, which is cut back on resume to what that
 * checkpoint covered so no rejected line is ever reported twice.
 *
 * Order of writes after each acknowledged batch: the batch's rejects are appended, then
 * the checkpoint (recording the rejects file's new size) replaces the old one
 * atomically (temporary file, fsync, rename). The checkpoint is written in the
 * background so the import never waits for the disk; while one write is under way only
 * the newest checkpoint waits for the next. A process killed anywhere leaves some
 * earlier checkpoint: the batches after it are sent again (the writes are idempotent)
 * and its rejects size cuts off what they had reported.
 */
import { MetaindexError } from '@metaindex/core';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export const CHECKPOINT_VERSION = 1;
const HEAD_BYTES = 64 * 1024;

/** Enough to tell that a file is still the one a checkpoint was written for. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  /** SHA-256 (hex) of the first 64 KiB. */
  headSha256: string;
}

/** The options that decide what a line means; a resumed run must use the same. */
export interface ImportSettings {
  format: 'jsonl' | 'csv';
  mode: 'replace' | 'merge';
  match: 'uuid' | 'name' | 'objectUrl' | null;
  folder: string | null;
  register: boolean;
}

export interface ImportCounts {
  /** Records read (blank lines are not records). */
  lines: number;
  /** Lines whose metadata the server acknowledged. */
  landed: number;
  /** Of those, lines that registered their item (objectUrl with --register). */
  registered: number;
  /** Lines reported in the rejects file. */
  rejected: number;
}

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  file: string;
  identity: FileIdentity;
  settings: ImportSettings;
  /** Byte offset just past the last line handled. */
  offset: number;
  /** Number of the last line handled. */
  line: number;
  counts: ImportCounts;
  /** Size of the rejects file when this checkpoint was written. */
  rejectsBytes: number;
  /** The whole file has been handled. */
  done: boolean;
  updatedAt: string;
}

export async function fileIdentity(path: string): Promise<FileIdentity> {
  const handle = await open(path, 'r');
  try {
    const stat = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, stat.size));
    let read = 0;
    while (read < head.length) {
      const { bytesRead } = await handle.read(head, read, head.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return {
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      headSha256: createHash('sha256').update(head.subarray(0, read)).digest('hex'),
    };
  } finally {
    await handle.close();
  }
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.headSha256 === b.headSha256;
}

/** The settings that differ, as `--flag value` texts (empty when they agree). */
export function settingsDifferences(saved: ImportSettings, now: ImportSettings): string[] {
  const show = (key: keyof ImportSettings, value: unknown): string =>
    key === 'register'
      ? value === true
        ? '--register'
        : 'no --register'
      : `--${key} ${typeof value === 'string' ? value : '(none)'}`;
  return (Object.keys(now) as (keyof ImportSettings)[])
    .filter((key) => saved[key] !== now[key])
    .map((key) => `${show(key, saved[key])} (now ${show(key, now[key])})`);
}

/** Reads a checkpoint; null when there is none. A file that is not one is an error. */
export function readCheckpoint(path: string): Checkpoint | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MetaindexError(
      'invalid_argument',
      `Cannot read the checkpoint ${path}: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const checkpoint = parsed as Partial<Checkpoint> | null;
  if (
    checkpoint === null ||
    typeof checkpoint !== 'object' ||
    checkpoint.version !== CHECKPOINT_VERSION ||
    typeof checkpoint.offset !== 'number' ||
    typeof checkpoint.line !== 'number' ||
    typeof checkpoint.rejectsBytes !== 'number' ||
    typeof checkpoint.identity !== 'object' ||
    typeof checkpoint.settings !== 'object' ||
    typeof checkpoint.counts !== 'object'
  ) {
    throw new MetaindexError(
      'invalid_argument',
      `${path} is not a metaindex import checkpoint: remove it, or pass --restart to start the import over`,
    );
  }
  return checkpoint as Checkpoint;
}

/**
 * Writes checkpoints in the background, in order, each atomically (temporary file,
 * fsync, rename). While one is being written, later ones wait and only the newest is
 * kept. `flush()` waits until the newest is on disk and rethrows a failed write.
 */
export class CheckpointWriter {
  readonly #path: string;
  #pending: Checkpoint | null = null;
  #writing: Promise<void> | null = null;
  #error: Error | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  write(checkpoint: Checkpoint): void {
    if (this.#error !== null) throw this.#error;
    this.#pending = checkpoint;
    this.#writing ??= this.#drain();
  }

  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
    if (this.#error !== null) throw this.#error;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending !== null) {
        const checkpoint = this.#pending;
        this.#pending = null;
        await writeAtomic(this.#path, `${JSON.stringify(checkpoint, null, 2)}\n`);
      }
    } catch (error) {
      this.#error = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#writing = null;
    }
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'w', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Removes temporary files a killed process left beside the checkpoint. */
export function removeStaleTemporaries(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(resolve(path)));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp'))
      rmSync(join(dirname(resolve(path)), name), { force: true });
  }
}

export function removeCheckpoint(path: string): void {
  rmSync(path, { force: true });
}

/** The rejects report: one JSON object per line, appended batch by batch. */
export class RejectsFile {
  readonly path: string;
  readonly #fd: number;
  #bytes: number;

  private constructor(path: string, fd: number, bytes: number) {
    this.path = path;
    this.#fd = fd;
    this.#bytes = bytes;
  }

  /**
   * Opens the report for appending, cut back to `keepBytes` (what the checkpoint being
   * resumed covered; 0 for a fresh import). Answers whether the file was shorter than
   * that (it was truncated or removed by someone else).
   */
  static open(path: string, keepBytes: number): { file: RejectsFile; shorter: boolean } {
    const absolute = resolve(path);
    let size = 0;
    try {
      size = statSync(absolute).size;
    } catch {
      size = 0;
    }
    if (size > keepBytes) truncateSync(absolute, keepBytes);
    const fd = openSync(absolute, 'a', 0o644);
    return { file: new RejectsFile(absolute, fd, Math.min(size, keepBytes)), shorter: size < keepBytes };
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends lines (each already a JSON text) in one write. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const data = Buffer.from(`${lines.join('\n')}\n`);
    let written = 0;
    while (written < data.length) written += writeSync(this.#fd, data, written);
    this.#bytes += data.length;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
