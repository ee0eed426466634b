/**
 * The behaviour every storage engine must have, as one vitest suite. Each engine's
 * test file calls `describeEngineContract` with a way to open a fresh, empty store;
 * an engine is done when it passes all of it unchanged.
 */
import { MetaindexError, type SchemaTypeObject } from '@metaindex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine, ListFoldersQuery, ListItemsQuery, Page, PageCursor } from './engine.js';
import {
  EMPTY_MEDIA,
  type FolderRecord,
  type ItemRecord,
  type UploadJobRecord,
  type UserRecord,
} from './records.js';

// --- deterministic fixtures (exported for engine-specific tests too) ---

/** Canonical lowercase uuids; folders, items, jobs and misses never collide. */
const uuidOf = (kind: 'f' | 'a' | 'b' | 'e', n: number): string =>
  `00000000-0000-4000-8000-${kind}${n.toString(16).padStart(11, '0')}`;
const folderId = (n: number) => uuidOf('f', n);
export const itemId = (n: number) => uuidOf('a', n);
const jobId = (n: number) => uuidOf('b', n);
/** A uuid no fixture uses. */
const absentId = (n: number) => uuidOf('e', n);

/** ISO timestamps `n` seconds after a fixed instant. */
export const at = (n: number): string => new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();

export function folderRecord(n: number, overrides: Partial<FolderRecord> = {}): FolderRecord {
  return {
    uuid: folderId(n),
    parentUuid: null,
    name: `folder-${n}`,
    description: '',
    clientMetadata: null,
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    ...overrides,
  };
}

export function itemRecord(n: number, folderUuid: string, overrides: Partial<ItemRecord> = {}): ItemRecord {
  return {
    uuid: itemId(n),
    folderUuid,
    itemType: 'image',
    name: `item-${n}`,
    description: '',
    clientMetadata: '{}',
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    storageLocation: 'encord',
    url: null,
    blobKey: null,
    integrationHash: null,
    isPlaceholder: false,
    media: { ...EMPTY_MEDIA },
    ...overrides,
  };
}

function userRecord(n: number, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    email: `user${n}@example.com`,
    role: 'member',
    publicKeyHex: n.toString(16).padStart(64, '0'),
    createdAt: at(n),
    ...overrides,
  };
}

function jobRecord(n: number, folderUuid: string, overrides: Partial<UploadJobRecord> = {}): UploadJobRecord {
  return {
    uuid: jobId(n),
    folderUuid,
    status: 'PENDING',
    itemsWithNames: [],
    errors: [],
    unitsPendingCount: 2,
    unitsDoneCount: 0,
    unitsErrorCount: 0,
    unitsCancelledCount: 0,
    unitErrors: [],
    fileName: null,
    createdAt: at(n),
    updatedAt: at(n),
    ...overrides,
  };
}

const folderQuery = (overrides: Partial<ListFoldersQuery> = {}): ListFoldersQuery => ({
  parentUuid: null,
  recursive: false,
  search: null,
  order: 'name',
  desc: false,
  pageSize: 1000,
  after: null,
  ...overrides,
});

const itemQuery = (folderUuid: string, overrides: Partial<ListItemsQuery> = {}): ListItemsQuery => ({
  folderUuid,
  recursive: false,
  search: null,
  itemTypes: [],
  order: 'name',
  desc: false,
  pageSize: 1000,
  after: null,
  ...overrides,
});

const names = (rows: readonly { name: string }[]): string[] => rows.map((row) => row.name);
export const uuids = (rows: readonly { uuid: string }[]): string[] => rows.map((row) => row.uuid);

/** Follows `next` until the last page; returns every page. */
export async function allPages<T>(fetch: (after: PageCursor | null) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let after: PageCursor | null = null;
  do {
    const page: Page<T> = await fetch(after);
    pages.push(page.rows);
    after = page.next;
  } while (after !== null);
  return pages;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to be rejected'),
    (error: unknown) => error,
  );
}

async function expectConflict(promise: Promise<unknown>, naming: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(MetaindexError);
  expect(error).toMatchObject({ code: 'conflict' });
  expect(String(error)).toContain(naming);
}

/**
 * Registers the contract suite. `open` must return an engine over an empty store;
 * it is called before every test and the engine closed after it.
 */
