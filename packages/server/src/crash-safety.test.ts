/**
 * Each request is one transaction: a server killed with SIGKILL while it applies a
 * patch-bulk leaves all of it or none of it, and loses nothing it acknowledged.
 */
import { formatOpenSshPublicKey, publicKeyHexFromPrivateKey } from '@metaindex/core';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './store/postgres/pg-testing.js';
import { SdkLikeClient, testEngineKind } from './testing/sdk-like-client.js';
import type { StorageItemDto } from './http/wire-dto.js';

const BIN = new URL('../bin/metaindex.js', import.meta.url).pathname;
const ITEMS = 10_000;

interface Server {
  child: ChildProcess;
  client: SdkLikeClient;
}

describe(`crash safety on ${testEngineKind()} (kill -9 during patch-bulk)`, () => {
  let dataDir: string;
  let database: TestDatabase | null = null;
  let keyFile: string;
  const seed = randomBytes(32);

  async function start(): Promise<Server> {
    const port = 21_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--data',
        dataDir,
        '--port',
        String(port),
        '--admin-public-key',
        keyFile,
        ...(database === null ? [] : ['--db', database.url]),
      ],
      {
        stdio: 'ignore',
      },
    );
    const client = new SdkLikeClient(`http://127.0.0.1:${port}`, seed);
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${client.baseUrl}/healthz`)).ok) return { child, client };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error('metaindex serve did not start');
  }

  async function kill(server: Server): Promise<void> {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGKILL');
    await exited;
  }

  async function allItems(client: SdkLikeClient, folder: string): Promise<StorageItemDto[]> {
    const items: StorageItemDto[] = [];
    let token: string | undefined;
    do {
      const page = await client.get<{ results: StorageItemDto[]; nextPageToken: string | null }>(
        `storage/folders/${folder}/items`,
        {
          pageSize: 1000,
          pageToken: token,
        },
      );
      items.push(...page.body.results);
      token = page.body.nextPageToken ?? undefined;
    } while (token !== undefined);
    return items;
  }

  let folder: string;
  let uuids: string[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'metaindex-crash-'));
    if (testEngineKind() === 'postgres') database = await createTestDatabase();
    keyFile = join(dataDir, 'admin.pub');
    await writeFile(keyFile, formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex')));
    const server = await start();
    folder = (await server.client.post<{ uuid: string }>('storage/folders', { name: 'crash' })).body.uuid;
    const images = Array.from({ length: ITEMS }, (_, i) => ({
      objectUrl: `https://example.com/${i}.jpg`,
      clientMetadata: { round: 0, i },
    }));
    const job = await server.client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images },
    });
    const done = await server.client.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
      `storage/folders/${folder}/data-upload-jobs/${job.body}`,
      { timeoutSeconds: 60 },
    );
    expect(done.body.status).toBe('DONE');
    uuids = done.body.itemsWithNames.map((i) => i.itemUuid);
    await kill(server);
  });

  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps each interrupted patch-bulk all or nothing, and every acknowledged one', async () => {
    let acknowledgedRound = 0;
    for (let round = 1; round <= 4; round++) {
      const server = await start();
      const itemPatches = Object.fromEntries(uuids.map((u, i) => [u, { clientMetadata: { round, i } }]));
      const request = server.client.patch('storage/items/patch-bulk', { itemPatches }).then(
        (r) => r.status,
        () => 'connection lost',
      );
      // Kill at a different moment each round: before, during and around the write.
      await new Promise((r) => setTimeout(r, [5, 60, 150, 400][round - 1]));
      await kill(server);
      const status = await request;
      if (status === 200) acknowledgedRound = round;

      const after = await start();
      const rounds = new Set(
        (await allItems(after.client, folder)).map(
          (item) => (JSON.parse(item.clientMetadata) as { round: number }).round,
        ),
      );
      await kill(after);
      // Every item carries the same round: the whole bulk or none of it.
      expect(rounds.size).toBe(1);
      const [seen] = [...rounds];
      // Never older than what was acknowledged; never newer than what was sent.
      expect(seen).toBeGreaterThanOrEqual(acknowledgedRound);
      expect(seen).toBeLessThanOrEqual(round);
      if (seen === round) acknowledgedRound = round;
    }
  }, 120_000);
});
