/**
 * Blobs (uploaded file bytes) stored as plain files under one root directory, normally
 * `<dataDir>/blobs`. An object key `a/b/c` is the file `<root>/a/b/c`.
 */
import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { createHash, randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface BlobPutOptions {
  /** The largest accepted blob; a longer source fails with `payload_too_large` and nothing is stored. */
  maxBytes: number;
}

export interface BlobPutResult {
  size: number;
  /** Lowercase hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface BlobStat {
  size: number;
}

/**
 * Error codes from Node's fs that mean "there is no blob at this path": nothing there, a blob where
 * a parent directory should be, or a directory (of longer keys) where the blob should be.
 */
const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function isMissing(error: unknown): boolean {
  const code = errnoCode(error);
  return code !== undefined && MISSING_CODES.has(code);
}

/**
 * Checks an object key and splits it into path segments. Keys come from the server
 * (`<folderUuid>/<itemUuid>`), but they reach this store through URLs, so each is validated as if
 * hostile: only plain relative names, nothing that a path resolver would interpret.
 */
function objectKeySegments(objectKey: string): string[] {
  const reject = (why: string): never => {
    throw new InvalidArgumentError(`invalid object key ${JSON.stringify(objectKey)}: ${why}`, { objectKey });
  };
  if (objectKey === '') reject('it is empty');
  if (objectKey.includes('\0')) reject('it contains a NUL character');
  if (objectKey.includes('\\')) reject('it contains a backslash');
  if (objectKey.startsWith('/')) reject('it is an absolute path');
  const segments = objectKey.split('/');
  for (const segment of segments) {
    if (segment === '') reject('it has an empty path segment');
    // Covers '.' and '..', and keeps dot-names free for the store's own temporary files, so a key
    // can never name (or be overwritten by) an upload in progress.
    if (segment.startsWith('.')) reject('a path segment starts with "."');
  }
  return segments;
}

/**
 * Keys `a` and `a/b` cannot both exist: one needs a file where the other needs a directory. The
 * server's `<folderUuid>/<itemUuid>` keys never clash like this, but a clear error beats an errno.
 */
function prefixConflict(objectKey: string): (error: unknown) => never {
  return (error: unknown): never => {
    // mkdir -p says EEXIST or ENOTDIR when a blob stands where a directory is needed; rename says
    // EISDIR when a directory stands where the blob should go.
    const code = errnoCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') {
      throw new MetaindexError(
        'conflict',
        `the object key ${objectKey} clashes with another key that it is a prefix of, or that is a prefix of it`,
        { objectKey },
      );
    }
    throw error;
  };
}

/** Writes all of `bytes`; a single write to a file may legally be short. */
async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename in `directory` durable: without this a crash can forget a completed put. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileBlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The file holding `objectKey`. Validation guarantees the result is inside {@link root}. */
  private pathOf(objectKey: string): string {
    return path.join(this.root, ...objectKeySegments(objectKey));
  }

  /**
   * Stores `source` under `objectKey`, replacing any existing blob only once every byte is on disk.
   *
   * The bytes go to a temporary file beside the final one, which is fsynced and then renamed into
   * place, so readers see either the old blob or the complete new one, and a crash (or a failed or
   * oversized upload) never leaves a partial blob. If the upload fails, the source is released (its
   * iterator's `return()` is called), which for a Node stream destroys it.
   */
  async put(
    objectKey: string,
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options: BlobPutOptions,
  ): Promise<BlobPutResult> {
    const { maxBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new InvalidArgumentError(`maxBytes must be a non-negative whole number, got ${maxBytes}`);
    }
    const finalPath = this.pathOf(objectKey);
    const directory = path.dirname(finalPath);
    await mkdir(directory, { recursive: true }).catch(prefixConflict(objectKey));

    // A leading dot can never be a key segment, so this name cannot collide with a blob.
    const tempPath = path.join(directory, `.${randomUUID()}.tmp`);
    const handle = await open(tempPath, 'wx');
    let handleOpen = true;
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
        size += chunk.byteLength;
        // Checked before writing, so an oversized upload never puts more than maxBytes on disk.
        if (size > maxBytes) {
          throw new MetaindexError(
            'payload_too_large',
            `the upload for ${objectKey} is larger than the ${maxBytes}-byte limit`,
            { objectKey, maxBytes },
          );
        }
        hash.update(chunk);
        await writeFully(handle, chunk);
      }
      // Data must be on disk before the rename is: otherwise a crash could persist the rename
      // first and expose an empty or truncated blob under the final name.
      await handle.sync();
      handleOpen = false;
      await handle.close();
      await rename(tempPath, finalPath).catch(prefixConflict(objectKey));
      await syncDirectory(directory);
      return { size, sha256: hash.digest('hex') };
    } catch (error) {
      if (handleOpen) await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
  }

  /** A stream of the blob's bytes, or null when there is no blob under `objectKey`. */
  async get(objectKey: string): Promise<ReadStream | null> {
    const filePath = this.pathOf(objectKey);
    let handle: FileHandle;
    try {
      handle = await open(filePath, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    // Checking the open handle (not the path) means a concurrent rename cannot swap what we stream.
    try {
      // The stream owns the handle from here on and closes it when it ends or is destroyed.
      if ((await handle.stat()).isFile()) return handle.createReadStream();
    } catch (error) {
      await handle.close();
      throw error;
    }
    // A directory: the key is a prefix of other keys, not a blob.
    await handle.close();
    return null;
  }

  /** The blob's size, or null when there is no blob under `objectKey`. */
  async stat(objectKey: string): Promise<BlobStat | null> {
    try {
      const stats = await stat(this.pathOf(objectKey));
      return stats.isFile() ? { size: stats.size } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /**
   * Removes the blob under `objectKey`; true if there was one. Idempotent. Parent directories are
   * kept: removing them could race with a concurrent put into the same folder.
   */
  async delete(objectKey: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(objectKey));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}
