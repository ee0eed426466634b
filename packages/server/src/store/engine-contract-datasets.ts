/**
 * The dataset and project behaviour every storage engine must have, as one vitest
 * suite next to `engine-contract.ts`. Each engine's test file calls
 * `describeDatasetContract` with a way to open a fresh, empty store.
 *
 * The rules it pins: a data row references its backing item and copies none of its
 * metadata (one source of truth); linking is all or nothing under each duplicates
 * behaviour; unlinking rows, deleting a dataset or a project never touches items or
 * their metadata; and an item that backs rows cannot be deleted (nor its folder)
 * unless the delete is forced.
 */
import { MetaindexError } from '@metaindex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allPages, at, folderRecord, itemId, itemRecord, rejectionOf, uuids } from './engine-contract.js';
import type {
  DataRowFilter,
  DuplicatesBehaviour,
  Engine,
  ListTitledQuery,
  PageCursor,
  ProjectDataRow,
} from './engine.js';
import type { DataRowWithItem, DatasetRecord, ItemRecord, ProjectRecord } from './records.js';

// --- fixtures ---

/** Canonical lowercase uuids that never collide with `engine-contract.ts`'s ones. */
const uuidOf = (kind: 'd' | 'c' | 'e', n: number): string =>
  `00000000-0000-4000-8000-${kind}${n.toString(16).padStart(11, '0')}`;
export const datasetId = (n: number) => uuidOf('d', n);
export const projectId = (n: number) => uuidOf('c', n);
/** A uuid no fixture uses. */
const absentId = (n: number) => uuidOf('e', n);

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function datasetRecord(n: number, overrides: Partial<DatasetRecord> = {}): DatasetRecord {
  return {
    uuid: datasetId(n),
    title: `dataset-${n}`,
    description: '',
    backingFolderUuid: null,
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    ...overrides,
  };
}

export function projectRecord(n: number, overrides: Partial<ProjectRecord> = {}): ProjectRecord {
  return {
    uuid: projectId(n),
    title: `project-${n}`,
    description: '',
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    ...overrides,
  };
}

const titledQuery = (overrides: Partial<ListTitledQuery> = {}): ListTitledQuery => ({
  search: null,
  pageSize: 1000,
  after: null,
  ...overrides,
});

const hashes = (rows: readonly DataRowWithItem[]): string[] => rows.map((r) => r.row.dataHash);
const itemsOf = (rows: readonly DataRowWithItem[]): string[] => rows.map((r) => r.item.uuid);
const titles = (rows: readonly DataRowWithItem[]): string[] => rows.map((r) => r.row.title);

async function expectError(
  promise: Promise<unknown>,
  code: MetaindexError['code'],
  ...naming: string[]
): Promise<MetaindexError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(MetaindexError);
  expect(error).toMatchObject({ code });
  for (const text of naming) expect(String(error)).toContain(text);
  return error as MetaindexError;
}

/**
 * Registers the contract suite. `open` must return an engine over an empty store;
 * it is called before every test and the engine closed after it.
 */