export function describeEngineContract(name: string, open: () => Promise<Engine>): void {
  describe(`engine contract: ${name}`, () => {
    let engine: Engine;

    beforeEach(async () => {
      engine = await open();
    });
    afterEach(async () => {
      await engine.close();
    });

    async function insertItems(...items: ItemRecord[]): Promise<void> {
      const result = await engine.writeItems({ insert: items, update: [] }, 0);
      expect(result).toEqual({ ok: true, items: [] });
    }

    async function itemNamesInFolder(folderUuid: string): Promise<string[]> {
      return names((await engine.listItems(itemQuery(folderUuid))).rows);
    }

    describe('metadata schema', () => {
      const first = new Map<string, SchemaTypeObject>([
        ['10', { ty: 'variant', hint: 'number' }],
        ['2', { ty: 'enum', values: ['a', 'b'] }],
        ['name', { ty: 'varchar', max_length: 100 }],
        ['1', { ty: 'embedding', size: 3, api: null }],
      ]);
      const second = new Map<string, SchemaTypeObject>([
        ['10', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
        ['2', { ty: 'tombstone', deleted_ty: null }],
        ['name', { ty: 'varchar', max_length: 100 }],
        ['1', { ty: 'embedding', size: 3, api: null }],
        ['0', { ty: 'number', format: 'F32' }],
      ]);

      it('is empty at version 0 when never saved', async () => {
        expect(await engine.getSchema()).toEqual({
          version: 0,
          schema: new Map(),
          createdAt: null,
          updatedAt: null,
        });
      });

      it('saves at version 1; the first save sets createdAt, later ones only updatedAt', async () => {
        expect(await engine.replaceSchema(0, first, at(1))).toBe(1);
        expect(await engine.getSchema()).toMatchObject({ version: 1, createdAt: at(1), updatedAt: at(1) });
        expect(await engine.replaceSchema(1, second, at(2))).toBe(2);
        expect(await engine.getSchema()).toMatchObject({ version: 2, createdAt: at(1), updatedAt: at(2) });
      });

      it('keeps insertion order, integer-like keys included, and round-trips tombstones', async () => {
        await engine.replaceSchema(0, first, at(1));
        expect([...(await engine.getSchema()).schema]).toEqual([...first]);
        await engine.replaceSchema(1, second, at(2));
        expect([...(await engine.getSchema()).schema]).toEqual([...second]);
      });

      it('refuses a stale version (compare-and-set) and keeps what is stored', async () => {
        await engine.replaceSchema(0, first, at(1));
        expect(await engine.replaceSchema(0, second, at(2))).toBeNull();
        expect(await engine.replaceSchema(5, second, at(2))).toBeNull();
        const stored = await engine.getSchema();
        expect(stored).toMatchObject({ version: 1, updatedAt: at(1) });
        expect([...stored.schema]).toEqual([...first]);
      });

      it('can be replaced by the empty schema', async () => {
        await engine.replaceSchema(0, first, at(1));
        expect(await engine.replaceSchema(1, new Map(), at(2))).toBe(2);
        expect(await engine.getSchema()).toEqual({
          version: 2,
          schema: new Map(),
          createdAt: at(1),
          updatedAt: at(2),
        });
      });
    });

    describe('users', () => {
      it('adds, lists and finds users by key', async () => {
        const alice = userRecord(1, { role: 'admin' });
        const bob = userRecord(2);
        await engine.addUser(bob);
        await engine.addUser(alice);
        const listed = await engine.listUsers();
        expect(listed.sort((a, b) => a.email.localeCompare(b.email))).toEqual([alice, bob]);
        expect(await engine.findUserByKey(bob.publicKeyHex)).toEqual(bob);
        expect(await engine.findUserByKey('f'.repeat(64))).toBeNull();
        expect(await engine.findUserByEmail(bob.email)).toEqual(bob);
        expect(await engine.findUserByEmail('nobody@example.com')).toBeNull();
      });

      it('changes a role; false for an unknown user', async () => {
        const alice = userRecord(1);
        await engine.addUser(alice);
        expect(await engine.setUserRole(alice.email, 'admin')).toBe(true);
        expect(await engine.findUserByKey(alice.publicKeyHex)).toEqual({ ...alice, role: 'admin' });
        expect(await engine.setUserRole('nobody@example.com', 'admin')).toBe(false);
      });

      it('removes a user and their key; false for an unknown user', async () => {
        const alice = userRecord(1);
        await engine.addUser(alice);
        expect(await engine.removeUser(alice.email)).toBe(true);
        expect(await engine.findUserByKey(alice.publicKeyHex)).toBeNull();
        expect(await engine.listUsers()).toEqual([]);
        expect(await engine.removeUser(alice.email)).toBe(false);
      });

      it('rejects a duplicate email or key as a conflict naming it, adding nothing', async () => {
        const alice = userRecord(1);
        await engine.addUser(alice);
        await expectConflict(engine.addUser(userRecord(2, { email: alice.email })), alice.email);
        await expectConflict(
          engine.addUser(userRecord(3, { publicKeyHex: alice.publicKeyHex })),
          alice.publicKeyHex,
        );
        expect(await engine.listUsers()).toEqual([alice]);
      });
    });

    describe('folders', () => {
      // r1 ─ c1 ─ g1 ─ gg1      r2 ─ c3
      //    └ c2
      const r1 = folderRecord(1, { name: 'r1' });
      const c1 = folderRecord(2, { name: 'c1', parentUuid: r1.uuid });
      const g1 = folderRecord(3, { name: 'g1', parentUuid: c1.uuid });
      const gg1 = folderRecord(4, { name: 'gg1', parentUuid: g1.uuid });
      const c2 = folderRecord(5, { name: 'c2', parentUuid: r1.uuid, clientMetadata: '{"k":1}' });
      const r2 = folderRecord(6, { name: 'r2' });
      const c3 = folderRecord(7, { name: 'c3', parentUuid: r2.uuid });
      const tree = [r1, c1, g1, gg1, c2, r2, c3];

      async function createTree(): Promise<void> {
        for (const folder of tree) await engine.createFolder(folder);
      }

      it('creates and gets a folder; null when absent', async () => {
        await createTree();
        expect(await engine.getFolder(c2.uuid)).toEqual(c2);
        expect(await engine.getFolder(r1.uuid)).toEqual(r1);
        expect(await engine.getFolder(absentId(1))).toBeNull();
      });

      it('gives the path root first; empty when absent', async () => {
        await createTree();
        expect(await engine.getFolderPath(gg1.uuid)).toEqual([r1, c1, g1, gg1]);
        expect(await engine.getFolderPath(r2.uuid)).toEqual([r2]);
        expect(await engine.getFolderPath(absentId(1))).toEqual([]);
      });

      it('lists root folders or the children of one', async () => {
        await createTree();
        expect(names((await engine.listFolders(folderQuery())).rows)).toEqual(['r1', 'r2']);
        expect((await engine.listFolders(folderQuery({ parentUuid: r1.uuid }))).rows).toEqual([c1, c2]);
        expect(await engine.listFolders(folderQuery({ parentUuid: gg1.uuid }))).toEqual({
          rows: [],
          next: null,
        });
      });

      it('lists every descendant at any depth when recursive', async () => {
        await createTree();
        const below = await engine.listFolders(folderQuery({ parentUuid: r1.uuid, recursive: true }));
        expect(names(below.rows)).toEqual(['c1', 'c2', 'g1', 'gg1']);
        const below1 = await engine.listFolders(folderQuery({ parentUuid: c1.uuid, recursive: true }));
        expect(names(below1.rows)).toEqual(['g1', 'gg1']);
        const everything = await engine.listFolders(folderQuery({ recursive: true }));
        expect(names(everything.rows)).toEqual(['c1', 'c2', 'c3', 'g1', 'gg1', 'r1', 'r2']);
      });

      it('searches names case-insensitively, non-ASCII included, with % and _ taken literally', async () => {
        const folderNames = ['Été 2024', 'ÉTÉ', 'ete', 'Photos', 'PHOTOS old', '100%', '1000', 'a_b', 'axb'];
        for (const [i, folderName] of folderNames.entries()) {
          await engine.createFolder(folderRecord(i + 1, { name: folderName }));
        }
        const search = async (text: string, recursive = false) =>
          names((await engine.listFolders(folderQuery({ search: text, recursive }))).rows);
        expect(await search('été')).toEqual(['ÉTÉ', 'Été 2024']);
        expect(await search('ÉT')).toEqual(['ÉTÉ', 'Été 2024']);
        expect(await search('photos')).toEqual(['PHOTOS old', 'Photos']);
        expect(await search('%')).toEqual(['100%']);
        expect(await search('_')).toEqual(['a_b']);
        expect(await search('nothing')).toEqual([]);
        expect(await search('ete', true)).toEqual(['ete']);
      });

      it('orders by name or createdAt, ascending or descending, ties by uuid', async () => {
        await engine.createFolder(folderRecord(3, { name: 'b', createdAt: at(1) }));
        await engine.createFolder(folderRecord(1, { name: 'c', createdAt: at(2) }));
        await engine.createFolder(folderRecord(2, { name: 'a', createdAt: at(3) }));
        await engine.createFolder(folderRecord(5, { name: 'a', createdAt: at(3) }));
        await engine.createFolder(folderRecord(4, { name: 'a', createdAt: at(3) }));
        const list = async (order: 'name' | 'createdAt', desc: boolean) =>
          uuids((await engine.listFolders(folderQuery({ order, desc }))).rows);
        const [f1, f2, f3, f4, f5] = [1, 2, 3, 4, 5].map(folderId);
        expect(await list('name', false)).toEqual([f2, f4, f5, f3, f1]);
        expect(await list('name', true)).toEqual([f1, f3, f5, f4, f2]);
        expect(await list('createdAt', false)).toEqual([f3, f1, f2, f4, f5]);
        expect(await list('createdAt', true)).toEqual([f5, f4, f2, f1, f3]);
      });

      it('pages through every folder exactly once at any page size, order and direction', async () => {
        const folderNames = ['m', 'b', 'same', 'same', 'z', 'Q', 'same', 'é'];
        for (const [i, folderName] of folderNames.entries()) {
          await engine.createFolder(folderRecord(i + 1, { name: folderName, createdAt: at(i % 3) }));
        }
        for (const order of ['name', 'createdAt'] as const) {
          for (const desc of [false, true]) {
            const whole = (await engine.listFolders(folderQuery({ order, desc }))).rows;
            expect(whole).toHaveLength(folderNames.length);
            for (const pageSize of [1, 2, 3, 7, 8, 9]) {
              const pages = await allPages((after) =>
                engine.listFolders(folderQuery({ order, desc, pageSize, after })),
              );
              expect(pages.flat()).toEqual(whole);
              expect(pages.every((page) => page.length <= pageSize)).toBe(true);
              expect(pages.slice(0, -1).every((page) => page.length === pageSize)).toBe(true);
            }
          }
        }
      });

      it('updates all given folders, or none if any is missing', async () => {
        await createTree();
        const updated = await engine.updateFolders([
          { uuid: c2.uuid, clientMetadata: null, lastEditedAt: at(100) },
          { uuid: r1.uuid, name: 'root one', description: 'top', lastEditedAt: at(101) },
          { uuid: c3.uuid, clientMetadata: '{"x":true}', lastEditedAt: at(102) },
        ]);
        const expected = [
          { ...c2, clientMetadata: null, lastEditedAt: at(100) },
          { ...r1, name: 'root one', description: 'top', lastEditedAt: at(101) },
          { ...c3, clientMetadata: '{"x":true}', lastEditedAt: at(102) },
        ];
        expect(updated).toEqual(expected);
        expect(await engine.getFolder(c2.uuid)).toEqual(expected[0]);

        const refused = await engine.updateFolders([
          { uuid: g1.uuid, name: 'renamed', lastEditedAt: at(200) },
          { uuid: absentId(1), name: 'ghost', lastEditedAt: at(200) },
        ]);
        expect(refused).toBeNull();
        expect(await engine.getFolder(g1.uuid)).toEqual(g1);
      });

      it('deletes a folder with its subfolders and their items at any depth', async () => {
        await createTree();
        await insertItems(
          itemRecord(1, c1.uuid),
          itemRecord(2, g1.uuid),
          itemRecord(3, gg1.uuid),
          itemRecord(4, c2.uuid),
          itemRecord(5, r1.uuid),
        );
        expect(await engine.deleteFolder(c1.uuid)).toBe(true);
        for (const gone of [c1, g1, gg1]) expect(await engine.getFolder(gone.uuid)).toBeNull();
        expect(await engine.getItems([1, 2, 3, 4, 5].map(itemId))).toEqual([
          null,
          null,
          null,
          itemRecord(4, c2.uuid),
          itemRecord(5, r1.uuid),
        ]);
        const left = await engine.listFolders(folderQuery({ recursive: true }));
        expect(names(left.rows)).toEqual(['c2', 'c3', 'r1', 'r2']);
        expect(await engine.deleteFolder(c1.uuid)).toBe(false);
      });
    });

    describe('items', () => {
      const home = folderRecord(1, { name: 'home' });
      const sub = folderRecord(2, { name: 'sub', parentUuid: home.uuid });
      const subsub = folderRecord(3, { name: 'subsub', parentUuid: sub.uuid });
      const other = folderRecord(4, { name: 'other' });

      beforeEach(async () => {
        for (const folder of [home, sub, subsub, other]) await engine.createFolder(folder);
      });

      describe('writeItems', () => {
        it('round-trips every field, media and placeholder flag included', async () => {
          const full = itemRecord(1, home.uuid, {
            itemType: 'video',
            name: 'clip.mp4',
            description: 'a clip',
            clientMetadata: '{"b":1,"a":[1,2]}',
            storageLocation: 's3',
            url: 's3://bucket/clip.mp4',
            blobKey: 'blobs/1',
            integrationHash: 'hash-1',
            isPlaceholder: true,
            media: {
              fileSize: 123456789,
              mimeType: 'video/mp4',
              duration: 12.5,
              fps: 29.97,
              height: 1080,
              width: 1920,
              frameCount: 375,
              dicomInstanceUid: '1.2.3',
              dicomStudyUid: '1.2',
              dicomSeriesUid: '1.2.3.4',
              audioSampleRate: 48000,
              audioBitDepth: 16,
              audioCodec: 'aac',
              audioNumChannels: 2,
            },
          });
          const bare = itemRecord(2, home.uuid);
          await insertItems(full, bare);
          expect(await engine.getItems([full.uuid, bare.uuid])).toEqual([full, bare]);
        });

        it('inserts and updates in one call, returning the updated items in update order', async () => {
          await insertItems(itemRecord(1, home.uuid, { description: 'one', clientMetadata: '{"a":1}' }));
          await insertItems(itemRecord(2, home.uuid));
          const result = await engine.writeItems(
            {
              insert: [itemRecord(3, home.uuid)],
              update: [
                { uuid: itemId(2), clientMetadata: '{"z":true}', lastEditedAt: at(100) },
                { uuid: itemId(1), name: 'renamed', lastEditedAt: at(101) },
              ],
            },
            0,
          );
          const updated2 = itemRecord(2, home.uuid, { clientMetadata: '{"z":true}', lastEditedAt: at(100) });
          const updated1 = itemRecord(1, home.uuid, {
            name: 'renamed',
            description: 'one',
            clientMetadata: '{"a":1}',
            lastEditedAt: at(101),
          });
          expect(result).toEqual({ ok: true, items: [updated2, updated1] });
          expect(await engine.getItems([itemId(1), itemId(2), itemId(3)])).toEqual([
            updated1,
            updated2,
            itemRecord(3, home.uuid),
          ]);
        });

        it('refuses inserts of existing or repeated uuids, writing nothing', async () => {
          await insertItems(itemRecord(1, home.uuid));
          const result = await engine.writeItems(
            {
              insert: [
                itemRecord(2, home.uuid),
                itemRecord(1, home.uuid),
                itemRecord(3, home.uuid),
                itemRecord(3, sub.uuid),
              ],
              update: [{ uuid: itemId(1), name: 'renamed', lastEditedAt: at(100) }],
            },
            0,
          );
          expect(result).toEqual({ ok: false, reason: 'duplicate', uuids: [itemId(1), itemId(3)] });
          expect(await engine.getItems([itemId(1), itemId(2), itemId(3)])).toEqual([
            itemRecord(1, home.uuid),
            null,
            null,
          ]);
        });

        it('refuses updates of missing items, writing nothing', async () => {
          await insertItems(itemRecord(1, home.uuid));
          const result = await engine.writeItems(
            {
              insert: [itemRecord(2, home.uuid)],
              update: [
                { uuid: itemId(1), name: 'renamed', lastEditedAt: at(100) },
                { uuid: absentId(1), name: 'ghost', lastEditedAt: at(100) },
              ],
            },
            0,
          );
          expect(result).toEqual({ ok: false, reason: 'missing', uuids: [absentId(1)] });
          expect(await engine.getItems([itemId(1), itemId(2)])).toEqual([itemRecord(1, home.uuid), null]);
        });

        it('refuses a write validated against a stale schema version, writing nothing', async () => {
          await insertItems(itemRecord(1, home.uuid));
          await engine.replaceSchema(0, new Map([['k', { ty: 'variant', hint: 'text' }]]), at(50));
          const write = {
            insert: [itemRecord(2, home.uuid)],
            update: [{ uuid: itemId(1), name: 'renamed', lastEditedAt: at(100) }],
          };
          expect(await engine.writeItems(write, 0)).toEqual({ ok: false, reason: 'schema-changed' });
          expect(await engine.getItems([itemId(1), itemId(2)])).toEqual([itemRecord(1, home.uuid), null]);
          expect(await engine.writeItems(write, 1)).toMatchObject({ ok: true });
        });
      });

      it('gets items in the order asked, null where missing', async () => {
        const [one, two] = [itemRecord(1, home.uuid), itemRecord(2, sub.uuid)];
        await insertItems(one, two);
        expect(await engine.getItems([two.uuid, absentId(1), one.uuid, two.uuid])).toEqual([
          two,
          null,
          one,
          two,
        ]);
        expect(await engine.getItems([])).toEqual([]);
      });

      it('finds items by URL within one folder only, the oldest where URLs repeat', async () => {
        const inHome = itemRecord(1, home.uuid, { url: 'https://x/1.jpg' });
        const inHome2 = itemRecord(2, home.uuid, { url: 'https://x/2.jpg' });
        const inSub = itemRecord(3, sub.uuid, { url: 'https://x/1.jpg' });
        // A later item with the same URL in the same folder: the first registered one wins.
        const sameUrlLater = itemRecord(5, home.uuid, { url: 'https://x/1.jpg', createdAt: at(50) });
        await insertItems(sameUrlLater, inHome, inHome2, inSub, itemRecord(4, home.uuid));
        const found = await engine.findItemsByUrl(home.uuid, ['https://x/1.jpg', 'https://x/3.jpg']);
        expect([...found]).toEqual([['https://x/1.jpg', inHome]]);
        expect([...(await engine.findItemsByUrl(sub.uuid, ['https://x/1.jpg', 'https://x/2.jpg']))]).toEqual([
          ['https://x/1.jpg', inSub],
        ]);
        expect((await engine.findItemsByUrl(other.uuid, ['https://x/1.jpg'])).size).toBe(0);
      });

      describe('listItems', () => {
        beforeEach(async () => {
          await insertItems(
            itemRecord(1, home.uuid, { name: 'cat.jpg' }),
            itemRecord(2, home.uuid, { name: 'Cat.mp4', itemType: 'video' }),
            itemRecord(3, home.uuid, { name: 'dog.wav', itemType: 'audio' }),
            itemRecord(4, sub.uuid, { name: 'cat2.jpg' }),
            itemRecord(5, subsub.uuid, { name: 'CAT.pdf', itemType: 'pdf' }),
            itemRecord(6, other.uuid, { name: 'cat-other.jpg' }),
          );
        });

        const list = async (folderUuid: string, overrides: Partial<ListItemsQuery> = {}) =>
          names((await engine.listItems(itemQuery(folderUuid, overrides))).rows);

        it('lists one folder, or with recursive every folder below it too', async () => {
          expect(await list(home.uuid)).toEqual(['Cat.mp4', 'cat.jpg', 'dog.wav']);
          expect(await list(home.uuid, { recursive: true })).toEqual([
            'CAT.pdf',
            'Cat.mp4',
            'cat.jpg',
            'cat2.jpg',
            'dog.wav',
          ]);
          expect(await list(sub.uuid, { recursive: true })).toEqual(['CAT.pdf', 'cat2.jpg']);
          expect(await list(subsub.uuid, { recursive: true })).toEqual(['CAT.pdf']);
        });

        it('filters by item type and by case-insensitive name substring, alone and together', async () => {
          expect(await list(home.uuid, { itemTypes: ['image'] })).toEqual(['cat.jpg']);
          expect(await list(home.uuid, { itemTypes: ['image', 'video'] })).toEqual(['Cat.mp4', 'cat.jpg']);
          expect(await list(home.uuid, { itemTypes: ['scene'] })).toEqual([]);
          expect(await list(home.uuid, { search: 'CAT' })).toEqual(['Cat.mp4', 'cat.jpg']);
          expect(await list(home.uuid, { search: 'cat', itemTypes: ['video'] })).toEqual(['Cat.mp4']);
          expect(
            await list(home.uuid, { recursive: true, search: 'cat', itemTypes: ['image', 'pdf'] }),
          ).toEqual(['CAT.pdf', 'cat.jpg', 'cat2.jpg']);
        });

        it('searches non-ASCII names case-insensitively and takes % and _ literally', async () => {
          await insertItems(
            itemRecord(11, other.uuid, { name: 'ÉCOLE.png' }),
            itemRecord(12, other.uuid, { name: 'école-2.png' }),
            itemRecord(13, other.uuid, { name: 'ecole.png' }),
            itemRecord(14, other.uuid, { name: '50%.png' }),
            itemRecord(15, other.uuid, { name: 'a_b.png' }),
            itemRecord(16, other.uuid, { name: 'axb.png' }),
          );
          expect(await list(other.uuid, { search: 'École' })).toEqual(['ÉCOLE.png', 'école-2.png']);
          expect(await list(other.uuid, { search: '%' })).toEqual(['50%.png']);
          expect(await list(other.uuid, { search: '_' })).toEqual(['a_b.png']);
        });
      });

      it('orders names by code point, not by locale or UTF-16 unit', async () => {
        // UTF-16 order would put '𝒳' (a surrogate pair, 0xD835…) before 'ｚ' (0xFF5A).
        const ordered = ['B', 'Z', '_', 'a', 'aa', 'é', 'ｚ', '𝒳'];
        const shuffled = ['é', 'aa', '𝒳', 'B', 'ｚ', '_', 'a', 'Z'];
        await insertItems(
          ...shuffled.map((itemName, i) => itemRecord(i + 1, other.uuid, { name: itemName })),
        );
        expect(await itemNamesInFolder(other.uuid)).toEqual(ordered);
        const desc = await engine.listItems(itemQuery(other.uuid, { desc: true }));
        expect(names(desc.rows)).toEqual([...ordered].reverse());
      });

      it('orders by createdAt either way, ties by uuid either way', async () => {
        await insertItems(
          itemRecord(3, home.uuid, { createdAt: at(5) }),
          itemRecord(1, home.uuid, { createdAt: at(9) }),
          itemRecord(4, home.uuid, { createdAt: at(7) }),
          itemRecord(2, home.uuid, { createdAt: at(7) }),
        );
        const list = async (desc: boolean) =>
          uuids((await engine.listItems(itemQuery(home.uuid, { order: 'createdAt', desc }))).rows);
        expect(await list(false)).toEqual([3, 2, 4, 1].map(itemId));
        expect(await list(true)).toEqual([1, 4, 2, 3].map(itemId));
      });

      it('pages by name exactly once while items are inserted and renamed between pages', async () => {
        const initial = ['b01', 'b02', 'b03', 'b04', 'b05', 'b06', 'b07', 'b08', 'b09', 'b10', 'b11', 'b12'];
        await insertItems(...initial.map((itemName, i) => itemRecord(i + 1, home.uuid, { name: itemName })));
        const byName = (itemName: string) => itemId(initial.indexOf(itemName) + 1);
        const rename = (itemName: string, to: string) =>
          engine.writeItems(
            { insert: [], update: [{ uuid: byName(itemName), name: to, lastEditedAt: at(99) }] },
            0,
          );
        const seen: ItemRecord[] = [];
        const page = async (after: PageCursor | null) => {
          const result = await engine.listItems(itemQuery(home.uuid, { pageSize: 3, after }));
          seen.push(...result.rows);
          return result.next;
        };

        let cursor = await page(null); // b01 b02 b03
        await insertItems(itemRecord(101, home.uuid, { name: 'a00' })); // behind the cursor
        await insertItems(itemRecord(102, home.uuid, { name: 'b05x' })); // ahead
        await rename('b08', 'b10x'); // ahead, stays ahead
        await rename('b02', 'a01'); // seen, stays behind
        cursor = await page(cursor); // b04 b05 b05x
        await insertItems(itemRecord(103, home.uuid, { name: 'b04a' })); // behind
        await rename('b11', 'b06a'); // ahead, moves but stays ahead
        await insertItems(itemRecord(104, home.uuid, { name: 'zzz' })); // ahead
        while (cursor !== null) cursor = await page(cursor);

        expect(names(seen)).toEqual([
          'b01',
          'b02',
          'b03',
          'b04',
          'b05',
          'b05x',
          'b06',
          'b06a',
          'b07',
          'b09',
          'b10',
          'b10x',
          'b12',
          'zzz',
        ]);
        expect(new Set(uuids(seen)).size).toBe(seen.length);
      });

      it('pages by createdAt exactly once while items are inserted and renamed between pages', async () => {
        await insertItems(
          ...[1, 2, 3, 4, 5, 6].map((n) => itemRecord(n, home.uuid, { createdAt: at(10 * n) })),
        );
        const seen: ItemRecord[] = [];
        const page = async (after: PageCursor | null) => {
          const result = await engine.listItems(
            itemQuery(home.uuid, { order: 'createdAt', desc: true, pageSize: 2, after }),
          );
          seen.push(...result.rows);
          return result.next;
        };
        let cursor = await page(null); // 6 5
        await insertItems(itemRecord(7, home.uuid, { createdAt: at(55) })); // behind (desc)
        await insertItems(itemRecord(8, home.uuid, { createdAt: at(35) })); // ahead
        await engine.writeItems(
          { insert: [], update: [{ uuid: itemId(3), name: 'zzz', lastEditedAt: at(99) }] },
          0,
        );
        while (cursor !== null) cursor = await page(cursor);
        expect(uuids(seen)).toEqual([6, 5, 4, 8, 3, 2, 1].map(itemId));
        expect(seen[4]?.name).toBe('zzz');
      });

      it('pages recursive listings exactly once', async () => {
        const folders = [home, sub, subsub];
        await insertItems(
          ...Array.from({ length: 10 }, (_, i) =>
            itemRecord(i + 1, folders[i % 3]?.uuid ?? home.uuid, { name: `n${i % 4}`, createdAt: at(i % 2) }),
          ),
        );
        for (const order of ['name', 'createdAt'] as const) {
          const whole = (await engine.listItems(itemQuery(home.uuid, { recursive: true, order }))).rows;
          expect(whole).toHaveLength(10);
          const pages = await allPages((after) =>
            engine.listItems(itemQuery(home.uuid, { recursive: true, order, pageSize: 3, after })),
          );
          expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 1]);
          expect(pages.flat()).toEqual(whole);
        }
      });

      it('returns next = null on the last page, even when it is full', async () => {
        await insertItems(itemRecord(1, home.uuid), itemRecord(2, home.uuid));
        const first = await engine.listItems(itemQuery(home.uuid, { pageSize: 1 }));
        expect(first.next).toEqual({ value: 'item-1', uuid: itemId(1) });
        const last = await engine.listItems(itemQuery(home.uuid, { pageSize: 1, after: first.next }));
        expect(last).toEqual({ rows: [itemRecord(2, home.uuid)], next: null });
        const byDate = await engine.listItems(itemQuery(home.uuid, { order: 'createdAt', pageSize: 1 }));
        expect(byDate.next).toEqual({ value: at(1), uuid: itemId(1) });
      });

      describe('rewriteItemMetadata', () => {
        const addKey = (uuid: string, current: string): string =>
          JSON.stringify({ ...(JSON.parse(current) as object), by: uuid });

        beforeEach(async () => {
          await insertItems(
            itemRecord(1, home.uuid, { clientMetadata: '{"a":1}' }),
            itemRecord(2, home.uuid, { clientMetadata: '{"b":2}' }),
          );
        });

        it('rewrites each item from its current metadata, returning them in the order asked', async () => {
          const calls: [string, string][] = [];
          const result = await engine.rewriteItemMetadata(
            [itemId(2), itemId(1)],
            (uuid, current) => {
              calls.push([uuid, current]);
              return addKey(uuid, current);
            },
            at(100),
            0,
          );
          expect(calls).toEqual([
            [itemId(2), '{"b":2}'],
            [itemId(1), '{"a":1}'],
          ]);
          const expected = [
            itemRecord(2, home.uuid, {
              clientMetadata: `{"b":2,"by":"${itemId(2)}"}`,
              lastEditedAt: at(100),
            }),
            itemRecord(1, home.uuid, {
              clientMetadata: `{"a":1,"by":"${itemId(1)}"}`,
              lastEditedAt: at(100),
            }),
          ];
          expect(result).toEqual({ ok: true, items: expected });
          expect(await engine.getItems([itemId(2), itemId(1)])).toEqual(expected);
        });

        it('reports missing items and schema changes, writing nothing', async () => {
          const missing = await engine.rewriteItemMetadata([itemId(1), absentId(1)], addKey, at(100), 0);
          expect(missing).toEqual({ ok: false, reason: 'missing', uuids: [absentId(1)] });
          await engine.replaceSchema(0, new Map(), at(50));
          const stale = await engine.rewriteItemMetadata([itemId(1)], addKey, at(100), 0);
          expect(stale).toEqual({ ok: false, reason: 'schema-changed' });
          expect(await engine.getItems([itemId(1)])).toEqual([
            itemRecord(1, home.uuid, { clientMetadata: '{"a":1}' }),
          ]);
        });

        it('rolls everything back when the rewrite throws, rethrowing its error unchanged', async () => {
          const failure = new MetaindexError('invalid_argument', 'item 2 is bad');
          const error = await rejectionOf(
            engine.rewriteItemMetadata(
              [itemId(1), itemId(2)],
              (uuid, current) => {
                if (uuid === itemId(2)) throw failure;
                return addKey(uuid, current);
              },
              at(100),
              0,
            ),
          );
          expect(error).toBe(failure);
          expect(await engine.getItems([itemId(1), itemId(2)])).toEqual([
            itemRecord(1, home.uuid, { clientMetadata: '{"a":1}' }),
            itemRecord(2, home.uuid, { clientMetadata: '{"b":2}' }),
          ]);
        });
      });

      it('deletes items, counting only those that existed', async () => {
        await insertItems(itemRecord(1, home.uuid), itemRecord(2, home.uuid), itemRecord(3, sub.uuid));
        expect(await engine.deleteItems([itemId(1), absentId(1), itemId(3), itemId(1)])).toBe(2);
        expect(await engine.getItems([itemId(1), itemId(2), itemId(3)])).toEqual([
          null,
          itemRecord(2, home.uuid),
          null,
        ]);
        expect(await engine.deleteItems([])).toBe(0);
      });
    });

    describe('upload jobs', () => {
      it('saves, gets and overwrites a job; null when absent', async () => {
        const job = jobRecord(1, folderId(1), { fileName: 'upload.json' });
        await engine.saveJob(job);
        expect(await engine.getJob(job.uuid)).toEqual(job);
        const done: UploadJobRecord = {
          ...job,
          status: 'DONE',
          itemsWithNames: [{ itemUuid: itemId(1), name: 'a.jpg' }],
          unitsPendingCount: 0,
          unitsDoneCount: 1,
          unitsErrorCount: 1,
          unitErrors: [
            { objectUrls: ['s3://b/x'], error: 'gone', subtaskUuid: absentId(2), actionDescription: 'fetch' },
          ],
          errors: ['one failed'],
          updatedAt: at(100),
        };
        await engine.saveJob(done);
        expect(await engine.getJob(job.uuid)).toEqual(done);
        expect(await engine.getJob(absentId(1))).toBeNull();
      });
    });
  });
}
