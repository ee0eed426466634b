/**
 * The collection, preset and collection-job behaviour every storage engine must have,
 * next to `engine-contract.ts`. A collection holds items of its top-level folder's tree
 * only; deleting an item removes it from every collection; deleting a collection never
 * deletes items; a freeze makes a numbered snapshot of a preset in one transaction.
 */
import { MetaindexError } from '@metaindex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allPages, at, folderRecord, itemId, itemRecord, rejectionOf, uuids } from './engine-contract.js';
import type {
  CollectionDiffPage,
  CollectionJobRecord,
  CollectionRecord,
  DiffPosition,
  Engine,
  ListCollectionsQuery,
  PresetRecord,
} from './engine.js';

/** Canonical lowercase uuids that never collide with the other contracts' ones. */
export const collectionId = (n: number) => `00000000-0000-4000-8000-c${n.toString(16).padStart(11, '0')}`;
export const presetId = (n: number) => `00000000-0000-4000-8000-d${n.toString(16).padStart(11, '0')}`;
const jobId = (n: number) => `00000000-0000-4000-8000-9${n.toString(16).padStart(11, '0')}`;
const absentId = (n: number) => `00000000-0000-4000-8000-e${n.toString(16).padStart(11, '0')}`;

const ROOT = folderRecord(1);
const CHILD = folderRecord(2, { parentUuid: ROOT.uuid });
const OTHER_ROOT = folderRecord(3);

export function collectionRecord(n: number, overrides: Partial<CollectionRecord> = {}): CollectionRecord {
  return {
    uuid: collectionId(n),
    topLevelFolderUuid: ROOT.uuid,
    name: `collection-${n}`,
    description: '',
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    sourcePresetUuid: null,
    sourceVersion: null,
    ...overrides,
  };
}

export function presetRecord(n: number, overrides: Partial<PresetRecord> = {}): PresetRecord {
  return {
    uuid: presetId(n),
    topLevelFolderUuid: null,
    name: `preset-${n}`,
    description: '',
    presetJson: '{"global_filters":{"filters":[]},"local_filters":{}}',
    owner: 'owner@example.com',
    createdAt: at(n),
    lastUpdatedAt: at(n),
    freezeCount: 0,
    ...overrides,
  };
}

function jobRecord(n: number, overrides: Partial<CollectionJobRecord> = {}): CollectionJobRecord {
  return {
    uuid: jobId(n),
    collectionUuid: collectionId(1),
    presetUuid: presetId(1),
    kind: 'add',
    status: 'PENDING',
    processed: 0,
    changed: 0,
    error: null,
    createdAt: at(n),
    updatedAt: at(n),
    ...overrides,
  };
}

const listQuery = (overrides: Partial<ListCollectionsQuery> = {}): ListCollectionsQuery => ({
  uuids: null,
  topLevelFolderUuid: null,
  pageSize: 100,
  after: null,
  ...overrides,
});

async function expectError(promise: Promise<unknown>, code: string, naming: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(MetaindexError);
  expect(error).toMatchObject({ code });
  expect(String(error)).toContain(naming);
}

