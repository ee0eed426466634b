/**
 * The dataset-job behaviour every storage engine must have (SQLite migration 7,
 * PostgreSQL migration 3), next to `engine-contract.ts`: job records, and
 * `linkCollectionBatch`, which links a collection's members into a dataset one batch
 * at a time. Each engine's test file calls `describeDatasetJobContract` with a way to
 * open a fresh, empty store.
 *
 * The rules it pins: batches walk the members in item uuid order and end with
 * `last: null`; a member already in the dataset is counted, never linked again; new
 * rows are made exactly as `linkItems` makes them (fresh hash, the item's name as
 * title, `at` as both instants) and reference their items (one source of truth); a
 * missing dataset or collection writes nothing; a deleted item is simply no member.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectionId, collectionRecord } from './engine-contract-collections.js';
import { datasetId, datasetRecord } from './engine-contract-datasets.js';
import { at, folderRecord, itemId, itemRecord } from './engine-contract.js';
import type { DatasetJobRecord, Engine, LinkCollectionBatchResult } from './engine.js';
import type { DataRowWithItem } from './records.js';

/** Canonical lowercase uuids that never collide with the other contracts' ones. */
const jobId = (n: number) => `00000000-0000-4000-8000-7${n.toString(16).padStart(11, '0')}`;
const absentId = (n: number) => `00000000-0000-4000-8000-e${n.toString(16).padStart(11, '0')}`;

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The top-level folder every fixture collection lives in (collectionRecord's default). */
const ROOT = folderRecord(1);

function jobRecord(n: number, overrides: Partial<DatasetJobRecord> = {}): DatasetJobRecord {
  return {
    uuid: jobId(n),
    collectionUuid: collectionId(1),
    presetUuid: null,
    datasetUuid: datasetId(1),
    projectUuid: null,
    mode: 'create',
    status: 'PENDING',
    total: 0,
    processed: 0,
    added: 0,
    alreadyThere: 0,
    error: null,
    createdAt: at(n),
    updatedAt: at(n),
    ...overrides,
  };
}

const itemsOf = (rows: readonly DataRowWithItem[]): string[] => rows.map((r) => r.item.uuid);

/** Fixture item numbers as uuids. */
const ids = (ns: readonly number[]): string[] => ns.map(itemId);

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function describeDatasetJobContract(name: string, open: () => Promise<Engine>): void {
  describe(`dataset job contract: ${name}`, () => {
    let engine: Engine;

    /** Items 1..count in ROOT, each named item-<n> with metadata {"n": n}. */
    async function seed(count: number): Promise<void> {
      await engine.createFolder(ROOT);
      const items = range(1, count).map((n) => itemRecord(n, ROOT.uuid, { clientMetadata: `{"n":${n}}` }));
      expect((await engine.writeItems({ insert: items, update: [] }, 0)).ok).toBe(true);
    }

    /** Collection `n` holding these fixture items. */
    async function collection(n: number, members: readonly number[]): Promise<string> {
      const { itemCount } = await engine.createCollection(collectionRecord(n), { itemUuids: ids(members) });
      expect(itemCount).toBe(members.length);
      return collectionId(n);
    }

    /** Expects a batch to work and returns its counts. */
    async function batch(
      collectionUuid: string,
      after: string | null,
      limit: number,
      when = at(100),
      dataset = datasetId(1),
    ): Promise<Extract<LinkCollectionBatchResult, { ok: true }>> {
      const result = await engine.linkCollectionBatch(dataset, collectionUuid, after, limit, when);
      if (!result.ok) return expect.fail(`batch failed: ${JSON.stringify(result)}`);
      return result;
    }

    beforeEach(async () => {
      engine = await open();
    });
    afterEach(async () => {
      await engine.close();
    });

    it('saves, replaces and reads job records; null for an unknown job', async () => {
      const job = jobRecord(1);
      await engine.saveDatasetJob(job);
      expect(await engine.getDatasetJob(jobId(1))).toEqual(job);

      const done: DatasetJobRecord = {
        ...job,
        presetUuid: absentId(1),
        projectUuid: absentId(2),
        mode: 'append-new',
        status: 'ERROR',
        total: 100_000,
        processed: 60_000,
        added: 59_990,
        alreadyThere: 10,
        error: 'dataset was deleted',
        updatedAt: at(9),
      };
      await engine.saveDatasetJob(done);
      expect(await engine.getDatasetJob(jobId(1))).toEqual(done);
      expect(await engine.getDatasetJob(jobId(2))).toBeNull();
    });

    it("walks a collection's members in uuid order, batch by batch, and links each once", async () => {
      await seed(12);
      const members = [2, 3, 5, 7, 8, 9, 11];
      const c = await collection(1, members);
      await engine.createDataset(datasetRecord(1));

      const first = await batch(c, null, 3, at(100));
      expect(first).toEqual({ ok: true, processed: 3, added: 3, alreadyThere: 0, last: itemId(5) });
      const second = await batch(c, first.last, 3, at(101));
      expect(second).toEqual({ ok: true, processed: 3, added: 3, alreadyThere: 0, last: itemId(9) });
      const third = await batch(c, second.last, 3, at(102));
      expect(third).toEqual({ ok: true, processed: 1, added: 1, alreadyThere: 0, last: itemId(11) });
      // Past the last member: nothing more, and `last: null` says the walk is over.
      expect(await batch(c, third.last, 3, at(103))).toEqual({
        ok: true,
        processed: 0,
        added: 0,
        alreadyThere: 0,
        last: null,
      });

      // One row per member, in member order (batches by instant, a batch by hash).
      const rows = await engine.listDataRows(datasetId(1), {});
      expect(itemsOf(rows)).toEqual(ids(members));
      expect(rows.map((r) => r.row.createdAt)).toEqual([
        ...Array<string>(3).fill(at(100)),
        ...Array<string>(3).fill(at(101)),
        at(102),
      ]);
    });

    it('makes rows as linkItems makes them, referencing their items', async () => {
      await seed(4);
      const c = await collection(1, [1, 2, 3, 4]);
      await engine.createDataset(datasetRecord(1));
      await engine.createDataset(datasetRecord(2));
      await batch(c, null, 10, at(100));
      const linked = await engine.linkItems(datasetId(2), ids([1, 2, 3, 4]), 'SKIP', at(100));
      expect(linked.ok).toBe(true);

      const rows = await engine.listDataRows(datasetId(1), {});
      const viaLinkItems = await engine.listDataRows(datasetId(2), {});
      expect(rows).toHaveLength(4);
      // Same titles, instants, items; only the dataset and the fresh hashes differ.
      const shape = (r: DataRowWithItem) => ({ ...r, row: { ...r.row, dataHash: '', datasetUuid: '' } });
      expect(rows.map(shape)).toEqual(viaLinkItems.map(shape));
      for (const r of rows) {
        expect(r.row.dataHash).toMatch(CANONICAL_UUID);
        expect(r.row.title).toBe(r.item.name);
        expect(r.row.lastEditedAt).toBe(at(100));
      }
      // Hashes ascend in member order, so a batch lists in the order of its members.
      const hashes = rows.map((r) => r.row.dataHash);
      expect(hashes).toEqual([...hashes].sort());
      expect(new Set(hashes).size).toBe(4);
      expect((await engine.getDataRows(hashes)).map((r) => r?.item.uuid)).toEqual(ids([1, 2, 3, 4]));

      // The metadata is the item's, read now: written through the item, seen through the row.
      const written = await engine.writeItems(
        { insert: [], update: [{ uuid: itemId(3), clientMetadata: '{"n":33}', lastEditedAt: at(200) }] },
        0,
      );
      expect(written.ok).toBe(true);
      const [row3] = await engine.getDataRows([hashes[2] ?? '']);
      expect(row3?.item.clientMetadata).toBe('{"n":33}');
    });

    it('counts members already in the dataset and never links them again', async () => {
      await seed(10);
      await engine.createDataset(datasetRecord(1));
      // Items 2 and 4 are in the dataset already (4 twice, as DUPLICATE allows).
      const held = await engine.linkItems(datasetId(1), ids([2, 4, 4]), 'DUPLICATE', at(50));
      if (!held.ok) return expect.fail('link failed');
      const before = await engine.listDataRows(datasetId(1), {});

      const c = await collection(1, [1, 2, 3, 4, 5]);
      const first = await batch(c, null, 3, at(100));
      expect(first).toEqual({ ok: true, processed: 3, added: 2, alreadyThere: 1, last: itemId(3) });
      const second = await batch(c, first.last, 3, at(101));
      expect(second).toEqual({ ok: true, processed: 2, added: 1, alreadyThere: 1, last: itemId(5) });

      const rows = await engine.listDataRows(datasetId(1), {});
      expect(rows.slice(0, 3)).toEqual(before); // the rows that were there are untouched
      expect(itemsOf(rows.slice(3))).toEqual(ids([1, 3, 5]));

      // Run again over the whole collection: every member is there already.
      expect(await batch(c, null, 10, at(102))).toEqual({
        ok: true,
        processed: 5,
        added: 0,
        alreadyThere: 5,
        last: itemId(5),
      });
      expect(await engine.listDataRows(datasetId(1), {})).toHaveLength(6);
    });

    it('links only members: a deleted item is no member, an empty collection ends at once', async () => {
      await seed(6);
      await engine.createDataset(datasetRecord(1));
      const c = await collection(1, [1, 2, 3, 4, 5, 6]);
      expect(await engine.deleteItems(ids([2, 5]))).toBe(2);
      expect(await batch(c, null, 10)).toEqual({
        ok: true,
        processed: 4,
        added: 4,
        alreadyThere: 0,
        last: itemId(6),
      });
      expect(itemsOf(await engine.listDataRows(datasetId(1), {}))).toEqual(ids([1, 3, 4, 6]));

      const empty = await collection(2, []);
      expect(await batch(empty, null, 10)).toEqual({
        ok: true,
        processed: 0,
        added: 0,
        alreadyThere: 0,
        last: null,
      });
    });

    it('links into one dataset only, whatever other datasets hold', async () => {
      await seed(3);
      await engine.createDataset(datasetRecord(1));
      await engine.createDataset(datasetRecord(2));
      const linked = await engine.linkItems(datasetId(2), ids([1, 2, 3]), 'SKIP', at(50));
      expect(linked.ok).toBe(true);
      const c = await collection(1, [1, 2, 3]);
      expect(await batch(c, null, 10, at(100), datasetId(1))).toMatchObject({ added: 3, alreadyThere: 0 });
      expect(await engine.countRowsForItems(ids([1, 2, 3]))).toEqual(
        new Map(ids([1, 2, 3]).map((uuid) => [uuid, 2])),
      );
    });

    it('writes nothing for a missing dataset or collection', async () => {
      await seed(3);
      await engine.createDataset(datasetRecord(1));
      const c = await collection(1, [1, 2, 3]);
      expect(await engine.linkCollectionBatch(absentId(1), c, null, 10, at(100))).toEqual({
        ok: false,
        reason: 'missing-dataset',
      });
      expect(await engine.linkCollectionBatch(datasetId(1), absentId(2), null, 10, at(100))).toEqual({
        ok: false,
        reason: 'missing-collection',
      });
      expect(await engine.listDataRows(datasetId(1), {})).toEqual([]);
      expect(await engine.countRowsForItems(ids([1, 2, 3]))).toEqual(
        new Map(ids([1, 2, 3]).map((uuid) => [uuid, 0])),
      );
    });

    it('links 25,000 members in three batches of 10,000', async () => {
      await seed(25_000);
      await engine.createDataset(datasetRecord(1));
      const c = await collection(1, range(1, 25_000));
      const results: Extract<LinkCollectionBatchResult, { ok: true }>[] = [];
      let after: string | null = null;
      for (let n = 0; ; n++) {
        const result = await batch(c, after, 10_000, at(100 + n));
        if (result.last === null) break;
        results.push(result);
        after = result.last;
      }
      expect(results.map((r) => [r.processed, r.added, r.last])).toEqual([
        [10_000, 10_000, itemId(10_000)],
        [10_000, 10_000, itemId(20_000)],
        [5_000, 5_000, itemId(25_000)],
      ]);
      const rows = await engine.listDataRows(datasetId(1), {});
      expect(rows).toHaveLength(25_000);
      expect(itemsOf(rows)).toEqual(ids(range(1, 25_000)));
    });
  });
}
