import { startTestServer, type TestServer } from '@metaindex/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  Bundle,
  EncordUserClient,
  InvalidArgumentsError,
  type StorageFolder,
  type StorageItem,
} from './index.js';
import { adminClient, type SentRequest } from './recording-client.test-helper.js';

const patchBulk = (sent: SentRequest[]) =>
  sent.filter((r) => r.method === 'PATCH' && r.path === '/v2/public/storage/items/patch-bulk');

const patchesOf = (request: SentRequest | undefined) =>
  (JSON.parse(request?.body as string) as { itemPatches: Record<string, Record<string, unknown>> })
    .itemPatches;

let server: TestServer;
let client: EncordUserClient;
let sent: SentRequest[];

async function folderWith(
  name: string,
  count: number,
): Promise<{ folder: StorageFolder; items: StorageItem[] }> {
  const folder = await client.createStorageFolder(name);
  const result = await folder.registerItems({
    images: Array.from({ length: count }, (_, i) => ({
      objectUrl: `https://bucket.example.com/${name}/${i}.jpg`,
      title: `${name}-${String(i).padStart(5, '0')}.jpg`,
      clientMetadata: { speed: i },
    })),
  });
  expect(result.status).toBe('DONE');
  const items: StorageItem[] = [];
  for await (const item of folder.listItems({ pageSize: 1000 })) items.push(item);
  return { folder, items };
}

async function storedMetadata(uuid: string): Promise<unknown> {
  const raw = await server.admin.get<{ clientMetadata: string }>(`storage/items/${uuid}`);
  return JSON.parse(raw.body.clientMetadata);
}

beforeAll(async () => {
  server = await startTestServer();
  ({ client, sent } = await adminClient(server));
  const schema = await client.metadataSchema();
  schema.addScalar('speed', { dataType: 'number' });
  await schema.save();
});
afterAll(async () => {
  await server.close();
});

