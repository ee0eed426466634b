import { MetaindexError } from '@metaindex/core';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureDataDir,
  loadOrCreateSecret,
  resolveDataDir,
  SECRET_BYTES,
  writeFileAtomic,
} from './data-dir.js';

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'metaindex-data-dir-'));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('resolveDataDir', () => {
  it('lays out every file under the absolute root', () => {
    const paths = resolveDataDir('/srv/metaindex/');
    expect(paths).toEqual({
      root: '/srv/metaindex',
      databasePath: '/srv/metaindex/metaindex.db',
      blobsDir: '/srv/metaindex/blobs',
      secretPath: '/srv/metaindex/server-secret',
      adminKeyPath: '/srv/metaindex/admin_ed25519',
      adminPublicKeyPath: '/srv/metaindex/admin_ed25519.pub',
    });
  });

  it('resolves a relative directory against the working directory', () => {
    expect(resolveDataDir('data').root).toBe(join(process.cwd(), 'data'));
  });
});

describe('ensureDataDir', () => {
  it('creates a private root (0700) and the blobs folder, nested as deep as needed', async () => {
    const paths = await ensureDataDir(join(tmp, 'a', 'b'));
    expect(await modeOf(paths.root)).toBe(0o700);
    expect((await stat(paths.blobsDir)).isDirectory()).toBe(true);
  });

  it('is idempotent and leaves existing contents alone', async () => {
    const paths = await ensureDataDir(tmp);
    await writeFile(join(paths.blobsDir, 'x'), 'kept');
    await ensureDataDir(tmp);
    expect(await readFile(join(paths.blobsDir, 'x'), 'utf8')).toBe('kept');
  });
});

describe('loadOrCreateSecret', () => {
  it('creates 32 random bytes with mode 0600, then returns the same bytes', async () => {
    const path = join(tmp, 'server-secret');
    const first = await loadOrCreateSecret(path);
    expect(first).toHaveLength(SECRET_BYTES);
    expect(await modeOf(path)).toBe(0o600);
    expect(await loadOrCreateSecret(path)).toEqual(first);
  });

  it('differs between data directories', async () => {
    const a = await loadOrCreateSecret(join(tmp, 'a'));
    const b = await loadOrCreateSecret(join(tmp, 'b'));
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a secret of the wrong size instead of silently replacing it', async () => {
    const path = join(tmp, 'server-secret');
    await writeFile(path, 'short');
    const error: unknown = await loadOrCreateSecret(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaindexError);
    expect((error as MetaindexError).message).toMatch(/holds 5 bytes, not 32/);
    expect(await readFile(path, 'utf8')).toBe('short');
  });

  it('leaves no temporary file behind', async () => {
    await loadOrCreateSecret(join(tmp, 'server-secret'));
    expect(await readdir(tmp)).toEqual(['server-secret']);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, with the given mode', async () => {
    const path = join(tmp, 'f');
    await writeFileAtomic(path, 'old', 0o600);
    await writeFileAtomic(path, 'new', 0o600);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(tmp)).toEqual(['f']);
  });

  it('cleans up its temporary file when the target cannot be replaced', async () => {
    const path = join(tmp, 'dir');
    await ensureDataDir(join(path, 'inner'));
    await expect(writeFileAtomic(path, 'x', 0o600)).rejects.toThrow();
    expect(await readdir(tmp)).toEqual(['dir']);
  });
});
