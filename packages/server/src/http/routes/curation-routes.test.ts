/**
 * From curation to annotation over HTTP, signed like the official SDK and sent by an
 * organisation member, on a real server (SQLite in the `server` project, PostgreSQL
 * in `server-postgres`).
 *
 * The acceptance chain over 10,000 items: register items with metadata → a filter
 * saved as a preset (`POST /api/presets`) → a collection frozen from it → a dataset
 * (`POST /api/collections/{u}/dataset`) → a project (`…/project`). The dataset's rows
 * are the collection's items, read through the v1 `dataset` call the SDK's
 * `get_dataset(…)` makes with `fetch_client_metadata`, and through the project's data
 * units, dataset listing and label rows; a metadata write on an item afterwards is seen
 * through both; the collection grows and `append-new` links exactly the new members.
 * Then the preset endpoint, every 400 and 404 (nothing written), and a 100,000-item
 * collection becoming a dataset, timed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllPages } from '../../testing/paging.js';
import { publicKeyHexFromPrivateKey } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { itemRecord } from '../../store/engine-contract.js';
import { startTestServer, type SdkLikeClient, type TestServer } from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';

interface ErrorBody {
  message: string;
  code: string;
  details?: unknown;
}

interface DatasetJob {
  uuid: string;
  collectionUuid: string;
  presetUuid: string | null;
  datasetHash: string;
  projectHash: string | null;
  mode: 'create' | 'append-new';
  status: 'PENDING' | 'DONE' | 'ERROR';
  total: number;
  processed: number;
  added: number;
  alreadyThere: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

interface DataRow {
  data_hash: string;
  data_title: string;
  data_type: string;
  created_at: string;
  client_metadata: Record<string, unknown> | null;
  backing_item_uuid: string;
}

interface Dataset {
  dataset_hash: string;
  title: string;
  description: string;
  data_rows: DataRow[];
}

interface DataUnit {
  dataHash: string;
  dataTitle: string;
  datasetHash: string;
  datasetTitle: string;
  backingItemUuid: string;
  clientMetadata: Record<string, unknown>;
}

interface LabelRow {
  data_hash: string;
  dataset_hash: string;
  backing_item_uuid: string;
  client_metadata: Record<string, unknown> | null;
}

interface CollectionView {
  uuid: string;
  sourcePresetUuid: string | null;
  sourceVersion: number | null;
  itemCount: number;
}

const JOB_KEYS = [
  'added',
  'alreadyThere',
  'collectionUuid',
  'createdAt',
  'datasetHash',
  'error',
  'mode',
  'presetUuid',
  'processed',
  'projectHash',
  'status',
  'total',
  'updatedAt',
  'uuid',
];
const MISSING = '00000000-0000-4000-8000-00000000dead';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WEATHERS = ['rain', 'snow', 'sun'] as const;

/** 12,000 items: 10,000 match the preset (speed < 10000), 2,000 join the collection later. */
const ITEMS = 12_000;
const MATCHING = 10_000;
const metadataOf = (i: number) => ({ weather: WEATHERS[i % 3], speed: i });
const titleOf = (i: number) => `img-${String(i).padStart(6, '0')}.jpg`;

const sorted = (list: readonly string[]): string[] => [...list].sort();

/** A member of the organisation (not an admin) signing requests. */
async function memberOf(t: TestServer): Promise<SdkLikeClient> {
  const seed = randomBytes(32);
  await t.server.engine.addUser({
    email: 'curator@example.com',
    role: 'member',
    publicKeyHex: publicKeyHexFromPrivateKey(seed),
    createdAt: new Date().toISOString(),
  });
  return t.clientFor(seed);
}

