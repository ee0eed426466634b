/**
 * `metaindex backup` on the embedded engine: a backup taken while a server keeps
 * registering items is one consistent state (every registration acknowledged before
 * it began is in it; registrations appear whole, in the order they were made), and
 * the backup directory is a data directory a server starts on with the same keys.
 */
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backupCommand } from '../../cli/backup-command.js';
import { resolveDataDir } from '../../data-dir.js';
import { startServer } from '../../server.js';
import { listAllPages } from '../../testing/paging.js';
import { SdkLikeClient, startTestServer, type TestServer } from '../../testing/sdk-like-client.js';
import { backupDataDir } from './sqlite-backup.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'metaindex-backup-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Registers images in one upload job (one transaction) and waits until it is DONE. */
async function register(t: TestServer, folder: string, first: number, count: number): Promise<string[]> {
  const images = Array.from({ length: count }, (_, i) => ({
    objectUrl: `https://bucket.example.com/${String(first + i).padStart(7, '0')}.jpg`,
    title: `img-${first + i}.jpg`,
    clientMetadata: { seq: first + i, note: 'x'.repeat(200) },
  }));
  const job = await t.admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  for (;;) {
    const status = await t.admin.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
      `storage/folders/${folder}/data-upload-jobs/${job.body}`,
      { timeoutSeconds: 30 },
    );
    if (status.body.status === 'PENDING') continue;
    expect(status.body.status).toBe('DONE');
    return status.body.itemsWithNames.map((item) => item.itemUuid);
  }
}

function itemUuidsIn(databasePath: string): Set<string> {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return new Set(db.prepare<[], string>('SELECT uuid FROM items').pluck().all());
  } finally {
    db.close();
  }
}

