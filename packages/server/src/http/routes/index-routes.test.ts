/**
 * Index collections and filter presets over HTTP, signed like the official SDK and
 * sent by an organisation member: every Encord endpoint in the contract's shapes
 * (exact keys), paging, failedItems, error statuses; add/remove-preset-items jobs;
 * metaindex's freeze (numbered snapshots that do not move), diff, presets from the
 * filter language and evaluating a preset.
 */
import { publicKeyHexFromPrivateKey } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllPages } from '../../testing/paging.js';
import { startTestServer, type SdkLikeClient, type TestServer } from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

interface ErrorBody {
  message: string;
  code: string;
}

interface Collection {
  uuid: string;
  topLevelFolderUuid: string;
  name: string;
  description: string;
  createdAt: string;
  lastEditedAt: string;
}

interface CollectionView extends Collection {
  owner: string;
  sourcePresetUuid: string | null;
  sourceVersion: number | null;
  itemCount: number;
}

interface Preset {
  uuid: string;
  name: string;
  description: string;
  createdAt: string;
  lastUpdatedAt: string;
}

interface PresetView extends Preset {
  topLevelFolderUuid: string | null;
  owner: string;
  freezeCount: number;
  filter: string | null;
  filterPresetJson: unknown;
}

interface Job {
  uuid: string;
  collectionUuid: string;
  presetUuid: string;
  kind: 'add' | 'remove';
  status: 'PENDING' | 'DONE' | 'ERROR';
  processed: number;
  changed: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Diff {
  added: string[];
  removed: string[];
  addedCount: number;
  removedCount: number;
  nextPageToken: string | null;
}

interface QueryItem {
  uuid: string;
  clientMetadata: Record<string, unknown>;
}

interface QueryPage {
  results: QueryItem[];
  nextPageToken: string | null;
  total: number | null;
}

const COLLECTION_KEYS = ['createdAt', 'description', 'lastEditedAt', 'name', 'topLevelFolderUuid', 'uuid'];
const PRESET_KEYS = ['createdAt', 'description', 'lastUpdatedAt', 'name', 'uuid'];
const JOB_KEYS = [
  'changed',
  'collectionUuid',
  'createdAt',
  'error',
  'kind',
  'presetUuid',
  'processed',
  'status',
  'updatedAt',
  'uuid',
];
const MISSING = '00000000-0000-4000-8000-00000000dead';
const NIL = '00000000-0000-0000-0000-000000000000';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const SCHEMA = {
  weather: { ty: 'enum', values: ['rain', 'snow', 'sun'] },
  speed: { ty: 'variant', hint: 'number' },
  caption: { ty: 'variant', hint: 'text' },
};

const WEATHERS = ['rain', 'snow', 'sun'] as const;

/** An Encord preset document as the SDK sends it (snake_case inside). */
const encordPreset = (filters: unknown[]) => ({
  local_filters: { [NIL]: { filters: [] } },
  global_filters: { filters },
});

const sorted = (list: readonly string[]): string[] => [...list].sort();

/** A member of the organisation (not an admin) signing requests. */
async function memberOf(t: TestServer): Promise<SdkLikeClient> {
  const seed = randomBytes(32);
  await t.server.engine.addUser({
    email: 'member@example.com',
    role: 'member',
    publicKeyHex: publicKeyHexFromPrivateKey(seed),
    createdAt: new Date().toISOString(),
  });
  return t.clientFor(seed);
}

async function createFolder(client: SdkLikeClient, name: string, parent?: string): Promise<string> {
  const response = await client.post<{ uuid: string }>('storage/folders', {
    name,
    description: '',
    clientMetadata: '{}',
    ...(parent === undefined ? {} : { parent }),
  });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

/** Registers images with this metadata in a folder; returns their uuids in order. */
async function register(
  client: SdkLikeClient,
  folder: string,
  metadata: Record<string, unknown>[],
): Promise<string[]> {
  const images = metadata.map((clientMetadata, i) => ({
    objectUrl: `https://bucket.example.com/${folder}/${String(i).padStart(6, '0')}.jpg`,
    title: `img-${String(i).padStart(6, '0')}.jpg`,
    clientMetadata,
    externalFileType: 'IMAGE',
  }));
  const job = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  const done = await client.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job.body}`,
    { timeoutSeconds: 55 },
  );
  expect(done.body.status).toBe('DONE');
  return done.body.itemsWithNames.map((i) => i.itemUuid);
}

async function createCollection(client: SdkLikeClient, folder: string, name: string): Promise<string> {
  const response = await client.post<string>(
    'index/collections',
    { name, description: '' },
    {
      topLevelFolderUuid: folder,
    },
  );
  expect(response.status).toBe(200);
  return response.body;
}

async function createPreset(client: SdkLikeClient, name: string, json: unknown): Promise<string> {
  const response = await client.post<string>(
    'index/presets',
    { name, filterPresetJson: json, description: '' },
    { topLevelFolderUuid: NIL },
  );
  expect(response.status).toBe(200);
  return response.body;
}

async function members(client: SdkLikeClient, collection: string, pageSize = 1000): Promise<string[]> {
  const { results } = await listAllPages<StorageItemDto>(
    client,
    `index/collections/${collection}/accessible-items`,
    {
      pageSize,
    },
  );
  return results.map((item) => item.uuid);
}

async function waitForJob(client: SdkLikeClient, job: string): Promise<Job> {
  for (;;) {
    const response = await client.get<Job>(`/api/collection-jobs/${job}`, { timeoutSeconds: 30 });
    expect(response.status).toBe(200);
    if (response.body.status !== 'PENDING') return response.body;
  }
}

describe('index collections and presets', () => {
  let t: TestServer;
  let member: SdkLikeClient;
  /** Top-level folder A, its subfolder, and top-level folder B. */
  let folderA: string;
  let subA: string;
  let folderB: string;
  /** 12 items in A (weather cycles rain/snow/sun, speed = index), 3 in A's subfolder, 3 in B. */
  let itemsA: string[];
  let itemsSub: string[];
  let itemsB: string[];
  const metadata = (i: number) => ({ weather: WEATHERS[i % 3], speed: i, caption: `frame ${i} of the road` });

  beforeAll(async () => {
    t = await startTestServer();
    expect((await t.admin.post('organisation/client-metadata-schema-v2', SCHEMA)).status).toBeLessThan(300);
    member = await memberOf(t);
    folderA = await createFolder(member, 'A');
    subA = await createFolder(member, 'A-sub', folderA);
    folderB = await createFolder(member, 'B');
    itemsA = await register(
      member,
      folderA,
      Array.from({ length: 12 }, (_, i) => metadata(i)),
    );
    itemsSub = await register(member, subA, [metadata(100), metadata(101), metadata(102)]);
    itemsB = await register(member, folderB, [metadata(200), metadata(201), metadata(202)]);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('collections (Encord endpoints)', () => {
    it('creates a collection (a JSON string uuid) and reads it back in the exact shape', async () => {
      const response = await member.post<string>(
        'index/collections',
        { name: 'wet', description: 'rain and snow' },
        { topLevelFolderUuid: folderA },
      );
      expect(response.status).toBe(200);
      expect(response.text).toBe(JSON.stringify(response.body));
      const uuid = response.body;

      const page = await member.get<Page<Collection>>('index/collections', { uuids: [uuid] });
      expect(page.status).toBe(200);
      expect(page.body.nextPageToken).toBeNull();
      expect(page.body.results).toHaveLength(1);
      const [collection] = page.body.results;
      expect(Object.keys(collection ?? {}).sort()).toEqual(COLLECTION_KEYS);
      expect(collection).toMatchObject({
        uuid,
        topLevelFolderUuid: folderA,
        name: 'wet',
        description: 'rain and snow',
      });
      expect(collection?.createdAt).toMatch(ISO);
      expect(collection?.lastEditedAt).toBe(collection?.createdAt);
    });

    it('lists by uuids and top-level folder together, paging through every collection once', async () => {
      const inA = [
        await createCollection(member, folderA, 'list-a1'),
        await createCollection(member, folderA, 'list-a2'),
      ];
      const inB = await createCollection(member, folderB, 'list-b1');

      const byFolder = await listAllPages<Collection>(member, 'index/collections', {
        topLevelFolderUuid: folderB,
        pageSize: 1,
      });
      expect(byFolder.results.map((c) => c.uuid)).toEqual([inB]);

      const both = await member.get<Page<Collection>>('index/collections', {
        uuids: [...inA, inB],
        topLevelFolderUuid: folderA,
      });
      expect(both.body.results.map((c) => c.uuid)).toEqual(inA);

      const everything = await member.get<Page<Collection>>('index/collections', { pageSize: 1000 });
      const paged = await listAllPages<Collection>(member, 'index/collections', { pageSize: 2 });
      expect(paged.pages).toBeGreaterThan(1);
      expect(paged.results.map((c) => c.uuid)).toEqual(everything.body.results.map((c) => c.uuid));
      expect(new Set(paged.results.map((c) => c.uuid)).size).toBe(paged.results.length);
      for (const uuid of [...inA, inB]) expect(paged.results.map((c) => c.uuid)).toContain(uuid);

      // An unknown uuid gives an empty page (the SDK then says "No collection found").
      const none = await member.get<Page<Collection>>('index/collections', { uuids: [MISSING] });
      expect(none.body).toEqual({ results: [], nextPageToken: null });
    });

    it('refuses bad creates and lists with 400/404 naming the field', async () => {
      const noFolder = await member.post<ErrorBody>('index/collections', { name: 'x', description: '' });
      expect(noFolder.status).toBe(400);
      expect(noFolder.body.message).toContain('topLevelFolderUuid');
      const sub = await member.post<ErrorBody>(
        'index/collections',
        { name: 'x' },
        { topLevelFolderUuid: subA },
      );
      expect(sub.status).toBe(400);
      expect(sub.body.message).toContain('not a top-level folder');
      const unknown = await member.post<ErrorBody>(
        'index/collections',
        { name: 'x' },
        { topLevelFolderUuid: MISSING },
      );
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain(MISSING);
      const noName = await member.post<ErrorBody>(
        'index/collections',
        { description: '' },
        { topLevelFolderUuid: folderA },
      );
      expect(noName.status).toBe(400);
      expect(noName.body.message).toContain('name');
      const blank = await member.post<ErrorBody>(
        'index/collections',
        { name: ' ' },
        { topLevelFolderUuid: folderA },
      );
      expect(blank.status).toBe(400);
      const badUuid = await member.get<ErrorBody>('index/collections', { uuids: ['not-a-uuid'] });
      expect(badUuid.status).toBe(400);
      expect(badUuid.body.message).toContain('not-a-uuid');
      const badSize = await member.get<ErrorBody>('index/collections', { pageSize: 0 });
      expect(badSize.status).toBe(400);
      expect(badSize.body.message).toContain('pageSize');
    });

    it('updates name and description, then deletes (204); unknown collections are 404', async () => {
      const uuid = await createCollection(member, folderA, 'before');
      const patched = await member.patch<Collection>(`index/collections/${uuid}`, { name: 'after' });
      expect(patched.status).toBe(200);
      expect(Object.keys(patched.body).sort()).toEqual(COLLECTION_KEYS);
      expect(patched.body).toMatchObject({ uuid, name: 'after', description: '' });
      const described = await member.patch<Collection>(`index/collections/${uuid}`, {
        description: 'now described',
      });
      expect(described.body).toMatchObject({ name: 'after', description: 'now described' });
      expect(described.body.lastEditedAt >= described.body.createdAt).toBe(true);

      const badName = await member.patch<ErrorBody>(`index/collections/${uuid}`, { name: 42 });
      expect(badName.status).toBe(400);
      expect(badName.body.message).toContain('name');

      expect((await member.delete(`index/collections/${uuid}`)).status).toBe(204);
      expect(
        (await member.get<Page<Collection>>('index/collections', { uuids: [uuid] })).body.results,
      ).toEqual([]);
      const again = await member.delete<ErrorBody>(`index/collections/${uuid}`);
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('not_found');
      expect((await member.patch(`index/collections/${MISSING}`, { name: 'x' })).status).toBe(404);
      expect((await member.get(`index/collections/${MISSING}/accessible-items`)).status).toBe(404);
      expect((await member.post(`index/collections/${MISSING}/add-items`, { itemUuids: [] })).status).toBe(
        404,
      );
    });

    it('adds items of its folder tree and reports the rest in failedItems', async () => {
      const uuid = await createCollection(member, folderA, 'adds');
      const asked = [itemsA[0], itemsB[0], MISSING, itemsSub[0], itemsA[1], itemsA[0]] as string[];
      const added = await member.post<{ failedItems: string[] }>(`index/collections/${uuid}/add-items`, {
        itemUuids: asked,
      });
      expect(added.status).toBe(200);
      expect(added.body).toEqual({ failedItems: [itemsB[0], MISSING] });
      expect(sorted(await members(member, uuid))).toEqual(
        sorted([itemsA[0], itemsA[1], itemsSub[0]] as string[]),
      );

      const removed = await member.post<{ failedItems: string[] }>(`index/collections/${uuid}/remove-items`, {
        itemUuids: [itemsA[0], itemsA[5], MISSING],
      });
      expect(removed.body).toEqual({ failedItems: [MISSING] });
      expect(sorted(await members(member, uuid))).toEqual(sorted([itemsA[1], itemsSub[0]] as string[]));
    });

    it('refuses malformed item lists and writes nothing', async () => {
      const uuid = await createCollection(member, folderA, 'strict');
      const bad = await member.post<ErrorBody>(`index/collections/${uuid}/add-items`, {
        itemUuids: [itemsA[0], 'nope'],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('itemUuids[1]');
      const notList = await member.post<ErrorBody>(`index/collections/${uuid}/add-items`, { itemUuids: 'x' });
      expect(notList.status).toBe(400);
      expect(notList.body.message).toContain('itemUuids');
      const tooMany = await member.post<ErrorBody>(`index/collections/${uuid}/add-items`, {
        itemUuids: Array.from({ length: 10_001 }, () => itemsA[0]),
      });
      expect(tooMany.status).toBe(413);
      expect(tooMany.body.message).toContain('10000');
      expect(await members(member, uuid)).toEqual([]);
    });

    it('lists members as StorageItems, with clientMetadata only when asked, paged once each', async () => {
      const uuid = await createCollection(member, folderA, 'listing');
      const all = [...itemsA, ...itemsSub];
      await member.post(`index/collections/${uuid}/add-items`, { itemUuids: all });

      const page = await member.get<Page<StorageItemDto>>(`index/collections/${uuid}/accessible-items`, {
        includeClientMetadata: false,
        pageSize: 3,
      });
      expect(page.status).toBe(200);
      expect(page.body.results).toHaveLength(3);
      expect(typeof page.body.nextPageToken).toBe('string');
      const first = page.body.results[0] as StorageItemDto;
      const direct = await member.get<StorageItemDto>(`storage/items/${first.uuid}`, { signUrl: false });
      expect(Object.keys(first).sort()).toEqual(Object.keys(direct.body).sort());
      expect(first).toEqual({ ...direct.body, clientMetadata: '{}' });

      const withMetadata = await listAllPages<StorageItemDto>(
        member,
        `index/collections/${uuid}/accessible-items`,
        {
          includeClientMetadata: true,
          pageSize: 4,
        },
      );
      expect(withMetadata.pages).toBe(4);
      expect(sorted(withMetadata.results.map((i) => i.uuid))).toEqual(sorted(all));
      const metadataOf = new Map(
        withMetadata.results.map((i) => [i.uuid, JSON.parse(i.clientMetadata) as unknown]),
      );
      expect(metadataOf.get(itemsA[4] as string)).toEqual(metadata(4));

      // The filter language's $collection reads the same memberships.
      const queried = await member.post<QueryPage>('/api/items/query', {
        filter: `$collection = "${uuid}" and weather = "rain"`,
        pageSize: 1000,
      });
      expect(queried.status).toBe(200);
      expect(sorted(queried.body.results.map((r) => r.uuid))).toEqual(
        sorted([itemsA[0], itemsA[3], itemsA[6], itemsA[9], itemsSub[2]] as string[]),
      );

      const allItems = await listAllPages<StorageItemDto>(member, `index/collections/${uuid}/all-items`, {
        pageSize: 5,
      });
      expect(allItems.results.map((i) => i.uuid)).toEqual(withMetadata.results.map((i) => i.uuid));

      const other = await createCollection(member, folderA, 'other');
      const wrongToken = await member.get<ErrorBody>(`index/collections/${other}/accessible-items`, {
        pageToken: page.body.nextPageToken ?? undefined,
      });
      expect(wrongToken.status).toBe(400);
      expect(wrongToken.body.message).toContain('pageToken');
    });

    it('drops a deleted item from every collection (all-items equals accessible-items)', async () => {
      const [doomed] = await register(member, folderA, [metadata(300)]);
      const uuid = await createCollection(member, folderA, 'forgets');
      await member.post(`index/collections/${uuid}/add-items`, { itemUuids: [doomed, itemsA[2]] });
      const deleted = await member.post<{ deletedItems: number }>('/api/items/delete', {
        itemUuids: [doomed],
      });
      expect(deleted.body.deletedItems).toBe(1);
      expect(await members(member, uuid)).toEqual([itemsA[2]]);
      const all = await listAllPages<StorageItemDto>(member, `index/collections/${uuid}/all-items`);
      expect(all.results.map((i) => i.uuid)).toEqual([itemsA[2]]);
    });
  });

  describe('presets (Encord endpoints)', () => {
    const rainy = encordPreset([{ key: 'weather', include: true, values: ['rain'], type: 'enum' }]);

    it('creates a preset from Encord JSON, lists it in the exact shape and returns the JSON as stored', async () => {
      const uuid = await createPreset(member, 'rainy', rainy);
      const page = await member.get<Page<Preset>>('index/presets', { uuids: [uuid] });
      expect(page.status).toBe(200);
      expect(page.body.nextPageToken).toBeNull();
      const [preset] = page.body.results;
      expect(Object.keys(preset ?? {}).sort()).toEqual(PRESET_KEYS);
      expect(preset).toMatchObject({ uuid, name: 'rainy', description: '' });
      expect(preset?.createdAt).toMatch(ISO);

      const json = await member.get(`index/presets/${uuid}`);
      expect(json.status).toBe(200);
      expect(json.body).toEqual(rainy);
      expect(json.text).toBe(JSON.stringify(rainy));
    });

    it('lists presets by uuids and folder, paged', async () => {
      const scoped = await member.post<string>(
        'index/presets',
        { name: 'in A', filterPresetJson: rainy, description: 'scoped' },
        { topLevelFolderUuid: folderA },
      );
      expect(scoped.status).toBe(200);
      const global = await createPreset(member, 'global', rainy);
      const inA = await member.get<Page<Preset>>('index/presets', { topLevelFolderUuid: folderA });
      expect(inA.body.results.map((p) => p.uuid)).toEqual([scoped.body]);
      const neither = await member.get<Page<Preset>>('index/presets', {
        uuids: [global],
        topLevelFolderUuid: folderA,
      });
      expect(neither.body.results).toEqual([]);
      const paged = await listAllPages<Preset>(member, 'index/presets', { pageSize: 1 });
      expect(paged.pages).toBe(paged.results.length);
      expect(paged.results.map((p) => p.uuid)).toEqual(expect.arrayContaining([scoped.body, global]));
    });

    it('refuses a bad preset shape (naming its path) and a filter that does not fit the schema', async () => {
      const badShape = await member.post<ErrorBody>(
        'index/presets',
        {
          name: 'bad',
          filterPresetJson: encordPreset([
            { key: 'weather', include: 'yes', values: ['rain'], type: 'enum' },
          ]),
          description: '',
        },
        { topLevelFolderUuid: NIL },
      );
      expect(badShape.status).toBe(400);
      expect(badShape.body.message).toContain('filterPresetJson.global_filters.filters[0].include');

      const badValue = await member.post<ErrorBody>('index/presets', {
        name: 'hail',
        filterPresetJson: encordPreset([{ key: 'weather', include: true, values: ['hail'], type: 'enum' }]),
      });
      expect(badValue.status).toBe(400);
      expect(badValue.body.message).toContain('weather');
      expect(badValue.body.message).toContain('hail');

      const badType = await member.post<ErrorBody>('index/presets', {
        name: 'fast',
        filterPresetJson: encordPreset([{ key: 'speed', include: true, values: ['fast'], type: 'enum' }]),
      });
      expect(badType.status).toBe(400);
      expect(badType.body.message).toContain('speed');

      const missing = await member.post<ErrorBody>('index/presets', { name: 'nothing' });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('filterPresetJson');
      const subFolder = await member.post<ErrorBody>(
        'index/presets',
        { name: 'sub', filterPresetJson: rainy },
        { topLevelFolderUuid: subA },
      );
      expect(subFolder.status).toBe(400);

      const names = (await listAllPages<Preset>(member, 'index/presets')).results.map((p) => p.name);
      for (const refused of ['bad', 'hail', 'fast', 'nothing', 'sub']) expect(names).not.toContain(refused);
    });

    it('updates name, description and filter; a bad filter is refused and changes nothing', async () => {
      const uuid = await createPreset(member, 'to change', rainy);
      const snowy = encordPreset([{ key: 'weather', include: true, values: ['snow'], type: 'enum' }]);
      const patched = await member.patch<Preset>(`index/presets/${uuid}`, {
        name: 'snowy',
        description: 'now snow',
        filterPreset: snowy,
      });
      expect(patched.status).toBe(200);
      expect(Object.keys(patched.body).sort()).toEqual(PRESET_KEYS);
      expect(patched.body).toMatchObject({ uuid, name: 'snowy', description: 'now snow' });
      expect((await member.get(`index/presets/${uuid}`)).body).toEqual(snowy);

      const refused = await member.patch<ErrorBody>(`index/presets/${uuid}`, {
        name: 'broken',
        filterPreset: {
          global_filters: { filters: [{ key: 'speed', include: true, values: [1], type: 'number' }] },
        },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain('filterPreset.global_filters.filters[0].values');
      expect((await member.get(`index/presets/${uuid}`)).body).toEqual(snowy);
      expect((await member.get<Page<Preset>>('index/presets', { uuids: [uuid] })).body.results[0]?.name).toBe(
        'snowy',
      );

      expect((await member.delete(`index/presets/${uuid}`)).status).toBe(204);
      expect((await member.get(`index/presets/${uuid}`)).status).toBe(404);
      expect((await member.delete(`index/presets/${uuid}`)).status).toBe(404);
      expect((await member.patch(`index/presets/${MISSING}`, { name: 'x' })).status).toBe(404);
    });
  });

  describe('metaindex preset extensions', () => {
    it('creates a preset from filter text, stored as Encord JSON', async () => {
      const created = await member.post<PresetView>('/api/presets', {
        name: 'fast rain',
        filter: 'weather = "rain" and speed between 3 and 9',
        topLevelFolderUuid: folderA,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'fast rain',
        description: '',
        topLevelFolderUuid: folderA,
        owner: 'member@example.com',
        freezeCount: 0,
      });
      expect(created.body.filter).toContain('weather = "rain"');
      const json = await member.get(`index/presets/${created.body.uuid}`);
      expect(json.body).toEqual({
        local_filters: { [NIL]: { filters: [] } },
        global_filters: {
          filters: [
            { key: 'weather', include: true, values: ['rain'], type: 'enum' },
            { key: 'speed', include: true, values: [3, 9], type: 'number' },
          ],
        },
      });
      const view = await member.get<PresetView>(`/api/presets/${created.body.uuid}`);
      expect(view.body).toEqual(created.body);
    });

    it('creates a preset from a JSON AST, and keeps filters Encord cannot express', async () => {
      const created = await member.post<PresetView>('/api/presets', {
        name: 'not slow',
        filter: {
          or: [
            { key: 'speed', op: 'gt', value: 10 },
            { key: 'caption', op: 'matches', value: 'road' },
          ],
        },
      });
      expect(created.status).toBe(201);
      expect(created.body.topLevelFolderUuid).toBeNull();
      expect(created.body.filter).toBe('speed > 10 or caption matches "road"');
      const items = await member.post<QueryPage>(`/api/presets/${created.body.uuid}/items`, {
        pageSize: 1000,
      });
      expect(items.body.total).toBe(18);
    });

    it('refuses bad filter text with the column, and filters that do not fit the schema', async () => {
      const syntax = await member.post<ErrorBody>('/api/presets', { name: 'x', filter: 'speed >= ' });
      expect(syntax.status).toBe(400);
      expect(syntax.body.message).toMatch(/column/);
      const unfit = await member.post<ErrorBody>('/api/presets', { name: 'x', filter: 'speed = "fast"' });
      expect(unfit.status).toBe(400);
      expect(unfit.body.message).toContain('speed');
      const none = await member.post<ErrorBody>('/api/presets', { name: 'x' });
      expect(none.status).toBe(400);
      expect(none.body.message).toContain('filter');
    });

    it('evaluates a preset now, like POST /api/items/query, ANDing a body filter', async () => {
      const uuid = await createPreset(
        member,
        'rain or snow',
        encordPreset([{ key: 'weather', include: true, values: ['rain', 'snow'], type: 'enum' }]),
      );
      const all = await member.post<QueryPage>(`/api/presets/${uuid}/items`, {
        sort: [{ key: 'speed', desc: false }],
        pageSize: 1000,
      });
      expect(all.status).toBe(200);
      const expected = [...itemsA, ...itemsSub, ...itemsB].filter((_, i) => {
        const n = i < 12 ? i : i < 15 ? 100 + i - 12 : 200 + i - 15;
        return n % 3 !== 2;
      });
      expect(all.body.total).toBe(expected.length);
      expect(sorted(all.body.results.map((r) => r.uuid))).toEqual(sorted(expected));
      expect(all.body.results.map((r) => r.clientMetadata.speed)).toEqual(
        [...all.body.results.map((r) => r.clientMetadata.speed as number)].sort((a, b) => a - b),
      );

      const narrowed = await member.post<QueryPage>(`/api/presets/${uuid}/items`, {
        filter: 'speed < 4',
        count: 'exact',
      });
      expect(sorted(narrowed.body.results.map((r) => r.uuid))).toEqual(
        sorted([itemsA[0], itemsA[1], itemsA[3]] as string[]),
      );
      expect(narrowed.body.total).toBe(3);

      const first = await member.post<QueryPage>(`/api/presets/${uuid}/items`, { pageSize: 5 });
      expect(first.body.results).toHaveLength(5);
      const second = await member.post<QueryPage>(`/api/presets/${uuid}/items`, {
        pageSize: 5,
        pageToken: first.body.nextPageToken,
      });
      expect(second.body.results.map((r) => r.uuid)).not.toContain(first.body.results[0]?.uuid);

      expect((await member.post(`/api/presets/${MISSING}/items`, {})).status).toBe(404);
      const unknownField = await member.post<ErrorBody>(`/api/presets/${uuid}/items`, { limit: 3 });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.message).toContain('limit');
    });
  });

  describe('preset jobs, freeze and diff', () => {
    it('adds and removes a preset’s matches in tracked jobs, within the collection’s folder tree', async () => {
      const preset = await createPreset(
        member,
        'sunny',
        encordPreset([{ key: 'weather', include: true, values: ['sun'], type: 'enum' }]),
      );
      const collection = await createCollection(member, folderA, 'sunny ones');
      await member.post(`index/collections/${collection}/add-items`, { itemUuids: [itemsA[2]] });

      const started = await member.post<{ jobUuid: string }>(
        `index/collections/${collection}/add-preset-items`,
        {
          presetUuid: preset,
        },
      );
      expect(started.status).toBe(200);
      expect(Object.keys(started.body)).toEqual(['jobUuid']);
      const job = await waitForJob(member, started.body.jobUuid);
      expect(Object.keys(job).sort()).toEqual(JOB_KEYS);
      // Sunny items in A's tree: 2, 5, 8, 11 and sub's 101 (index 1); item 2 was already in.
      expect(job).toMatchObject({
        uuid: started.body.jobUuid,
        collectionUuid: collection,
        presetUuid: preset,
        kind: 'add',
        status: 'DONE',
        processed: 5,
        changed: 4,
        error: null,
      });
      const sunny = [itemsA[2], itemsA[5], itemsA[8], itemsA[11], itemsSub[1]] as string[];
      expect(sorted(await members(member, collection))).toEqual(sorted(sunny));

      const removal = await member.post<{ jobUuid: string }>(
        `index/collections/${collection}/remove-preset-items`,
        {
          presetUuid: preset,
        },
      );
      const removed = await waitForJob(member, removal.body.jobUuid);
      expect(removed).toMatchObject({ kind: 'remove', status: 'DONE', processed: 5, changed: 5 });
      expect(await members(member, collection)).toEqual([]);

      const unknownPreset = await member.post<ErrorBody>(`index/collections/${collection}/add-preset-items`, {
        presetUuid: MISSING,
      });
      expect(unknownPreset.status).toBe(404);
      expect(unknownPreset.body.message).toContain(MISSING);
      const badPreset = await member.post<ErrorBody>(`index/collections/${collection}/add-preset-items`, {});
      expect(badPreset.status).toBe(400);
      expect(badPreset.body.message).toContain('presetUuid');
      expect(
        (await member.post(`index/collections/${MISSING}/add-preset-items`, { presetUuid: preset })).status,
      ).toBe(404);
      expect((await member.get(`/api/collection-jobs/${MISSING}`)).status).toBe(404);
    });

    it('freezes numbered snapshots that do not move when items change, and diffs them', async () => {
      const created = await member.post<PresetView>('/api/presets', {
        name: 'slow',
        filter: 'speed < 6',
        topLevelFolderUuid: folderA,
      });
      const preset = created.body.uuid;

      const v1 = await member.post<CollectionView>(`/api/presets/${preset}/freeze`);
      expect(v1.status).toBe(201);
      expect(v1.body).toMatchObject({
        topLevelFolderUuid: folderA,
        name: 'slow v1',
        sourcePresetUuid: preset,
        sourceVersion: 1,
        itemCount: 6,
        owner: 'member@example.com',
      });
      const firstSix = itemsA.slice(0, 6);
      expect(sorted(await members(member, v1.body.uuid))).toEqual(sorted(firstSix));

      // Items 0 and 1 speed up; item 7 slows down.
      for (const [index, speed] of [
        [0, 50],
        [1, 60],
        [7, 1],
      ] as const) {
        const patched = await member.patch(`storage/folders/${folderA}/items/${itemsA[index]}`, {
          clientMetadata: { ...metadata(index), speed },
        });
        expect(patched.status).toBe(200);
      }

      const v2 = await member.post<CollectionView>(`/api/presets/${preset}/freeze`, {
        name: 'slow, later',
        description: 'second look',
      });
      expect(v2.status).toBe(201);
      expect(v2.body).toMatchObject({
        name: 'slow, later',
        description: 'second look',
        sourceVersion: 2,
        itemCount: 5,
      });
      expect(sorted(await members(member, v2.body.uuid))).toEqual(
        sorted(itemsA.slice(2, 6).concat([itemsA[7] as string])),
      );
      // The first snapshot is unchanged.
      expect(sorted(await members(member, v1.body.uuid))).toEqual(sorted(firstSix));
      const view = await member.get<CollectionView>(`/api/collections/${v1.body.uuid}`);
      expect(view.body).toEqual({ ...v1.body });
      expect((await member.get<PresetView>(`/api/presets/${preset}`)).body.freezeCount).toBe(2);

      const diff = await member.get<Diff>(`/api/collections/${v2.body.uuid}/diff`, { against: v1.body.uuid });
      expect(diff.status).toBe(200);
      expect(diff.body).toEqual({
        added: [itemsA[7]],
        removed: sorted([itemsA[0], itemsA[1]] as string[]),
        addedCount: 1,
        removedCount: 2,
        nextPageToken: null,
      });

      // Paging: one uuid of each list per page, until both are done.
      const added: string[] = [];
      const removed: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await member.get<Diff>(`/api/collections/${v2.body.uuid}/diff`, {
          against: v1.body.uuid,
          pageSize: 1,
          pageToken,
        });
        expect(page.body).toMatchObject({ addedCount: 1, removedCount: 2 });
        added.push(...page.body.added);
        removed.push(...page.body.removed);
        pageToken = page.body.nextPageToken ?? undefined;
        pages++;
      } while (pageToken !== undefined);
      expect(pages).toBe(2);
      expect(added).toEqual(diff.body.added);
      expect(removed).toEqual(diff.body.removed);

      const reverse = await member.get<Diff>(`/api/collections/${v1.body.uuid}/diff`, {
        against: v2.body.uuid,
      });
      expect(reverse.body).toMatchObject({ added: diff.body.removed, removed: diff.body.added });
      expect((await member.get(`/api/collections/${v1.body.uuid}/diff`, { against: MISSING })).status).toBe(
        404,
      );
      const noAgainst = await member.get<ErrorBody>(`/api/collections/${v1.body.uuid}/diff`);
      expect(noAgainst.status).toBe(400);
      expect(noAgainst.body.message).toContain('against');
      const otherToken = await member.get<ErrorBody>(`/api/collections/${v1.body.uuid}/diff`, {
        against: v2.body.uuid,
        pageToken: 'bm90LWEtdG9rZW4',
      });
      expect(otherToken.status).toBe(400);
    });

    it('freezes an unscoped preset only into a named top-level folder', async () => {
      const uuid = await createPreset(
        member,
        'everything rainy',
        encordPreset([{ key: 'weather', include: true, values: ['rain'], type: 'enum' }]),
      );
      const refused = await member.post<ErrorBody>(`/api/presets/${uuid}/freeze`, {});
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain('topLevelFolderUuid');
      const inB = await member.post<CollectionView>(`/api/presets/${uuid}/freeze`, {
        topLevelFolderUuid: folderB,
      });
      expect(inB.status).toBe(201);
      expect(inB.body).toMatchObject({
        topLevelFolderUuid: folderB,
        name: 'everything rainy v1',
        itemCount: 1,
      });
      expect(await members(member, inB.body.uuid)).toEqual([itemsB[1]]);
      expect((await member.post(`/api/presets/${MISSING}/freeze`, {})).status).toBe(404);
    });
  });
});

describe('a preset job over more matches than one batch', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
    await t.admin.post('organisation/client-metadata-schema-v2', SCHEMA);
  });
  afterAll(async () => {
    await t.close();
  });

  it('walks 10,098 matches in two batches, counting as it goes', async () => {
    const folder = await createFolder(t.admin, 'many');
    const items = await register(
      t.admin,
      folder,
      Array.from({ length: 10_200 }, (_, i) => ({ weather: i % 100 === 99 ? 'sun' : 'rain', speed: i })),
    );
    const preset = await createPreset(
      t.admin,
      'not sunny',
      encordPreset([{ key: 'weather', include: false, values: ['sun'], type: 'enum' }]),
    );
    const collection = await createCollection(t.admin, folder, 'big');
    const started = await t.admin.post<{ jobUuid: string }>(
      `index/collections/${collection}/add-preset-items`,
      {
        presetUuid: preset,
      },
    );
    const job = await waitForJob(t.admin, started.body.jobUuid);
    expect(job).toMatchObject({ status: 'DONE', processed: 10_098, changed: 10_098 });
    const view = await t.admin.get<CollectionView>(`/api/collections/${collection}`);
    expect(view.body.itemCount).toBe(10_098);

    const all = await createPreset(t.admin, 'all', encordPreset([]));
    const everything = await t.admin.post<CollectionView>(`/api/presets/${all}/freeze`, {
      topLevelFolderUuid: folder,
    });
    expect(everything.body.itemCount).toBe(items.length);
    const diff = await t.admin.get<Diff>(`/api/collections/${everything.body.uuid}/diff`, {
      against: collection,
      pageSize: 100,
    });
    expect(diff.body).toMatchObject({ addedCount: 102, removedCount: 0, removed: [] });
    expect(diff.body.added).toHaveLength(100);
    expect(diff.body.nextPageToken).not.toBeNull();
  });

  it('fails a job (ERROR, with the reason) when its preset no longer fits the schema', async () => {
    const folder = await createFolder(t.admin, 'retyped');
    await register(t.admin, folder, [{ speed: 1 }, { speed: 2 }]);
    const preset = await createPreset(
      t.admin,
      'slow',
      encordPreset([{ key: 'speed', include: true, values: [0, 5], type: 'number' }]),
    );
    const collection = await createCollection(t.admin, folder, 'slow ones');
    // speed becomes text: a number range on it no longer means anything.
    const retyped = await t.admin.post('organisation/client-metadata-schema-v2', {
      ...SCHEMA,
      speed: { ty: 'variant', hint: 'varchar' },
    });
    expect(retyped.status).toBeLessThan(300);

    const started = await t.admin.post<{ jobUuid: string }>(
      `index/collections/${collection}/add-preset-items`,
      {
        presetUuid: preset,
      },
    );
    const job = await waitForJob(t.admin, started.body.jobUuid);
    expect(job).toMatchObject({ status: 'ERROR', processed: 0, changed: 0 });
    expect(job.error).toContain('speed');
    expect(await members(t.admin, collection)).toEqual([]);

    const evaluated = await t.admin.post<ErrorBody>(`/api/presets/${preset}/items`, {});
    expect(evaluated.status).toBe(400);
    expect(evaluated.body.message).toContain('speed');
  });
});
