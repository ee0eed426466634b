/**
 * Storage items over HTTP, signed like the official SDK: get and get-bulk (every key
 * the SDK's StorageItem model requires), listing with search, type filters, order,
 * direction, recursion and stable paging under concurrent writes, whole-object
 * patches (single and bulk, all or nothing), metaindex's /api merge patches, and a
 * schema change enforced on the very next write.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type QueryValue,
  type SdkLikeClient,
  type TestServer,
} from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';
import { listAllPages } from '../../testing/paging.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

interface Job {
  status: string;
  itemsWithNames: { itemUuid: string; name: string }[];
  unitErrors: { objectUrls: string[]; error: string }[];
}

interface Problem {
  key: string;
  rule: string;
  message: string;
}

interface ErrorBody {
  message: string;
  code: string;
  details?: { items?: { item: string; problems: Problem[] }[]; missing?: string[] };
}

/** Every key the pydantic-2 SDK requires in a StorageItem (nullable ones included). */
const ITEM_KEYS = [
  'uuid',
  'parent',
  'itemType',
  'name',
  'clientMetadata',
  'owner',
  'createdAt',
  'lastEditedAt',
  'backedDataUnitsCount',
  'storageLocation',
  'integrationHash',
  'url',
  'signedUrl',
  'fileSize',
  'mimeType',
  'duration',
  'fps',
  'height',
  'width',
  'dicomInstanceUid',
  'dicomStudyUid',
  'dicomSeriesUid',
  'frameCount',
  'audioSampleRate',
  'audioBitDepth',
  'audioCodec',
  'audioNumChannels',
];

const SCHEMA = {
  score: { ty: 'variant', hint: 'number' },
  caption: { ty: 'variant', hint: 'varchar' },
  colour: { ty: 'enum', values: ['red', 'green', 'blue'] },
};

const MISSING = '00000000-0000-4000-8000-00000000dead';
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The metadata of a returned item, parsed from its JSON string. */
const metadataOf = (item: StorageItemDto): Record<string, unknown> =>
  JSON.parse(item.clientMetadata) as Record<string, unknown>;
const uuidsOf = (items: readonly { uuid: string }[]): string[] => items.map((i) => i.uuid);
const namesOf = (items: readonly { name: string }[]): string[] => items.map((i) => i.name);
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const pad = (n: number, width = 3): string => String(n).padStart(width, '0');

async function createFolder(client: SdkLikeClient, name: string, parent?: string): Promise<string> {
  const response = await client.post<{ uuid: string }>('storage/folders', {
    name,
    description: '',
    ...(parent === undefined ? {} : { parent }),
  });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

interface NewItem {
  name: string;
  metadata?: Record<string, unknown>;
  /** The `dataItems` list to register it under (default `images`). */
  list?: 'images' | 'videos' | 'audio' | 'text' | 'pdf';
}

/**
 * Registers items by URL through a data-upload job, as the SDK's bulk registration
 * does, and returns their uuids in the order given.
 */
async function registerItems(
  client: SdkLikeClient,
  folder: string,
  items: readonly NewItem[],
): Promise<string[]> {
  const dataItems: Record<string, unknown[]> = { images: [], videos: [], audio: [], text: [], pdf: [] };
  for (const item of items) {
    dataItems[item.list ?? 'images']!.push({
      objectUrl: `https://bucket.example.com/${folder}/${encodeURIComponent(item.name)}`,
      title: item.name,
      clientMetadata: item.metadata ?? {},
    });
  }
  const job = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { ...dataItems, skipDuplicateUrls: false, upsertMetadata: false },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  const done = await client.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
    timeoutSeconds: 60,
  });
  expect(done.body.status).toBe('DONE');
  const byName = new Map(done.body.itemsWithNames.map((i) => [i.name, i.itemUuid]));
  return items.map((item) => byName.get(item.name)!);
}

/** Every item of a folder listing, across pages. */
async function listAll(
  client: SdkLikeClient,
  folder: string,
  query: Record<string, QueryValue>,
): Promise<{ items: StorageItemDto[]; pages: number }> {
  const { results, pages } = await listAllPages<StorageItemDto>(
    client,
    `storage/folders/${folder}/items`,
    query,
  );
  return { items: results, pages };
}