async function createFolder(client: SdkLikeClient, name: string): Promise<string> {
  const response = await client.post<{ uuid: string }>('storage/folders', { name, description: '' });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

/** Registers images 0..count-1 (title img-NNNNNN.jpg, metadataOf(i)); returns their uuids by index. */
async function register(client: SdkLikeClient, folder: string, count: number): Promise<string[]> {
  const images = Array.from({ length: count }, (_, i) => ({
    objectUrl: `https://bucket.example.com/${folder}/${titleOf(i)}`,
    title: titleOf(i),
    clientMetadata: metadataOf(i),
  }));
  const job = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  const done = await client.get<{ status: string; itemsWithNames: { name: string; itemUuid: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job.body}`,
    { timeoutSeconds: 55 },
  );
  expect(done.body.status).toBe('DONE');
  const byTitle = new Map(done.body.itemsWithNames.map((i) => [i.name, i.itemUuid]));
  return Array.from({ length: count }, (_, i) => byTitle.get(titleOf(i)) ?? '');
}

/** Adds items to a collection, 10,000 per request (the endpoint's limit). */
async function addMembers(
  client: SdkLikeClient,
  collection: string,
  items: readonly string[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 10_000) {
    const response = await client.post<{ failedItems: string[] }>(
      `index/collections/${collection}/add-items`,
      { itemUuids: items.slice(i, i + 10_000) },
    );
    expect(response.status).toBe(200);
    expect(response.body.failedItems).toEqual([]);
  }
}

/** A collection's members, in item uuid order (the listing's order). */
async function members(client: SdkLikeClient, collection: string): Promise<string[]> {
  const { results } = await listAllPages<StorageItemDto>(
    client,
    `index/collections/${collection}/accessible-items`,
    { pageSize: 1000 },
  );
  return results.map((item) => item.uuid);
}

/** Long-polls a dataset job until it leaves PENDING. */
async function waitForJob(client: SdkLikeClient, job: string): Promise<DatasetJob> {
  for (;;) {
    const response = await client.get<DatasetJob>(`/api/dataset-jobs/${job}`, { timeoutSeconds: 30 });
    expect(response.status).toBe(200);
    if (response.body.status !== 'PENDING') return response.body;
  }
}

/** Sends a curation request, expects 202 with a job view, and returns the finished job. */
async function runJob(client: SdkLikeClient, path: string, body: unknown): Promise<DatasetJob> {
  const started = await client.post<DatasetJob>(path, body);
  expect(started.status, started.text).toBe(202);
  expect(Object.keys(started.body).sort()).toEqual(JOB_KEYS);
  expect(started.body).toMatchObject({ status: 'PENDING', processed: 0, added: 0, alreadyThere: 0 });
  const done = await waitForJob(client, started.body.uuid);
  expect(done.error).toBeNull();
  expect(done.status).toBe('DONE');
  // Everything but the progress and the time is as the 202 said.
  const { status, processed, added, alreadyThere, updatedAt, ...rest } = started.body;
  expect(done).toMatchObject(rest);
  expect([status, processed, added, alreadyThere]).toEqual(['PENDING', 0, 0, 0]);
  expect(done.updatedAt >= updatedAt).toBe(true);
  return done;
}

describe('from curation to annotation (collections and presets → datasets and projects)', () => {
  let t: TestServer;
  let member: SdkLikeClient;
  let folder: string;
  /** Item uuids by index: items[i] has metadataOf(i). */
  let items: string[];
  let itemIndex: Map<string, number>;
  let preset: string;
  /** The preset's first snapshot: the 10,000 items with speed < 10000. */
  let collection: string;
  /** The dataset made from it, and the project it was attached to. */
  let dataset: string;
  let project: string;
  /** Metadata of items changed by the tests, by uuid. */
  const changed = new Map<string, Record<string, unknown>>();

  const expectedMetadata = (uuid: string): Record<string, unknown> =>
    changed.get(uuid) ?? metadataOf(itemIndex.get(uuid) ?? -1);

  /** The dataset as the SDK's get_dataset(hash) reads it with fetch_client_metadata. */
  async function getDataset(hash: string): Promise<Dataset> {
    const { httpStatus, envelope } = await member.callV1<Dataset>(
      'dataset',
      'GET',
      null,
      { dataset_access_settings: { fetch_client_metadata: true } },
      { resourceType: 'dataset', resourceId: hash },
    );
    expect(httpStatus).toBe(200);
    expect(envelope.status).toBe(200);
    return envelope.response;
  }

  /** Every data unit of a project, following the pages. */
  async function dataUnits(hash: string): Promise<DataUnit[]> {
    return (await listAllPages<DataUnit>(member, `/api/projects/${hash}/data-units`, { pageSize: 1000 }))
      .results;
  }

  /** The project's label rows as list_label_rows_v2(include_client_metadata=True) reads them. */
  async function labelRows(hash: string): Promise<LabelRow[]> {
    const { envelope } = await member.callV1<LabelRow[]>(
      'labelrowmetadata',
      'GET',
      null,
      {
        edited_before: null,
        edited_after: null,
        label_statuses: null,
        shadow_data_state: null,
        include_uninitialised_labels: true,
        data_hashes: null,
        label_hashes: null,
        data_title_eq: null,
        data_title_like: null,
        workflow_graph_node_title_eq: null,
        workflow_graph_node_title_like: null,
        include_client_metadata: true,
        include_images_data: false,
        include_workflow_graph_node: true,
        include_all_label_branches: false,
        branch_name: null,
      },
      { resourceType: 'project', resourceId: hash },
    );
    expect(envelope.status).toBe(200);
    return envelope.response;
  }

  /** Checks a dataset's rows: exactly one per expected item, each with the item's title and metadata now. */
  function expectRowsOf(rows: readonly DataRow[], expected: readonly string[]): void {
    expect(rows).toHaveLength(expected.length);
    expect(sorted(rows.map((r) => r.backing_item_uuid))).toEqual(sorted(expected));
    for (const row of rows) {
      const i = itemIndex.get(row.backing_item_uuid) ?? -1;
      expect(row.data_title).toBe(titleOf(i));
      expect(row.client_metadata).toEqual(expectedMetadata(row.backing_item_uuid));
    }
  }

  /** Counts of what a refused request must not have written. */
  async function written() {
    const everything = { search: null, pageSize: 1000, after: null };
    const presetView = await member.get<{ freezeCount: number }>(`/api/presets/${preset}`);
    return {
      datasets: (await t.server.engine.listDatasets(everything)).rows.length,
      projects: (await t.server.engine.listProjects(everything)).rows.length,
      freezes: presetView.body.freezeCount,
    };
  }

  beforeAll(async () => {
    t = await startTestServer();
    const schema = await t.admin.post('organisation/client-metadata-schema-v2', {
      weather: { ty: 'enum', values: [...WEATHERS] },
      speed: { ty: 'variant', hint: 'number' },
    });
    expect(schema.status).toBeLessThan(300);
    member = await memberOf(t);
    folder = await createFolder(member, 'curation');
    items = await register(member, folder, ITEMS);
    itemIndex = new Map(items.map((uuid, i) => [uuid, i]));
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  describe('the acceptance chain', () => {
    it('filter → preset → collection (freeze): 10,000 of the 12,000 items', async () => {
      const created = await member.post<{ uuid: string }>('/api/presets', {
        name: 'slow',
        filter: `speed < ${MATCHING}`,
        topLevelFolderUuid: folder,
      });
      expect(created.status).toBe(201);
      preset = created.body.uuid;
      const frozen = await member.post<CollectionView>(`/api/presets/${preset}/freeze`);
      expect(frozen.status).toBe(201);
      expect(frozen.body).toMatchObject({ sourcePresetUuid: preset, sourceVersion: 1, itemCount: MATCHING });
      collection = frozen.body.uuid;
      expect(await members(member, collection)).toEqual(sorted(items.slice(0, MATCHING)));
    });

    it("collection → dataset: the rows are the collection's items, with their metadata", async () => {
      const job = await runJob(member, `/api/collections/${collection}/dataset`, {
        title: 'Slow frames',
        description: 'speed below 10000',
      });
      expect(job).toMatchObject({
        collectionUuid: collection,
        presetUuid: null,
        projectHash: null,
        mode: 'create',
        total: MATCHING,
        processed: MATCHING,
        added: MATCHING,
        alreadyThere: 0,
      });
      expect(job.createdAt).toMatch(ISO);
      dataset = job.datasetHash;

      const read = await getDataset(dataset);
      expect(read).toMatchObject({
        dataset_hash: dataset,
        title: 'Slow frames',
        description: 'speed below 10000',
      });
      expectRowsOf(read.data_rows, items.slice(0, MATCHING));
      // The rows list in member order: the collection's listing order.
      expect(read.data_rows.map((r) => r.backing_item_uuid)).toEqual(await members(member, collection));
    });

    it('dataset → project: the existing dataset attached to a new project, nothing linked twice', async () => {
      const job = await runJob(member, `/api/collections/${collection}/project`, {
        title: 'Annotate slow frames',
        description: 'first pass',
        datasetHash: dataset,
        mode: 'append-new',
      });
      expect(job).toMatchObject({
        datasetHash: dataset,
        mode: 'append-new',
        total: MATCHING,
        processed: MATCHING,
        added: 0,
        alreadyThere: MATCHING,
      });
      expect(job.projectHash).not.toBeNull();
      project = job.projectHash ?? '';

      const read = await member.get<{ title: string; description: string }>(`projects/${project}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ title: 'Annotate slow frames', description: 'first pass' });
      const listed = await member.get<{ results: { datasetHash: string; title: string }[] }>(
        `projects/${project}/datasets`,
      );
      expect(listed.body.results).toEqual([
        { datasetHash: dataset, title: 'Slow frames', description: 'speed below 10000' },
      ]);

      const units = await dataUnits(project);
      expect(sorted(units.map((u) => u.backingItemUuid))).toEqual(sorted(items.slice(0, MATCHING)));
      for (const unit of units) {
        expect(unit).toMatchObject({ datasetHash: dataset, datasetTitle: 'Slow frames' });
        expect(unit.clientMetadata).toEqual(expectedMetadata(unit.backingItemUuid));
      }
      expect((await getDataset(dataset)).data_rows).toHaveLength(MATCHING);
    });

    it('an item whose metadata changes afterwards shows the change through the dataset and the project', async () => {
      const target = items[1234] ?? '';
      const patched = await member.call('PATCH', `/api/items/${target}/metadata`, {
        body: { weather: 'sun', speed: 424_242 },
        contentType: 'application/merge-patch+json',
      });
      expect(patched.status).toBe(200);
      changed.set(target, { weather: 'sun', speed: 424_242 });

      const row = (await getDataset(dataset)).data_rows.find((r) => r.backing_item_uuid === target);
      expect(row?.client_metadata).toEqual({ weather: 'sun', speed: 424_242 });
      const unit = (await dataUnits(project)).find((u) => u.backingItemUuid === target);
      expect(unit?.clientMetadata).toEqual({ weather: 'sun', speed: 424_242 });
      const labelRow = (await labelRows(project)).find((r) => r.backing_item_uuid === target);
      expect(labelRow?.client_metadata).toEqual({ weather: 'sun', speed: 424_242 });
      // It no longer matches the preset, but stays a member of the frozen collection.
      expect(await members(member, collection)).toContain(target);
    });

    it('the collection grows: append-new links exactly the new members and counts the rest', async () => {
      const newcomers = items.slice(MATCHING);
      await addMembers(member, collection, newcomers);
      const job = await runJob(member, `/api/collections/${collection}/dataset`, {
        datasetHash: dataset,
        mode: 'append-new',
      });
      expect(job).toMatchObject({
        datasetHash: dataset,
        projectHash: null,
        mode: 'append-new',
        total: ITEMS,
        processed: ITEMS,
        added: ITEMS - MATCHING,
        alreadyThere: MATCHING,
      });

      const read = await getDataset(dataset);
      expect(read.title).toBe('Slow frames'); // an existing dataset keeps its title
      expectRowsOf(read.data_rows, items);
      // The new rows come after the old ones, in member order.
      expect(read.data_rows.slice(MATCHING).map((r) => r.backing_item_uuid)).toEqual(sorted(newcomers));
      // The project sees them at once: it holds the dataset, not a copy.
      const units = await dataUnits(project);
      expect(sorted(units.map((u) => u.backingItemUuid))).toEqual(sorted(items));

      // Again: nothing is new any more.
      const again = await runJob(member, `/api/collections/${collection}/dataset`, {
        datasetHash: dataset,
        mode: 'append-new',
      });
      expect(again).toMatchObject({ total: ITEMS, processed: ITEMS, added: 0, alreadyThere: ITEMS });
      expect((await getDataset(dataset)).data_rows).toHaveLength(ITEMS);
    });
  });

  describe('projects from a collection', () => {
    let small: string;
    let smallItems: string[];
    let other: string;

    beforeAll(async () => {
      const created = await member.post<string>(
        'index/collections',
        { name: 'small picks', description: '' },
        { topLevelFolderUuid: folder },
      );
      small = created.body;
      smallItems = items.slice(100, 105);
      await addMembers(member, small, smallItems);
    });

    it('a new project and a new dataset, titled after the project by default', async () => {
      const job = await runJob(member, `/api/collections/${small}/project`, {
        title: 'Review',
        description: 'second look',
      });
      expect(job).toMatchObject({ mode: 'create', total: 5, added: 5, alreadyThere: 0 });
      other = job.projectHash ?? '';
      const listed = await member.get<{
        results: { datasetHash: string; title: string; description: string }[];
      }>(`projects/${other}/datasets`);
      expect(listed.body.results).toEqual([
        { datasetHash: job.datasetHash, title: 'Review', description: 'second look' },
      ]);
      expectRowsOf((await getDataset(job.datasetHash)).data_rows, smallItems);
    });

    it('an existing project gets a new dataset: datasetTitle, else the collection name', async () => {
      const titled = await runJob(member, `/api/collections/${small}/project`, {
        projectHash: other,
        datasetTitle: 'Review, batch 2',
      });
      expect(titled).toMatchObject({ projectHash: other, mode: 'create', added: 5 });
      const untitled = await runJob(member, `/api/collections/${small}/project`, { projectHash: other });
      expect(untitled).toMatchObject({ projectHash: other, added: 5 });

      const listed = await member.get<{ results: { datasetHash: string; title: string }[] }>(
        `projects/${other}/datasets`,
      );
      expect(listed.body.results.map((d) => d.title)).toEqual(['Review', 'Review, batch 2', 'small picks']);
      expect(listed.body.results.map((d) => d.datasetHash).slice(1)).toEqual([
        titled.datasetHash,
        untitled.datasetHash,
      ]);
      // Three datasets of the same five items: fifteen data units, each item three times.
      const units = await dataUnits(other);
      expect(units).toHaveLength(15);
      expect(sorted([...new Set(units.map((u) => u.backingItemUuid))])).toEqual(sorted(smallItems));
    });

    it('an existing project and an existing dataset: append-new, then attached', async () => {
      const job = await runJob(member, `/api/collections/${small}/project`, {
        projectHash: other,
        datasetHash: dataset,
        mode: 'append-new',
      });
      expect(job).toMatchObject({ projectHash: other, datasetHash: dataset, added: 0, alreadyThere: 5 });
      const listed = await member.get<{ results: { datasetHash: string }[] }>(`projects/${other}/datasets`);
      expect(listed.body.results.map((d) => d.datasetHash)).toContain(dataset);
    });
  });

  describe('POST /api/presets/{u}/dataset', () => {
    it('evaluates the preset now: a new snapshot, sent into a new dataset', async () => {
      const job = await runJob(member, `/api/presets/${preset}/dataset`, { title: 'Slow, now' });
      // One item left the preset when its speed changed.
      const matching = items.slice(0, MATCHING).filter((uuid) => !changed.has(uuid));
      expect(job).toMatchObject({
        presetUuid: preset,
        mode: 'create',
        total: matching.length,
        processed: matching.length,
        added: matching.length,
      });
      expect(job.collectionUuid).not.toBe(collection);
      const snapshot = await member.get<CollectionView>(`/api/collections/${job.collectionUuid}`);
      expect(snapshot.body).toMatchObject({
        sourcePresetUuid: preset,
        sourceVersion: 2,
        itemCount: matching.length,
      });
      expect(await members(member, job.collectionUuid)).toEqual(sorted(matching));
      expectRowsOf((await getDataset(job.datasetHash)).data_rows, matching);
    });

    it('append-new into an existing dataset links nothing twice', async () => {
      const job = await runJob(member, `/api/presets/${preset}/dataset`, {
        datasetHash: dataset,
        mode: 'append-new',
      });
      expect(job).toMatchObject({ presetUuid: preset, datasetHash: dataset, added: 0 });
      expect(job.alreadyThere).toBe(job.total);
      const snapshot = await member.get<CollectionView>(`/api/collections/${job.collectionUuid}`);
      expect(snapshot.body.sourceVersion).toBe(3);
    });

    it('a preset without a folder needs topLevelFolderUuid for its snapshot', async () => {
      const created = await member.post<{ uuid: string }>('/api/presets', {
        name: 'fastest three',
        filter: 'speed < 3',
      });
      const unscoped = created.body.uuid;
      const before = await written();
      const refused = await member.post<ErrorBody>(`/api/presets/${unscoped}/dataset`, { title: 'x' });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain('topLevelFolderUuid');
      expect(await written()).toEqual(before);

      const job = await runJob(member, `/api/presets/${unscoped}/dataset`, {
        title: 'Fastest three',
        topLevelFolderUuid: folder,
      });
      expect(job).toMatchObject({ total: 3, added: 3 });
      expectRowsOf((await getDataset(job.datasetHash)).data_rows, items.slice(0, 3));
    });
  });

  describe('errors: 400 naming the field and rule, 404 naming what is missing, nothing written', () => {
    // [what, () => [path, body] (read when the test runs), status, what the message names]
    const cases: [string, () => [string, unknown], number, string][] = [
      ['no title', () => [`/api/collections/${collection}/dataset`, {}], 400, 'title is required'],
      [
        'an empty title',
        () => [`/api/collections/${collection}/dataset`, { title: '' }],
        400,
        'title cannot be empty',
      ],
      [
        'a blank title',
        () => [`/api/collections/${collection}/dataset`, { title: '  ' }],
        400,
        'title cannot be empty',
      ],
      [
        'a title of the wrong type',
        () => [`/api/collections/${collection}/dataset`, { title: 7 }],
        400,
        'title must be a string',
      ],
      [
        'an unknown mode',
        () => [`/api/collections/${collection}/dataset`, { title: 'x', mode: 'merge' }],
        400,
        'mode must be one of "create", "append-new", got "merge"',
      ],
      [
        'datasetHash with the default mode',
        () => [`/api/collections/${collection}/dataset`, { title: 'x', datasetHash: dataset }],
        400,
        'datasetHash is only allowed with mode "append-new"',
      ],
      [
        'datasetHash with mode create',
        () => [`/api/collections/${collection}/dataset`, { datasetHash: dataset, mode: 'create' }],
        400,
        'datasetHash is only allowed with mode "append-new"',
      ],
      [
        'append-new without datasetHash',
        () => [`/api/collections/${collection}/dataset`, { title: 'x', mode: 'append-new' }],
        400,
        'mode "append-new" needs datasetHash',
      ],
      [
        'a datasetHash that is no uuid',
        () => [`/api/collections/${collection}/dataset`, { datasetHash: 'nope', mode: 'append-new' }],
        400,
        'datasetHash must be a UUID',
      ],
      [
        'a body that is no object',
        () => [`/api/collections/${collection}/dataset`, ['title']],
        400,
        'the request body must be a JSON object',
      ],
      [
        'a collection uuid that is no uuid',
        () => ['/api/collections/nope/dataset', { title: 'x' }],
        400,
        'collection uuid must be a UUID',
      ],
      [
        'an unknown collection',
        () => [`/api/collections/${MISSING}/dataset`, { title: 'x' }],
        404,
        `collection ${MISSING} does not exist`,
      ],
      [
        'the body before the collection',
        () => [`/api/collections/${MISSING}/dataset`, {}],
        400,
        'title is required',
      ],
      [
        'an unknown dataset',
        () => [`/api/collections/${collection}/dataset`, { datasetHash: MISSING, mode: 'append-new' }],
        404,
        `datasetHash: dataset ${MISSING} does not exist`,
      ],

      ['no project title', () => [`/api/collections/${collection}/project`, {}], 400, 'title is required'],
      [
        'an empty project title',
        () => [`/api/collections/${collection}/project`, { title: '' }],
        400,
        'title cannot be empty',
      ],
      [
        'an empty datasetTitle',
        () => [`/api/collections/${collection}/project`, { title: 'p', datasetTitle: ' ' }],
        400,
        'datasetTitle cannot be empty',
      ],
      [
        'a projectHash that is no uuid',
        () => [`/api/collections/${collection}/project`, { projectHash: 'nope' }],
        400,
        'projectHash must be a UUID',
      ],
      [
        'datasetHash without append-new (project)',
        () => [`/api/collections/${collection}/project`, { title: 'p', datasetHash: dataset }],
        400,
        'datasetHash is only allowed with mode "append-new"',
      ],
      [
        'an unknown project',
        () => [`/api/collections/${collection}/project`, { projectHash: MISSING }],
        404,
        `projectHash: project ${MISSING} does not exist`,
      ],
      [
        'an unknown dataset (project)',
        () => [
          `/api/collections/${collection}/project`,
          { title: 'p', datasetHash: MISSING, mode: 'append-new' },
        ],
        404,
        `datasetHash: dataset ${MISSING} does not exist`,
      ],
      [
        'an unknown collection (project)',
        () => [`/api/collections/${MISSING}/project`, { title: 'p' }],
        404,
        `collection ${MISSING} does not exist`,
      ],

      ['no title (preset)', () => [`/api/presets/${preset}/dataset`, {}], 400, 'title is required'],
      [
        'append-new without datasetHash (preset)',
        () => [`/api/presets/${preset}/dataset`, { mode: 'append-new' }],
        400,
        'mode "append-new" needs datasetHash',
      ],
      [
        'a topLevelFolderUuid that is no uuid (preset)',
        () => [`/api/presets/${preset}/dataset`, { title: 'x', topLevelFolderUuid: 'nope' }],
        400,
        'topLevelFolderUuid must be a UUID',
      ],
      [
        'a preset uuid that is no uuid',
        () => ['/api/presets/nope/dataset', { title: 'x' }],
        400,
        'preset uuid must be a UUID',
      ],
      [
        'an unknown preset',
        () => [`/api/presets/${MISSING}/dataset`, { title: 'x' }],
        404,
        `preset ${MISSING} does not exist`,
      ],
      [
        'an unknown dataset (preset)',
        () => [`/api/presets/${preset}/dataset`, { datasetHash: MISSING, mode: 'append-new' }],
        404,
        `datasetHash: dataset ${MISSING} does not exist`,
      ],
      [
        'an unknown snapshot folder (preset)',
        () => [`/api/presets/${preset}/dataset`, { title: 'x', topLevelFolderUuid: MISSING }],
        404,
        `folder ${MISSING} does not exist`,
      ],
    ];

    it.each(cases)('refuses %s', async (_what, request, status, naming) => {
      const before = await written();
      const [path, body] = request();
      const response = await member.post<ErrorBody>(path, body);
      expect(response.status, response.text).toBe(status);
      expect(response.body.code).toBe(status === 400 ? 'invalid_argument' : 'not_found');
      expect(response.body.message).toContain(naming);
      expect(await written()).toEqual(before);
    });

    it('answers the job endpoint 404 for an unknown job and 400 for bad input', async () => {
      const unknown = await member.get<ErrorBody>(`/api/dataset-jobs/${MISSING}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain(`dataset job ${MISSING} does not exist`);
      const bad = await member.get<ErrorBody>('/api/dataset-jobs/nope');
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('job uuid must be a UUID');
      const started = await member.post<DatasetJob>(`/api/collections/${collection}/dataset`, {
        datasetHash: dataset,
        mode: 'append-new',
      });
      const badWait = await member.get<ErrorBody>(`/api/dataset-jobs/${started.body.uuid}`, {
        timeoutSeconds: -1,
      });
      expect(badWait.status).toBe(400);
      expect(badWait.body.message).toContain('timeoutSeconds');
      expect((await waitForJob(member, started.body.uuid)).status).toBe('DONE');
    });

    it('refuses unsigned requests (401) and writes nothing', async () => {
      const before = await written();
      for (const [method, path, body] of [
        ['POST', `/api/collections/${collection}/dataset`, { title: 'x' }],
        ['POST', `/api/collections/${collection}/project`, { title: 'x' }],
        ['POST', `/api/presets/${preset}/dataset`, { title: 'x' }],
        ['GET', `/api/dataset-jobs/${MISSING}`, undefined],
      ] as const) {
        const response = await member.call(method, path, { body, unsigned: true });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
      expect(await written()).toEqual(before);
    });
  });

  describe('a 100,000-item collection', () => {
    const BULK = 100_000;

    it('becomes a dataset through one job, batch by batch', async () => {
      // The items go in through the engine: registering them is not what is measured
      // here (HTTP registration is covered elsewhere), and it would take most of the time.
      const bulkFolder = await createFolder(member, 'bulk');
      const version = (await t.server.engine.getSchema()).version;
      const bulkItems: string[] = [];
      for (let from = 1; from <= BULK; from += 10_000) {
        const chunk = Array.from({ length: 10_000 }, (_, i) =>
          itemRecord(from + i, bulkFolder, { clientMetadata: JSON.stringify({ speed: from + i }) }),
        );
        const result = await t.server.engine.writeItems({ insert: chunk, update: [] }, version);
        expect(result.ok).toBe(true);
        bulkItems.push(...chunk.map((item) => item.uuid));
      }
      const created = await member.post<string>(
        'index/collections',
        { name: 'bulk', description: '' },
        { topLevelFolderUuid: bulkFolder },
      );
      await addMembers(member, created.body, bulkItems);

      // How long this takes is measured by bench/curation.bench.ts, not here.
      const job = await runJob(member, `/api/collections/${created.body}/dataset`, { title: 'Bulk' });
      expect(job).toMatchObject({ total: BULK, processed: BULK, added: BULK, alreadyThere: 0 });

      const rows = await t.server.engine.listDataRows(job.datasetHash, {});
      expect(rows).toHaveLength(BULK);
      expect(rows.map((r) => r.item.uuid)).toEqual(sorted(bulkItems));
      expect(rows[BULK - 1]?.item.clientMetadata).toBe(JSON.stringify({ speed: BULK }));
    }, 180_000);
  });
});
