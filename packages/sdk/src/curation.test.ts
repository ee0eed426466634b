/**
 * From a filter to a dataset and a project through the SDK, against a live server: a filter
 * over 10,500 items saved as a preset, frozen into a collection of 10,000, sent to a new
 * dataset (its rows are the members, with their metadata as it is now), to a dataset it
 * is appended to (exactly the new members), and to projects; jobs followed with and without
 * waiting, and the typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collection } from './collection.js';
import { DatasetAccessSettings, type Dataset } from './dataset.js';
import { DatasetJob, DatasetJobError, type DatasetJobRecord } from './dataset-job.js';
import { AbortedError, InvalidArgumentsError, ResourceNotFoundError } from './errors.js';
import type { FilterPreset } from './filter-preset.js';
import {
  createFolder,
  MISSING,
  patchMetadata,
  registerItems,
  setSchema,
  sorted,
  startFixture,
  type Fixture,
} from './index-fixtures.test-helper.js';

const ITEMS = 10_500;
/** Every 21st item is snowy, the others rainy: 10,000 of the 10,500 match `weather = "rain"`. */
const weatherOf = (i: number): string => (i % 21 === 20 ? 'snow' : 'rain');
const RAIN = 'weather = "rain"';

describe('datasets and projects from collections and presets', () => {
  let f: Fixture;
  let root: string;
  let items: string[];
  let rainy: string[];
  let preset: FilterPreset;
  let collection: Collection;
  /** A collection of five items, for the tests that need no size. */
  let few: Collection;
  let datasetHash: string;

  const withMetadata = new DatasetAccessSettings({ fetchClientMetadata: true });
  const readDataset = (hash: string): Promise<Dataset> =>
    f.client.getDataset(hash, { accessSettings: withMetadata });
  const backingItems = (dataset: Dataset): string[] =>
    sorted(dataset.dataRows.map((row) => row.backingItemUuid ?? 'no backing item'));

  beforeAll(async () => {
    f = await startFixture();
    await setSchema(f.admin, {
      weather: { ty: 'enum', values: ['rain', 'snow'] },
      speed: { ty: 'variant', hint: 'number' },
    });
    root = await createFolder(f.admin, 'curation root');
    items = await registerItems(
      f.admin,
      root,
      Array.from({ length: ITEMS }, (_, i) => ({ weather: weatherOf(i), speed: i })),
    );
    rainy = items.filter((_, i) => weatherOf(i) === 'rain');
    few = await f.client.createCollection(root, 'a few');
    await few.addItems(items.slice(0, 5));
  }, 120_000);
  afterAll(async () => {
    await f.t.close();
  });

  it('filters 10,000 items, saves the filter as a preset and freezes it into a collection', async () => {
    expect(await f.client.queryItems(RAIN).count()).toBe(10_000);
    preset = await f.client.createPresetFromFilter('rainy', RAIN, { topLevelFolderUuid: root });
    collection = await preset.freeze({ name: 'rainy v1' });
    expect((await collection.info()).itemCount).toBe(10_000);
  });

  it('sends the collection to a new dataset whose rows are its members, with their metadata', async () => {
    const job = await collection.toDataset({ title: 'rainy dataset', description: 'every rainy item' });
    expect(job).toBeInstanceOf(DatasetJob);
    expect(job.toJSON()).toMatchObject({
      collectionUuid: collection.uuid,
      projectHash: null,
      mode: 'create',
      status: 'DONE',
      total: 10_000,
      processed: 10_000,
      added: 10_000,
      alreadyThere: 0,
      error: null,
    } satisfies Partial<DatasetJobRecord>);
    datasetHash = job.datasetHash;

    const dataset = await readDataset(datasetHash);
    expect(dataset).toMatchObject({ title: 'rainy dataset', description: 'every rainy item' });
    expect(dataset.dataRows).toHaveLength(10_000);
    expect(backingItems(dataset)).toEqual(sorted(rainy));
    const speedOf = new Map(items.map((uuid, i) => [uuid, i]));
    for (const row of dataset.dataRows) {
      const i = speedOf.get(row.backingItemUuid!)!;
      expect(row.clientMetadata).toEqual({ weather: 'rain', speed: i });
    }
  }, 120_000);

  it('shows an item’s metadata as it is now through the dataset', async () => {
    const member = rainy[123]!;
    await patchMetadata(f.admin, root, member, { weather: 'rain', speed: -1, checked: true });
    const dataset = await readDataset(datasetHash);
    const row = dataset.dataRows.find((r) => r.backingItemUuid === member);
    expect(row?.clientMetadata).toEqual({ weather: 'rain', speed: -1, checked: true });
    // The collection is static: the member stays, whatever its metadata becomes.
    await patchMetadata(f.admin, root, member, { weather: 'snow', speed: -2 });
    await row!.refetchData();
    expect(row!.clientMetadata).toEqual({ weather: 'snow', speed: -2 });
  }, 60_000);

  it('appends exactly the new members with append-new, from the preset as it is now', async () => {
    const newcomers = await registerItems(
      f.admin,
      root,
      [...Array.from({ length: 7 }, () => ({ weather: 'rain' })), { weather: 'snow' }, { weather: 'snow' }],
      'new',
    );
    // The preset is evaluated now: the item made snowy above has left it, the 7 new rainy ones joined.
    const job = await preset.toDataset({ datasetHash });
    expect(job.toJSON()).toMatchObject({
      presetUuid: preset.uuid,
      datasetHash,
      mode: 'append-new',
      status: 'DONE',
      total: 10_006,
      processed: 10_006,
      added: 7,
      alreadyThere: 9_999,
    } satisfies Partial<DatasetJobRecord>);
    expect(job.collectionUuid).not.toBe(collection.uuid);
    const snapshot = await f.client.getCollection(job.collectionUuid);
    expect(await snapshot.info()).toMatchObject({ sourcePresetUuid: preset.uuid, sourceVersion: 2 });

    const dataset = await readDataset(datasetHash);
    expect(backingItems(dataset)).toEqual(sorted([...rainy, ...newcomers.slice(0, 7)]));

    // Sending the first collection again adds nothing: every member is there already.
    const again = await collection.toDataset({ datasetHash, mode: 'append-new' });
    expect(again).toMatchObject({ added: 0, alreadyThere: 10_000, status: 'DONE' });
    expect((await readDataset(datasetHash)).dataRows).toHaveLength(10_007);
  }, 120_000);

  it('makes a project of a collection, and attaches datasets to an existing project', async () => {
    const job = await collection.toProject({ title: 'rainy project', description: 'for labelling' });
    expect(job).toMatchObject({ status: 'DONE', mode: 'create', added: 10_000 });
    expect(job.projectHash).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.datasetHash).not.toBe(datasetHash);
    // The dataset's title defaults to the project's.
    expect((await f.client.getDataset(job.datasetHash)).title).toBe('rainy project');
    const project = await f.admin.get<{ title: string; description: string }>(`projects/${job.projectHash!}`);
    expect(project.body).toMatchObject({ title: 'rainy project', description: 'for labelling' });

    const attached = await few.toProject({ projectHash: job.projectHash!, datasetTitle: 'a few rows' });
    expect(attached).toMatchObject({ projectHash: job.projectHash, added: 5, status: 'DONE' });
    // An existing dataset can be attached too, with the members it lacks appended.
    const appended = await few.toProject({ projectHash: job.projectHash!, datasetHash });
    expect(appended).toMatchObject({ datasetHash, mode: 'append-new', added: 0, alreadyThere: 5 });

    const listing = await f.admin.get<{ results: { datasetHash: string; title: string }[] }>(
      `projects/${job.projectHash!}/datasets`,
    );
    expect(sorted(listing.body.results.map((d) => d.datasetHash))).toEqual(
      sorted([job.datasetHash, attached.datasetHash, datasetHash]),
    );
    expect(listing.body.results.find((d) => d.datasetHash === attached.datasetHash)?.title).toBe(
      'a few rows',
    );
  }, 120_000);

  it('answers a job at once with wait: false; wait(), refresh() and getDatasetJob follow it', async () => {
    const started = await collection.toDataset({ title: 'followed', wait: false });
    expect(['PENDING', 'DONE']).toContain(started.status);
    const seen: number[] = [];
    const done = await started.wait({ onProgress: (job) => seen.push(job.processed) });
    expect(done).toBe(started);
    expect(done).toMatchObject({ status: 'DONE', added: 10_000, processed: 10_000 });
    // Progress only moves forward, and never past the end.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.every((processed) => processed <= 10_000)).toBe(true);

    const read = await f.client.getDatasetJob(started.uuid);
    expect(read.toJSON()).toEqual(done.toJSON());
    expect(await read.refresh()).toBe(read);
    expect(read.status).toBe('DONE');
    // A finished job is answered at once, whatever the timeout.
    expect((await read.wait({ timeoutSeconds: 0 })).status).toBe('DONE');
  }, 120_000);

  it('rejects bad requests with typed errors naming the rule', async () => {
    const noTitle = await collection.toDataset({}).catch((e: unknown) => e);
    expect(noTitle).toBeInstanceOf(InvalidArgumentsError);
    expect((noTitle as Error).message).toContain('title');
    await expect(collection.toDataset({ title: '  ' })).rejects.toBeInstanceOf(InvalidArgumentsError);
    await expect(collection.toDataset({ title: 'x', datasetHash, mode: 'create' })).rejects.toBeInstanceOf(
      InvalidArgumentsError,
    );
    await expect(collection.toDataset({ mode: 'append-new' })).rejects.toBeInstanceOf(InvalidArgumentsError);
    await expect(collection.toDataset({ datasetHash: MISSING })).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    await expect(collection.toProject({ datasetTitle: 'no project title' })).rejects.toBeInstanceOf(
      InvalidArgumentsError,
    );
    await expect(collection.toProject({ projectHash: MISSING })).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );

    const unknown = Collection.fromWire(f.client.transport, {
      uuid: MISSING,
      topLevelFolderUuid: root,
      name: 'gone',
    });
    await expect(unknown.toDataset({ title: 'nothing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(unknown.toProject({ title: 'nothing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    const gonePreset = await f.client.createPresetFromFilter('gone', RAIN, { topLevelFolderUuid: root });
    await gonePreset.delete();
    await expect(gonePreset.toDataset({ title: 'nothing' })).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(f.client.getDatasetJob(MISSING)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  /**
   * A client whose answers to `POST …/dataset` say the job is still running, so that
   * waiting polls; `poll` may rewrite what the polls answer.
   */
  const rewritingClient = (
    poll: (record: DatasetJobRecord, url: URL) => DatasetJobRecord = (record) => record,
  ) =>
    f.clientWith(async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      const started = /\/api\/(collections|presets)\/[^/]+\/dataset$/.test(url);
      const polled = url.includes('/api/dataset-jobs/');
      if (!response.ok || !(started || polled)) return response;
      const record = (await response.json()) as DatasetJobRecord;
      const rewritten: DatasetJobRecord = started
        ? { ...record, status: 'PENDING' }
        : poll(record, new URL(url));
      return Response.json(rewritten, { status: response.status });
    });

  it('an AbortSignal stops the call and the waiting, not the job', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      collection.toDataset({ title: 'never sent', signal: aborted.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    await expect(few.toProject({ title: 'never sent', signal: aborted.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );

    const client = await rewritingClient();
    const job = await (
      await client.getCollection(few.uuid)
    ).toDataset({ title: 'not waited for', wait: false });
    expect(job.status).toBe('PENDING');
    await expect(job.wait({ signal: aborted.signal })).rejects.toBeInstanceOf(AbortedError);
    await expect(job.refresh({ signal: aborted.signal })).rejects.toBeInstanceOf(AbortedError);
    // The job went on without anyone waiting.
    expect(await job.wait()).toMatchObject({ status: 'DONE', added: 5 });
  });

  it('reports progress while a job runs, and stops waiting at timeoutSeconds', async () => {
    // The first two polls see the job still at its start; the later ones see it as it is.
    let runningPolls = 2;
    const timeouts: (string | null)[] = [];
    const client = await rewritingClient((record, url) => {
      timeouts.push(url.searchParams.get('timeoutSeconds'));
      if (runningPolls === 0) return record;
      runningPolls -= 1;
      return { ...record, status: 'PENDING', processed: 0, added: 0 };
    });
    const job = await (await client.getCollection(few.uuid)).toDataset({ title: 'watched', wait: false });
    expect((await job.wait({ timeoutSeconds: 0 })).status).toBe('PENDING');

    const seen: string[] = [];
    await job.wait({ onProgress: (running) => seen.push(`${running.status} ${running.processed}`) });
    expect(seen).toEqual(['PENDING 0']);
    expect(job).toMatchObject({ status: 'DONE', processed: 5, added: 5 });
    // Someone following the progress is answered at least every 2 s.
    expect(timeouts).toEqual(['0', '2', '2']);
  });

  it('throws DatasetJobError with the server’s reason when a job ends in ERROR', async () => {
    // The server's jobs do not fail on demand: this client sees the job fail when it polls.
    const client = await rewritingClient((record) => ({
      ...record,
      status: 'ERROR',
      error: 'the disk is full',
    }));
    const sent = await client.getCollection(few.uuid);
    const error = await sent.toDataset({ title: 'failing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetJobError);
    expect((error as DatasetJobError).message).toBe('the disk is full');
    expect((error as DatasetJobError).job).toMatchObject({ status: 'ERROR', collectionUuid: few.uuid });
  });
});