export function describeCollectionContract(name: string, open: () => Promise<Engine>): void {
  describe(`collection contract: ${name}`, () => {
    let engine: Engine;

    /** Items 1..rootItems in ROOT, the next childItems in CHILD, the next otherItems in OTHER_ROOT. */
    async function seed(rootItems: number, childItems = 0, otherItems = 0): Promise<void> {
      const items = [
        ...Array.from({ length: rootItems }, (_, i) => itemRecord(i + 1, ROOT.uuid)),
        ...Array.from({ length: childItems }, (_, i) => itemRecord(rootItems + i + 1, CHILD.uuid)),
        ...Array.from({ length: otherItems }, (_, i) =>
          itemRecord(rootItems + childItems + i + 1, OTHER_ROOT.uuid),
        ),
      ];
      const written = await engine.writeItems({ insert: items, update: [] }, 0);
      expect(written.ok).toBe(true);
    }

    /** Every item uuid of a collection, following the pages. */
    async function members(collection: string, pageSize = 1000): Promise<string[]> {
      const out: string[] = [];
      let after: string | null = null;
      do {
        const page = await engine.listCollectionItems(collection, { pageSize, after });
        if (page === null) throw new Error(`collection ${collection} is gone`);
        out.push(...uuids(page.rows));
        after = page.next;
      } while (after !== null);
      return out;
    }

    beforeEach(async () => {
      engine = await open();
      await engine.createFolder(ROOT);
      await engine.createFolder(CHILD);
      await engine.createFolder(OTHER_ROOT);
    });
    afterEach(async () => {
      await engine.close();
    });

    it('creates and reads a collection; refuses a taken uuid and a missing folder', async () => {
      const collection = collectionRecord(1, { name: 'Wet roads', description: 'rain and snow' });
      expect(await engine.createCollection(collection)).toEqual({ collection, itemCount: 0 });
      expect(await engine.getCollection(collectionId(1))).toEqual(collection);
      expect(await engine.getCollection(absentId(1))).toBeNull();

      await expectError(
        engine.createCollection(collectionRecord(1, { name: 'again' })),
        'conflict',
        collectionId(1),
      );
      await expectError(
        engine.createCollection(collectionRecord(2, { topLevelFolderUuid: absentId(7) })),
        'not_found',
        absentId(7),
      );
      expect(await engine.getCollection(collectionId(2))).toBeNull();
      expect((await engine.getCollection(collectionId(1)))?.name).toBe('Wet roads');
    });

    it('lists collections in (createdAt, uuid) order, filtered by uuids and folder together, keyset paged', async () => {
      await engine.createCollection(collectionRecord(3));
      await engine.createCollection(collectionRecord(1));
      await engine.createCollection(collectionRecord(2, { createdAt: at(1) }));
      await engine.createCollection(collectionRecord(4, { topLevelFolderUuid: OTHER_ROOT.uuid }));

      const all = await engine.listCollections(listQuery());
      expect(uuids(all.rows)).toEqual([collectionId(1), collectionId(2), collectionId(3), collectionId(4)]);
      expect(all.next).toBeNull();

      const pages = await allPages((after) => engine.listCollections(listQuery({ pageSize: 3, after })));
      expect(pages.map(uuids)).toEqual([
        [collectionId(1), collectionId(2), collectionId(3)],
        [collectionId(4)],
      ]);
      const single = await allPages((after) => engine.listCollections(listQuery({ pageSize: 1, after })));
      expect(single.flat().map((c) => c.uuid)).toEqual(uuids(all.rows));

      const byFolder = await engine.listCollections(listQuery({ topLevelFolderUuid: ROOT.uuid }));
      expect(uuids(byFolder.rows)).toEqual([collectionId(1), collectionId(2), collectionId(3)]);
      const byUuids = await engine.listCollections(
        listQuery({ uuids: [collectionId(4), collectionId(2), absentId(1)] }),
      );
      expect(uuids(byUuids.rows)).toEqual([collectionId(2), collectionId(4)]);
      const both = await engine.listCollections(
        listQuery({ uuids: [collectionId(4), collectionId(2)], topLevelFolderUuid: ROOT.uuid }),
      );
      expect(uuids(both.rows)).toEqual([collectionId(2)]);
      expect((await engine.listCollections(listQuery({ uuids: [] }))).rows).toEqual([]);
      await expect(engine.listCollections(listQuery({ pageSize: 0 }))).rejects.toThrow(/pageSize/);
    });

    it('updates only the fields given; an unknown collection gives null', async () => {
      await engine.createCollection(collectionRecord(1, { description: 'kept' }));
      const updated = await engine.updateCollection({
        uuid: collectionId(1),
        name: 'renamed',
        lastEditedAt: at(50),
      });
      expect(updated).toEqual(
        collectionRecord(1, { name: 'renamed', description: 'kept', lastEditedAt: at(50) }),
      );
      expect(await engine.getCollection(collectionId(1))).toEqual(updated);
      expect(
        await engine.updateCollection({ uuid: absentId(1), name: 'x', lastEditedAt: at(51) }),
      ).toBeNull();
    });

    it('adds items of the folder tree and reports missing and outside items once, in request order', async () => {
      await seed(3, 2, 2); // 1-3 in ROOT, 4-5 in CHILD (below ROOT), 6-7 in OTHER_ROOT
      await engine.createCollection(collectionRecord(1));
      const result = await engine.addCollectionItems(
        collectionId(1),
        [itemId(6), itemId(1), absentId(1), itemId(4), itemId(1), itemId(6), itemId(2)],
        at(100),
      );
      expect(result).toEqual({ ok: true, changed: 3, failed: [itemId(6), absentId(1)] });
      expect(await members(collectionId(1))).toEqual([itemId(1), itemId(2), itemId(4)]);

      // Adding members again changes nothing and fails nothing.
      expect(await engine.addCollectionItems(collectionId(1), [itemId(1), itemId(3)], at(101))).toEqual({
        ok: true,
        changed: 1,
        failed: [],
      });
      expect(await engine.addCollectionItems(absentId(2), [itemId(1)], at(102))).toEqual({
        ok: false,
        reason: 'missing-collection',
      });
      expect(await engine.countCollectionItems([collectionId(1), absentId(2)])).toEqual(
        new Map([
          [collectionId(1), 4],
          [absentId(2), 0],
        ]),
      );
    });

    it('removes items; non-members are no failure, items that do not exist are', async () => {
      await seed(4, 0, 1);
      await engine.createCollection(collectionRecord(1));
      await engine.addCollectionItems(collectionId(1), [itemId(1), itemId(2), itemId(3)], at(100));
      const result = await engine.removeCollectionItems(collectionId(1), [
        itemId(2),
        absentId(1),
        itemId(4),
        itemId(5),
        itemId(2),
      ]);
      expect(result).toEqual({ ok: true, changed: 1, failed: [absentId(1)] });
      expect(await members(collectionId(1))).toEqual([itemId(1), itemId(3)]);
      expect(await engine.removeCollectionItems(absentId(2), [itemId(1)])).toEqual({
        ok: false,
        reason: 'missing-collection',
      });
    });

    it('lists members in uuid order, keyset paged; null for an unknown collection', async () => {
      await seed(7);
      await engine.createCollection(collectionRecord(1));
      await engine.addCollectionItems(collectionId(1), [7, 3, 5, 1, 2].map(itemId), at(100));
      const first = await engine.listCollectionItems(collectionId(1), { pageSize: 2, after: null });
      expect(first && uuids(first.rows)).toEqual([itemId(1), itemId(2)]);
      expect(first?.next).toBe(itemId(2));
      expect(first?.rows[0]).toEqual(itemRecord(1, ROOT.uuid));
      expect(await members(collectionId(1), 2)).toEqual([1, 2, 3, 5, 7].map(itemId));
      expect(await members(collectionId(1), 5)).toEqual([1, 2, 3, 5, 7].map(itemId));
      const last = await engine.listCollectionItems(collectionId(1), { pageSize: 5, after: null });
      expect(last?.next).toBeNull();
      expect(await engine.listCollectionItems(absentId(1), { pageSize: 5, after: null })).toBeNull();
    });

    it('forgets deleted items everywhere; deleting a collection keeps its items', async () => {
      await seed(3);
      await engine.createCollection(collectionRecord(1));
      await engine.createCollection(collectionRecord(2));
      await engine.addCollectionItems(collectionId(1), [itemId(1), itemId(2)], at(100));
      await engine.addCollectionItems(collectionId(2), [itemId(2), itemId(3)], at(100));
      expect(await engine.deleteItems([itemId(2)])).toBe(1);
      expect(await members(collectionId(1))).toEqual([itemId(1)]);
      expect(await members(collectionId(2))).toEqual([itemId(3)]);

      expect(await engine.deleteCollection(collectionId(1))).toBe(true);
      expect(await engine.deleteCollection(collectionId(1))).toBe(false);
      expect(await engine.getCollection(collectionId(1))).toBeNull();
      expect(await engine.getItems([itemId(1)])).toEqual([itemRecord(1, ROOT.uuid)]);
      expect(await engine.countCollectionItems([collectionId(1)])).toEqual(new Map([[collectionId(1), 0]]));
    });

    it('deleting a top-level folder deletes its collections and presets', async () => {
      await seed(1);
      await engine.createCollection(collectionRecord(1));
      await engine.createCollection(collectionRecord(2, { topLevelFolderUuid: OTHER_ROOT.uuid }));
      await engine.createPreset(presetRecord(1, { topLevelFolderUuid: ROOT.uuid }));
      await engine.createPreset(presetRecord(2));
      expect(await engine.deleteFolder(ROOT.uuid)).toBe(true);
      expect(await engine.getCollection(collectionId(1))).toBeNull();
      expect(await engine.getPreset(presetId(1))).toBeNull();
      expect(await engine.getCollection(collectionId(2))).not.toBeNull();
      expect(await engine.getPreset(presetId(2))).not.toBeNull();
    });

    it('diffs two collections both ways, with counts, each list keyset paged', async () => {
      await seed(10);
      await engine.createCollection(collectionRecord(1));
      await engine.createCollection(collectionRecord(2));
      await engine.addCollectionItems(collectionId(1), [1, 2, 3, 4, 5, 6].map(itemId), at(100));
      await engine.addCollectionItems(collectionId(2), [4, 5, 6, 7, 8].map(itemId), at(100));

      const whole = await engine.diffCollections(collectionId(1), collectionId(2), {
        pageSize: 100,
        added: 'start',
        removed: 'start',
      });
      expect(whole).toEqual({
        added: [1, 2, 3].map(itemId),
        removed: [7, 8].map(itemId),
        addedCount: 3,
        removedCount: 2,
        nextAdded: 'end',
        nextRemoved: 'end',
      } satisfies CollectionDiffPage);

      const pages: CollectionDiffPage[] = [];
      let added: DiffPosition = 'start';
      let removed: DiffPosition = 'start';
      do {
        const page = await engine.diffCollections(collectionId(1), collectionId(2), {
          pageSize: 2,
          added,
          removed,
        });
        if (page === null) throw new Error('a collection is gone');
        pages.push(page);
        added = page.nextAdded;
        removed = page.nextRemoved;
      } while (added !== 'end' || removed !== 'end');
      expect(pages.map((p) => [p.added, p.removed])).toEqual([
        [
          [itemId(1), itemId(2)],
          [itemId(7), itemId(8)],
        ],
        [[itemId(3)], []],
      ]);
      expect(pages.every((p) => p.addedCount === 3 && p.removedCount === 2)).toBe(true);

      const reverse = await engine.diffCollections(collectionId(2), collectionId(1), {
        pageSize: 100,
        added: 'start',
        removed: 'start',
      });
      expect(reverse?.added).toEqual([7, 8].map(itemId));
      expect(reverse?.removed).toEqual([1, 2, 3].map(itemId));
      const same = await engine.diffCollections(collectionId(1), collectionId(1), {
        pageSize: 10,
        added: 'start',
        removed: 'start',
      });
      expect(same).toMatchObject({ added: [], removed: [], addedCount: 0, removedCount: 0 });
      expect(
        await engine.diffCollections(collectionId(1), absentId(1), {
          pageSize: 10,
          added: 'start',
          removed: 'start',
        }),
      ).toBeNull();
      expect(
        await engine.diffCollections(absentId(1), collectionId(1), {
          pageSize: 10,
          added: 'start',
          removed: 'start',
        }),
      ).toBeNull();
    });

    it('freezes: numbered snapshots of a preset, holding existing items of the tree only', async () => {
      await seed(3, 0, 1);
      await engine.createPreset(presetRecord(1));
      const first = await engine.createCollection(collectionRecord(1, { name: 'v1' }), {
        itemUuids: [itemId(2), itemId(1), absentId(1), itemId(4), itemId(2)],
        fromPreset: presetId(1),
      });
      expect(first).toEqual({
        collection: collectionRecord(1, { name: 'v1', sourcePresetUuid: presetId(1), sourceVersion: 1 }),
        itemCount: 2,
      });
      expect(await members(collectionId(1))).toEqual([itemId(1), itemId(2)]);
      const second = await engine.createCollection(collectionRecord(2), {
        itemUuids: [itemId(3)],
        fromPreset: presetId(1),
        nameForVersion: (version) => `snapshot v${version}`,
      });
      expect(second.collection.sourceVersion).toBe(2);
      expect(second.collection.name).toBe('snapshot v2');
      expect((await engine.getCollection(collectionId(2)))?.name).toBe('snapshot v2');
      expect(second.itemCount).toBe(1);
      expect((await engine.getPreset(presetId(1)))?.freezeCount).toBe(2);

      // An unknown preset writes nothing at all.
      await expectError(
        engine.createCollection(collectionRecord(3), { itemUuids: [itemId(1)], fromPreset: absentId(5) }),
        'not_found',
        absentId(5),
      );
      expect(await engine.getCollection(collectionId(3))).toBeNull();

      // Snapshots outlive their preset and keep naming it.
      expect(await engine.deletePreset(presetId(1))).toBe(true);
      expect((await engine.getCollection(collectionId(1)))?.sourcePresetUuid).toBe(presetId(1));
      expect(await members(collectionId(2))).toEqual([itemId(3)]);
    });

    it('adds 10,000 items in one call', async () => {
      const count = 10_000;
      const items = Array.from({ length: count }, (_, i) => itemRecord(i + 1, ROOT.uuid));
      expect((await engine.writeItems({ insert: items, update: [] }, 0)).ok).toBe(true);
      await engine.createCollection(collectionRecord(1));
      const started = performance.now();
      const result = await engine.addCollectionItems(collectionId(1), uuids(items), at(100));
      const ms = performance.now() - started;
      console.info(`${name}: 10,000 collection members added in ${ms.toFixed(0)} ms`);
      expect(result).toEqual({ ok: true, changed: count, failed: [] });
      expect(await engine.countCollectionItems([collectionId(1)])).toEqual(
        new Map([[collectionId(1), count]]),
      );
      expect(ms).toBeLessThan(5000);
      const removed = await engine.removeCollectionItems(collectionId(1), uuids(items).slice(0, 5000));
      expect(removed).toEqual({ ok: true, changed: 5000, failed: [] });
      expect(await engine.countCollectionItems([collectionId(1)])).toEqual(
        new Map([[collectionId(1), 5000]]),
      );
    });

    it('creates, reads, lists, updates and deletes presets, keeping the preset text exactly', async () => {
      const json =
        '{"local_filters":{"00000000-0000-0000-0000-000000000000":{"filters":[]}},"global_filters":{"filters":[{"key":"k","include":true,"values":["a"],"type":"enum"}]}}';
      const preset = presetRecord(1, { presetJson: json, topLevelFolderUuid: ROOT.uuid, description: 'd' });
      await engine.createPreset(preset);
      expect(await engine.getPreset(presetId(1))).toEqual(preset);
      expect(await engine.getPreset(absentId(1))).toBeNull();
      await expectError(engine.createPreset(presetRecord(1)), 'conflict', presetId(1));
      await expectError(
        engine.createPreset(presetRecord(9, { topLevelFolderUuid: absentId(3) })),
        'not_found',
        absentId(3),
      );
      expect(await engine.getPreset(presetId(9))).toBeNull();

      await engine.createPreset(presetRecord(3));
      await engine.createPreset(presetRecord(2, { createdAt: at(1) }));
      const pages = await allPages((after) => engine.listPresets(listQuery({ pageSize: 2, after })));
      expect(pages.map(uuids)).toEqual([[presetId(1), presetId(2)], [presetId(3)]]);
      const filtered = await engine.listPresets(
        listQuery({ uuids: [presetId(1), presetId(3)], topLevelFolderUuid: ROOT.uuid }),
      );
      expect(uuids(filtered.rows)).toEqual([presetId(1)]);

      const updated = await engine.updatePreset({
        uuid: presetId(1),
        presetJson: '{"x":1}',
        lastUpdatedAt: at(60),
      });
      expect(updated).toEqual({ ...preset, presetJson: '{"x":1}', lastUpdatedAt: at(60) });
      expect(await engine.updatePreset({ uuid: absentId(1), name: 'n', lastUpdatedAt: at(61) })).toBeNull();
      expect(await engine.deletePreset(presetId(1))).toBe(true);
      expect(await engine.deletePreset(presetId(1))).toBe(false);
      expect(await engine.getPreset(presetId(1))).toBeNull();
    });

    it('saves and re-saves collection job records', async () => {
      const job = jobRecord(1);
      await engine.saveCollectionJob(job);
      expect(await engine.getCollectionJob(jobId(1))).toEqual(job);
      const done = {
        ...job,
        status: 'ERROR' as const,
        processed: 20_000,
        changed: 12,
        error: 'boom',
        updatedAt: at(9),
      };
      await engine.saveCollectionJob(done);
      expect(await engine.getCollectionJob(jobId(1))).toEqual(done);
      expect(await engine.getCollectionJob(jobId(2))).toBeNull();
    });
  });
}
