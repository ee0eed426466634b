/**
 * The embedded data directory: one folder holds everything a single-node metaindex
 * keeps (database, uploaded blobs, the server secret and a generated admin key), so
 * backing up or moving a server is copying one directory.
 */
import { MetaindexError } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface DataDirPaths {
  /** Absolute path of the data directory. */
  root: string;
  databasePath: string;
  blobsDir: string;
  /** Signs upload URLs and bearer tokens; see loadOrCreateSecret. */
  secretPath: string;
  /** The admin key metaindex generates on first start when no admin key was given. */
  adminKeyPath: string;
  adminPublicKeyPath: string;
}

export const SECRET_BYTES = 32;

export function resolveDataDir(dir: string): DataDirPaths {
  const root = resolve(dir);
  return {
    root,
    databasePath: join(root, 'metaindex.db'),
    blobsDir: join(root, 'blobs'),
    secretPath: join(root, 'server-secret'),
    adminKeyPath: join(root, 'admin_ed25519'),
    adminPublicKeyPath: join(root, 'admin_ed25519.pub'),
  };
}

/**
 * Creates the data directory and its blobs folder if missing. New directories are
 * private to the server's user (0700): they hold a secret and a private key. An
 * existing directory keeps its mode, which the operator may have chosen on purpose.
 */
export async function ensureDataDir(dir: string): Promise<DataDirPaths> {
  const paths = resolveDataDir(dir);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await mkdir(paths.blobsDir, { recursive: true, mode: 0o700 });
  return paths;
}

/**
 * Writes a file so that readers only ever see the old content or the whole new one:
 * the data goes to a temporary file beside the target (same filesystem), is flushed
 * to disk, then renamed over the target. `mode` applies from creation, so a secret
 * is never readable by others, not even briefly.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

export function isMissingFile(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/**
 * The server's 32-byte secret, created (mode 0600) on first use. It signs upload URLs
 * and bearer tokens, so regenerating it only invalidates those; a file of the wrong
 * size is still refused rather than replaced, because it means something else wrote
 * there and an operator should look.
 */
export async function loadOrCreateSecret(path: string): Promise<Buffer> {
  try {
    const secret = await readFile(path);
    if (secret.length !== SECRET_BYTES) {
      throw new MetaindexError(
        'internal',
        `The server secret ${path} holds ${secret.length} bytes, not ${SECRET_BYTES}. ` +
          'Delete it to create a new one (this invalidates outstanding upload URLs and tokens).',
      );
    }
    return secret;
  } catch (error) {
    if (!isMissingFile(error)) throw error;
  }
  const secret = randomBytes(SECRET_BYTES);
  await writeFileAtomic(path, secret, 0o600);
  return secret;
}