describe('sqlite backup', () => {
  it('copies one consistent state while a server keeps writing, into a data directory a server runs on', async () => {
    const t = await startTestServer();
    cleanup.push(() => t.close());
    const folder = (await t.admin.post<{ uuid: string }>('storage/folders', { name: 'busy' })).body.uuid;
    // Enough pages that a step-by-step copy takes many turns of the event loop.
    const preloaded = await register(t, folder, 0, 3000);

    // A writer registering 10 items per job, one job after another, until told to stop.
    const jobs: { uuids: string[]; ackedAt: number }[] = [];
    const writing = { stop: false };
    const writer = (async () => {
      let next = 100_000;
      while (!writing.stop) {
        const uuids = await register(t, folder, next, 10);
        next += 10;
        jobs.push({ uuids, ackedAt: performance.now() });
      }
    })();
    while (jobs.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const dest = join(await tempDir(), 'backup');
    const startedAt = performance.now();
    const progress: string[] = [];
    const result = await backupDataDir({
      dataDir: t.dataDir,
      dest,
      // One page per step: the server's commits land between steps and restart the copy.
      pagesPerStep: 1,
      onProgress: (p) => progress.push(p.phase),
    });
    writing.stop = true;
    await writer;

    expect(result.root).toBe(dest);
    expect(result.databasePages).toBeGreaterThan(100);
    expect(progress).toContain('database');
    // The test means something only if the server committed while the backup ran:
    // SQLite then started the copy over, and the rest went in one step.
    expect(result.restarts).toBeGreaterThan(0);

    const backedUp = itemUuidsIn(resolveDataDir(dest).databasePath);
    for (const uuid of preloaded) expect(backedUp.has(uuid)).toBe(true);
    // Each job is whole or absent, and the present ones are the first k acknowledged.
    const present = jobs.map((job) => {
      const inBackup = job.uuids.filter((uuid) => backedUp.has(uuid)).length;
      expect([0, job.uuids.length]).toContain(inBackup);
      return inBackup > 0;
    });
    const k = present.filter(Boolean).length;
    expect(present).toEqual(jobs.map((_, index) => index < k));
    // Every job acknowledged before the backup began is in it.
    expect(k).toBeGreaterThanOrEqual(jobs.filter((job) => job.ackedAt < startedAt).length);
    expect(backedUp.size).toBe(preloaded.length + k * 10);

    // The same secret, and a server on the backup answers the same admin key.
    const source = resolveDataDir(t.dataDir);
    const copy = resolveDataDir(dest);
    expect(await readFile(copy.secretPath)).toEqual(await readFile(source.secretPath));
    expect((await stat(copy.secretPath)).mode & 0o777).toBe(0o600);
    expect(result.files).toEqual(['server-secret']);

    const restored = await startServer({ dataDir: dest, host: '127.0.0.1', port: 0, log: () => undefined });
    cleanup.push(() => restored.close());
    const admin = new SdkLikeClient(restored.url, t.admin.seed);
    const listed = await listAllPages<{ uuid: string }>(admin, `storage/folders/${folder}/items`, {
      pageSize: 1000,
    });
    expect(new Set(listed.results.map((item) => item.uuid))).toEqual(backedUp);
  });

  it('copies blobs and the generated admin key files with their modes; refuses a DEST that holds anything', async () => {
    const dataDir = await tempDir();
    // No admin key given: the server generates admin_ed25519 in the data directory.
    const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, log: () => undefined });
    await server.close();
    const paths = resolveDataDir(dataDir);
    // Two blobs as the store keeps them, and an upload in progress (a dot-file).
    await mkdir(join(paths.blobsDir, 'folder-a'), { recursive: true });
    await writeFile(join(paths.blobsDir, 'folder-a', 'item-1'), 'first blob');
    await writeFile(join(paths.blobsDir, 'folder-a', 'item-2'), Buffer.alloc(70_000, 7));
    await writeFile(join(paths.blobsDir, 'folder-a', '.upload.tmp'), 'half');

    const parent = await tempDir();
    const dest = join(parent, 'nested', 'backup');
    const result = await backupDataDir({ dataDir, dest });
    expect(result.files).toEqual(['server-secret', 'admin_ed25519', 'admin_ed25519.pub']);
    expect(result).toMatchObject({ blobFiles: 2, blobBytes: 10 + 70_000, restarts: 0 });
    const copy = resolveDataDir(dest);
    for (const key of ['secretPath', 'adminKeyPath', 'adminPublicKeyPath'] as const) {
      expect(await readFile(copy[key])).toEqual(await readFile(paths[key]));
      expect((await stat(copy[key])).mode & 0o777).toBe((await stat(paths[key])).mode & 0o777);
    }
    expect((await stat(copy.root)).mode & 0o777).toBe(0o700);
    // A data directory and nothing else (no -wal or -shm left by the checks).
    expect((await readdir(dest)).sort()).toEqual([
      'admin_ed25519',
      'admin_ed25519.pub',
      'blobs',
      'metaindex.db',
      'server-secret',
    ]);
    expect(await readFile(join(copy.blobsDir, 'folder-a', 'item-1'), 'utf8')).toBe('first blob');
    expect(await readdir(join(copy.blobsDir, 'folder-a'))).toEqual(['item-1', 'item-2']);
    // Nothing but the backup was left beside it.
    expect(await readdir(join(parent, 'nested'))).toEqual(['backup']);

    // A server started on the backup keeps the generated admin: it creates no other.
    const restored = await startServer({ dataDir: dest, host: '127.0.0.1', port: 0, log: () => undefined });
    expect((await restored.engine.listUsers()).map((user) => user.role)).toEqual(['admin']);
    await restored.close();

    const before = await readdir(dest);
    await expect(backupDataDir({ dataDir, dest })).rejects.toThrow(/exists and is not empty/);
    expect(await readdir(dest)).toEqual(before);
    await expect(backupDataDir({ dataDir, dest: join(paths.blobsDir, 'b') })).rejects.toThrow(
      /must not be the data directory or lie inside its blobs directory/,
    );
    await expect(backupDataDir({ dataDir: parent, dest: join(parent, 'x') })).rejects.toThrow(
      /No metaindex database at/,
    );
    // An existing empty directory is fine.
    const empty = join(parent, 'empty');
    await mkdir(empty);
    expect((await backupDataDir({ dataDir, dest: empty })).root).toBe(empty);
  });

  it('runs as `metaindex backup --data DIR DEST`', async () => {
    const dataDir = await tempDir();
    const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, log: () => undefined });
    await server.close();
    const dest = join(await tempDir(), 'copy');
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const program = new Command('metaindex').exitOverride().addCommand(backupCommand().exitOverride());
      await program.parseAsync(['backup', '--data', dataDir, dest, '--no-progress'], { from: 'user' });
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(written.join('')).toMatch(/^Backed up .* to .*copy in [\d.]+ s: database [\d.]+ MiB, 0 blobs/);
    expect(written.join('')).toContain(`metaindex serve --data ${dest}`);
    expect(itemUuidsIn(resolveDataDir(dest).databasePath).size).toBe(0);
    expect(backupCommand().helpInformation()).toContain('backup [options] <dest>');
  });
});