describe('Bundle', () => {
  it('sends 2,500 updates as 3 patch-bulk requests (1000 + 1000 + 500) and refreshes every item', async () => {
    const { items } = await folderWith('bulk', 2500);
    expect(items).toHaveLength(2500);
    sent.length = 0;
    await client.withBundle(async (bundle) => {
      for (const item of items) {
        await item.update(
          { clientMetadata: { speed: item.clientMetadata.speed as number, bundled: true } },
          { bundle },
        );
      }
      expect(bundle.pendingCount).toBe(2500);
      expect(sent).toEqual([]); // nothing is sent before the work returns
    });
    const requests = patchBulk(sent);
    expect(sent).toHaveLength(3);
    expect(requests.map((r) => Object.keys(patchesOf(r)).length)).toEqual([1000, 1000, 500]);
    expect(items.every((item) => item.clientMetadata.bundled === true)).toBe(true);
    expect(await storedMetadata(items[2499]!.uuid)).toEqual({ speed: 2499, bundled: true });
  });

  it('merges several patches of one item field by field; the later value of a field wins', async () => {
    const { items } = await folderWith('merge', 2);
    const [first, second] = items as [StorageItem, StorageItem];
    const bundle = new Bundle();
    await first.update({ clientMetadata: { speed: 10 } }, { bundle });
    await first.update({ name: 'renamed.jpg' }, { bundle });
    await first.update({ clientMetadata: { speed: 11 } }, { bundle });
    await second.update({ description: 'ignored on items but sent' }, { bundle });
    expect(bundle.pendingCount).toBe(2);
    sent.length = 0;
    await bundle.execute();
    expect(sent).toHaveLength(1);
    expect(patchesOf(sent[0])).toEqual({
      [first.uuid]: { clientMetadata: { speed: 11 }, name: 'renamed.jpg' },
      [second.uuid]: { description: 'ignored on items but sent' },
    });
    expect(first.name).toBe('renamed.jpg');
    expect(first.clientMetadata).toEqual({ speed: 11 });
    expect(bundle.pendingCount).toBe(0);
    sent.length = 0;
    await bundle.execute();
    expect(sent).toEqual([]); // an empty bundle sends nothing
  });

  it('keeps the patch as it was queued, and refreshes every object that queued the item', async () => {
    const { items } = await folderWith('copies', 1);
    const item = items[0]!;
    const twin = await client.getStorageItem(item.uuid);
    const bundle = new Bundle();
    const metadata: Record<string, unknown> = { speed: 1 };
    await item.update({ clientMetadata: metadata }, { bundle });
    metadata.speed = 2;
    await twin.update({ name: 'twin.jpg' }, { bundle });
    await bundle.execute();
    expect(await storedMetadata(item.uuid)).toEqual({ speed: 1 });
    expect(item.name).toBe('twin.jpg');
    expect(twin.clientMetadata).toEqual({ speed: 1 });
  });

  it('withBundle sends nothing when the work throws', async () => {
    const { items } = await folderWith('throws', 3);
    sent.length = 0;
    const failure = client.withBundle(async (bundle) => {
      for (const item of items) await item.update({ clientMetadata: { speed: -1 } }, { bundle });
      throw new Error('changed my mind');
    });
    await expect(failure).rejects.toThrow('changed my mind');
    expect(sent).toEqual([]);
    expect(await storedMetadata(items[0]!.uuid)).toEqual({ speed: 0 });
  });

  it('accepts sizes 1 to 10,000 and rejects the rest', () => {
    expect(new Bundle().size).toBe(1000);
    expect(new Bundle({ size: 10_000 }).size).toBe(10_000);
    expect(() => new Bundle({ size: 10_001 })).toThrow(InvalidArgumentsError);
    expect(() => new Bundle({ size: 0 })).toThrow(InvalidArgumentsError);
    expect(() => new Bundle({ size: 2.5 })).toThrow(InvalidArgumentsError);
    return expect(client.withBundle(() => 1, { size: 10_001 })).rejects.toBeInstanceOf(InvalidArgumentsError);
  });

  it('after a failed request, the answered ones stay committed and a second execute sends only the rest', async () => {
    const { items } = await folderWith('partial', 5);
    const [a, b, c, d, e] = items as [StorageItem, StorageItem, StorageItem, StorageItem, StorageItem];
    const bundle = new Bundle({ size: 2 });
    await a.update({ clientMetadata: { speed: 100 } }, { bundle });
    await b.update({ clientMetadata: { speed: 101 } }, { bundle });
    await c.update({ clientMetadata: { speed: 'not a number' } }, { bundle }); // only the server knows
    await d.update({ clientMetadata: { speed: 103 } }, { bundle });
    await e.update({ clientMetadata: { speed: 104 } }, { bundle });
    sent.length = 0;
    const error = await bundle.execute().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toContain(c.uuid);
    expect(sent).toHaveLength(2); // [a, b] went through, [c, d] failed, [e] was never sent
    expect(await storedMetadata(a.uuid)).toEqual({ speed: 100 });
    expect(a.clientMetadata).toEqual({ speed: 100 });
    expect(await storedMetadata(d.uuid)).toEqual({ speed: 3 }); // the failed request wrote nothing
    expect(bundle.pendingCount).toBe(3);

    await c.update({ clientMetadata: { speed: 102 } }, { bundle }); // fixes the queued patch
    sent.length = 0;
    await bundle.execute();
    expect(patchBulk(sent).map((r) => Object.keys(patchesOf(r)))).toEqual([[c.uuid, d.uuid], [e.uuid]]);
    expect(await Promise.all(items.map((item) => storedMetadata(item.uuid)))).toEqual(
      [100, 101, 102, 103, 104].map((speed) => ({ speed })),
    );
    expect(bundle.pendingCount).toBe(0);
  });

  it('an aborted execute keeps everything unsent queued', async () => {
    const { items } = await folderWith('aborted', 2);
    const bundle = new Bundle();
    for (const item of items) await item.update({ clientMetadata: { speed: 50 } }, { bundle });
    sent.length = 0;
    await expect(bundle.execute({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(sent).toEqual([]);
    expect(bundle.pendingCount).toBe(2);
    await bundle.execute();
    expect(await storedMetadata(items[1]!.uuid)).toEqual({ speed: 50 });
  });

  it('sends patches made through different clients in separate requests', async () => {
    const other = await adminClient(server);
    const { items } = await folderWith('two-clients', 2);
    const mine = items[0]!;
    const theirs = await other.client.getStorageItem(items[1]!.uuid);
    const bundle = new Bundle();
    await mine.update({ clientMetadata: { speed: 7 } }, { bundle });
    await theirs.update({ clientMetadata: { speed: 8 } }, { bundle });
    sent.length = 0;
    other.sent.length = 0;
    await bundle.execute();
    expect(patchBulk(sent).map((r) => Object.keys(patchesOf(r)))).toEqual([[mine.uuid]]);
    expect(patchBulk(other.sent).map((r) => Object.keys(patchesOf(r)))).toEqual([[theirs.uuid]]);
    expect(theirs.clientMetadata).toEqual({ speed: 8 });
  });
});