export function describeDatasetContract(name: string, open: () => Promise<Engine>): void {
  describe(`dataset contract: ${name}`, () => {
    let engine: Engine;

    // home ─ sub      other
    const home = folderRecord(1, { name: 'home' });
    const sub = folderRecord(2, { name: 'sub', parentUuid: home.uuid });
    const other = folderRecord(3, { name: 'other' });
    /** Items 1–4 in home, 5–6 in sub, 7–8 in other, each with its own metadata. */
    const items: ItemRecord[] = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      itemRecord(n, n <= 4 ? home.uuid : n <= 6 ? sub.uuid : other.uuid, {
        clientMetadata: `{"n":${n}}`,
      }),
    );
    const item = (n: number): ItemRecord => {
      const found = items[n - 1];
      if (found === undefined) throw new Error(`no fixture item ${n}`);
      return found;
    };

    beforeEach(async () => {
      engine = await open();
      for (const folder of [home, sub, other]) await engine.createFolder(folder);
      expect(await engine.writeItems({ insert: items, update: [] }, 0)).toEqual({ ok: true, items: [] });
    });
    afterEach(async () => {
      await engine.close();
    });

    async function createDatasets(...ns: number[]): Promise<void> {
      for (const n of ns) await engine.createDataset(datasetRecord(n));
    }

    /** Links items (by fixture number) and expects it to work. */
    async function link(
      dataset: number,
      itemNs: readonly number[],
      when = at(100),
      behaviour: DuplicatesBehaviour = 'SKIP',
    ): Promise<DataRowWithItem[]> {
      const result = await engine.linkItems(datasetId(dataset), itemNs.map(itemId), behaviour, when);
      if (!result.ok) return expect.fail(`link failed: ${JSON.stringify(result)}`);
      return result.rows;
    }

    const rowsOf = (dataset: number, filter: DataRowFilter = {}) =>
      engine.listDataRows(datasetId(dataset), filter);

    async function setMetadata(n: number, clientMetadata: string, when = at(500)): Promise<void> {
      const result = await engine.writeItems(
        { insert: [], update: [{ uuid: itemId(n), clientMetadata, lastEditedAt: when }] },
        0,
      );
      expect(result.ok).toBe(true);
    }

    describe('datasets', () => {
      it('creates and gets a dataset, backing folder included; null when absent', async () => {
        const mirror = datasetRecord(1, {
          title: 'Mirror',
          description: 'mirrors other',
          backingFolderUuid: other.uuid,
        });
        const plain = datasetRecord(2);
        await engine.createDataset(mirror);
        await engine.createDataset(plain);
        expect(await engine.getDataset(mirror.uuid)).toEqual(mirror);
        expect(await engine.getDataset(plain.uuid)).toEqual(plain);
        expect(await engine.getDataset(absentId(1))).toBeNull();
      });

      it('refuses a taken uuid, a folder that already backs a dataset, and a missing folder', async () => {
        await engine.createDataset(datasetRecord(1, { backingFolderUuid: other.uuid }));
        await expectError(
          engine.createDataset(datasetRecord(1, { title: 'again' })),
          'conflict',
          datasetId(1),
        );
        await expectError(
          engine.createDataset(datasetRecord(2, { backingFolderUuid: other.uuid })),
          'conflict',
          other.uuid,
          datasetId(1),
        );
        await expectError(
          engine.createDataset(datasetRecord(3, { backingFolderUuid: absentId(1) })),
          'not_found',
          absentId(1),
        );
        expect(uuids((await engine.listDatasets(titledQuery())).rows)).toEqual([datasetId(1)]);
      });

      it('finds the dataset each folder backs', async () => {
        await engine.createDataset(datasetRecord(1, { backingFolderUuid: other.uuid }));
        await engine.createDataset(datasetRecord(2, { backingFolderUuid: sub.uuid }));
        await engine.createDataset(datasetRecord(3));
        const found = await engine.findDatasetsByBackingFolder([
          other.uuid,
          home.uuid,
          sub.uuid,
          absentId(1),
        ]);
        expect(found).toEqual(
          new Map([
            [other.uuid, datasetId(1)],
            [sub.uuid, datasetId(2)],
          ]),
        );
      });

      it('keeps a dataset, unmirrored, with its rows when its backing folder is deleted', async () => {
        const mirrorFolder = folderRecord(9, { name: 'mirror', parentUuid: home.uuid });
        await engine.createFolder(mirrorFolder);
        await engine.createDataset(datasetRecord(1, { backingFolderUuid: mirrorFolder.uuid }));
        const rows = await link(1, [7]); // an item outside the backing folder
        expect(await engine.deleteFolder(mirrorFolder.uuid)).toBe(true);
        expect(await engine.getDataset(datasetId(1))).toEqual(datasetRecord(1));
        expect(await rowsOf(1)).toEqual(rows);
        expect(await engine.findDatasetsByBackingFolder([mirrorFolder.uuid])).toEqual(new Map());
      });

      it('lists datasets by createdAt then uuid, searching titles case-insensitively', async () => {
        await engine.createDataset(datasetRecord(3, { title: 'Été 2024', createdAt: at(1) }));
        await engine.createDataset(datasetRecord(1, { title: 'ÉTÉ', createdAt: at(2) }));
        await engine.createDataset(datasetRecord(4, { title: '100%', createdAt: at(2) }));
        await engine.createDataset(datasetRecord(2, { title: 'a_b', createdAt: at(2) }));
        await engine.createDataset(datasetRecord(5, { title: 'axb', createdAt: at(0) }));
        const list = async (search: string | null) =>
          uuids((await engine.listDatasets(titledQuery({ search }))).rows);
        expect(await list(null)).toEqual([5, 3, 1, 2, 4].map(datasetId));
        expect(await list('été')).toEqual([3, 1].map(datasetId));
        expect(await list('%')).toEqual([datasetId(4)]);
        expect(await list('_')).toEqual([datasetId(2)]);
        expect(await list('nothing')).toEqual([]);
      });

      it('pages through datasets exactly once at any page size', async () => {
        for (let n = 1; n <= 7; n++) await engine.createDataset(datasetRecord(n, { createdAt: at(n % 3) }));
        const whole = (await engine.listDatasets(titledQuery())).rows;
        expect(whole).toHaveLength(7);
        for (const pageSize of [1, 2, 3, 6, 7, 8]) {
          const pages = await allPages((after) => engine.listDatasets(titledQuery({ pageSize, after })));
          expect(pages.flat()).toEqual(whole);
          expect(pages.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
        }
        const first = await engine.listDatasets(titledQuery({ pageSize: 1 }));
        expect(first.next).toEqual({ value: whole[0]?.createdAt, uuid: whole[0]?.uuid });
        await expectError(engine.listDatasets(titledQuery({ pageSize: 0 })), 'invalid_argument');
      });

      it('updates a title or description; null when absent', async () => {
        const dataset = datasetRecord(1, { title: 't', description: 'd' });
        await engine.createDataset(dataset);
        const renamed = { ...dataset, title: 'renamed', lastEditedAt: at(50) };
        expect(
          await engine.updateDataset({ uuid: dataset.uuid, title: 'renamed', lastEditedAt: at(50) }),
        ).toEqual(renamed);
        const described = { ...renamed, description: 'new', lastEditedAt: at(51) };
        expect(
          await engine.updateDataset({ uuid: dataset.uuid, description: 'new', lastEditedAt: at(51) }),
        ).toEqual(described);
        expect(await engine.getDataset(dataset.uuid)).toEqual(described);
        expect(
          await engine.updateDataset({ uuid: absentId(1), title: 'x', lastEditedAt: at(52) }),
        ).toBeNull();
      });
    });

    describe('linkItems', () => {
      beforeEach(async () => {
        await createDatasets(1, 2);
      });

      it('links items as rows in request order, each joined with its item as it is', async () => {
        const rows = await link(1, [3, 1, 5], at(100));
        expect(itemsOf(rows)).toEqual([3, 1, 5].map(itemId));
        expect(titles(rows)).toEqual(['item-3', 'item-1', 'item-5']);
        for (const [index, n] of [3, 1, 5].entries()) {
          expect(rows[index]).toEqual({
            row: {
              dataHash: expect.stringMatching(CANONICAL_UUID) as unknown,
              datasetUuid: datasetId(1),
              itemUuid: itemId(n),
              title: item(n).name,
              createdAt: at(100),
              lastEditedAt: at(100),
            },
            item: item(n),
          });
        }
        expect(new Set(hashes(rows)).size).toBe(3);
        // Rows of one call share createdAt and still list in the order they were asked.
        expect(await rowsOf(1)).toEqual(rows);
        expect(await rowsOf(2)).toEqual([]);
      });

      it('lists rows in creation order across calls', async () => {
        const late = await link(1, [1, 2], at(300));
        const early = await link(1, [4, 3], at(200));
        const middle = await link(1, [6, 5], at(250));
        expect(await rowsOf(1)).toEqual([...early, ...middle, ...late]);
      });

      it('SKIP returns the row an item already has and creates rows only for the others', async () => {
        const [first] = await link(1, [2], at(100));
        const rows = await link(1, [1, 2, 3, 1], at(200), 'SKIP');
        expect(itemsOf(rows)).toEqual([1, 2, 3, 1].map(itemId));
        expect(rows[1]).toEqual(first);
        expect(rows[3]).toEqual(rows[0]);
        expect(rows[0]?.row.createdAt).toBe(at(200));
        const listed = await rowsOf(1);
        expect(itemsOf(listed)).toEqual([2, 1, 3].map(itemId));
        expect(await link(1, [3, 2, 1], at(300), 'SKIP')).toEqual([listed[2], listed[0], listed[1]]);
        expect(await rowsOf(1)).toEqual(listed);
      });

      it('FAIL links nothing when any item is already in the dataset or asked twice', async () => {
        const existing = await link(1, [2, 4], at(100));
        const refused = await engine.linkItems(datasetId(1), [1, 4, 3, 2, 4].map(itemId), 'FAIL', at(200));
        expect(refused).toEqual({ ok: false, reason: 'already-linked', uuids: [itemId(4), itemId(2)] });
        const twice = await engine.linkItems(datasetId(1), [1, 3, 1].map(itemId), 'FAIL', at(200));
        expect(twice).toEqual({ ok: false, reason: 'already-linked', uuids: [itemId(1)] });
        expect(await rowsOf(1)).toEqual(existing);
        // Already linked elsewhere does not count; a clean FAIL link works.
        const rows = await link(2, [2, 4], at(200), 'FAIL');
        expect(itemsOf(rows)).toEqual([2, 4].map(itemId));
        expect(itemsOf(await link(1, [1, 3], at(300), 'FAIL'))).toEqual([1, 3].map(itemId));
      });

      it('DUPLICATE creates a new row for every item asked, linked or not', async () => {
        const [first] = await link(1, [1], at(100));
        const rows = await link(1, [1, 2, 1], at(200), 'DUPLICATE');
        expect(itemsOf(rows)).toEqual([1, 2, 1].map(itemId));
        const all = await rowsOf(1);
        expect(itemsOf(all)).toEqual([1, 1, 2, 1].map(itemId));
        expect(new Set(hashes(all)).size).toBe(4);
        expect(all).toEqual([first, ...rows]);
      });

      it('reports missing items (before duplicates) and a missing dataset, writing nothing', async () => {
        await link(1, [1], at(100));
        const asked = [itemId(2), absentId(2), itemId(1), absentId(1), absentId(2)];
        for (const behaviour of ['SKIP', 'FAIL', 'DUPLICATE'] as const) {
          expect(await engine.linkItems(datasetId(1), asked, behaviour, at(200))).toEqual({
            ok: false,
            reason: 'missing-items',
            uuids: [absentId(2), absentId(1)],
          });
        }
        expect(itemsOf(await rowsOf(1))).toEqual([itemId(1)]);
        expect(await engine.linkItems(absentId(9), [itemId(1)], 'SKIP', at(200))).toEqual({
          ok: false,
          reason: 'missing-dataset',
        });
        expect(await engine.countRowsForItems([itemId(1), itemId(2)])).toEqual(
          new Map([
            [itemId(1), 1],
            [itemId(2), 0],
          ]),
        );
      });

      it('links nothing for an empty list', async () => {
        expect(await engine.linkItems(datasetId(1), [], 'FAIL', at(100))).toEqual({ ok: true, rows: [] });
        expect(await rowsOf(1)).toEqual([]);
      });
    });

    describe('one source of truth', () => {
      it('shows an item metadata write at once through every row, dataset and project', async () => {
        await createDatasets(1, 2);
        const [inOne] = await link(1, [1, 2], at(100));
        const [inTwo] = await link(2, [1], at(101));
        await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2)]);
        if (inOne === undefined || inTwo === undefined) return expect.fail('rows not linked');

        await setMetadata(1, '{"written":"through the item"}', at(500));
        const [updated] = await engine.getItems([itemId(1)]);
        expect(updated).toMatchObject({
          clientMetadata: '{"written":"through the item"}',
          lastEditedAt: at(500),
        });

        const seen = [
          ...(await rowsOf(1)).filter((r) => r.item.uuid === itemId(1)),
          ...(await rowsOf(2)),
          ...(await engine.getDataRows([inOne.row.dataHash, inTwo.row.dataHash])).filter(
            (r): r is DataRowWithItem => r !== null,
          ),
          ...(await engine.listProjectDataRows(projectId(1), { pageSize: 10, after: null })).rows.filter(
            (r) => r.item.uuid === itemId(1),
          ),
        ];
        expect(seen).toHaveLength(6);
        for (const row of seen) expect(row.item).toEqual(updated);

        // Merge rewrites too, and the other item is untouched.
        await engine.rewriteItemMetadata([itemId(1)], () => '{"merged":true}', at(600), 0);
        const [again] = await engine.getDataRows([inTwo.row.dataHash]);
        expect(again?.item.clientMetadata).toBe('{"merged":true}');
        expect((await rowsOf(1))[1]?.item).toEqual(item(2));
      });

      it("keeps the row's title its own: renaming either side leaves the other", async () => {
        await createDatasets(1);
        const [row] = await link(1, [1], at(100));
        if (row === undefined) return expect.fail('row not linked');
        await engine.writeItems(
          { insert: [], update: [{ uuid: itemId(1), name: 'renamed.jpg', lastEditedAt: at(200) }] },
          0,
        );
        const [after] = await engine.getDataRows([row.row.dataHash]);
        expect(after?.row).toEqual(row.row);
        expect(after?.item.name).toBe('renamed.jpg');
      });
    });

    describe('listDataRows filters', () => {
      // Row titles are the items' names when linked.
      const named: [number, string][] = [
        [1, 'Cat.jpg'],
        [2, 'cat_1.png'],
        [3, 'dog.mp4'],
        [4, 'École.wav'],
        [5, '100%.jpg'],
        [6, 'catalog.pdf'],
      ];
      /** Linked at these seconds, one call per group: rows list 1, 2, 3, 4, 5, 6. */
      const linkedAt: [number, number[]][] = [
        [10, [1]],
        [20, [2, 3]],
        [30, [4, 5]],
        [40, [6]],
      ];
      const hashOf = new Map<number, string>();

      beforeEach(async () => {
        await engine.writeItems(
          {
            insert: [],
            update: named.map(([n, itemName]) => ({ uuid: itemId(n), name: itemName, lastEditedAt: at(5) })),
          },
          0,
        );
        await createDatasets(1, 2);
        for (const [second, ns] of linkedAt) {
          const rows = await link(1, ns, at(second));
          rows.forEach((row, i) => hashOf.set(ns[i] ?? 0, row.row.dataHash));
        }
        await link(2, [1, 2, 3], at(10));
      });

      const itemNumbersOf = async (filter: DataRowFilter) =>
        (await rowsOf(1, filter)).map((r) => items.findIndex((i) => i.uuid === r.item.uuid) + 1);

      it('lists every row of the dataset without a filter; nothing for an unknown dataset', async () => {
        expect(await itemNumbersOf({})).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await engine.listDataRows(absentId(1), {})).toEqual([]);
      });

      it('titleEq matches the whole title exactly, case included', async () => {
        expect(await itemNumbersOf({ titleEq: 'Cat.jpg' })).toEqual([1]);
        expect(await itemNumbersOf({ titleEq: 'cat.jpg' })).toEqual([]);
        expect(await itemNumbersOf({ titleEq: 'Cat' })).toEqual([]);
      });

      it('titleLike is a case-insensitive LIKE pattern with % and _, and \\ escapes them', async () => {
        expect(await itemNumbersOf({ titleLike: 'cat%' })).toEqual([1, 2, 6]);
        expect(await itemNumbersOf({ titleLike: 'CAT.JPG' })).toEqual([1]);
        expect(await itemNumbersOf({ titleLike: '%.jpg' })).toEqual([1, 5]);
        expect(await itemNumbersOf({ titleLike: 'ca_.jpg' })).toEqual([1]);
        expect(await itemNumbersOf({ titleLike: 'cat\\_%' })).toEqual([2]);
        expect(await itemNumbersOf({ titleLike: '%\\%%' })).toEqual([5]);
        expect(await itemNumbersOf({ titleLike: 'école%' })).toEqual([4]);
        expect(await itemNumbersOf({ titleLike: '%É%' })).toEqual([4]);
        expect(await itemNumbersOf({ titleLike: 'cat' })).toEqual([]);
      });

      it('createdBefore and createdAfter are strict, alone and together', async () => {
        expect(await itemNumbersOf({ createdBefore: at(20) })).toEqual([1]);
        expect(await itemNumbersOf({ createdAfter: at(30) })).toEqual([6]);
        expect(await itemNumbersOf({ createdAfter: at(10), createdBefore: at(40) })).toEqual([2, 3, 4, 5]);
        expect(await itemNumbersOf({ createdAfter: at(40) })).toEqual([]);
      });

      it('itemTypes matches the backing item type; empty means every type', async () => {
        await engine.createDataset(datasetRecord(3));
        const video = itemRecord(20, other.uuid, { itemType: 'video', name: 'clip.mp4' });
        const audio = itemRecord(21, other.uuid, { itemType: 'audio', name: 'a.wav' });
        await engine.writeItems({ insert: [video, audio], update: [] }, 0);
        await engine.linkItems(datasetId(3), [video.uuid, itemId(1), audio.uuid], 'SKIP', at(50));
        const types = async (itemTypes: DataRowFilter['itemTypes']) =>
          itemsOf(await engine.listDataRows(datasetId(3), { itemTypes }));
        expect(await types(['video'])).toEqual([video.uuid]);
        expect(await types(['audio', 'image'])).toEqual([itemId(1), audio.uuid]);
        expect(await types(['pdf'])).toEqual([]);
        expect(await types([])).toEqual([video.uuid, itemId(1), audio.uuid]);
      });

      it('dataHashes keeps only those rows of this dataset; empty means every row', async () => {
        const wanted = [hashOf.get(5), hashOf.get(2), absentId(1)].filter(
          (h): h is string => h !== undefined,
        );
        const otherDatasetRow = (await rowsOf(2))[0]?.row.dataHash ?? '';
        expect(await itemNumbersOf({ dataHashes: [...wanted, otherDatasetRow] })).toEqual([2, 5]);
        expect(await itemNumbersOf({ dataHashes: [] })).toEqual([1, 2, 3, 4, 5, 6]);
      });

      it('ANDs the filters together', async () => {
        expect(await itemNumbersOf({ titleLike: 'cat%', createdAfter: at(10) })).toEqual([2, 6]);
        expect(await itemNumbersOf({ titleLike: '%.%', createdBefore: at(40), titleEq: 'dog.mp4' })).toEqual([
          3,
        ]);
        const allHashes = [...hashOf.values()];
        expect(
          await itemNumbersOf({
            dataHashes: allHashes,
            titleLike: '%o%',
            createdAfter: at(10),
            createdBefore: at(40),
          }),
        ).toEqual([3, 4]);
      });
    });

    describe('rows', () => {
      beforeEach(async () => {
        await createDatasets(1, 2);
      });

      it('gets rows in the order asked, null where missing', async () => {
        const [a, b] = await link(1, [1, 2], at(100));
        const [c] = await link(2, [1], at(100));
        if (a === undefined || b === undefined || c === undefined) return expect.fail('rows not linked');
        expect(
          await engine.getDataRows([
            c.row.dataHash,
            absentId(1),
            a.row.dataHash,
            b.row.dataHash,
            c.row.dataHash,
          ]),
        ).toEqual([c, null, a, b, c]);
        expect(await engine.getDataRows([])).toEqual([]);
      });

      it("updates a row's title only, not its item nor the item's other rows; null when absent", async () => {
        const [a, b] = await link(1, [1, 1], at(100), 'DUPLICATE');
        if (a === undefined || b === undefined) return expect.fail('rows not linked');
        const updated = await engine.updateDataRowTitle(a.row.dataHash, 'new title', at(200));
        const expected = { row: { ...a.row, title: 'new title', lastEditedAt: at(200) }, item: item(1) };
        expect(updated).toEqual(expected);
        expect(await rowsOf(1)).toEqual([expected, b]);
        expect(await rowsOf(1, { titleEq: 'new title' })).toEqual([expected]);
        expect(await engine.getItems([itemId(1)])).toEqual([item(1)]);
        expect(await engine.updateDataRowTitle(absentId(1), 'x', at(200))).toBeNull();
      });

      it('unlinks rows of that dataset only, keeping every item and its metadata', async () => {
        await setMetadata(1, '{"keep":"me"}', at(50));
        const [a, b, c] = await link(1, [1, 2, 3], at(100));
        const [elsewhere] = await link(2, [1], at(100));
        if (a === undefined || b === undefined || c === undefined || elsewhere === undefined) {
          return expect.fail('rows not linked');
        }
        expect(await engine.unlinkRows(datasetId(1), [a.row.dataHash, c.row.dataHash, absentId(1)])).toBe(2);
        expect(await engine.unlinkRows(datasetId(1), [elsewhere.row.dataHash])).toBe(0);
        expect(await engine.unlinkRows(datasetId(1), [a.row.dataHash])).toBe(0);
        expect(await rowsOf(1)).toEqual([b]);
        expect(await rowsOf(2)).toEqual([elsewhere]);
        const [kept, , third] = await engine.getItems([itemId(1), itemId(2), itemId(3)]);
        expect(kept?.clientMetadata).toBe('{"keep":"me"}');
        expect(third).toEqual(item(3));
        expect(await engine.countRowsForItems([itemId(1), itemId(3)])).toEqual(
          new Map([
            [itemId(1), 1],
            [itemId(3), 0],
          ]),
        );
      });
    });

    describe('deleting', () => {
      beforeEach(async () => {
        await createDatasets(1, 2);
      });

      it('counts the rows an item backs across datasets, duplicates included', async () => {
        await link(1, [1, 1, 2], at(100), 'DUPLICATE');
        await link(2, [1, 5], at(100));
        expect(
          await engine.countRowsForItems([itemId(5), itemId(1), itemId(3), absentId(1), itemId(1)]),
        ).toEqual(
          new Map([
            [itemId(5), 1],
            [itemId(1), 3],
            [itemId(3), 0],
            [absentId(1), 0],
          ]),
        );
        const backing = await engine.itemsBackingRows([itemId(3), itemId(5), itemId(2), itemId(1)]);
        expect([...backing]).toEqual([
          [itemId(5), 1],
          [itemId(2), 1],
          [itemId(1), 3],
        ]);
        expect(await engine.itemsBackingRows([itemId(3), absentId(1)])).toEqual(new Map());
        expect(await engine.countRowsForItems([])).toEqual(new Map());
      });

      it('deleting a dataset removes its rows and attachments, never items or metadata', async () => {
        await setMetadata(1, '{"keep":"me"}', at(50));
        await link(1, [1, 2], at(100));
        const kept = await link(2, [1], at(100));
        await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2)]);
        expect(await engine.deleteDataset(datasetId(1))).toBe(true);
        expect(await engine.getDataset(datasetId(1))).toBeNull();
        expect(await rowsOf(1)).toEqual([]);
        expect(await rowsOf(2)).toEqual(kept);
        expect(uuids(await engine.listProjectDatasets(projectId(1)))).toEqual([datasetId(2)]);
        const [one, two] = await engine.getItems([itemId(1), itemId(2)]);
        expect(one?.clientMetadata).toBe('{"keep":"me"}');
        expect(two).toEqual(item(2));
        expect(await engine.countRowsForItems([itemId(1), itemId(2)])).toEqual(
          new Map([
            [itemId(1), 1],
            [itemId(2), 0],
          ]),
        );
        expect(await engine.deleteDataset(datasetId(1))).toBe(false);
        // Its items can go now that no row references them.
        expect(await engine.deleteItems([itemId(2)])).toBe(1);
      });

      it('refuses to delete items that back rows, as a conflict naming them, deleting nothing', async () => {
        await link(1, [2, 3], at(100));
        await link(2, [3], at(100));
        const error = await expectError(
          engine.deleteItems([itemId(1), itemId(2), itemId(3), itemId(4)]),
          'conflict',
          itemId(2),
          itemId(3),
        );
        expect(String(error)).not.toContain(itemId(1));
        expect(error.details).toEqual({
          items: [
            { uuid: itemId(2), rows: 1 },
            { uuid: itemId(3), rows: 2 },
          ],
        });
        expect(await engine.getItems([1, 2, 3, 4].map(itemId))).toEqual([1, 2, 3, 4].map(item));
        expect(await engine.deleteItems([itemId(1), itemId(4)])).toBe(2);
      });

      it('refuses to delete a folder with a backing item at any depth, deleting nothing', async () => {
        await link(1, [6], at(100)); // in sub, below home
        expect(await engine.itemsBackingRowsInFolder(home.uuid)).toEqual(new Map([[itemId(6), 1]]));
        expect(await engine.itemsBackingRowsInFolder(other.uuid)).toEqual(new Map());
        await expectError(engine.deleteFolder(home.uuid), 'conflict', home.uuid, itemId(6));
        await expectError(engine.deleteFolder(sub.uuid), 'conflict', sub.uuid, itemId(6));
        expect(await engine.getFolder(home.uuid)).toEqual(home);
        expect(await engine.getFolder(sub.uuid)).toEqual(sub);
        expect(await engine.getItems([1, 2, 3, 4, 5, 6].map(itemId))).toEqual([1, 2, 3, 4, 5, 6].map(item));
        expect(await engine.deleteFolder(other.uuid)).toBe(true);
      });

      it('names at most ten items in the message, and all of them in the details', async () => {
        await engine.createFolder(folderRecord(9, { name: 'many' }));
        const more = Array.from({ length: 12 }, (_, i) => itemRecord(30 + i, folderRecord(9).uuid));
        await engine.writeItems({ insert: more, update: [] }, 0);
        await engine.linkItems(datasetId(2), uuids(more), 'SKIP', at(100));
        const error = await expectError(engine.deleteItems(uuids(more)), 'conflict', 'and 2 more');
        expect(error.details).toEqual({ items: more.map((i) => ({ uuid: i.uuid, rows: 1 })) });
      });

      it('force-deletes items with every row they back, atomically', async () => {
        await setMetadata(2, '{"stays":true}', at(50));
        await link(1, [1, 2], at(100));
        await link(2, [1, 1], at(100), 'DUPLICATE');
        expect(await engine.forceDeleteItems([itemId(1), itemId(3), absentId(1)])).toEqual({
          items: 2,
          rows: 3,
        });
        expect(await engine.getItems([itemId(1), itemId(3)])).toEqual([null, null]);
        expect(itemsOf(await rowsOf(1))).toEqual([itemId(2)]);
        expect(await rowsOf(2)).toEqual([]);
        expect((await rowsOf(1))[0]?.item.clientMetadata).toBe('{"stays":true}');
      });

      it('force-deletes a folder with the rows its items back', async () => {
        await link(1, [1, 6, 7], at(100));
        expect(await engine.forceDeleteFolder(home.uuid)).toEqual({ deleted: true, rows: 2 });
        expect(await engine.getFolder(sub.uuid)).toBeNull();
        expect(itemsOf(await rowsOf(1))).toEqual([itemId(7)]);
        expect(await engine.forceDeleteFolder(home.uuid)).toEqual({ deleted: false, rows: 0 });
      });
    });

    describe('projects', () => {
      beforeEach(async () => {
        await createDatasets(1, 2, 3);
      });

      it('creates a project with datasets; gets it; null when absent', async () => {
        const project = projectRecord(1, { title: 'P', description: 'a project' });
        expect(await engine.createProject(project, [datasetId(2), datasetId(1), datasetId(2)])).toEqual({
          ok: true,
        });
        expect(await engine.getProject(project.uuid)).toEqual(project);
        expect(await engine.listProjectDatasets(project.uuid)).toEqual([datasetRecord(1), datasetRecord(2)]);
        expect(await engine.getProject(absentId(1))).toBeNull();
        expect(await engine.listProjectDatasets(absentId(1))).toEqual([]);
        await expectError(engine.createProject(projectRecord(1), []), 'conflict', projectId(1));
      });

      it('creates nothing when a dataset is missing', async () => {
        expect(
          await engine.createProject(projectRecord(1), [datasetId(1), absentId(2), absentId(1), absentId(2)]),
        ).toEqual({ ok: false, reason: 'missing-datasets', uuids: [absentId(2), absentId(1)] });
        expect(await engine.getProject(projectId(1))).toBeNull();
        expect(await engine.createProject(projectRecord(1), [])).toEqual({ ok: true });
        expect(await engine.listProjectDatasets(projectId(1))).toEqual([]);
      });

      it('lists and pages projects by createdAt, searching titles', async () => {
        await engine.createProject(projectRecord(3, { title: 'Alpha', createdAt: at(1) }), []);
        await engine.createProject(projectRecord(1, { title: 'beta', createdAt: at(2) }), []);
        await engine.createProject(projectRecord(2, { title: 'ALPHABET', createdAt: at(2) }), []);
        const whole = (await engine.listProjects(titledQuery())).rows;
        expect(uuids(whole)).toEqual([3, 1, 2].map(projectId));
        expect(uuids((await engine.listProjects(titledQuery({ search: 'alpha' }))).rows)).toEqual(
          [3, 2].map(projectId),
        );
        const pages = await allPages((after) => engine.listProjects(titledQuery({ pageSize: 2, after })));
        expect(pages.map((page) => page.length)).toEqual([2, 1]);
        expect(pages.flat()).toEqual(whole);
      });

      it('attaches datasets all or nothing, counting only new attachments', async () => {
        await engine.createProject(projectRecord(1), [datasetId(1)]);
        expect(await engine.attachDatasets(projectId(1), [datasetId(3), absentId(1)])).toEqual({
          ok: false,
          reason: 'missing-datasets',
          uuids: [absentId(1)],
        });
        expect(uuids(await engine.listProjectDatasets(projectId(1)))).toEqual([datasetId(1)]);
        expect(await engine.attachDatasets(projectId(1), [datasetId(3), datasetId(1), datasetId(3)])).toEqual(
          {
            ok: true,
            attached: 1,
          },
        );
        expect(uuids(await engine.listProjectDatasets(projectId(1)))).toEqual([datasetId(1), datasetId(3)]);
        expect(await engine.attachDatasets(absentId(1), [datasetId(1)])).toEqual({
          ok: false,
          reason: 'missing-project',
        });
      });

      it('detaches datasets without deleting them; a dataset can be in several projects', async () => {
        await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2)]);
        await engine.createProject(projectRecord(2), [datasetId(1)]);
        expect(await engine.detachDatasets(projectId(1), [datasetId(1), datasetId(3), absentId(1)])).toBe(1);
        expect(uuids(await engine.listProjectDatasets(projectId(1)))).toEqual([datasetId(2)]);
        expect(uuids(await engine.listProjectDatasets(projectId(2)))).toEqual([datasetId(1)]);
        expect(await engine.getDataset(datasetId(1))).toEqual(datasetRecord(1));
        expect(await engine.detachDatasets(absentId(1), [datasetId(1)])).toBe(0);
      });

      it('deleting a project never touches its datasets, rows or items', async () => {
        const rows = await link(1, [1, 2], at(100));
        await engine.createProject(projectRecord(1), [datasetId(1)]);
        expect(await engine.deleteProject(projectId(1))).toBe(true);
        expect(await engine.getProject(projectId(1))).toBeNull();
        expect(await engine.getDataset(datasetId(1))).toEqual(datasetRecord(1));
        expect(await rowsOf(1)).toEqual(rows);
        expect(await engine.getItems([itemId(1)])).toEqual([item(1)]);
        expect(await engine.deleteProject(projectId(1))).toBe(false);
      });

      describe('listProjectDataRows', () => {
        const page = (pageSize: number, after: PageCursor | null = null, project = 1) =>
          engine.listProjectDataRows(projectId(project), { pageSize, after });
        const key = (r: ProjectDataRow) => `${r.row.createdAt} ${r.row.dataHash}`;

        it('lists the rows of every attached dataset in creation order, with their dataset', async () => {
          const a = await link(1, [1, 2], at(300));
          const b = await link(2, [3, 1], at(200));
          const c = await link(1, [4], at(250));
          await link(3, [5], at(100)); // not attached
          await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2)]);
          const { rows, next } = await page(100);
          expect(next).toBeNull();
          expect(rows).toEqual([...b, ...c, ...a].map((r) => ({ ...r, datasetUuid: r.row.datasetUuid })));
          expect(rows.map((r) => r.datasetUuid)).toEqual([2, 2, 1, 1, 1].map(datasetId));
          expect(await page(10, null, 2)).toEqual({ rows: [], next: null });
          await engine.detachDatasets(projectId(1), [datasetId(1)]);
          expect(itemsOf((await page(10)).rows)).toEqual([3, 1].map(itemId));
        });

        it('pages through every row exactly once at any page size', async () => {
          for (const [i, n] of [1, 2, 3, 4, 5, 6, 7, 8].entries()) {
            await link((i % 3) + 1, [n], at(100 + (i % 4)), 'DUPLICATE');
            await link(((i + 1) % 3) + 1, [n, n], at(100 + (i % 2)), 'DUPLICATE');
          }
          await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2), datasetId(3)]);
          const whole = (await page(1000)).rows;
          expect(whole).toHaveLength(24);
          const keys = whole.map(key);
          expect(keys).toEqual([...keys].sort());
          for (const pageSize of [1, 2, 5, 7, 23, 24, 25]) {
            const pages = await allPages((after) => page(pageSize, after));
            expect(pages.flat()).toEqual(whole);
            expect(pages.slice(0, -1).every((p) => p.length === pageSize)).toBe(true);
          }
          const first = await page(1);
          expect(first.next).toEqual({ value: whole[0]?.row.createdAt, uuid: whole[0]?.row.dataHash });
        });

        it('pages exactly once while rows are linked and unlinked between pages', async () => {
          const initial = [
            ...(await link(1, [1, 2, 3], at(10))),
            ...(await link(2, [4, 5, 6], at(20))),
            ...(await link(1, [7, 8], at(30))),
          ];
          await engine.createProject(projectRecord(1), [datasetId(1), datasetId(2)]);
          const seen: ProjectDataRow[] = [];
          const next = async (after: PageCursor | null) => {
            const result = await page(3, after);
            seen.push(...result.rows);
            return result.next;
          };
          let cursor = await next(null); // the three rows at 10
          await link(2, [1], at(5)); // behind the cursor: not seen
          const ahead = await link(2, [2], at(25)); // ahead: seen
          const gone = initial[4]; // ahead, unlinked: not seen
          if (gone === undefined) return expect.fail('rows not linked');
          await engine.unlinkRows(datasetId(2), [gone.row.dataHash]);
          cursor = await next(cursor);
          await engine.unlinkRows(datasetId(1), [initial[0]?.row.dataHash ?? '']); // seen already
          const last = await link(1, [4], at(99)); // ahead: seen
          while (cursor !== null) cursor = await next(cursor);
          const expected = [...initial.filter((r) => r !== gone), ...ahead, ...last];
          expect(seen.map(key)).toEqual(expected.map((r) => `${r.row.createdAt} ${r.row.dataHash}`).sort());
          expect(new Set(seen.map(key)).size).toBe(seen.length);
        });

        it('rejects a page size below one', async () => {
          await engine.createProject(projectRecord(1), [datasetId(1)]);
          await expectError(page(0), 'invalid_argument');
        });
      });
    });

    it('lists a 100,000-row dataset in one call within a few seconds', { timeout: 120_000 }, async () => {
      const count = 100_000;
      const bulk = folderRecord(20, { name: 'bulk' });
      await engine.createFolder(bulk);
      const many = Array.from({ length: count }, (_, i) =>
        itemRecord(1000 + i, bulk.uuid, {
          clientMetadata: `{"i":${i}}`,
          itemType: i % 2 ? 'image' : 'video',
        }),
      );
      expect((await engine.writeItems({ insert: many, update: [] }, 0)).ok).toBe(true);
      await engine.createDataset(datasetRecord(1));
      await engine.createProject(projectRecord(1), [datasetId(1)]);

      let started = performance.now();
      const linked = await engine.linkItems(datasetId(1), uuids(many), 'SKIP', at(100));
      const linkMs = performance.now() - started;
      expect(linked.ok && linked.rows.length).toBe(count);

      started = performance.now();
      const rows = await rowsOf(1);
      const listMs = performance.now() - started;

      started = performance.now();
      const filtered = await rowsOf(1, { itemTypes: ['video'], titleLike: 'item-1%' });
      const filterMs = performance.now() - started;

      started = performance.now();
      const firstPage = await engine.listProjectDataRows(projectId(1), { pageSize: 1000, after: null });
      const lastPage = await engine.listProjectDataRows(projectId(1), {
        pageSize: 1000,
        after: { value: at(100), uuid: rows[count - 500]?.row.dataHash ?? '' },
      });
      const pagesMs = performance.now() - started;

      started = performance.now();
      const again = await rowsOf(1, { dataHashes: [rows[4242]?.row.dataHash ?? ''] });
      const byHashMs = performance.now() - started;

      console.info(
        `${name}: linked 100,000 items in ${linkMs.toFixed(0)} ms; listed 100,000 rows in ${listMs.toFixed(0)} ms, ` +
          `filtered in ${filterMs.toFixed(0)} ms, two project pages in ${pagesMs.toFixed(0)} ms, ` +
          `one row by hash in ${byHashMs.toFixed(1)} ms`,
      );
      expect(rows).toHaveLength(count);
      expect(itemsOf(rows)).toEqual(uuids(many));
      expect(rows[count - 1]?.item).toEqual(many[count - 1]);
      expect(filtered.every((r) => r.item.itemType === 'video' && r.row.title.startsWith('item-1'))).toBe(
        true,
      );
      expect(firstPage.rows).toHaveLength(1000);
      expect(lastPage).toMatchObject({ next: null });
      expect(lastPage.rows).toHaveLength(499);
      expect(again.map((r) => r.item.uuid)).toEqual([many[4242]?.uuid]);
      expect(listMs).toBeLessThan(5000);
    });
  });
}
