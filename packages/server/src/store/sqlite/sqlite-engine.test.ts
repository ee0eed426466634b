import { MetaindexError, type SchemaTypeObject } from '@metaindex/core';
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datasetId,
  datasetRecord,
  describeDatasetContract,
  projectRecord,
} from '../engine-contract-datasets.js';
import { at, describeEngineContract, folderRecord, itemId, itemRecord } from '../engine-contract.js';
import { describeOntologyContract, ontologyRecord } from '../engine-contract-ontologies.js';
import { describeCollectionContract } from '../engine-contract-collections.js';
import { describeDatasetJobContract } from '../engine-contract-dataset-jobs.js';
import type { ItemUpdate } from '../engine.js';
import { openSqliteEngine } from './sqlite-engine.js';
import { SQLITE_MIGRATIONS, applyMigrations } from './sqlite-migrations.js';

async function expectConflictNaming(promise: Promise<unknown>, naming: string): Promise<void> {
  const error: unknown = await promise.then(
    () => expect.fail('expected the call to be rejected'),
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(MetaindexError);
  expect(error).toMatchObject({ code: 'conflict' });
  expect(String(error)).toContain(naming);
}

describeEngineContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));
describeDatasetContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));
describeOntologyContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));
describeCollectionContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));
describeDatasetJobContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));

