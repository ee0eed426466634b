/**
 * `metaindex migrate`: an embedded installation built over HTTP (schema, users,
 * folders, items with metadata, an uploaded blob and a placeholder, datasets with
 * rows, a project with its ontology, collections, presets and a preset job) is copied
 * into a fresh PostgreSQL database; then the PostgreSQL engine must answer every read
 * exactly as the SQLite engine does on the source, and a server on the migrated
 * database must answer queries over HTTP exactly as the SQLite server did. A target
 * that holds anything is refused untouched, and a copy that fails half-way leaves the
 * target empty.
 */
import {
  bindFilter,
  bindSort,
  keyField,
  parseFilter,
  parseSortText,
  type BoundFilter,
  type SchemaMap,
} from '@metaindex/core';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateCommand } from '../cli/migrate-command.js';
import { resolveDataDir } from '../data-dir.js';
import { startServer } from '../server.js';
import { itemRecord } from './engine-contract.js';
import { SdkLikeClient, startTestServer, type TestServer } from '../testing/sdk-like-client.js';
import type { Engine, FacetRequest, IndexQuery, Page, PageCursor, QueryCursor } from './engine.js';
import {
  migrateSqliteToPostgres,
  type MigrationEvent,
  type MigrationReport,
} from './migrate-sqlite-to-postgres.js';
import { openPostgresEngine } from './postgres/pg-engine.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './postgres/pg-testing.js';
import { openSqliteEngine } from './sqlite/sqlite-engine.js';

const reachable = await postgresAvailable();

const SCHEMA = {
  weather: { ty: 'enum', values: ['rain', 'snow', 'sun'] },
  speed: { ty: 'variant', hint: 'number' },
  camera: { ty: 'variant', hint: 'varchar' },
  caption: { ty: 'variant', hint: 'text' },
  night: { ty: 'variant', hint: 'boolean' },
  taken: { ty: 'variant', hint: 'datetime' },
  ref: { ty: 'variant', hint: 'uuid' },
};
const WEATHERS = ['rain', 'snow', 'sun'];

/** Varied metadata: every type, some keys missing, names that fold beyond ASCII. */
function metadataOf(i: number): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    weather: WEATHERS[i % 3],
    camera: i % 5 === 0 ? 'Front Cam' : `cam-${i % 4}`,
    caption: `frame ${i} of the ${i % 2 === 0 ? 'road' : 'river'} at dusk`,
    night: i % 4 === 0,
    taken: new Date(Date.UTC(2024, 0, 1 + (i % 28), i % 24)).toISOString(),
  };
  if (i % 7 !== 0) doc.speed = ((i * 37) % 101) + 0.25;
  if (i % 3 === 0) doc.ref = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return doc;
}

const FILTERS = [
  'weather = "rain"',
  'speed > 40 and night = false',
  'caption matches "road dusk"',
  'camera in ["cam-1", "Front Cam"] or not (speed exists)',
  'taken between "2024-01-05" and "2024-01-20T00:00:00Z"',
  '$name startswith "img-1"',
  'ref exists',
];
const SORTS = ['', '-speed', 'camera,-taken', '$name', '-$created,weather'];

/** What an installation built over HTTP holds, for the checks. */
interface Fixture {
  folders: { a: string; sub: string; subsub: string; b: string };
  items: string[];
  uploaded: { uuid: string; bytes: Buffer };
  placeholder: string;
  uploadJobs: string[];
  dataset: string;
  mirrored: string;
  project: string;
  ontology: string;
  collection: string;
  frozen: string;
  preset: string;
  collectionJob: string;
  /** The dataset made from the frozen collection, and the job that linked it. */
  curated: string;
  datasetJob: string;
  /** POST /api/items/query bodies and every page the SQLite server answered. */
  queries: { body: Record<string, unknown>; pages: unknown[] }[];
}

async function registerImages(
  t: TestServer,
  folder: string,
  images: Record<string, unknown>[],
): Promise<{ job: string; uuids: string[] }> {
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
    return { job: job.body, uuids: status.body.itemsWithNames.map((item) => item.itemUuid) };
  }
}

