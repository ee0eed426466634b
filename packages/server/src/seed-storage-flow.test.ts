/**
 * The seed document's storage flow, end to end over HTTP, signed like the official
 * SDK: schema with every type, a folder, uploads, 2,500 items registered with
 * metadata in one job, overwrite, merge (read-modify-write and merge-patch),
 * keyframes, bundled patch-bulk requests, and a full re-list to verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type SdkLikeClient, type TestServer } from './testing/sdk-like-client.js';
import type { StorageItemDto } from './http/wire-dto.js';
import { listAllPages } from './testing/paging.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}
interface Job {
  status: string;
  itemsWithNames: { itemUuid: string; name: string }[];
  unitsDoneCount: number;
  unitsErrorCount: number;
}

const ITEMS = 2500;

async function listAll(
  client: SdkLikeClient,
  folder: string,
  pageSize: number,
): Promise<{ items: StorageItemDto[]; pages: number }> {
  const { results, pages } = await listAllPages<StorageItemDto>(client, `storage/folders/${folder}/items`, {
    isRecursive: false,
    order: 'name',
    desc: false,
    pageSize,
    signUrls: false,
  });
  return { items: results, pages };
}

const metadataOf = (item: StorageItemDto): Record<string, unknown> =>
  JSON.parse(item.clientMetadata) as Record<string, unknown>;

describe('seed storage flow over HTTP', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let folder: string;
  const uploaded: string[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
  });
  afterAll(async () => {
    await t.close();
  });

  it('saves a schema with every type', async () => {
    const schema = {
      metadata_1: { ty: 'variant', hint: 'boolean' },
      metadata_2: { ty: 'variant', hint: 'datetime' },
      metadata_3: { ty: 'variant', hint: 'number' },
      metadata_4: { ty: 'variant', hint: 'uuid' },
      metadata_5: { ty: 'variant', hint: 'varchar' },
      metadata_6: { ty: 'variant', hint: 'text' },
      'my-enum': { ty: 'enum', values: ['enum-value-01', 'enum-value-02', 'enum-value-03'] },
      'my-test-active-embedding': { ty: 'embedding', size: 4, api: null },
      where: { ty: 'geospatial' },
    };
    expect((await admin.post('organisation/client-metadata-schema-v2', schema)).status).toBe(204);
  });

  it('creates a folder with metadata sent as a JSON string', async () => {
    const created = await admin.post<{
      uuid: string;
      clientMetadata: string;
      pathToRoot: unknown[];
      userRole: string;
    }>('storage/folders', {
      name: 'seed folder',
      description: 'for the seed',
      clientMetadata: JSON.stringify({ team: 'vision' }),
    });
    expect(created.status).toBe(200);
    expect(JSON.parse(created.body.clientMetadata)).toEqual({ team: 'vision' });
    expect(created.body.pathToRoot).toEqual([]);
    expect(created.body.userRole).toBe('admin');
    folder = created.body.uuid;
    const read = await admin.get<{ name: string }>(`storage/folders/${folder}`);
    expect(read.body.name).toBe('seed folder');
  });

  it('uploads two images through signed URLs, as upload_image does', async () => {
    for (const [i, bytes] of [Buffer.from('png-one'), Buffer.from('png-two')].entries()) {
      const urls = await admin.post<Page<{ itemUuid: string; objectKey: string; signedUrl: string }>>(
        `storage/folders/${folder}/upload-signed-urls`,
        { itemType: 'image', count: 1 },
      );
      expect(urls.status).toBe(200);
      const slot = urls.body.results[0]!;
      const put = await fetch(slot.signedUrl, {
        method: 'PUT',
        headers: { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=86400' },
        body: bytes,
      });
      expect(put.status).toBe(200);
      const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
        dataItems: {
          videos: [],
          imageGroups: [],
          dicomSeries: [],
          images: [
            {
              objectUrl: slot.objectKey,
              title: `upload-${i}.png`,
              clientMetadata: { metadata_1: true },
              externalFileType: 'IMAGE',
              placeholderItemUuid: slot.itemUuid,
              imageMetadata: { mimeType: 'image/png', fileSize: bytes.length, height: 1, width: 1 },
            },
          ],
          imageGroupsFromItems: [],
          audio: [],
          nifti: [],
          text: [],
          pdf: [],
          skipDuplicateUrls: false,
          upsertMetadata: false,
        },
        ignoreErrors: false,
      });
      const done = await admin.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
        timeoutSeconds: 604800,
      });
      expect(done.body.status).toBe('DONE');
      expect(done.body.itemsWithNames[0]!.itemUuid).toBe(slot.itemUuid);
      uploaded.push(slot.itemUuid);

      const item = await admin.get<StorageItemDto>(`storage/items/${slot.itemUuid}`, { signUrl: true });
      expect(item.body.mimeType).toBe('image/png');
      const download = await fetch(item.body.signedUrl!);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    }
  });

  it('registers 2,500 items with metadata in one job', async () => {
    const images = Array.from({ length: ITEMS }, (_, i) => ({
      objectUrl: `https://bucket.example.com/images/${String(i).padStart(5, '0')}.jpg`,
      title: `image-${String(i).padStart(5, '0')}.jpg`,
      clientMetadata: {
        metadata_1: i % 2 === 0,
        metadata_2: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
        metadata_3: i * 1.5,
        metadata_4: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        metadata_5: `camera-${i % 7}`,
        metadata_6: `a transcript for item ${i}`,
        'my-enum': `enum-value-0${(i % 3) + 1}`,
        'my-test-active-embedding': [i, 0, 1, 0.5],
        where: { latitude: 51.5, longitude: -0.12 },
      },
      externalFileType: 'IMAGE',
    }));
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images, skipDuplicateUrls: false, upsertMetadata: false },
      ignoreErrors: false,
    });
    expect(job.status).toBe(200);
    const done = await admin.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
      timeoutSeconds: 120,
    });
    expect(done.body).toMatchObject({ status: 'DONE', unitsDoneCount: ITEMS, unitsErrorCount: 0 });
    expect(done.body.itemsWithNames).toHaveLength(ITEMS);
  });

  it('lists every item exactly once across pages, by name', async () => {
    const { items, pages } = await listAll(admin, folder, 100);
    expect(items).toHaveLength(ITEMS + 2);
    expect(pages).toBe(26);
    expect(new Set(items.map((i) => i.uuid)).size).toBe(ITEMS + 2);
    const names = items.map((i) => i.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('overwrites, merges (both ways) and sets keyframes on single items', async () => {
    const { items } = await listAll(admin, folder, 1000);
    const [first, second, third] = items.filter((i) => i.name.startsWith('image-'));

    // Overwrite: the whole object is replaced.
    const overwritten = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${first!.uuid}`, {
      clientMetadata: { metadata_5: 'replaced' },
    });
    expect(overwritten.status).toBe(200);
    expect(metadataOf(overwritten.body)).toEqual({ metadata_5: 'replaced' });

    // Merge by read-modify-write, as the seed's snippet does.
    const current = await admin.get<StorageItemDto>(`storage/items/${second!.uuid}`, { signUrl: false });
    const merged = { ...metadataOf(current.body), metadata_5: 'merged', keyframes: [13, 17, 19] };
    const rmw = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${second!.uuid}`, {
      clientMetadata: merged,
    });
    expect(metadataOf(rmw.body)).toEqual(merged);

    // Merge with a merge patch: no read needed; null removes a key.
    const patched = await admin.call<StorageItemDto>('PATCH', `/api/items/${third!.uuid}/metadata`, {
      body: { metadata_5: 'merge-patched', metadata_6: null, keyframes: [1, 2] },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(200);
    const after = metadataOf(patched.body);
    expect(after.metadata_5).toBe('merge-patched');
    expect(after).not.toHaveProperty('metadata_6');
    expect(after.keyframes).toEqual([1, 2]);
    expect(after.metadata_3).toBe(metadataOf(third!).metadata_3);

    // Bad keyframes are refused with the item, key and rule.
    const bad = await admin.patch<{ message: string }>(`storage/folders/${folder}/items/${third!.uuid}`, {
      clientMetadata: { keyframes: [3, 3] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain(`item ${third!.uuid}`);
    expect(bad.body.message).toContain('keyframes.distinct');
  });

  it('updates every item through three bundled patch-bulk requests (1000 + 1000 + 500), then verifies', async () => {
    const { items } = await listAll(admin, folder, 1000);
    const targets = items.filter((i) => i.name.startsWith('image-'));
    expect(targets).toHaveLength(ITEMS);
    for (let start = 0; start < targets.length; start += 1000) {
      const chunk = targets.slice(start, start + 1000);
      const itemPatches = Object.fromEntries(
        chunk.map((item, k) => [
          item.uuid,
          { clientMetadata: { 'metadata-bulk': start + k, metadata_1: false, 'my-enum': 'enum-value-02' } },
        ]),
      );
      const response = await admin.patch<Page<StorageItemDto>>('storage/items/patch-bulk', { itemPatches });
      expect(response.status).toBe(200);
      expect(response.body.results.map((r) => r.uuid)).toEqual(chunk.map((c) => c.uuid));
    }
    const relisted = await listAll(admin, folder, 500);
    const byUuid = new Map(relisted.items.map((i) => [i.uuid, metadataOf(i)]));
    targets.forEach((item, k) => {
      expect(byUuid.get(item.uuid)).toEqual({
        'metadata-bulk': k,
        metadata_1: false,
        'my-enum': 'enum-value-02',
      });
    });
    for (const uuid of uploaded) expect(byUuid.get(uuid)).toEqual({ metadata_1: true });
  });

  it('refuses a bulk request with bad items whole, listing every bad one', async () => {
    const { items } = await listAll(admin, folder, 1000);
    const [a, b, c] = items;
    const response = await admin.patch<{
      message: string;
      details: { items: { item: string; problems: { key: string; rule: string }[] }[] };
    }>('storage/items/patch-bulk', {
      itemPatches: {
        [a!.uuid]: { clientMetadata: { metadata_3: 'not a number' } },
        [b!.uuid]: { clientMetadata: { metadata_5: 'fine' } },
        [c!.uuid]: { clientMetadata: { 'my-enum': 'enum-value-99', where: { latitude: 100, longitude: 0 } } },
      },
    });
    expect(response.status).toBe(400);
    expect(
      response.body.details.items.map((i) => [i.item, i.problems.map((p) => `${p.key}:${p.rule}`)]),
    ).toEqual([
      [a!.uuid, ['metadata_3:number.type']],
      [c!.uuid, ['my-enum:enum.option', 'where:geospatial.range']],
    ]);
    const unchanged = await admin.get<StorageItemDto>(`storage/items/${b!.uuid}`);
    expect(metadataOf(unchanged.body)).toEqual(metadataOf(b!)); // nothing was written
  });
});
