/**
 * Datasets and data rows through the SDK against a live server: the seed's three dataset
 * snippets (read every row's metadata, set one row's, set every row's), one source of
 * truth with the backing storage items, linkItems' duplicates behaviours, save()'s checks,
 * and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset, DataRow, Dataset, DatasetAccessSettings } from './dataset.js';
import {
  AbortedError,
  ConflictError,
  InvalidArgumentsError,
  ResourceNotFoundError,
  UnknownError,
} from './errors.js';
import {
  createFolder,
  patchMetadata,
  registerItems,
  setSchema,
  startFixture,
  storedMetadata,
  type Fixture,
} from './index-fixtures.test-helper.js';

describe('datasets and data rows', () => {
  let f: Fixture;
  let folder: string;
  let items: string[];
  let datasetHash: string;

  beforeAll(async () => {
    f = await startFixture();
    await setSchema(f.admin, {
      my: { ty: 'variant', hint: 'varchar' },
      score: { ty: 'variant', hint: 'number' },
    });
    folder = await createFolder(f.admin, 'dataset source');
    items = await registerItems(
      f.admin,
      folder,
      Array.from({ length: 12 }, (_, i) => ({ score: i })),
      'frame',
    );
  });
  afterAll(async () => {
    await f.t.close();
  });

  it('creates datasets, with and without a backing folder', async () => {
    const plain = await f.client.createDataset('seed dataset', { description: 'from the seed' });
    expect(plain.backingFolderUuid).toBeNull();
    datasetHash = plain.datasetHash;

    const mirrored = await createDataset(f.client.transport, 'mirrored', { createBackingFolder: true });
    expect(mirrored.backingFolderUuid).toMatch(/^[0-9a-f-]{36}$/);
    const backing = await f.admin.get<{ syncedDatasetHash: string | null }>(
      `storage/folders/${mirrored.backingFolderUuid!}`,
    );
    expect(backing.body.syncedDatasetHash).toBe(mirrored.datasetHash);
    const read = await f.client.getDataset(mirrored.datasetHash);
    expect(read.backingFolderUuid).toBe(mirrored.backingFolderUuid);

    await expect(f.client.createDataset('')).rejects.toBeInstanceOf(InvalidArgumentsError);
  });

  it('links items: new rows, SKIP answers existing rows, DUPLICATE adds, FAIL refuses', async () => {
    const dataset = await f.client.getDataset(datasetHash);
    expect(dataset).toMatchObject({
      title: 'seed dataset',
      description: 'from the seed',
      datasetType: 'CORD_STORAGE',
    });
    expect(dataset.dataRows).toEqual([]);

    const rows = await dataset.linkItems(items.slice(0, 10));
    expect(rows.map((r) => r.backingItemUuid)).toEqual(items.slice(0, 10));
    expect(dataset.dataRows).toEqual(rows);
    expect(rows[0]).toBeInstanceOf(DataRow);
    expect(rows[0]).toMatchObject({
      title: 'frame-00000.jpg',
      dataType: 'IMAGE',
      storageLocation: 0,
      datasetHash,
    });
    expect(rows[0]!.clientMetadata).toBeNull();
    expect(rows[0]!.uid).toBe(rows[0]!.dataHash);

    const again = await dataset.linkItems(items.slice(0, 2), { duplicatesBehavior: 'SKIP' });
    expect(again[0]).toBe(rows[0]);
    expect(again[1]).toBe(rows[1]);
    expect(dataset.dataRows).toHaveLength(10);

    await expect(dataset.linkItems([items[0]!], { duplicatesBehavior: 'FAIL' })).rejects.toBeInstanceOf(
      ConflictError,
    );

    // DUPLICATE, in another dataset so the seed's row count stays 10.
    const other = await f.client.createDataset('duplicates');
    const dup = await f.client.getDataset(other.datasetHash, {
      accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
    });
    const first = await dup.linkItems([items[11]!]);
    const second = await dup.linkItems([items[11]!], { duplicatesBehavior: 'DUPLICATE' });
    expect(second[0]!.dataHash).not.toBe(first[0]!.dataHash);
    expect(dup.dataRows).toHaveLength(2);
    // With fetchClientMetadata, linked rows come with their metadata.
    expect(second[0]!.clientMetadata).toEqual({ score: 11 });
    const item = await f.admin.get<{ backedDataUnitsCount: number }>(`storage/items/${items[11]!}`);
    expect(item.body.backedDataUnitsCount).toBe(2);

    await expect(dataset.linkItems(['00000000-0000-4000-8000-00000000dead'])).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
  });

  it('seed snippet: reads every row with its metadata only when fetchClientMetadata is set', async () => {
    const dataset = await f.client.getDataset(datasetHash);
    expect(dataset.accessSettings.fetchClientMetadata).toBe(false);
    expect(dataset.dataRows.every((r) => r.clientMetadata === null)).toBe(true);

    await dataset.setAccessSettings(new DatasetAccessSettings({ fetchClientMetadata: true }));
    const lines = dataset.dataRows.map((row, i) => `${JSON.stringify(row.clientMetadata)} - Data Unit: ${i}`);
    expect(lines).toEqual(items.slice(0, 10).map((_, i) => `{"score":${i}} - Data Unit: ${i}`));

    // Settings changed without a refetch keep the rows as read.
    await dataset.setAccessSettings(new DatasetAccessSettings(), { refetchData: false });
    expect(dataset.dataRows[0]!.clientMetadata).toEqual({ score: 0 });
    await dataset.refetchData();
    expect(dataset.dataRows[0]!.clientMetadata).toBeNull();
  });

  it('seed snippet: sets one row, and the write is the backing item', async () => {
    const dataset = await f.client.getDataset(datasetHash, {
      accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
    });
    const row = dataset.dataRows[3]!;
    row.clientMetadata = { my: 'metadata' };
    expect(row.dirtyFields).toEqual(['client_metadata']);
    await row.save();
    expect(row.dirtyFields).toEqual([]);
    expect(row.clientMetadata).toEqual({ my: 'metadata' });
    expect(await storedMetadata(f.admin, row.backingItemUuid!)).toEqual({ my: 'metadata' });

    // The reverse: an item write is what the row reads next.
    await patchMetadata(f.admin, folder, row.backingItemUuid!, { my: 'from the item' });
    await row.refetchData();
    expect(row.clientMetadata).toEqual({ my: 'from the item' });
  });

  it('seed snippet: sets every row', async () => {
    const dataset = await f.client.getDataset(datasetHash);
    await dataset.setAccessSettings(new DatasetAccessSettings({ fetchClientMetadata: true }));
    const printed: string[] = [];
    for (const [dataUnit, dataRow] of dataset.dataRows.entries()) {
      dataRow.clientMetadata = { my: 'metadata' };
      await dataRow.save();
      printed.push(`${JSON.stringify(dataRow.clientMetadata)} - Data Unit: ${dataUnit}`);
    }
    expect(printed).toHaveLength(10);
    expect(printed[9]).toBe('{"my":"metadata"} - Data Unit: 9');
    for (const uuid of items.slice(0, 10))
      expect(await storedMetadata(f.admin, uuid)).toEqual({ my: 'metadata' });
    const reread = await f.client.getDataset(datasetHash, {
      accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
    });
    expect(reread.dataRows.every((r) => r.clientMetadata?.my === 'metadata')).toBe(true);
  });

  it('guards the local copy: frozen reads, copied writes, plain objects only', async () => {
    const dataset = await f.client.getDataset(datasetHash, {
      accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
    });
    const row = dataset.dataRows[0]!;
    const read = row.clientMetadata as Record<string, unknown>;
    expect(Object.isFrozen(read)).toBe(true);
    expect(() => {
      read.my = 'changed';
    }).toThrow(TypeError);

    const nested = { my: 'nested', list: [1, { deep: true }] };
    row.clientMetadata = nested;
    nested.list.push(3);
    expect(row.clientMetadata).toEqual({ my: 'nested', list: [1, { deep: true }] });
    const list = row.clientMetadata.list as unknown[];
    expect(Object.isFrozen(list)).toBe(true);
    expect(Object.isFrozen(list[1])).toBe(true);

    expect(() => {
      row.clientMetadata = [] as unknown as Record<string, unknown>;
    }).toThrow(InvalidArgumentsError);
    expect(() => {
      row.clientMetadata = null as unknown as Record<string, unknown>;
    }).toThrow(InvalidArgumentsError);
    // Discard the local change.
    await row.refetchData();
    expect(row.dirtyFields).toEqual([]);
    expect(row.clientMetadata).toEqual({ my: 'metadata' });
  });

  it('save() with nothing dirty sends {} and succeeds; title saves too', async () => {
    const dataset = await f.client.getDataset(datasetHash);
    const row = dataset.dataRows[1]!;
    await row.save();
    expect(row.title).toBe('frame-00001.jpg');
    // The answer carries the metadata, so the row has it now.
    expect(row.clientMetadata).toEqual({ my: 'metadata' });

    row.title = 'renamed.jpg';
    await row.save();
    expect(row.title).toBe('renamed.jpg');
    const [listed] = await dataset.listDataRows({ titleEq: 'renamed.jpg' });
    expect(listed).toBe(row);
    expect(listed!.title).toBe('renamed.jpg');
  });

  it('a value the schema rejects is an InvalidArgumentsError naming the item and key; nothing is written', async () => {
    const dataset = await f.client.getDataset(datasetHash, {
      accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
    });
    const row = dataset.dataRows[2]!;
    row.clientMetadata = { score: 'high' };
    const error = await row.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toContain(row.backingItemUuid!);
    expect((error as Error).message).toContain('score');
    expect(row.dirtyFields).toEqual(['client_metadata']);
    expect(await storedMetadata(f.admin, row.backingItemUuid!)).toEqual({ my: 'metadata' });
  });

  it('raises when the server updates other fields than were sent', async () => {
    // A fetch that drops updated_fields from every datarow answer.
    const lying = await f.clientWith(async (input, init) => {
      const response = await fetch(input, init);
      const text = await response.text();
      const body = JSON.parse(text) as { response?: unknown };
      const answer = body.response;
      if (typeof answer === 'object' && answer !== null && 'updated_fields' in answer) {
        answer.updated_fields = [];
      }
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    });
    const dataset = await lying.getDataset(datasetHash);
    const row = dataset.dataRows[4]!;
    row.clientMetadata = { my: 'lied' };
    const error = await row.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownError);
    expect((error as Error).message).toBe(
      'The actually updated fields [] do not match the fields that are requested for update [client_metadata].',
    );
  });

  it('lists rows with filters', async () => {
    const dataset = await Dataset.get(f.client.transport, datasetHash);
    expect(await dataset.listDataRows({ titleLike: 'FRAME-0000%' })).toHaveLength(9);
    expect(await dataset.listDataRows({ dataHashes: [] })).toEqual([]);
    const [row] = await dataset.listDataRows({
      dataHashes: [dataset.dataRows[5]!.dataHash],
      fetchClientMetadata: true,
    });
    expect(row).toBe(dataset.dataRows[5]);
    expect(row!.clientMetadata).toEqual({ my: 'metadata' });
    expect(await dataset.listDataRows({ createdAfter: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await dataset.listDataRows({ dataTypes: ['VIDEO'] })).toEqual([]);
  });

  it('errors: an unknown dataset, and an aborted call', async () => {
    await expect(f.client.getDataset('00000000-0000-4000-8000-00000000dead')).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    const controller = new AbortController();
    controller.abort();
    await expect(f.client.getDataset(datasetHash, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
  });
});