function images(prefix: string, from: number, count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      objectUrl: `https://bucket.example.com/${prefix}/${String(i).padStart(4, '0')}.jpg`,
      // Mixed case and non-ASCII: searches fold with JavaScript's toLowerCase on both engines.
      title: i % 10 === 3 ? `Été-${i}.JPG` : `${i % 2 === 0 ? 'img' : 'IMG'}-${i}.jpg`,
      clientMetadata: metadataOf(i),
      externalFileType: 'IMAGE',
    };
  });
}

/** Pages of a POST /api/items/query, following nextPageToken to the end. */
async function queryPages(client: SdkLikeClient, body: Record<string, unknown>): Promise<unknown[]> {
  const pages: unknown[] = [];
  let token: string | null = null;
  do {
    const response: { status: number; body: { nextPageToken: string | null } } = await client.post(
      '/api/items/query',
      token === null ? body : { ...body, pageToken: token },
    );
    expect(response.status).toBe(200);
    pages.push(response.body);
    token = response.body.nextPageToken;
  } while (token !== null);
  return pages;
}

async function buildInstallation(t: TestServer): Promise<Fixture> {
  const admin = t.admin;
  expect((await admin.post('organisation/client-metadata-schema-v2', SCHEMA)).status).toBe(204);
  await t.server.engine.addUser({
    email: 'member@example.com',
    role: 'member',
    publicKeyHex: 'ab'.repeat(32),
    createdAt: new Date().toISOString(),
  });
  const folder = async (name: string, parent?: string) =>
    (
      await admin.post<{ uuid: string }>('storage/folders', {
        name,
        description: `${name} folder`,
        ...(parent === undefined ? {} : { parent }),
      })
    ).body.uuid;
  const a = await folder('Alpha');
  const sub = await folder('alpha-sub', a);
  const subsub = await folder('Ωmega deep', sub);
  const b = await folder('beta');
  await folder('Empty');

  const uploadJobs: string[] = [];
  const items: string[] = [];
  for (const [target, prefix, from, count] of [
    [a, 'a', 0, 90],
    [sub, 's', 90, 25],
    [subsub, 'ss', 115, 15],
    [b, 'b', 130, 20],
  ] as const) {
    const done = await registerImages(t, target, images(prefix, from, count));
    uploadJobs.push(done.job);
    items.push(...done.uuids);
  }

  // An uploaded blob, registered.
  const slots = await admin.post<{ results: { itemUuid: string; objectKey: string; signedUrl: string }[] }>(
    `storage/folders/${a}/upload-signed-urls`,
    { itemType: 'image', count: 1 },
  );
  const [slot] = slots.body.results;
  const bytes = Buffer.from('\x89PNG\r\n\x1a\n migrated bytes');
  const put = await fetch(slot!.signedUrl, {
    method: 'PUT',
    headers: { 'Content-Type': 'image/png' },
    body: bytes,
  });
  expect(put.status).toBe(200);
  const uploaded = await registerImages(t, a, [
    {
      objectUrl: slot!.objectKey,
      title: 'uploaded.png',
      clientMetadata: { weather: 'sun', speed: 1 },
      externalFileType: 'IMAGE',
      placeholderItemUuid: slot!.itemUuid,
      imageMetadata: { mimeType: 'image/png', fileSize: bytes.length, height: 1, width: 2 },
    },
  ]);
  uploadJobs.push(uploaded.job);

  // A placeholder (the HTTP API never leaves one, the engine can) whose text needs
  // COPY's escapes, with media numbers beyond 32 bits and a fractional double.
  const base = itemRecord(9_999, a, {
    createdAt: new Date().toISOString(),
    lastEditedAt: new Date().toISOString(),
  });
  const placeholder = {
    ...base,
    name: 'odd\tname\nwith\\escapes\r',
    description: 'line one\nline two \\N',
    clientMetadata: JSON.stringify({ weather: 'snow', caption: 'tab\there \\ back' }),
    isPlaceholder: true,
    media: {
      ...base.media,
      duration: 12.345678901234567,
      fps: 29.97,
      frameCount: 2 ** 40,
      fileSize: 2 ** 45,
    },
  };
  const written = await t.server.engine.writeItems(
    { insert: [placeholder], update: [] },
    (await t.server.engine.getSchema()).version,
  );
  expect(written.ok).toBe(true);

  const dataset = (
    await admin.post<{ datasetUuid: string }>('datasets', {
      title: 'Training Set',
      description: 'rows from Alpha',
      createBackingFolder: false,
      legacyCall: false,
    })
  ).body.datasetUuid;
  const linked = await admin.callV1<unknown[]>(
    'datasetlinkitems',
    'POST',
    dataset,
    { item_uuids: items.slice(0, 40), duplicates_behavior: 'SKIP' },
    { resourceType: 'dataset', resourceId: dataset },
  );
  expect(linked.envelope.response).toHaveLength(40);
  const mirrored = (
    await admin.post<{ datasetUuid: string }>('datasets', { title: 'Mirrored', createBackingFolder: true })
  ).body.datasetUuid;

  const ontology = (
    await admin.post<{ ontologyUuid: string }>('ontologies', {
      title: 'Vehicles',
      description: 'what we label',
      editor: { objects: [{ id: '1', name: 'car', shape: 'bounding_box' }], classifications: [] },
    })
  ).body.ontologyUuid;
  const created = await admin.callV1<string>(
    'project',
    'POST',
    null,
    {
      title: 'Project One',
      description: 'first',
      dataset_hashes: [dataset],
      workflow_type: 'manual',
      ontology_hash: ontology,
    },
    { path: '/public/user' },
  );
  expect(created.envelope.status).toBe(200);
  const project = created.envelope.response;

  const collection = (
    await admin.post<string>(
      'index/collections',
      { name: 'Picked', description: 'by hand' },
      { topLevelFolderUuid: a },
    )
  ).body;
  await admin.post(`index/collections/${collection}/add-items`, { itemUuids: items.slice(10, 35) });
  const preset = (
    await admin.post<{ uuid: string }>('/api/presets', {
      name: 'Fast rain',
      filter: 'weather = "rain" and speed > 20',
      topLevelFolderUuid: a,
    })
  ).body.uuid;
  const frozen = (await admin.post<{ uuid: string }>(`/api/presets/${preset}/freeze`)).body.uuid;
  const started = await admin.post<{ jobUuid: string }>(`index/collections/${collection}/add-preset-items`, {
    presetUuid: preset,
  });
  for (;;) {
    const job = await admin.get<{ status: string }>(`/api/collection-jobs/${started.body.jobUuid}`, {
      timeoutSeconds: 30,
    });
    if (job.body.status !== 'PENDING') break;
  }
  const sent = await admin.post<{ uuid: string; datasetHash: string }>(`/api/collections/${frozen}/dataset`, {
    title: 'From the snapshot',
  });
  expect(sent.status).toBe(202);
  for (;;) {
    const job = await admin.get<{ status: string }>(`/api/dataset-jobs/${sent.body.uuid}`, {
      timeoutSeconds: 30,
    });
    if (job.body.status !== 'PENDING') break;
  }

  const queries: Fixture['queries'] = [];
  const bodies: Record<string, unknown>[] = [
    { pageSize: 25 },
    ...FILTERS.flatMap((filter, n) => [
      { filter, sort: SORTS[n % SORTS.length], pageSize: 11 },
      { filter, folder: sub, pageSize: 50, count: 'none' },
    ]),
    ...SORTS.map((sort) => ({ sort, pageSize: 40 })),
  ];
  for (const body of bodies) queries.push({ body, pages: await queryPages(admin, body) });

  return {
    folders: { a, sub, subsub, b },
    items,
    uploaded: { uuid: slot!.itemUuid, bytes },
    placeholder: placeholder.uuid,
    uploadJobs,
    dataset,
    mirrored,
    project,
    ontology,
    collection,
    frozen,
    preset,
    collectionJob: started.body.jobUuid,
    curated: sent.body.datasetHash,
    datasetJob: sent.body.uuid,
    queries,
  };
}