describe('sqlite on disk', () => {
  let dir = '';
  let opened = 0;
  const freshPath = () => join(dir, `metaindex-${++opened}.sqlite`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metaindex-sqlite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describeEngineContract('sqlite (file)', () => Promise.resolve(openSqliteEngine({ path: freshPath() })));
  describeDatasetContract('sqlite (file)', () => Promise.resolve(openSqliteEngine({ path: freshPath() })));
  describeOntologyContract('sqlite (file)', () => Promise.resolve(openSqliteEngine({ path: freshPath() })));
  describeCollectionContract('sqlite (file)', () => Promise.resolve(openSqliteEngine({ path: freshPath() })));
  describeDatasetJobContract('sqlite (file)', () => Promise.resolve(openSqliteEngine({ path: freshPath() })));

  /** Reads a database file directly, around the engine. */
  function inspect<T>(path: string, read: (db: Database.Database) => T): T {
    const db = new Database(path, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  it('keeps everything across a reopen, schema order included', async () => {
    const path = freshPath();
    const schema = new Map<string, SchemaTypeObject>([
      ['b', { ty: 'variant', hint: 'text' }],
      ['20', { ty: 'tombstone', deleted_ty: null }],
      ['3', { ty: 'enum', values: ['x', 'y'] }],
    ]);
    const folder = folderRecord(1);
    const item = itemRecord(1, folder.uuid, { clientMetadata: '{"3":1,"b":2}', isPlaceholder: true });
    const user = {
      email: 'a@example.com',
      role: 'admin' as const,
      publicKeyHex: 'ab'.repeat(32),
      createdAt: at(1),
    };

    const first = openSqliteEngine({ path });
    await first.replaceSchema(0, schema, at(1));
    await first.addUser(user);
    await first.createFolder(folder);
    await first.writeItems({ insert: [item], update: [] }, 1);
    await first.close();

    const second = openSqliteEngine({ path });
    const stored = await second.getSchema();
    expect(stored.version).toBe(1);
    expect([...stored.schema]).toEqual([...schema]);
    expect(await second.listUsers()).toEqual([user]);
    expect(await second.getFolderPath(folder.uuid)).toEqual([folder]);
    expect(await second.getItems([item.uuid])).toEqual([item]);
    await second.close();
  });

  it('applies migrations once: reopening is a no-op', async () => {
    const path = freshPath();
    for (let i = 0; i < 3; i++) await openSqliteEngine({ path }).close();
    const versions = inspect(path, (db) =>
      db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
    );
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1));
  });

  it('upgrades a database from migration 1: its items stay and can be linked into datasets', async () => {
    const path = freshPath();
    const folder = folderRecord(1);
    const item = itemRecord(1, folder.uuid, { clientMetadata: '{"old":true}' });
    const db = new Database(path);
    applyMigrations(db, SQLITE_MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO folders (uuid, name, description, owner, created_at, last_edited_at)
       VALUES (?, ?, '', ?, ?, ?)`,
    ).run(folder.uuid, folder.name, folder.owner, folder.createdAt, folder.lastEditedAt);
    db.prepare(
      `INSERT INTO items (uuid, folder_uuid, item_type, name, description, client_metadata, owner,
         created_at, last_edited_at, storage_location, is_placeholder)
       VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, 0)`,
    ).run(
      item.uuid,
      folder.uuid,
      item.itemType,
      item.name,
      item.clientMetadata,
      item.owner,
      item.createdAt,
      item.lastEditedAt,
      item.storageLocation,
    );
    db.close();

    const engine = openSqliteEngine({ path });
    expect(await engine.getItems([item.uuid])).toEqual([item]);
    await engine.createDataset(datasetRecord(1));
    const linked = await engine.linkItems(datasetId(1), [item.uuid], 'FAIL', at(5));
    expect(linked.ok && linked.rows.map((r) => r.item)).toEqual([item]);
    await expectConflictNaming(engine.deleteItems([item.uuid]), item.uuid);
    await engine.close();
    const versions = inspect(path, (read) =>
      read.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
    );
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((_, i) => i + 1));
  });

  it('upgrades a database from migration 2: its projects stay and can be given an ontology', async () => {
    const path = freshPath();
    const project = projectRecord(1);
    const db = new Database(path);
    applyMigrations(db, SQLITE_MIGRATIONS.slice(0, 2));
    db.prepare(
      `INSERT INTO projects (uuid, title, description, owner, created_at, last_edited_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      project.uuid,
      project.title,
      project.description,
      project.owner,
      project.createdAt,
      project.lastEditedAt,
    );
    db.close();

    const engine = openSqliteEngine({ path });
    expect(await engine.getProject(project.uuid)).toEqual(project);
    expect(await engine.getProjectOntology(project.uuid)).toBeNull();
    expect(await engine.ensureProjectOntology(project.uuid, ontologyRecord(1))).toEqual(ontologyRecord(1));
    expect(await engine.getProjectOntology(project.uuid)).toEqual(ontologyRecord(1));
    await engine.close();
  });

  it('runs in WAL mode', async () => {
    const path = freshPath();
    const engine = openSqliteEngine({ path });
    expect(inspect(path, (db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    await engine.close();
  });

  it('writes 100,000 items in one call and updates 1,000 in another', async () => {
    const engine = openSqliteEngine({ path: freshPath() });
    const folder = folderRecord(1);
    await engine.createFolder(folder);
    const items = Array.from({ length: 100_000 }, (_, i) =>
      itemRecord(i + 1, folder.uuid, {
        url: `https://example.com/${i + 1}.jpg`,
        clientMetadata: `{"n":${i}}`,
      }),
    );
    const updates: ItemUpdate[] = Array.from({ length: 1000 }, (_, i) => ({
      uuid: itemId(i * 100 + 1),
      clientMetadata: '{"updated":true}',
      lastEditedAt: at(1e6),
    }));

    let started = performance.now();
    const inserted = await engine.writeItems({ insert: items, update: [] }, 0);
    const insertMs = performance.now() - started;
    started = performance.now();
    const updated = await engine.writeItems({ insert: [], update: updates }, 0);
    const updateMs = performance.now() - started;
    console.info(
      `sqlite: 100,000 inserts in ${insertMs.toFixed(0)} ms, 1,000 updates in ${updateMs.toFixed(0)} ms`,
    );

    expect(inserted).toEqual({ ok: true, items: [] });
    expect(updated.ok && updated.items.map((item) => item.uuid)).toEqual(updates.map((u) => u.uuid));
    const [last] = await engine.getItems([itemId(100_000)]);
    expect(last).toEqual(items[99_999]);
    expect(insertMs).toBeLessThan(15_000);
    await engine.close();
  });
});

describe('sqlite migrations', () => {
  const extra = 'CREATE TABLE extra (x INTEGER)';
  /** 1..n: the versions of every shipped migration. */
  const shipped = SQLITE_MIGRATIONS.map((_, i) => i + 1);
  const appliedVersions = (db: Database.Database) =>
    db.prepare<[], number>('SELECT version FROM schema_migrations ORDER BY version').pluck().all();

  it('applies only the migrations not applied yet', () => {
    const db = new Database(':memory:');
    applyMigrations(db);
    applyMigrations(db, [...SQLITE_MIGRATIONS, extra]);
    applyMigrations(db, [...SQLITE_MIGRATIONS, extra]);
    expect(appliedVersions(db)).toEqual([...shipped, SQLITE_MIGRATIONS.length + 1]);
    db.close();
  });

  it('applies all pending migrations in one transaction: a failure leaves nothing behind', () => {
    const db = new Database(':memory:');
    applyMigrations(db);
    expect(() => {
      applyMigrations(db, [...SQLITE_MIGRATIONS, extra, 'CREATE TABLE broken (']);
    }).toThrow();
    expect(appliedVersions(db)).toEqual(shipped);
    const tables = db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE name = 'extra'")
      .pluck()
      .all();
    expect(tables).toEqual([]);
    db.close();
  });

  it('refuses a database migrated by a newer metaindex', () => {
    const db = new Database(':memory:');
    applyMigrations(db, [...SQLITE_MIGRATIONS, extra]);
    expect(() => {
      applyMigrations(db);
    }).toThrow(MetaindexError);
    db.close();
  });
});
