import { MetaindexError } from '@metaindex/core';
import { createHash, randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FileBlobStore } from './blob-store.js';

const KEY = '0f8e2a4c-1111-4222-8333-944455556666/7a1b2c3d-aaaa-4bbb-8ccc-ddddeeeeffff';
const LIMIT = { maxBytes: 10 * 1024 * 1024 };

let scratch: string;
let store: FileBlobStore;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'metaindex-blobs-'));
  store = new FileBlobStore(path.join(scratch, 'blobs'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function readAll(stream: ReadStream | null): Promise<Buffer> {
  expect(stream).not.toBeNull();
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Yields `bytes` in `chunkSize` pieces, one per event-loop turn like a network stream, and throws
 * instead of yielding piece number `failAfter` (counted from 0) when that is given.
 */
async function* chunked(
  bytes: Uint8Array,
  chunkSize: number,
  failAfter?: number,
): AsyncGenerator<Uint8Array> {
  let given = 0;
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    await nextTurn();
    if (given === failAfter) throw new Error('connection reset');
    yield bytes.subarray(offset, offset + chunkSize);
    given += 1;
  }
}

/** Every regular file under the store root, relative to it (directories themselves are not listed). */
async function filesUnderRoot(): Promise<string[]> {
  const entries = await readdir(store.root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(store.root, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MetaindexError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MetaindexError);
  expect((error as MetaindexError).code).toBe(code);
  return error as MetaindexError;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('FileBlobStore', () => {
  it('stores a byte array and reads it back, reporting size and SHA-256', async () => {
    const bytes = Buffer.from('\x89PNG\r\n\x1a\n fake image');
    expect(await store.put(KEY, bytes, LIMIT)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await readAll(await store.get(KEY))).toEqual(bytes);
    expect(await store.stat(KEY)).toEqual({ size: bytes.length });
    expect(await filesUnderRoot()).toEqual([KEY]);
  });

  it('streams a 5 MB upload in and out intact', async () => {
    const bytes = randomBytes(5 * 1024 * 1024);
    expect(await store.put(KEY, chunked(bytes, 64 * 1024), LIMIT)).toEqual({
      size: bytes.length,
      sha256: sha256(bytes),
    });
    expect(sha256(await readAll(await store.get(KEY)))).toBe(sha256(bytes));
  });

  it('stores an empty blob', async () => {
    expect(await store.put(KEY, new Uint8Array(0), LIMIT)).toEqual({
      size: 0,
      sha256: sha256(new Uint8Array(0)),
    });
    expect(await store.stat(KEY)).toEqual({ size: 0 });
    expect(await readAll(await store.get(KEY))).toEqual(Buffer.alloc(0));
  });

  it('accepts a blob of exactly maxBytes', async () => {
    expect(await store.put(KEY, chunked(Buffer.alloc(100, 1), 30), { maxBytes: 100 })).toMatchObject({
      size: 100,
    });
  });

  it('replaces the content on overwrite', async () => {
    await store.put(KEY, Buffer.from('first version, longer'), LIMIT);
    await store.put(KEY, Buffer.from('second'), LIMIT);
    expect((await readAll(await store.get(KEY))).toString()).toBe('second');
    expect(await filesUnderRoot()).toEqual([KEY]);
  });

  it('keeps concurrent puts of one key whole: the result is one of them, not a mix', async () => {
    const a = Buffer.alloc(256 * 1024, 'a');
    const b = Buffer.alloc(256 * 1024, 'b');
    await Promise.all([store.put(KEY, chunked(a, 4096), LIMIT), store.put(KEY, chunked(b, 4096), LIMIT)]);
    expect([sha256(a), sha256(b)]).toContain(sha256(await readAll(await store.get(KEY))));
    expect(await filesUnderRoot()).toEqual([KEY]);
  });

  describe('atomicity', () => {
    it('stores nothing and leaves no temp file when the upload exceeds maxBytes', async () => {
      const error = await expectCode(
        store.put(KEY, chunked(Buffer.alloc(1000), 100), { maxBytes: 999 }),
        'payload_too_large',
      );
      expect(error.message).toContain('999-byte limit');
      expect(await store.stat(KEY)).toBeNull();
      expect(await filesUnderRoot()).toEqual([]);
    });

    it('rejects a single oversized byte array', async () => {
      await expectCode(store.put(KEY, Buffer.alloc(11), { maxBytes: 10 }), 'payload_too_large');
      expect(await filesUnderRoot()).toEqual([]);
    });

    it('stores nothing and leaves no temp file when the source fails midway', async () => {
      await expect(store.put(KEY, chunked(Buffer.alloc(10_000), 1000, 5), LIMIT)).rejects.toThrow(
        'connection reset',
      );
      expect(await store.get(KEY)).toBeNull();
      expect(await filesUnderRoot()).toEqual([]);
    });

    it('keeps the previous blob when a replacing upload fails', async () => {
      await store.put(KEY, Buffer.from('original'), LIMIT);
      await expect(store.put(KEY, chunked(Buffer.alloc(10_000), 1000, 3), LIMIT)).rejects.toThrow();
      await expectCode(store.put(KEY, Buffer.alloc(100), { maxBytes: 10 }), 'payload_too_large');
      expect((await readAll(await store.get(KEY))).toString()).toBe('original');
      expect(await filesUnderRoot()).toEqual([KEY]);
    });

    it('stops reading the source once the limit is passed', async () => {
      let pulled = 0;
      async function* endless(): AsyncGenerator<Uint8Array> {
        for (;;) {
          await nextTurn();
          pulled += 1;
          yield new Uint8Array(1024);
        }
      }
      await expectCode(store.put(KEY, endless(), { maxBytes: 4096 }), 'payload_too_large');
      expect(pulled).toBe(5);
    });
  });

  describe('missing blobs', () => {
    it('returns null from get and stat, and false from delete', async () => {
      expect(await store.get(KEY)).toBeNull();
      expect(await store.stat(KEY)).toBeNull();
      expect(await store.delete(KEY)).toBe(false);
    });

    it('treats a key whose path is a directory of other blobs as missing', async () => {
      await store.put('folder/item', Buffer.from('x'), LIMIT);
      expect(await store.get('folder')).toBeNull();
      expect(await store.stat('folder')).toBeNull();
      expect(await store.delete('folder')).toBe(false);
      expect(await store.get('folder/item/deeper')).toBeNull();
    });
  });

  it('deletes a blob', async () => {
    await store.put(KEY, Buffer.from('bytes'), LIMIT);
    expect(await store.delete(KEY)).toBe(true);
    expect(await store.get(KEY)).toBeNull();
    expect(await store.delete(KEY)).toBe(false);
  });

  it('reports a key that clashes with a longer or shorter key as a conflict', async () => {
    await store.put('folder/item', Buffer.from('x'), LIMIT);
    await expectCode(store.put('folder', Buffer.from('y'), LIMIT), 'conflict');
    await expectCode(store.put('folder/item/deeper', Buffer.from('y'), LIMIT), 'conflict');
    expect(await filesUnderRoot()).toEqual(['folder/item']);
  });

  describe('object key validation', () => {
    it.each([
      ['an empty key', ''],
      ['an absolute path', '/etc/passwd'],
      ['a .. segment', '../outside'],
      ['a .. segment in the middle', 'folder/../../outside'],
      ['a trailing .. segment', 'folder/..'],
      ['a . segment', 'folder/./item'],
      ['a dot-file name (reserved for temp files)', 'folder/.hidden'],
      ['a backslash', 'folder\\..\\..\\outside'],
      ['an empty segment', 'folder//item'],
      ['a trailing slash', 'folder/'],
      ['a NUL byte', 'folder/item\0.png'],
    ])('rejects %s in every operation', async (_what, key) => {
      const error = await expectCode(store.put(key, Buffer.from('x'), LIMIT), 'invalid_argument');
      expect(error.message).toContain(JSON.stringify(key));
      await expectCode(store.get(key), 'invalid_argument');
      await expectCode(store.stat(key), 'invalid_argument');
      await expectCode(store.delete(key), 'invalid_argument');
    });

    it('never touches files outside the root', async () => {
      const outside = path.join(scratch, 'outside');
      await writeFile(outside, 'secret');
      await expectCode(store.put('../outside', Buffer.from('overwritten'), LIMIT), 'invalid_argument');
      await expectCode(store.get('../outside'), 'invalid_argument');
      expect(await readAll(await new FileBlobStore(scratch).get('outside'))).toEqual(Buffer.from('secret'));
    });

    it('accepts keys with spaces, unicode and several segments', async () => {
      const key = 'folder/sub dir/画像 😀.png';
      await store.put(key, Buffer.from('ok'), LIMIT);
      expect((await readAll(await store.get(key))).toString()).toBe('ok');
    });
  });

  it('rejects an invalid maxBytes', async () => {
    await expectCode(store.put(KEY, Buffer.from('x'), { maxBytes: -1 }), 'invalid_argument');
    await expectCode(store.put(KEY, Buffer.from('x'), { maxBytes: Number.NaN }), 'invalid_argument');
  });
});
