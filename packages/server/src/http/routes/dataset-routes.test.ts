/**
 * Datasets and data rows through the v1 RPC calls the SDK makes, end to end: the
 * seed's dataset snippets over 100 linked items, one source of truth for metadata
 * between rows and storage items, filters, duplicates behaviours and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type SdkLikeClient, type TestServer } from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';

interface DataRow {
  data_hash: string;
  data_title: string;
  data_type: string;
  created_at: string;
  client_metadata: Record<string, unknown> | null;
  backing_item_uuid: string;
  storage_location: number;
  [key: string]: unknown;
}
interface Dataset {
  dataset_hash: string;
  title: string;
  dataset_type: string;
  backing_folder_uuid: string | null;
  data_rows: DataRow[];
}

const ROW_KEYS = [
  'data_hash',
  'data_title',
  'data_type',
  'created_at',
  'last_edited_at',
  'width',
  'height',
  'file_link',
  'file_size',
  'file_type',
  'storage_location',
  'frames_per_second',
  'duration',
  'client_metadata',
  'backing_item_uuid',
  'signed_url',
  'is_optimised_image_group',
  'images_data',
];

describe('datasets and data rows (v1 RPC)', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let folder: string;
  let items: string[];
  let dataset: string;

  const getDataset = async (fetchClientMetadata: boolean) => {
    const { httpStatus, envelope } = await admin.callV1<Dataset>(
      'dataset',
      'GET',
      null,
      { dataset_access_settings: { fetch_client_metadata: fetchClientMetadata } },
      { resourceType: 'dataset', resourceId: dataset },
    );
    expect(httpStatus).toBe(200);
    expect(envelope.status).toBe(200);
    return envelope.response;
  };

  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    await admin.post('organisation/client-metadata-schema-v2', {
      my: { ty: 'variant', hint: 'varchar' },
      score: { ty: 'variant', hint: 'number' },
    });
    folder = (await admin.post<{ uuid: string }>('storage/folders', { name: 'dataset source' })).body.uuid;
    const images = Array.from({ length: 100 }, (_, i) => ({
      objectUrl: `https://bucket.example.com/d/${String(i).padStart(3, '0')}.jpg`,
      title: `frame-${String(i).padStart(3, '0')}.jpg`,
      clientMetadata: { score: i },
    }));
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images },
    });
    const done = await admin.get<{ itemsWithNames: { itemUuid: string }[] }>(
      `storage/folders/${folder}/data-upload-jobs/${job.body}`,
      { timeoutSeconds: 30 },
    );
    items = done.body.itemsWithNames.map((i) => i.itemUuid);
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates datasets with and without a backing folder (v2 POST datasets)', async () => {
    const plain = await admin.post<{ datasetUuid: string; backingFolderUuid: string | null }>('datasets', {
      title: 'seed dataset',
      description: 'from the seed',
      createBackingFolder: false,
      legacyCall: false,
    });
    expect(plain.status).toBe(200);
    expect(plain.body.backingFolderUuid).toBeNull();
    dataset = plain.body.datasetUuid;

    const mirrored = await admin.post<{ datasetUuid: string; backingFolderUuid: string }>('datasets', {
      title: 'mirrored',
      createBackingFolder: true,
    });
    const backing = await admin.get<{ name: string; syncedDatasetHash: string | null }>(
      `storage/folders/${mirrored.body.backingFolderUuid}`,
    );
    expect(backing.body).toMatchObject({ name: 'mirrored', syncedDatasetHash: mirrored.body.datasetUuid });
    const child = await admin.post<{
      syncedDatasetHash: string | null;
      pathToRoot: { syncedDatasetHash: string | null }[];
    }>('storage/folders', { name: 'child', parent: mirrored.body.backingFolderUuid });
    expect(child.body.syncedDatasetHash).toBeNull();
    expect(child.body.pathToRoot).toEqual([
      expect.objectContaining({ syncedDatasetHash: mirrored.body.datasetUuid }),
    ]);
    expect((await admin.post<{ message: string }>('datasets', { title: '' })).status).toBe(400);
  });

  it('links 100 items into the dataset (datasetlinkitems, SKIP)', async () => {
    const { envelope } = await admin.callV1<DataRow[]>(
      'datasetlinkitems',
      'POST',
      dataset,
      { item_uuids: items, duplicates_behavior: 'SKIP' },
      { resourceType: 'dataset', resourceId: dataset },
    );
    expect(envelope.status).toBe(200);
    expect(envelope.response.map((r) => r.backing_item_uuid)).toEqual(items);
    expect(Object.keys(envelope.response[0]!).sort()).toEqual([...ROW_KEYS].sort());
    expect(envelope.response[0]).toMatchObject({
      data_type: 'IMAGE',
      storage_location: 0,
      data_title: 'frame-000.jpg',
    });

    // SKIP again: the same rows come back, none is added.
    const again = await admin.callV1<DataRow[]>('datasetlinkitems', 'POST', dataset, {
      item_uuids: items.slice(0, 3),
      duplicates_behavior: 'SKIP',
    });
    expect(again.envelope.response.map((r) => r.data_hash)).toEqual(
      envelope.response.slice(0, 3).map((r) => r.data_hash),
    );
    expect((await getDataset(false)).data_rows).toHaveLength(100);
  });

  it('lists a folder by isInDataset: items that back rows, items that back none, or both', async () => {
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: {
        images: [0, 1].map((i) => ({ objectUrl: `https://bucket.example.com/d/unlinked-${i}.jpg` })),
      },
    });
    const done = await admin.get<{ itemsWithNames: { itemUuid: string }[] }>(
      `storage/folders/${folder}/data-upload-jobs/${job.body}`,
      { timeoutSeconds: 30 },
    );
    const unlinked = done.body.itemsWithNames.map((i) => i.itemUuid);
    const list = async (isInDataset?: boolean) =>
      (
        await admin.get<{ results: { uuid: string }[] }>(`storage/folders/${folder}/items`, {
          isRecursive: false,
          isInDataset,
          pageSize: 1000,
        })
      ).body.results.map((r) => r.uuid);
    expect(new Set(await list(true))).toEqual(new Set(items));
    expect(new Set(await list(false))).toEqual(new Set(unlinked));
    expect(await list()).toHaveLength(items.length + unlinked.length);
    await admin.post('/api/items/delete', { itemUuids: unlinked });
  });

  it("reads every row's metadata only when fetch_client_metadata is set", async () => {
    const withMetadata = await getDataset(true);
    expect(withMetadata).toMatchObject({
      dataset_hash: dataset,
      title: 'seed dataset',
      dataset_type: 'CORD_STORAGE',
      backing_folder_uuid: null,
    });
    expect(withMetadata.data_rows.map((r) => r.client_metadata)).toEqual(items.map((_, i) => ({ score: i })));
    expect((await getDataset(false)).data_rows.every((r) => r.client_metadata === null)).toBe(true);
  });

  it('saves a row: the metadata is written to the storage item, and an item update shows through the row', async () => {
    const row = (await getDataset(true)).data_rows[7]!;
    const saved = await admin.callV1<{ data_row: DataRow; updated_fields: string[] }>(
      'datarow',
      'POST',
      row.data_hash,
      {
        client_metadata: { my: 'metadata' },
      },
    );
    expect(saved.envelope.status).toBe(200);
    expect(saved.envelope.response.updated_fields).toEqual(['client_metadata']);
    expect(saved.envelope.response.data_row.client_metadata).toEqual({ my: 'metadata' });
    const item = await admin.get<StorageItemDto>(`storage/items/${row.backing_item_uuid}`);
    expect(JSON.parse(item.body.clientMetadata)).toEqual({ my: 'metadata' });
    expect(item.body.backedDataUnitsCount).toBe(1);

    // The reverse: an item update is what the row reads.
    await admin.patch(`storage/folders/${folder}/items/${row.backing_item_uuid}`, {
      clientMetadata: { my: 'from the item' },
    });
    const refetched = await admin.callV1<DataRow>('datarow', 'GET', row.data_hash, {
      additional_data: { signed_url: false, images_data_fetch_options: null, client_metadata: true },
    });
    expect(refetched.envelope.response.client_metadata).toEqual({ my: 'from the item' });
    expect((await getDataset(true)).data_rows[7]!.client_metadata).toEqual({ my: 'from the item' });
  });

  it('validates a row write like any write: 400 naming the item, key and rule, nothing written', async () => {
    const row = (await getDataset(true)).data_rows[8]!;
    const bad = await admin.callV1('datarow', 'POST', row.data_hash, { client_metadata: { score: 'high' } });
    expect(bad.httpStatus).toBe(200);
    expect(bad.envelope).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] });
    expect(bad.envelope.payload).toContain(`item ${row.backing_item_uuid}`);
    expect(bad.envelope.payload).toContain('number.type');
    expect((await getDataset(true)).data_rows[8]!.client_metadata).toEqual({ score: 8 });
  });

  it('sets a row title, and refuses fields it cannot set', async () => {
    const row = (await getDataset(false)).data_rows[9]!;
    const saved = await admin.callV1<{ data_row: DataRow; updated_fields: string[] }>(
      'datarow',
      'POST',
      row.data_hash,
      { title: 'renamed' },
    );
    expect(saved.envelope.response.updated_fields).toEqual(['title']);
    expect(saved.envelope.response.data_row.data_title).toBe('renamed');
    const bad = await admin.callV1('datarow', 'POST', row.data_hash, { data_type: 'VIDEO' });
    expect(bad.envelope.status).toBe(400);
  });

  it('lists rows with the datarows filters', async () => {
    const list = async (filters: Record<string, unknown>) => {
      const payload = {
        title_eq: null,
        title_like: null,
        created_before: null,
        created_after: null,
        data_types: null,
        dataset_access_settings: { fetch_client_metadata: false },
        data_hashes: null,
        ...filters,
      };
      const { envelope } = await admin.callV1<DataRow[]>('datarows', 'GET', null, payload, {
        resourceType: 'dataset',
        resourceId: dataset,
      });
      expect(envelope.status).toBe(200);
      return envelope.response;
    };
    const all = await list({});
    expect(all).toHaveLength(100);
    expect((await list({ title_eq: 'frame-010.jpg' })).map((r) => r.data_title)).toEqual(['frame-010.jpg']);
    expect(await list({ title_like: 'FRAME-05%' })).toHaveLength(10);
    expect(await list({ data_types: ['IMAGE'] })).toHaveLength(100);
    expect(await list({ data_types: ['VIDEO'] })).toHaveLength(0);
    expect(
      (await list({ data_hashes: [all[3]!.data_hash, all[1]!.data_hash] })).map((r) => r.data_hash),
    ).toEqual([all[1]!.data_hash, all[3]!.data_hash]);
    expect(await list({ data_hashes: [] })).toHaveLength(0);
    expect(await list({ created_after: '2000-01-01T00:00:00' })).toHaveLength(100);
    expect(await list({ created_before: '2000-01-01T00:00:00' })).toHaveLength(0);
    const bad = await admin.callV1(
      'datarows',
      'GET',
      null,
      { created_after: 'yesterday' },
      { resourceId: dataset },
    );
    expect(bad.envelope.status).toBe(400);
  });

  it('follows FAIL and DUPLICATE link behaviours', async () => {
    const fail = await admin.callV1('datasetlinkitems', 'POST', dataset, {
      item_uuids: [items[0]],
      duplicates_behavior: 'FAIL',
    });
    expect(fail.envelope).toMatchObject({ status: 409, response: ['RESOURCE_EXISTS_ERROR'] });
    const duplicate = await admin.callV1<DataRow[]>('datasetlinkitems', 'POST', dataset, {
      item_uuids: [items[0]],
      duplicates_behavior: 'DUPLICATE',
    });
    expect(duplicate.envelope.response).toHaveLength(1);
    expect((await getDataset(false)).data_rows).toHaveLength(101);
    const item = await admin.get<StorageItemDto>(`storage/items/${items[0]!}`);
    expect(item.body.backedDataUnitsCount).toBe(2);
  });

  it('refuses to delete a folder whose items back data rows, naming them', async () => {
    const response = await admin.delete<{
      message: string;
      details: { items: { uuid: string; rows: number }[] };
    }>(`storage/folders/${folder}`);
    expect(response.status).toBe(409);
    expect(response.body.message).toMatch(/items below it back data rows: .* and 90 more/);
    expect(response.body.details.items).toHaveLength(100);
    expect(response.body.details.items).toContainEqual({ uuid: items[0], rows: 2 });
    expect((await admin.get(`storage/folders/${folder}`)).status).toBe(200);
  });

  it('answers unknown hashes, bad envelopes and missing auth in the v1 error shape, always HTTP 200', async () => {
    const unknownDataset = await admin.callV1(
      'dataset',
      'GET',
      null,
      {},
      { resourceId: '00000000-0000-4000-8000-000000000000' },
    );
    expect(unknownDataset).toMatchObject({
      httpStatus: 200,
      envelope: { status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] },
    });
    const unknownItem = await admin.callV1('datasetlinkitems', 'POST', dataset, {
      item_uuids: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(unknownItem.envelope.status).toBe(404);
    const wrongType = await admin.callV1('datasetlinkitems', 'POST', dataset, { item_uuids: 'not a list' });
    expect(wrongType.envelope).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] });
    const unknownQuery = await admin.callV1('nosuchthing', 'GET', null, {});
    expect(unknownQuery.envelope.status).toBe(404);
    const unsigned = await admin.callV1('dataset', 'GET', null, {}, { resourceId: dataset, unsigned: true });
    expect(unsigned).toMatchObject({
      httpStatus: 200,
      envelope: { status: 401, response: ['AUTHENTICATION_ERROR'] },
    });
    const stranger = await t.clientFor().callV1('dataset', 'GET', null, {}, { resourceId: dataset });
    expect(stranger.envelope.status).toBe(401);
    const response = await fetch(`${t.server.url}/public`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"query_type": ',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] });
  });

  it('deletes a dataset without touching its items or their metadata', async () => {
    const other = (await admin.post<{ datasetUuid: string }>('datasets', { title: 'other' })).body
      .datasetUuid;
    await admin.callV1('datasetlinkitems', 'POST', other, { item_uuids: [items[7]] });
    expect((await admin.delete(`/api/datasets/${other}`)).status).toBe(204);
    const item = await admin.get<StorageItemDto>(`storage/items/${items[7]!}`);
    expect(JSON.parse(item.body.clientMetadata)).toEqual({ my: 'from the item' });
    expect(item.body.backedDataUnitsCount).toBe(1);
  });

  it('refuses to delete an item that backs rows unless forced; unlinking keeps items and metadata', async () => {
    const refused = await admin.post<{
      message: string;
      details: { items: { uuid: string; rows: number }[] };
    }>('/api/items/delete', { itemUuids: [items[20]] });
    expect(refused.status).toBe(409);
    expect(refused.body.details.items).toEqual([{ uuid: items[20], rows: 1 }]);

    const row = (await getDataset(false)).data_rows.find((r) => r.backing_item_uuid === items[20])!;
    const unlinked = await admin.post<{ unlinked: number }>(`/api/datasets/${dataset}/unlink`, {
      dataHashes: [row.data_hash],
    });
    expect(unlinked.body.unlinked).toBe(1);
    const item = await admin.get<StorageItemDto>(`storage/items/${items[20]!}`);
    expect(JSON.parse(item.body.clientMetadata)).toEqual({ score: 20 });
    expect(item.body.backedDataUnitsCount).toBe(0);
    expect((await admin.post('/api/items/delete', { itemUuids: [items[20]] })).body).toEqual({
      deletedItems: 1,
      deletedDataRows: 0,
    });

    const forced = await admin.post('/api/items/delete', { itemUuids: [items[21]], force: true });
    expect(forced.body).toEqual({ deletedItems: 1, deletedDataRows: 1 });
    expect((await getDataset(false)).data_rows.some((r) => r.backing_item_uuid === items[21])).toBe(false);
    expect((await admin.post('/api/items/delete', { itemUuids: [items[21]] })).status).toBe(404);
  });

  it('force-deletes a folder with the rows its items back', async () => {
    expect((await admin.call('DELETE', `storage/folders/${folder}`, { query: { force: true } })).status).toBe(
      204,
    );
    expect((await getDataset(false)).data_rows).toHaveLength(0);
    expect((await admin.get(`storage/items/${items[7]!}`)).status).toBe(404);
  });
});