describe('storage items', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    expect((await admin.post('organisation/client-metadata-schema-v2', SCHEMA)).status).toBe(204);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('reading items', () => {
    let folder: string;
    let items: string[];
    beforeAll(async () => {
      folder = await createFolder(admin, 'reading');
      items = await registerItems(
        admin,
        folder,
        Array.from({ length: 12 }, (_, i) => ({
          name: `read-${pad(i)}.jpg`,
          metadata: { score: i, caption: `#${i}` },
        })),
      );
    });

    it('GET storage/items/{u}?signUrl=False returns every StorageItem key, clientMetadata as a JSON string', async () => {
      const response = await admin.get<Record<string, unknown>>(`storage/items/${items[3]!}`, {
        signUrl: false,
      });
      expect(response.status).toBe(200);
      for (const key of ITEM_KEYS) expect(response.body).toHaveProperty(key);
      const item = response.body as unknown as StorageItemDto;
      expect(item).toMatchObject({
        uuid: items[3],
        parent: folder,
        itemType: 'image',
        name: 'read-003.jpg',
        url: `https://bucket.example.com/${folder}/read-003.jpg`,
        signedUrl: null,
        integrationHash: null,
        backedDataUnitsCount: 0,
      });
      expect(typeof item.clientMetadata).toBe('string');
      expect(metadataOf(item)).toEqual({ score: 3, caption: '#3' });
      expect(typeof item.owner).toBe('string');
      expect(typeof item.storageLocation).toBe('string');
      expect(item.createdAt).toMatch(ISO_DATETIME);
      expect(item.lastEditedAt).toMatch(ISO_DATETIME);
    });

    it('answers 404 `{message}` for an unknown item and 400 for a malformed uuid', async () => {
      const unknown = await admin.get<ErrorBody>(`storage/items/${MISSING}`, { signUrl: false });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toContain('application/json');
      expect(typeof unknown.body.message).toBe('string');
      expect(unknown.body.message).toContain(MISSING);
      const malformed = await admin.get<ErrorBody>('storage/items/1234', { signUrl: false });
      expect(malformed.status).toBe(400);
    });

    it('POST storage/items/get-bulk returns the items in the order asked', async () => {
      const shuffled = [...items].sort(() => Math.random() - 0.5);
      const asked = [shuffled[0]!, ...shuffled.slice(1).reverse()];
      const response = await admin.post<Page<StorageItemDto>>('storage/items/get-bulk', {
        itemUuids: asked,
        signUrls: false,
      });
      expect(response.status).toBe(200);
      expect(response.body.nextPageToken).toBeNull();
      expect(uuidsOf(response.body.results)).toEqual(asked);
      for (const item of response.body.results) {
        for (const key of ITEM_KEYS) expect(item).toHaveProperty(key);
      }
    });

    it('get-bulk answers 404 naming an unknown uuid', async () => {
      const response = await admin.post<ErrorBody>('storage/items/get-bulk', {
        itemUuids: [items[0]!, MISSING],
        signUrls: false,
      });
      expect(response.status).toBe(404);
      expect(response.body.message).toContain(MISSING);
      expect(response.body.details).toEqual({ missing: [MISSING] });
      const malformed = await admin.post<ErrorBody>('storage/items/get-bulk', { itemUuids: 'nope' });
      expect(malformed.status).toBe(400);
    });
  });

  describe('listing a folder', () => {
    let folder: string;
    let sub: string;
    let subsub: string;
    const TOP = ['Cat-One.jpg', 'dog.jpg', 'small CAT.png', 'bird.mp4', 'cow.mp4', 'moo.wav'];
    const LISTS: Record<string, NewItem['list']> = {
      'bird.mp4': 'videos',
      'cow.mp4': 'videos',
      'moo.wav': 'audio',
    };
    let top: Map<string, string>;
    let below: string[];

    beforeAll(async () => {
      folder = await createFolder(admin, 'listing');
      sub = await createFolder(admin, 'listing sub', folder);
      subsub = await createFolder(admin, 'listing sub sub', sub);
      const topUuids = await registerItems(
        admin,
        folder,
        TOP.map((name) => ({ name, list: LISTS[name] ?? 'images' })),
      );
      top = new Map(TOP.map((name, i) => [name, topUuids[i]!]));
      below = [
        ...(await registerItems(admin, sub, [
          { name: 'sub cat.jpg' },
          { name: 'sub-video.mp4', list: 'videos' },
        ])),
        ...(await registerItems(admin, subsub, [{ name: 'deep.jpg' }])),
      ];
    });

    it('lists by name ascending by default, without subfolder items', async () => {
      const page = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        isRecursive: false,
        order: 'name',
        desc: false,
        pageSize: 100,
        signUrls: false,
      });
      expect(page.status).toBe(200);
      expect(page.body.nextPageToken).toBeNull();
      expect(namesOf(page.body.results)).toEqual([...TOP].sort(byCodePoint));
      const bare = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`);
      expect(namesOf(bare.body.results)).toEqual([...TOP].sort(byCodePoint));
    });

    it('searches names case-insensitively', async () => {
      const page = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        search: 'cAt',
      });
      expect(namesOf(page.body.results)).toEqual(['Cat-One.jpg', 'small CAT.png']);
      const recursive = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        search: 'CAT',
        isRecursive: true,
      });
      expect(namesOf(recursive.body.results)).toEqual(['Cat-One.jpg', 'small CAT.png', 'sub cat.jpg']);
    });

    it('filters by item types given as repeated itemTypes keys', async () => {
      const both = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        itemTypes: ['image', 'video'],
      });
      expect(namesOf(both.body.results)).toEqual([
        'Cat-One.jpg',
        'bird.mp4',
        'cow.mp4',
        'dog.jpg',
        'small CAT.png',
      ]);
      const audio = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        itemTypes: ['audio'],
      });
      expect(audio.body.results.map((i) => [i.name, i.itemType])).toEqual([['moo.wav', 'audio']]);
      const unknown = await admin.get<ErrorBody>(`storage/folders/${folder}/items`, {
        itemTypes: ['image', 'hologram'],
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('itemTypes');
    });

    it('orders by name or createdAt, and desc=True reverses', async () => {
      const desc = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        order: 'name',
        desc: true,
      });
      expect(namesOf(desc.body.results)).toEqual([...TOP].sort(byCodePoint).reverse());
      const created = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        order: 'createdAt',
      });
      const expected = [...created.body.results].sort(
        (a, b) => byCodePoint(a.createdAt, b.createdAt) || byCodePoint(a.uuid, b.uuid),
      );
      expect(uuidsOf(created.body.results)).toEqual(uuidsOf(expected));
      expect(new Set(uuidsOf(created.body.results))).toEqual(new Set(top.values()));
      const createdDesc = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        order: 'createdAt',
        desc: true,
      });
      expect(uuidsOf(createdDesc.body.results)).toEqual(uuidsOf(expected).reverse());
    });

    it('includes the items of every subfolder with isRecursive=True, and excludes them with False', async () => {
      const recursive = await listAll(admin, folder, { isRecursive: true, pageSize: 3 });
      expect(new Set(uuidsOf(recursive.items))).toEqual(new Set([...top.values(), ...below]));
      expect(recursive.items).toHaveLength(TOP.length + below.length);
      const flat = await listAll(admin, folder, { isRecursive: false, pageSize: 3 });
      expect(new Set(uuidsOf(flat.items))).toEqual(new Set(top.values()));
      const fromSub = await listAll(admin, sub, { isRecursive: true });
      expect(new Set(uuidsOf(fromSub.items))).toEqual(new Set(below));
    });

    it('parses query booleans in any case', async () => {
      const expectNames = async (query: Record<string, QueryValue>, names: string[]) => {
        const response = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, query);
        expect(response.status).toBe(200);
        expect(namesOf(response.body.results)).toEqual(names);
      };
      const ascending = [...TOP].sort(byCodePoint);
      await expectNames({ desc: 'True' }, [...ascending].reverse());
      await expectNames({ desc: 'true' }, [...ascending].reverse());
      await expectNames({ desc: 'TRUE' }, [...ascending].reverse());
      await expectNames({ desc: 'FALSE' }, ascending);
      await expectNames({ desc: 'false', isRecursive: 'FALSE' }, ascending);
      await expectNames({ search: 'deep', isRecursive: 'tRuE' }, ['deep.jpg']);
      const single = await admin.get<StorageItemDto>(`storage/items/${top.get('dog.jpg')!}`, {
        signUrl: 'FALSE',
      });
      expect(single.body.signedUrl).toBeNull();
      const bad = await admin.get<ErrorBody>(`storage/folders/${folder}/items`, { desc: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('desc');
    });

    it.each([0, 1001])('refuses pageSize %s with 400 (1 and 1000 are fine)', async (pageSize) => {
      const response = await admin.get<ErrorBody>(`storage/folders/${folder}/items`, { pageSize });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('pageSize');
      expect((await admin.get(`storage/folders/${folder}/items`, { pageSize: 1 })).status).toBe(200);
      expect((await admin.get(`storage/folders/${folder}/items`, { pageSize: 1000 })).status).toBe(200);
    });

    it('refuses a pageToken reused with another order with 400, and answers 404 for an unknown folder', async () => {
      const first = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, { pageSize: 2 });
      const reused = await admin.get<ErrorBody>(`storage/folders/${folder}/items`, {
        pageSize: 2,
        order: 'createdAt',
        pageToken: first.body.nextPageToken!,
      });
      expect(reused.status).toBe(400);
      expect(reused.body.message).toContain('pageToken');
      expect((await admin.get(`storage/folders/${MISSING}/items`)).status).toBe(404);
    });
  });

  describe('paging while the folder changes', () => {
    const ORIGINALS = Array.from({ length: 40 }, (_, i) => `m-${pad(i)}.jpg`);

    it('by name: serves every item exactly once while items are inserted and renamed between page fetches', async () => {
      const folder = await createFolder(admin, 'paging by name');
      const originals = await registerItems(
        admin,
        folder,
        ORIGINALS.map((name) => ({ name })),
      );
      const seen: StorageItemDto[] = [];
      const insertedAhead: string[] = [];
      const renamedAhead: string[] = [];
      let pageToken: string | undefined;
      let page = 0;
      do {
        const response = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
          order: 'name',
          desc: false,
          pageSize: 6,
          pageToken,
        });
        expect(response.status).toBe(200);
        seen.push(...response.body.results);
        pageToken = response.body.nextPageToken ?? undefined;
        if (pageToken === undefined) break;
        const cursor = response.body.results[response.body.results.length - 1]!.name;

        // Insert one item that sorts before the cursor and one that sorts after it.
        const [, ahead] = await registerItems(admin, folder, [
          { name: `a-inserted-${pad(page)}.jpg` },
          { name: `z-inserted-${pad(page)}.jpg` },
        ]);
        insertedAhead.push(ahead!);
        // Rename an item already served (its new name still sorts before the cursor)...
        const served = response.body.results[0]!;
        if (served.name.startsWith('m-')) {
          const renamed = await admin.patch<StorageItemDto>(
            `storage/folders/${folder}/items/${served.uuid}`,
            {
              name: `${served.name}-renamed`,
            },
          );
          expect(renamed.status).toBe(200);
          expect(renamed.body.name < cursor).toBe(true);
        }
        // ...and one not served yet (its new name still sorts after the cursor).
        const unseen = originals.filter((u) => !seen.some((s) => s.uuid === u));
        const target = unseen[unseen.length - 1 - page];
        if (target !== undefined) {
          const response = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${target}`, {
            name: `y-renamed-${pad(page)}.jpg`,
          });
          expect(response.body.name > cursor).toBe(true);
          renamedAhead.push(target);
        }
        page++;
      } while (page < 100);

      const seenUuids = uuidsOf(seen);
      expect(new Set(seenUuids).size).toBe(seenUuids.length); // no duplicates
      for (const uuid of originals) expect(seenUuids.filter((u) => u === uuid)).toHaveLength(1);
      for (const uuid of insertedAhead) expect(seenUuids).toContain(uuid);
      expect(renamedAhead.length).toBeGreaterThan(3);
      for (const uuid of renamedAhead) {
        expect(seen.find((s) => s.uuid === uuid)!.name).toMatch(/^y-renamed-/); // served under its new name
      }
    });

    it('by createdAt, descending: every item that existed throughout appears exactly once, whatever is renamed', async () => {
      const folder = await createFolder(admin, 'paging by createdAt');
      const originals = await registerItems(
        admin,
        folder,
        ORIGINALS.map((name) => ({ name })),
      );
      const seen: string[] = [];
      let pageToken: string | undefined;
      let page = 0;
      do {
        const response = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
          order: 'createdAt',
          desc: true,
          pageSize: 7,
          pageToken,
        });
        seen.push(...uuidsOf(response.body.results));
        pageToken = response.body.nextPageToken ?? undefined;
        await registerItems(admin, folder, [
          { name: `a-new-${pad(page)}.jpg` },
          { name: `z-new-${pad(page)}.jpg` },
        ]);
        // Renames do not move items in createdAt order, even across the cursor by name.
        const served = response.body.results[0]!.uuid;
        await admin.patch(`storage/folders/${folder}/items/${served}`, { name: `zz-${pad(page)}.jpg` });
        const unseen = originals.find((u) => !seen.includes(u));
        if (unseen !== undefined)
          await admin.patch(`storage/folders/${folder}/items/${unseen}`, { name: `0-${pad(page)}` });
        page++;
      } while (pageToken !== undefined);
      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      for (const uuid of originals) expect(seen.filter((u) => u === uuid)).toHaveLength(1);
    });
  });

  describe('patching items', () => {
    let folder: string;
    let other: string;
    let items: string[];
    beforeAll(async () => {
      folder = await createFolder(admin, 'patching');
      other = await createFolder(admin, 'patching elsewhere');
      items = await registerItems(
        admin,
        folder,
        Array.from({ length: 6 }, (_, i) => ({
          name: `patch-${pad(i)}.jpg`,
          metadata: { score: i, caption: 'original', colour: 'red' },
        })),
      );
    });

    it('PATCH storage/folders/{f}/items/{u} replaces the whole clientMetadata (no merge)', async () => {
      const response = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${items[0]!}`, {
        clientMetadata: { caption: 'replaced' },
      });
      expect(response.status).toBe(200);
      for (const key of ITEM_KEYS) expect(response.body).toHaveProperty(key);
      expect(metadataOf(response.body)).toEqual({ caption: 'replaced' });
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[0]!}`, { signUrl: false });
      expect(metadataOf(reread.body)).toEqual({ caption: 'replaced' });
      const emptied = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${items[0]!}`, {
        clientMetadata: {},
      });
      expect(emptied.body.clientMetadata).toBe('{}');
    });

    it('a name-only patch keeps the metadata', async () => {
      const response = await admin.patch<StorageItemDto>(`storage/folders/${folder}/items/${items[1]!}`, {
        name: 'renamed.jpg',
      });
      expect(response.status).toBe(200);
      expect(response.body.name).toBe('renamed.jpg');
      expect(metadataOf(response.body)).toEqual({ score: 1, caption: 'original', colour: 'red' });
    });

    it('answers 404 for an item patched through another folder, and for an unknown item', async () => {
      const wrongFolder = await admin.patch<ErrorBody>(`storage/folders/${other}/items/${items[2]!}`, {
        clientMetadata: { caption: 'nope' },
      });
      expect(wrongFolder.status).toBe(404);
      const unknown = await admin.patch<ErrorBody>(`storage/folders/${folder}/items/${MISSING}`, {
        name: 'x',
      });
      expect(unknown.status).toBe(404);
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[2]!}`);
      expect(metadataOf(reread.body).caption).toBe('original');
    });

    it('refuses invalid metadata with 400 naming the item, the key and the rule', async () => {
      const response = await admin.patch<ErrorBody>(`storage/folders/${folder}/items/${items[2]!}`, {
        clientMetadata: { score: 'high', colour: 'purple' },
      });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(`item ${items[2]!}`);
      expect(response.body.message).toContain('"score"');
      expect(response.body.message).toContain('number.type');
      expect(response.body.message).toContain('enum.option');
      expect(response.body.details!.items).toEqual([
        {
          item: items[2],
          problems: [
            expect.objectContaining({ key: 'score', rule: 'number.type' }),
            expect.objectContaining({ key: 'colour', rule: 'enum.option' }),
          ],
        },
      ]);
      const notObject = await admin.patch<ErrorBody>(`storage/folders/${folder}/items/${items[2]!}`, {
        clientMetadata: [1, 2],
      });
      expect(notObject.status).toBe(400);
      expect(notObject.body.message).toContain('metadata.object');
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[2]!}`);
      expect(metadataOf(reread.body)).toEqual({ score: 2, caption: 'original', colour: 'red' });
    });

    it('patch-bulk refuses the whole request when one item is bad, listing it, and writes nothing', async () => {
      const [a, b, c] = [items[3]!, items[4]!, items[5]!];
      const response = await admin.patch<ErrorBody>('storage/items/patch-bulk', {
        itemPatches: {
          [a]: { clientMetadata: { caption: 'fine' } },
          [b]: { clientMetadata: { colour: 'mauve' } },
          [c]: { name: 'also fine' },
        },
      });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(`item ${b}`);
      expect(response.body.message).not.toContain(`item ${a}`);
      expect(
        response.body.details!.items!.map((i) => [i.item, i.problems.map((p) => `${p.key}:${p.rule}`)]),
      ).toEqual([[b, ['colour:enum.option']]]);
      const after = await admin.post<Page<StorageItemDto>>('storage/items/get-bulk', {
        itemUuids: [a, b, c],
      });
      expect(after.body.results.map((i) => [i.name, metadataOf(i).caption])).toEqual([
        ['patch-003.jpg', 'original'],
        ['patch-004.jpg', 'original'],
        ['patch-005.jpg', 'original'],
      ]);
    });

    it('patch-bulk answers 404 for an unknown uuid and writes nothing', async () => {
      const response = await admin.patch<ErrorBody>('storage/items/patch-bulk', {
        itemPatches: {
          [items[3]!]: { clientMetadata: { caption: 'lost' } },
          [MISSING]: { clientMetadata: {} },
        },
      });
      expect(response.status).toBe(404);
      expect(response.body.message).toContain(MISSING);
      expect(response.body.details).toEqual({ missing: [MISSING] });
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[3]!}`);
      expect(metadataOf(reread.body).caption).toBe('original');
    });
  });

  describe('bulk patch sizes', () => {
    let folder: string;
    let items: string[];
    beforeAll(async () => {
      folder = await createFolder(admin, 'bulk sizes');
      items = await registerItems(
        admin,
        folder,
        Array.from({ length: 10_001 }, (_, i) => ({ name: `bulk-${pad(i, 5)}.jpg`, metadata: { score: i } })),
      );
    }, 60_000);

    const patchesFor = (uuids: readonly string[], tag: string) =>
      Object.fromEntries(uuids.map((u, i) => [u, { clientMetadata: { score: i, caption: tag } }]));

    it('patches 1,000 items in one request and returns every one, in order', async () => {
      const chunk = items.slice(0, 1000);
      const response = await admin.patch<Page<StorageItemDto>>('storage/items/patch-bulk', {
        itemPatches: patchesFor(chunk, 'thousand'),
      });
      expect(response.status).toBe(200);
      expect(response.body.nextPageToken).toBeNull();
      expect(uuidsOf(response.body.results)).toEqual(chunk);
      expect(
        response.body.results.every(
          (item, i) => item.clientMetadata === `{"score":${i},"caption":"thousand"}`,
        ),
      ).toBe(true);
    });

    it('patches 10,000 items in one request', async () => {
      const chunk = items.slice(0, 10_000);
      const response = await admin.patch<Page<StorageItemDto>>('storage/items/patch-bulk', {
        itemPatches: patchesFor(chunk, 'ten thousand'),
      });
      expect(response.status).toBe(200);
      expect(response.body.results).toHaveLength(10_000);
      expect(uuidsOf(response.body.results)).toEqual(chunk);
      const sample = await admin.post<Page<StorageItemDto>>('storage/items/get-bulk', {
        itemUuids: [chunk[0]!, chunk[4321]!, chunk[9999]!],
      });
      expect(sample.body.results.map(metadataOf)).toEqual([
        { score: 0, caption: 'ten thousand' },
        { score: 4321, caption: 'ten thousand' },
        { score: 9999, caption: 'ten thousand' },
      ]);
    });

    it('refuses 10,001 patches with 413 and writes nothing', async () => {
      const response = await admin.patch<ErrorBody>('storage/items/patch-bulk', {
        itemPatches: patchesFor(items, 'too many'),
      });
      expect(response.status).toBe(413);
      expect(response.body.message).toContain('10000');
      const last = await admin.get<StorageItemDto>(`storage/items/${items[10_000]!}`);
      expect(metadataOf(last.body)).toEqual({ score: 10_000 });
    });
  });

  describe('/api merge patches', () => {
    let folder: string;
    let items: string[];
    beforeAll(async () => {
      folder = await createFolder(admin, 'merging');
      items = await registerItems(
        admin,
        folder,
        Array.from({ length: 4 }, (_, i) => ({
          name: `merge-${pad(i)}.jpg`,
          metadata: { score: i, caption: 'original', colour: 'red', extra: { nested: true, other: 1 } },
        })),
      );
    });

    it('PATCH /api/items/{u}/metadata merges an application/merge-patch+json body; null removes a key', async () => {
      const response = await admin.call<StorageItemDto>('PATCH', `/api/items/${items[0]!}/metadata`, {
        body: { caption: 'merged', colour: null, extra: { other: null, added: 2 }, fresh: 'new' },
        contentType: 'application/merge-patch+json',
      });
      expect(response.status).toBe(200);
      for (const key of ITEM_KEYS) expect(response.body).toHaveProperty(key);
      expect(metadataOf(response.body)).toEqual({
        score: 0,
        caption: 'merged',
        extra: { nested: true, added: 2 },
        fresh: 'new',
      });
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[0]!}`);
      expect(metadataOf(reread.body)).toEqual(metadataOf(response.body));
    });

    it('refuses a merge patch sent as application/json with 400', async () => {
      const response = await admin.call<ErrorBody>('PATCH', `/api/items/${items[1]!}/metadata`, {
        body: { caption: 'sneaky' },
        contentType: 'application/json',
      });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain('application/merge-patch+json');
      const reread = await admin.get<StorageItemDto>(`storage/items/${items[1]!}`);
      expect(metadataOf(reread.body).caption).toBe('original');
    });

    it('refuses a merge whose result is invalid with 400 naming item, key and rule; 404 for an unknown item', async () => {
      const bad = await admin.call<ErrorBody>('PATCH', `/api/items/${items[1]!}/metadata`, {
        body: { score: 'many' },
        contentType: 'application/merge-patch+json',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain(`item ${items[1]!}`);
      expect(bad.body.message).toContain('number.type');
      const unknown = await admin.call<ErrorBody>('PATCH', `/api/items/${MISSING}/metadata`, {
        body: { score: 1 },
        contentType: 'application/merge-patch+json',
      });
      expect(unknown.status).toBe(404);
    });

    it('POST /api/items/metadata/merge-bulk merges many items at once', async () => {
      const response = await admin.call<Page<StorageItemDto>>('POST', '/api/items/metadata/merge-bulk', {
        body: {
          patches: { [items[2]!]: { caption: 'bulk two' }, [items[3]!]: { colour: 'blue', score: null } },
        },
      });
      expect(response.status).toBe(200);
      expect(uuidsOf(response.body.results)).toEqual([items[2], items[3]]);
      expect(response.body.results.map(metadataOf)).toEqual([
        { score: 2, caption: 'bulk two', colour: 'red', extra: { nested: true, other: 1 } },
        { caption: 'original', colour: 'blue', extra: { nested: true, other: 1 } },
      ]);
    });

    it('merge-bulk refuses the whole request when one result is bad, listing it, and writes nothing', async () => {
      const response = await admin.call<ErrorBody>('POST', '/api/items/metadata/merge-bulk', {
        body: { patches: { [items[2]!]: { caption: 'not written' }, [items[3]!]: { colour: 'teal' } } },
      });
      expect(response.status).toBe(400);
      expect(
        response.body.details!.items!.map((i) => [i.item, i.problems.map((p) => `${p.key}:${p.rule}`)]),
      ).toEqual([[items[3], ['colour:enum.option']]]);
      const after = await admin.post<Page<StorageItemDto>>('storage/items/get-bulk', {
        itemUuids: [items[2]!, items[3]!],
      });
      expect(after.body.results.map((i) => metadataOf(i).caption)).toEqual(['bulk two', 'original']);
      expect(metadataOf(after.body.results[1]!).colour).toBe('blue');

      const unknown = await admin.call<ErrorBody>('POST', '/api/items/metadata/merge-bulk', {
        body: { patches: { [items[2]!]: { caption: 'not written' }, [MISSING]: {} } },
      });
      expect(unknown.status).toBe(404);
      expect(metadataOf((await admin.get<StorageItemDto>(`storage/items/${items[2]!}`)).body).caption).toBe(
        'bulk two',
      );
    });

    it('requires the same signatures as the Encord API (unsigned or unknown key → 401)', async () => {
      const unsignedSingle = await admin.call<ErrorBody>('PATCH', `/api/items/${items[2]!}/metadata`, {
        body: { caption: 'anonymous' },
        contentType: 'application/merge-patch+json',
        unsigned: true,
      });
      expect(unsignedSingle.status).toBe(401);
      const unsignedBulk = await admin.call<ErrorBody>('POST', '/api/items/metadata/merge-bulk', {
        body: { patches: { [items[2]!]: { caption: 'anonymous' } } },
        unsigned: true,
      });
      expect(unsignedBulk.status).toBe(401);
      const stranger = await t.clientFor().call<ErrorBody>('POST', '/api/items/metadata/merge-bulk', {
        body: { patches: { [items[2]!]: { caption: 'stranger' } } },
      });
      expect(stranger.status).toBe(401);
      expect(metadataOf((await admin.get<StorageItemDto>(`storage/items/${items[2]!}`)).body).caption).toBe(
        'bulk two',
      );
    });
  });
});

describe('a schema change is enforced on the very next write', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
  });
  afterAll(async () => {
    await t.close();
  });

  it('validates each write against the schema saved just before it', async () => {
    const save = async (schema: Record<string, unknown>) => {
      expect((await admin.post('organisation/client-metadata-schema-v2', schema)).status).toBe(204);
    };
    const write = (folder: string, item: string, clientMetadata: Record<string, unknown>) =>
      admin.patch<ErrorBody>(`storage/folders/${folder}/items/${item}`, { clientMetadata });

    await save({ caption: { ty: 'variant', hint: 'varchar' } });
    const folder = await createFolder(admin, 'schema changes');
    const [item] = await registerItems(admin, folder, [
      { name: 'subject.jpg', metadata: { caption: 'hello' } },
    ]);

    // Add an enum key, then write a valid value.
    await save({
      caption: { ty: 'variant', hint: 'varchar' },
      weather: { ty: 'enum', values: ['sunny', 'rainy'] },
    });
    expect((await write(folder, item!, { caption: 'hello', weather: 'sunny' })).status).toBe(200);
    const snowy = await write(folder, item!, { caption: 'hello', weather: 'snowy' });
    expect(snowy.status).toBe(400);
    expect(snowy.body.message).toContain('enum.option');

    // Retype the scalar: the stored value "hello" is no longer valid.
    await save({
      caption: { ty: 'variant', hint: 'number' },
      weather: { ty: 'enum', values: ['sunny', 'rainy'] },
    });

    // A registration started right after the change is checked against it...
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: {
        images: [
          {
            objectUrl: `https://bucket.example.com/${randomUUID()}.jpg`,
            clientMetadata: { caption: 'text' },
          },
        ],
      },
      ignoreErrors: false,
    });
    const done = await admin.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
      timeoutSeconds: 30,
    });
    expect(done.body.status).toBe('ERROR');
    expect(done.body.unitErrors[0]!.error).toContain('number.type');

    // ...and so is the next write of the old value.
    const stale = await write(folder, item!, { caption: 'hello', weather: 'sunny' });
    expect(stale.status).toBe(400);
    expect(stale.body.message).toContain(`item ${item!}`);
    expect(stale.body.message).toContain('"caption"');
    expect(stale.body.message).toContain('number.type');
    // A merge patch that leaves the old value in place is refused too: the merged result is checked.
    const merged = await admin.call<ErrorBody>('PATCH', `/api/items/${item!}/metadata`, {
      body: { weather: 'rainy' },
      contentType: 'application/merge-patch+json',
    });
    expect(merged.status).toBe(400);
    expect(merged.body.message).toContain('number.type');
    expect((await write(folder, item!, { caption: 42, weather: 'rainy' })).status).toBe(200);
  });

  it('accepts at once what a schema change newly allows, in every kind of write', async () => {
    // Whole-map saves: keep the keys earlier tests defined.
    const base = (await admin.get<Record<string, unknown>>('organisation/client-metadata-schema-v2')).body;
    const save = async (values: string[]) => {
      const saved = await admin.post('organisation/client-metadata-schema-v2', {
        ...base,
        colour: { ty: 'enum', values },
      });
      expect(saved.status).toBe(204);
    };
    await save(['red']);
    const folder = await createFolder(admin, 'newly allowed');
    const [item] = await registerItems(admin, folder, [{ name: 'a.jpg', metadata: { colour: 'red' } }]);
    // The server has now validated writes against ['red']; the option 'green' is added after.
    await save(['red', 'green']);
    const single = await admin.patch(`storage/folders/${folder}/items/${item!}`, {
      clientMetadata: { colour: 'green' },
    });
    expect(single.status).toBe(200);

    await save(['red', 'green', 'blue']);
    const bulk = await admin.patch('storage/items/patch-bulk', {
      itemPatches: { [item!]: { clientMetadata: { colour: 'blue' } } },
    });
    expect(bulk.status).toBe(200);

    await save(['red', 'green', 'blue', 'white']);
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: {
        images: [
          {
            objectUrl: `https://bucket.example.com/${randomUUID()}.jpg`,
            clientMetadata: { colour: 'white' },
          },
        ],
      },
      ignoreErrors: false,
    });
    const done = await admin.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
      timeoutSeconds: 30,
    });
    expect(done.body.status).toBe('DONE');
  });
});
