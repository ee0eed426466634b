/**
 * Several stateless server processes on one database: two real `metaindex serve`
 * processes share a data directory (and, in the server-postgres project, one
 * PostgreSQL database). A schema change made through one is enforced by the other at
 * once, concurrent bulk writes through both lose no update, and a paging token issued
 * by one continues on the other.
 */
import { formatOpenSshPublicKey, publicKeyHexFromPrivateKey } from '@metaindex/core';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageItemDto } from './http/wire-dto.js';
import { createTestDatabase, type TestDatabase } from './store/postgres/pg-testing.js';
import { SdkLikeClient, testEngineKind } from './testing/sdk-like-client.js';

const BIN = new URL('../bin/metaindex.js', import.meta.url).pathname;
const ITEMS = 2_000;

interface ServerProcess {
  child: ChildProcess;
  client: SdkLikeClient;
}

describe(`two server processes on one ${testEngineKind()} database`, () => {
  const seed = randomBytes(32);
  const children: ChildProcess[] = [];
  let dataDir = '';
  let database: TestDatabase | null = null;
  let a: SdkLikeClient;
  let b: SdkLikeClient;
  let folder = '';
  let uuids: string[] = [];

  /** Starts `metaindex serve --port 0` and reads the address it prints. */
  async function start(keyFile: string): Promise<ServerProcess> {
    const args = ['serve', '--data', dataDir, '--port', '0', '--admin-public-key', keyFile];
    if (database !== null) args.push('--db', database.url);
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const lines = createInterface({ input: child.stdout });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`metaindex serve exited with ${String(code)}`));
      });
      lines.on('line', (line) => {
        const match = /^metaindex listening on (\S+)/.exec(line);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
    });
    return { child, client: new SdkLikeClient(url, seed) };
  }

  async function listPage(client: SdkLikeClient, token: string | undefined) {
    const page = await client.get<{ results: StorageItemDto[]; nextPageToken: string | null }>(
      `storage/folders/${folder}/items`,
      { pageSize: 300, pageToken: token },
    );
    expect(page.status).toBe(200);
    return page.body;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metaindex-multi-'));
    if (testEngineKind() === 'postgres') database = await createTestDatabase();
    const keyFile = join(dataDir, 'admin.pub');
    await writeFile(keyFile, formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex')));
    // One after the other: the first creates the organisation's admin.
    a = (await start(keyFile)).client;
    b = (await start(keyFile)).client;

    const schema = await a.post('organisation/client-metadata-schema-v2', {
      speed: { ty: 'variant', hint: 'number' },
      note: { ty: 'variant', hint: 'varchar' },
    });
    expect(schema.status).toBe(204);
    const created = await a.post<{ uuid: string }>('storage/folders', { name: 'shared', description: '' });
    folder = created.body.uuid;
    const job = await b.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: {
        images: Array.from({ length: ITEMS }, (_, i) => ({
          objectUrl: `https://example.com/${String(i).padStart(5, '0')}.jpg`,
          title: `img-${String(i).padStart(5, '0')}`,
          clientMetadata: { speed: i },
        })),
      },
    });
    expect(job.status).toBe(200);
    for (;;) {
      const status = await a.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
        `storage/folders/${folder}/data-upload-jobs/${job.body}`,
        { timeoutSeconds: 10 },
      );
      if (status.body.status === 'DONE') {
        uuids = status.body.itemsWithNames.map((entry) => entry.itemUuid);
        break;
      }
      expect(status.body.status).toBe('PENDING');
    }
    expect(uuids).toHaveLength(ITEMS);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => {
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no update when two servers merge into the same items concurrently', async () => {
    const targets = uuids.slice(0, 1_000);
    const through = (client: SdkLikeClient, key: string) =>
      Promise.all(
        [0, 250, 500, 750].map(async (start) => {
          const patches = Object.fromEntries(
            targets
              .slice(start, start + 250)
              .map((uuid, i) => [
                uuid,
                { [key]: key === 'speed' ? -(start + i + 1) : `${key}-${start + i}` },
              ]),
          );
          const response = await client.post('/api/items/metadata/merge-bulk', { patches });
          expect(response.status, response.text.slice(0, 300)).toBe(200);
        }),
      );
    await Promise.all([through(a, 'note'), through(b, 'speed')]);
    const read = await b.post<{ results: StorageItemDto[] }>('storage/items/get-bulk', {
      itemUuids: targets,
    });
    expect(read.status).toBe(200);
    for (const [i, item] of read.body.results.entries()) {
      expect(JSON.parse(item.clientMetadata)).toEqual({ note: `note-${i}`, speed: -(i + 1) });
    }
  });

  it('applies concurrent patch-bulk requests through both servers without losing any', async () => {
    const half = uuids.slice(1_000);
    const send = (client: SdkLikeClient, part: string[], tag: string) =>
      Promise.all(
        [0, 1, 2, 3].map(async (chunk) => {
          const slice = part.slice(chunk * 125, chunk * 125 + 125);
          const itemPatches = Object.fromEntries(
            slice.map((uuid) => [uuid, { clientMetadata: { note: `${tag}:${uuid}` } }]),
          );
          const response = await client.patch('storage/items/patch-bulk', { itemPatches });
          expect(response.status).toBe(200);
        }),
      );
    await Promise.all([send(a, half.slice(0, 500), 'a'), send(b, half.slice(500), 'b')]);
    const read = await a.post<{ results: StorageItemDto[] }>('storage/items/get-bulk', { itemUuids: half });
    for (const [i, item] of read.body.results.entries()) {
      expect(JSON.parse(item.clientMetadata)).toEqual({ note: `${i < 500 ? 'a' : 'b'}:${item.uuid}` });
    }
  });

  it('continues a paging token issued by one server on the other', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let page = 0;
    do {
      // Alternate servers page by page.
      const body = await listPage(page % 2 === 0 ? a : b, token);
      seen.push(...body.results.map((item) => item.uuid));
      token = body.nextPageToken ?? undefined;
      page++;
    } while (token !== undefined);
    expect(page).toBeGreaterThan(2);
    expect(seen).toHaveLength(ITEMS);
    expect(new Set(seen)).toEqual(new Set(uuids));

    const query = { filter: '$name startswith "img-"', sort: '$name', pageSize: 700 };
    const first = await a.post<{ results: { uuid: string }[]; nextPageToken: string | null }>(
      '/api/items/query',
      query,
    );
    expect(first.status).toBe(200);
    const second = await b.post<{ results: { uuid: string }[]; nextPageToken: string | null }>(
      '/api/items/query',
      {
        ...query,
        pageToken: first.body.nextPageToken,
      },
    );
    expect(second.status).toBe(200);
    const walked = [...first.body.results, ...second.body.results].map((item) => item.uuid);
    expect(walked).toHaveLength(1_400);
    expect(new Set(walked).size).toBe(1_400);
  });

  it('enforces a schema change made through one server on the other at once', async () => {
    const item = uuids[0]!;
    // b validates against the schema it has seen: speed is a number.
    expect(
      (
        await b.patch(`storage/items/patch-bulk`, {
          itemPatches: { [item]: { clientMetadata: { speed: 1 } } },
        })
      ).status,
    ).toBe(200);

    // Through a: speed becomes a varchar, and a new enum key appears.
    const changed = await a.post('organisation/client-metadata-schema-v2', {
      speed: { ty: 'variant', hint: 'varchar' },
      note: { ty: 'variant', hint: 'varchar' },
      weather: { ty: 'enum', values: ['sunny', 'rain'] },
    });
    expect(changed.status).toBe(204);

    // b rejects what the new schema rejects…
    const rejected = await b.patch(`storage/items/patch-bulk`, {
      itemPatches: { [item]: { clientMetadata: { speed: 5 } } },
    });
    expect(rejected.status).toBe(400);
    expect(rejected.text).toContain('speed');
    // …and accepts what only the new schema allows.
    const accepted = await b.patch(`storage/items/patch-bulk`, {
      itemPatches: { [item]: { clientMetadata: { speed: 'fast', weather: 'rain' } } },
    });
    expect(accepted.status).toBe(200);
    const read = await a.get<StorageItemDto>(`storage/items/${item}`);
    expect(JSON.parse(read.body.clientMetadata)).toEqual({ speed: 'fast', weather: 'rain' });
  });
});
