/**
 * Index collections through the SDK against a live server: create/get/list/update/info,
 * add and remove items (failedItems, chunks of 10,000), members with and without their
 * metadata, add/remove-preset-items jobs waited to the end, delete, and errors.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collection, COLLECTION_ITEMS_PER_REQUEST, createCollection, listCollections } from './collection.js';
import { AbortedError, AuthorisationError, InvalidArgumentsError, ResourceNotFoundError } from './errors.js';
import {
  collect,
  createFolder,
  MISSING,
  NIL,
  registerItems,
  setSchema,
  sorted,
  startFixture,
  type Fixture,
} from './index-fixtures.test-helper.js';

const WEATHERS = ['rain', 'snow', 'sun'] as const;

describe('collections', () => {
  let f: Fixture;
  let root: string;
  let sub: string;
  let otherRoot: string;
  let items: string[];
  let subItems: string[];
  let otherItems: string[];

  beforeAll(async () => {
    f = await startFixture();
    await setSchema(f.admin, {
      weather: { ty: 'enum', values: [...WEATHERS] },
      speed: { ty: 'variant', hint: 'number' },
    });
    root = await createFolder(f.admin, 'collection root');
    sub = await createFolder(f.admin, 'collection sub', root);
    otherRoot = await createFolder(f.admin, 'other root');
    items = await registerItems(
      f.admin,
      root,
      Array.from({ length: 30 }, (_, i) => ({ weather: WEATHERS[i % 3], speed: i })),
    );
    subItems = await registerItems(
      f.admin,
      sub,
      Array.from({ length: 6 }, (_, i) => ({ weather: 'rain', speed: 100 + i })),
    );
    otherItems = await registerItems(f.admin, otherRoot, [{ weather: 'rain' }, { weather: 'rain' }]);
  });
  afterAll(async () => {
    await f.t.close();
  });

  it('creates, reads, lists, updates and describes collections', async () => {
    const created = await f.client.createCollection(root, 'first', { description: 'the first one' });
    expect(created).toBeInstanceOf(Collection);
    expect(created).toMatchObject({ topLevelFolderUuid: root, name: 'first', description: 'the first one' });
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const read = await f.client.getCollection(created.uuid);
    expect(read).toMatchObject({ uuid: created.uuid, name: 'first', description: 'the first one' });
    expect(read.lastEditedAt).toBe(created.lastEditedAt);

    const second = await createCollection(f.client.transport, root, 'second');
    expect(second.description).toBe('');
    const third = await createCollection(f.client.transport, otherRoot, 'third');

    const inRoot = await collect(f.client.listCollections({ topLevelFolderUuid: root, pageSize: 1 }));
    expect(inRoot.map((c) => c.uuid)).toEqual([created.uuid, second.uuid]);
    const everything = await collect(listCollections(f.client.transport));
    expect(everything.map((c) => c.uuid)).toEqual([created.uuid, second.uuid, third.uuid]);
    const byUuid = await collect(f.client.listCollections({ collectionUuids: [third.uuid, second.uuid] }));
    expect(sorted(byUuid.map((c) => c.uuid))).toEqual(sorted([second.uuid, third.uuid]));
    // Both filters, ANDed; an empty uuid list lists nothing.
    expect(
      await collect(f.client.listCollections({ topLevelFolderUuid: root, collectionUuids: [third.uuid] })),
    ).toEqual([]);
    expect(await collect(f.client.listCollections({ collectionUuids: [] }))).toEqual([]);

    const updated = await second.update({ name: 'second, renamed' });
    expect(updated).toBe(second);
    expect(second.name).toBe('second, renamed');
    await second.update({ description: 'now described' });
    expect((await f.client.getCollection(second.uuid)).description).toBe('now described');

    const info = await created.info();
    expect(info).toMatchObject({
      uuid: created.uuid,
      itemCount: 0,
      sourcePresetUuid: null,
      sourceVersion: null,
      owner: expect.any(String) as unknown,
    });

    await expect(f.client.createCollection(sub, 'not top-level')).rejects.toBeInstanceOf(
      InvalidArgumentsError,
    );
    await expect(f.client.createCollection(MISSING, 'nowhere')).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(f.client.createCollection(root, '  ')).rejects.toBeInstanceOf(InvalidArgumentsError);
  });

  it('adds and removes items, reporting failedItems; lists members with and without metadata', async () => {
    const collection = await f.client.createCollection(root, 'members');
    const added = await collection.addItems([...items.slice(0, 5), subItems[0]!, otherItems[0]!, MISSING]);
    expect(added.failedItems).toEqual([otherItems[0], MISSING]);

    const members = await collect(collection.listItems({ pageSize: 2 }));
    const expected = sorted([...items.slice(0, 5), subItems[0]!]);
    expect(members.map((m) => m.uuid)).toEqual(expected);
    expect(members.every((m) => m.clientMetadata === null)).toBe(true);
    expect(members[0]).toMatchObject({ itemType: 'image', name: expect.stringMatching(/^img-/) as unknown });

    const withMetadata = await collect(collection.listItems({ includeClientMetadata: true }));
    const speedOf = new Map([
      ...items.map((u, i) => [u, i] as const),
      ...subItems.map((u, i) => [u, 100 + i] as const),
    ]);
    expect(withMetadata.map((m) => m.clientMetadata?.speed)).toEqual(expected.map((u) => speedOf.get(u)));

    const removed = await collection.removeItems([items[0]!, items[10]!, MISSING]);
    // Not a member is no failure; no such item is.
    expect(removed.failedItems).toEqual([MISSING]);
    expect((await collection.info()).itemCount).toBe(5);
  });

  it('sends more than 10,000 uuids in chunks of 10,000', async () => {
    const bodies: number[] = [];
    const counting = await f.clientWith(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes('/add-items') && typeof init?.body === 'string') {
        bodies.push((JSON.parse(init.body) as { itemUuids: string[] }).itemUuids.length);
      }
      return fetch(input, init);
    });
    const collection = await counting.createCollection(root, 'big');
    const unknown = Array.from({ length: COLLECTION_ITEMS_PER_REQUEST }, () => randomUUID());
    const result = await collection.addItems([items[1]!, ...unknown, items[2]!]);
    expect(bodies).toEqual([10_000, 2]);
    expect(result.failedItems).toEqual(unknown);
    expect((await collection.info()).itemCount).toBe(2);
  });

  it('adds and removes a preset’s matches with a job waited to the end', async () => {
    const collection = await f.client.createCollection(root, 'rainy');
    const preset = await f.client.createPreset('rain', {
      global_filters: { filters: [{ key: 'weather', include: true, values: ['rain'], type: 'enum' }] },
    });
    const rainy = [...items.filter((_, i) => i % 3 === 0), ...subItems];
    await collection.addItems([rainy[0]!]);

    const job = await collection.addPresetItems(preset);
    expect(job).toMatchObject({
      collectionUuid: collection.uuid,
      kind: 'add',
      uuid: expect.any(String) as unknown,
    });
    const done = await job.wait({ timeoutSeconds: 30 });
    // Items of the other root match the preset too, but are outside the collection's tree.
    expect(done).toMatchObject({
      status: 'DONE',
      presetUuid: preset.uuid,
      processed: rainy.length,
      changed: rainy.length - 1,
      error: null,
    });
    expect((await job.status()).status).toBe('DONE');
    expect((await collect(collection.listItems())).map((m) => m.uuid)).toEqual(sorted(rainy));

    const removal = await collection.removePresetItems(preset.uuid);
    expect(await removal.wait()).toMatchObject({ status: 'DONE', kind: 'remove', changed: rainy.length });
    expect((await collection.info()).itemCount).toBe(0);

    await expect(collection.addPresetItems(MISSING)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('deletes a collection; an unknown collection is an AuthorisationError', async () => {
    const collection = await f.client.createCollection(root, 'doomed');
    await collection.addItems(items.slice(0, 3));
    await f.client.deleteCollection(collection.uuid);
    const error = await f.client.getCollection(collection.uuid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorisationError);
    expect((error as Error).message).toBe('No collection found');
    await expect(collection.info()).rejects.toBeInstanceOf(ResourceNotFoundError);
    // The items stay.
    expect((await f.admin.get(`storage/items/${items[0]!}`)).status).toBe(200);

    const other = await f.client.createCollection(root, 'doomed too');
    await other.delete();
    await expect(Collection.get(f.client.transport, other.uuid)).rejects.toBeInstanceOf(AuthorisationError);
    await expect(f.client.getCollection(NIL)).rejects.toBeInstanceOf(AuthorisationError);
    await expect(f.client.getCollection('not-a-uuid')).rejects.toBeInstanceOf(InvalidArgumentsError);
  });

  it('an AbortSignal stops collection calls', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(f.client.getCollection(NIL, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
    const collection = await f.client.createCollection(root, 'abortable');
    await expect(collect(collection.listItems({ signal: controller.signal }))).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(collect(f.client.listCollections({ signal: controller.signal }))).rejects.toBeInstanceOf(
      AbortedError,
    );
  });
});