/** Every page of a keyset-paged listing. */
async function allPages<T>(read: (after: PageCursor | null) => Promise<Page<T>>): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let after: PageCursor | null = null;
  do {
    const page = await read(after);
    pages.push(page);
    after = page.next;
  } while (after !== null);
  return pages;
}

/** Every page of an index query, without the plan (which describes the engine, not the answer). */
async function allQueryPages(engine: Engine, query: Omit<IndexQuery, 'after'>): Promise<unknown[]> {
  const pages: unknown[] = [];
  let after: QueryCursor | null = null;
  do {
    const { items, next, total } = await engine.queryItems({ ...query, after });
    pages.push({ items, next, total });
    after = next;
  } while (after !== null);
  return pages;
}

describe.skipIf(!reachable)('metaindex migrate (SQLite to PostgreSQL)', () => {
  let dataDir: string;
  let seed: Uint8Array;
  let fixture: Fixture;
  let target: TestDatabase;
  let report: MigrationReport;
  const events: MigrationEvent[] = [];
  let sqlite: Engine;
  let postgres: Engine;
  let schema: SchemaMap;
  const extraDatabases: TestDatabase[] = [];

  /** Reads the same thing from both engines: it must be identical and is returned. */
  async function same<T>(read: (engine: Engine) => Promise<T>): Promise<T> {
    const expected = await read(sqlite);
    expect(await read(postgres)).toStrictEqual(expected);
    return expected;
  }

  beforeAll(async () => {
    const t = await startTestServer();
    dataDir = t.dataDir;
    seed = t.admin.seed;
    try {
      fixture = await buildInstallation(t);
    } finally {
      // Stops the server but keeps its data directory (t.close() would delete it).
      await t.server.close();
    }
    target = await createTestDatabase();
    report = await migrateSqliteToPostgres({
      sqlitePath: resolveDataDir(dataDir).databasePath,
      url: target.url,
      onEvent: (event) => events.push(event),
    });
    sqlite = openSqliteEngine({ path: resolveDataDir(dataDir).databasePath });
    postgres = await openPostgresEngine({ url: target.url, maxConnections: 4 });
    schema = (await sqlite.getSchema()).schema;
  }, 120_000);

  // beforeAll may have failed part-way: close and drop only what it made.
  afterAll(async () => {
    const made = { sqlite, postgres, target, dataDir } as Partial<{
      sqlite: Engine;
      postgres: Engine;
      target: TestDatabase;
      dataDir: string;
    }>;
    await made.sqlite?.close();
    await made.postgres?.close();
    await made.target?.drop();
    for (const database of extraDatabases) await database.drop();
    if (made.dataDir !== undefined) await rm(made.dataDir, { recursive: true, force: true });
  });

  it('copies every table, rebuilds the index and verifies the counts', () => {
    expect(report.ok).toBe(true);
    for (const count of report.counts) {
      // The installation fills every table, so each one is really exercised.
      expect(count.source, count.table).toBeGreaterThan(0);
      expect(count.target, count.table).toBe(count.source);
    }
    expect(report.counts.map((count) => count.table)).toEqual([
      'metadata_schema',
      'users',
      'folders',
      'items',
      'upload_jobs',
      'datasets',
      'data_rows',
      'projects',
      'project_datasets',
      'ontologies',
      'project_ontologies',
      'collections',
      'collection_items',
      'presets',
      'collection_jobs',
      'dataset_jobs',
    ]);
    expect(report.index).toEqual({ table: 'item_index', source: 152, target: 152 });
    const kinds = events.map((event) => event.kind);
    expect(kinds[0]).toBe('start');
    expect(kinds.slice(-3)).toEqual(['indexing', 'indexed', 'committed']);
    expect(kinds.filter((kind) => kind === 'table-done')).toHaveLength(16);
  });

  it('keeps the schema, users, folders and upload jobs', async () => {
    await same((e) => e.getSchema());
    await same((e) => e.listUsers());
    await same((e) => e.findUserByKey('ab'.repeat(32)));
    const { a, sub, subsub } = fixture.folders;
    await same((e) => e.getFolderPath(subsub));
    await same((e) => Promise.all([a, sub, subsub].map((uuid) => e.getFolder(uuid))));
    for (const parentUuid of [null, a, sub]) {
      for (const [order, desc] of [
        ['name', false],
        ['createdAt', true],
      ] as const) {
        for (const [recursive, search] of [
          [false, null],
          [true, null],
          [true, 'ALPHA'],
          [true, 'ωmega'],
        ] as const) {
          await same((e) =>
            allPages((after) =>
              e.listFolders({ parentUuid, recursive, search, order, desc, pageSize: 2, after }),
            ),
          );
        }
      }
    }
    const folders = await same((e) =>
      e.listFolders({
        parentUuid: null,
        recursive: true,
        search: 'ωMEGA',
        order: 'name',
        desc: false,
        pageSize: 10,
        after: null,
      }),
    );
    expect(folders.rows.map((folder) => folder.name)).toEqual(['Ωmega deep']);
    for (const job of fixture.uploadJobs) await same((e) => e.getJob(job));
  });

  it('keeps every item (blob key, placeholder, media) and lists them in the same pages', async () => {
    const all = [...fixture.items, fixture.uploaded.uuid, fixture.placeholder];
    const items = await same((e) => e.getItems(all));
    expect(items.every((item) => item !== null)).toBe(true);
    const uploaded = items.find((item) => item?.uuid === fixture.uploaded.uuid);
    expect(uploaded?.blobKey).not.toBeNull();
    expect(uploaded?.media).toMatchObject({ fileSize: fixture.uploaded.bytes.length, width: 2 });
    expect(items.find((item) => item?.uuid === fixture.placeholder)).toMatchObject({
      isPlaceholder: true,
      name: 'odd\tname\nwith\\escapes\r',
      media: { frameCount: 2 ** 40, duration: 12.345678901234567 },
    });
    await same((e) =>
      e.findItemsByUrl(fixture.folders.a, ['https://bucket.example.com/a/0003.jpg', 'https://nowhere/x.jpg']),
    );

    const { a, sub } = fixture.folders;
    for (const folderUuid of [a, sub]) {
      for (const [order, desc] of [
        ['name', false],
        ['name', true],
        ['createdAt', false],
        ['createdAt', true],
      ] as const) {
        for (const query of [
          { recursive: true, search: null, itemTypes: [], inDataset: null },
          { recursive: false, search: 'img-1', itemTypes: ['image' as const], inDataset: null },
          { recursive: true, search: 'été', itemTypes: [], inDataset: null },
          { recursive: true, search: null, itemTypes: [], inDataset: true },
          { recursive: true, search: null, itemTypes: [], inDataset: false },
        ]) {
          const pages = await same((e) =>
            allPages((after) => e.listItems({ folderUuid, order, desc, pageSize: 9, after, ...query })),
          );
          if (folderUuid === a && query.recursive && query.search === null && query.inDataset === null) {
            expect(pages.flatMap((page) => page.rows)).toHaveLength(all.length - 20);
          }
        }
      }
    }
    await same((e) => e.itemsBackingRows(all));
    await same((e) => e.countRowsForItems(all));
    await same((e) => e.itemsBackingRowsInFolder(a));
  });

  it('answers index queries, matches and facets the same', async () => {
    const bound: (BoundFilter | null)[] = [
      null,
      ...FILTERS.map((text) => bindFilter(parseFilter(text), schema)),
    ];
    let matched = 0;
    for (const [n, filter] of bound.entries()) {
      const sort = bindSort(parseSortText(SORTS[n % SORTS.length]!), schema);
      for (const folderUuid of [null, fixture.folders.a, fixture.folders.sub]) {
        const pages = await same((e) =>
          allQueryPages(e, { filter, folderUuid, sort, pageSize: 13, count: true }),
        );
        matched += pages.length;
      }
      await same((e) => e.matchingItemUuids(filter, null, 1000));
      await same((e) => e.matchingItemUuids(filter, fixture.items[50]!, 7));
    }
    expect(matched).toBeGreaterThan(bound.length * 3);
    const requests: FacetRequest[] = [];
    for (const key of ['weather', 'camera', 'night', 'ref']) {
      requests.push({ kind: 'values', field: keyField(schema, key)!, top: 3 });
    }
    for (const key of ['speed', 'taken']) {
      requests.push({ kind: 'histogram', field: keyField(schema, key)!, buckets: 4 });
    }
    for (const filter of bound) {
      for (const folderUuid of [null, fixture.folders.sub]) {
        await same((e) => e.facetItems(filter, folderUuid, requests));
      }
    }
  });

  it('keeps datasets, data rows, projects and ontologies', async () => {
    await same((e) => allPages((after) => e.listDatasets({ search: null, pageSize: 1, after })));
    await same((e) => e.listDatasets({ search: 'TRAINING', pageSize: 10, after: null }));
    await same((e) => Promise.all([fixture.dataset, fixture.mirrored].map((uuid) => e.getDataset(uuid))));
    const rows = await same((e) => e.listDataRows(fixture.dataset, {}));
    expect(rows).toHaveLength(40);
    await same((e) => e.listDataRows(fixture.dataset, { titleLike: 'ÉTÉ%' }));
    await same((e) => e.getDataRows(rows.slice(0, 5).map((row) => row.row.dataHash)));
    await same((e) => e.findDatasetsByBackingFolder([fixture.folders.a]));
    await same((e) => allPages((after) => e.listProjects({ search: null, pageSize: 10, after })));
    await same((e) => e.getProject(fixture.project));
    await same((e) => e.listProjectDatasets(fixture.project));
    await same((e) => allPages((after) => e.listProjectDataRows(fixture.project, { pageSize: 15, after })));
    await same((e) => e.listOntologies());
    await same((e) => e.getOntology(fixture.ontology));
    await same((e) => e.getProjectOntology(fixture.project));
  });

  it('keeps collections, their items, presets and collection jobs', async () => {
    const collections = await same((e) =>
      allPages((after) => e.listCollections({ uuids: null, topLevelFolderUuid: null, pageSize: 1, after })),
    );
    expect(collections.flatMap((page) => page.rows)).toHaveLength(2);
    await same((e) => e.getCollection(fixture.frozen));
    for (const uuid of [fixture.collection, fixture.frozen]) {
      const pages = await same(async (e) => {
        const read: unknown[] = [];
        let after: string | null = null;
        do {
          const page = await e.listCollectionItems(uuid, { pageSize: 6, after });
          read.push(page);
          after = page?.next ?? null;
        } while (after !== null);
        return read;
      });
      expect(pages.length).toBeGreaterThan(1);
    }
    await same((e) => e.countCollectionItems([fixture.collection, fixture.frozen]));
    await same((e) =>
      e.diffCollections(fixture.collection, fixture.frozen, {
        pageSize: 5,
        added: 'start',
        removed: 'start',
      }),
    );
    await same((e) =>
      allPages((after) =>
        e.listPresets({ uuids: null, topLevelFolderUuid: fixture.folders.a, pageSize: 5, after }),
      ),
    );
    const preset = await same((e) => e.getPreset(fixture.preset));
    expect(preset?.freezeCount).toBe(1);
    const job = await same((e) => e.getCollectionJob(fixture.collectionJob));
    expect(job?.status).toBe('DONE');
  });

  it('keeps dataset jobs and the rows they linked', async () => {
    const job = await same((e) => e.getDatasetJob(fixture.datasetJob));
    expect(job).toMatchObject({
      status: 'DONE',
      collectionUuid: fixture.frozen,
      datasetUuid: fixture.curated,
    });
    const rows = await same((e) => e.listDataRows(fixture.curated, {}));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toHaveLength(job?.added ?? -1);
  });

  it('serves the migrated installation over HTTP exactly as the SQLite server did, blobs included', async () => {
    const server = await startServer({
      dataDir,
      db: target.url,
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
    });
    try {
      const admin = new SdkLikeClient(server.url, seed);
      const served = fixture.queries
        .flatMap(({ pages }) => pages as { results: unknown[] }[])
        .reduce((sum, page) => sum + page.results.length, 0);
      expect(served).toBeGreaterThan(500);
      for (const { body, pages } of fixture.queries) {
        expect(await queryPages(admin, body)).toStrictEqual(pages);
      }
      // The blob stayed in DIR/blobs, where the server on PostgreSQL finds it.
      const item = await admin.get<{ signedUrl: string }>(`storage/items/${fixture.uploaded.uuid}`, {
        signUrl: true,
      });
      const download = await fetch(item.body.signedUrl);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(fixture.uploaded.bytes);
    } finally {
      await server.close();
    }
  });

  it('refuses a target that already holds data, and leaves it unchanged', async () => {
    const countAll = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const counts: Record<string, number> = {};
        for (const { table } of report.counts) {
          const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
          counts[table] = Number(result.rows[0]?.n);
        }
        return counts;
      } finally {
        await client.end();
      }
    };
    const sqlitePath = resolveDataDir(dataDir).databasePath;
    const before = await countAll(target.url);
    await expect(migrateSqliteToPostgres({ sqlitePath, url: target.url })).rejects.toThrow(
      /already holds metaindex data \(rows in metadata_schema, users, folders, items/,
    );
    expect(await countAll(target.url)).toEqual(before);

    // A database where a server started once (it made its admin) is not empty either.
    const started = await createTestDatabase();
    extraDatabases.push(started);
    const engine = await openPostgresEngine({ url: started.url, maxConnections: 2 });
    await engine.addUser({
      email: 'x@example.com',
      role: 'admin',
      publicKeyHex: 'cd'.repeat(32),
      createdAt: 'now',
    });
    await engine.close();
    await expect(migrateSqliteToPostgres({ sqlitePath, url: started.url })).rejects.toThrow(
      /already holds metaindex data \(rows in users\)/,
    );
    expect((await countAll(started.url)).users).toBe(1);
    expect((await countAll(started.url)).folders).toBe(0);
  });

  it('leaves the target empty when the copy fails half-way, and refuses tables it does not know', async () => {
    // A copy of the source with a membership whose item does not exist: PostgreSQL's
    // foreign key refuses it while collection_items is copied, after most tables.
    const broken = join(dataDir, 'broken.db');
    await copyFile(resolveDataDir(dataDir).databasePath, broken);
    const db = new Database(broken);
    db.pragma('foreign_keys = OFF');
    db.prepare('INSERT INTO collection_items (collection_uuid, item_uuid, added_at) VALUES (?, ?, ?)').run(
      fixture.collection,
      '00000000-0000-4000-8000-0000000000ff',
      '2024-01-01T00:00:00.000Z',
    );
    db.close();
    const empty = await createTestDatabase();
    extraDatabases.push(empty);
    const seen: string[] = [];
    await expect(
      migrateSqliteToPostgres({
        sqlitePath: broken,
        url: empty.url,
        onEvent: (event) => {
          if (event.kind === 'table-done') seen.push(event.table);
        },
      }),
    ).rejects.toThrow(/copying collection_items failed: .*foreign key/);
    expect(seen).toContain('items');
    const check = await openPostgresEngine({ url: empty.url, maxConnections: 2 });
    try {
      expect(await check.listUsers()).toEqual([]);
      expect(await check.database.query('SELECT uuid FROM items')).toEqual([]);
      expect(await check.database.query('SELECT uuid FROM folders')).toEqual([]);
    } finally {
      await check.close();
    }

    // A table this copier does not know would be lost: refused before anything is written.
    const extra = new Database(broken);
    extra.exec('DELETE FROM collection_items WHERE item_uuid NOT IN (SELECT uuid FROM items)');
    extra.exec('CREATE TABLE annotations (uuid TEXT PRIMARY KEY)');
    extra.close();
    await expect(migrateSqliteToPostgres({ sqlitePath: broken, url: empty.url })).rejects.toThrow(
      /SQLite table annotations is not copied/,
    );
  });

  it('runs as `metaindex migrate sqlite:DIR postgres://…` and prints the verification table', async () => {
    const fresh = await createTestDatabase();
    extraDatabases.push(fresh);
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
    const run = (args: string[]) =>
      new Command('metaindex')
        .exitOverride()
        .addCommand(migrateCommand().exitOverride())
        .parseAsync(['migrate', ...args], { from: 'user' });
    try {
      await run([`sqlite:${dataDir}`, fresh.url]);
      await expect(run([dataDir, fresh.url])).rejects.toThrow(/Expected sqlite:DIR/);
      await expect(run([`sqlite:${dataDir}`, 'mysql://x'])).rejects.toThrow(/Expected a PostgreSQL URL/);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const table = out.join('');
    expect(table).toMatch(/^TABLE +SQLITE +POSTGRESQL\n/);
    expect(table).toMatch(/\nitems +152 +152\n/);
    expect(table).toMatch(/\nitem_index \(one per item\) +152 +152\n/);
    expect(table).not.toContain('DIFFERS');
    // stderr is not a terminal here: plain progress lines, no bar.
    const progress = err.join('');
    expect(progress).toContain('Copying ');
    expect(progress).toMatch(/ {2}items: 152 rows/);
    expect(progress).toContain(`metaindex serve --data ${dataDir} --db`);
    expect(migrateCommand().helpInformation()).toContain('migrate [options] <source> <target>');
  });
});
