/**
 * Storage folders over HTTP, signed like the official SDK: create (clientMetadata as a
 * JSON string), get (every key the SDK's StorageFolder model requires), list (root,
 * children, recursive search) with search, order, direction and paging, patch,
 * patch-bulk (all or nothing) and delete (with everything below the folder).
 */
import { randomBytes } from 'node:crypto';
import { publicKeyHexFromPrivateKey } from '@metaindex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type QueryValue,
  type SdkLikeClient,
  type TestServer,
} from '../../testing/sdk-like-client.js';
import type { StorageFolderDto } from '../wire-dto.js';
import { listAllPages } from '../../testing/paging.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

interface ErrorBody {
  message: string;
  code: string;
}

/** Every key the pydantic-2 SDK requires in a StorageFolder (nullable ones included). */
const FOLDER_KEYS = [
  'uuid',
  'parent',
  'name',
  'description',
  'clientMetadata',
  'owner',
  'createdAt',
  'lastEditedAt',
  'userRole',
  'syncedDatasetHash',
  'pathToRoot',
];
const PATH_ENTRY_KEYS = ['uuid', 'parentUuid', 'name', 'syncedDatasetHash'];
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function createFolder(
  client: SdkLikeClient,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<StorageFolderDto> {
  const response = await client.post<StorageFolderDto>('storage/folders', {
    name,
    description: '',
    ...extra,
  });
  expect(response.status).toBe(200);
  return response.body;
}

/** Every folder of a listing, across pages. */
async function listAll(
  client: SdkLikeClient,
  path: string,
  query: Record<string, QueryValue>,
): Promise<{ folders: StorageFolderDto[]; pages: number }> {
  const { results, pages } = await listAllPages<StorageFolderDto>(client, path, query);
  return { folders: results, pages };
}

const names = (folders: readonly StorageFolderDto[]): string[] => folders.map((f) => f.name);
const uuids = (folders: readonly StorageFolderDto[]): string[] => folders.map((f) => f.uuid);
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

describe('creating and reading folders', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a folder with clientMetadata sent as a JSON string and returns it as a JSON string', async () => {
    const created = await admin.post<StorageFolderDto>('storage/folders', {
      name: 'cameras',
      description: 'every camera',
      clientMetadata: JSON.stringify({ team: 'vision', budget: 3 }),
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: 'cameras',
      description: 'every camera',
      parent: null,
      pathToRoot: [],
    });
    expect(typeof created.body.clientMetadata).toBe('string');
    expect(JSON.parse(created.body.clientMetadata!)).toEqual({ team: 'vision', budget: 3 });
  });

  it('stores clientMetadata null when it is sent as null or not sent', async () => {
    const asNull = await admin.post<StorageFolderDto>('storage/folders', {
      name: 'null metadata',
      clientMetadata: null,
    });
    expect(asNull.status).toBe(200);
    expect(asNull.body.clientMetadata).toBeNull();
    const absent = await admin.post<StorageFolderDto>('storage/folders', { name: 'no metadata' });
    expect(absent.status).toBe(200);
    expect(absent.body.clientMetadata).toBeNull();
    expect(absent.body.description).toBe('');
    const reread = await admin.get<StorageFolderDto>(`storage/folders/${absent.body.uuid}`);
    expect(reread.body.clientMetadata).toBeNull();
  });

  it.each([
    ['text that is not JSON', '{not json'],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"just text"'],
    ['a JSON number', '42'],
  ])('rejects clientMetadata that is %s with 400 naming the field', async (_what, clientMetadata) => {
    const response = await admin.post<ErrorBody>('storage/folders', { name: 'bad metadata', clientMetadata });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('clientMetadata');
  });

  it('rejects a folder without a name with 400', async () => {
    const missing = await admin.post<ErrorBody>('storage/folders', { description: 'nameless' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('name');
    const blank = await admin.post<ErrorBody>('storage/folders', { name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body.message).toContain('name');
  });

  it('answers 404 for an unknown parent and 400 for a parent that is not a uuid', async () => {
    const unknown = await admin.post<ErrorBody>('storage/folders', {
      name: 'orphan',
      parent: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('00000000-0000-4000-8000-000000000000');
    const malformed = await admin.post<ErrorBody>('storage/folders', {
      name: 'orphan',
      parent: 'not-a-uuid',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('parent');
  });

  it('returns every StorageFolder key the SDK requires, with the right shapes', async () => {
    const root = await createFolder(admin, 'shape root', { clientMetadata: JSON.stringify({ a: 1 }) });
    const read = await admin.get<Record<string, unknown>>(`storage/folders/${root.uuid}`);
    expect(read.status).toBe(200);
    for (const key of FOLDER_KEYS) expect(read.body).toHaveProperty(key);
    expect(read.body.uuid).toMatch(UUID);
    expect(read.body.uuid).toBe(root.uuid);
    expect(read.body.parent).toBeNull();
    expect(read.body.name).toBe('shape root');
    expect(read.body.description).toBe('');
    expect(read.body.clientMetadata).toBe('{"a":1}');
    expect(typeof read.body.owner).toBe('string');
    expect(read.body.createdAt).toMatch(ISO_DATETIME);
    expect(read.body.lastEditedAt).toMatch(ISO_DATETIME);
    expect(read.body.userRole).toBe('admin');
    expect(read.body.syncedDatasetHash).toBeNull();
    expect(read.body.pathToRoot).toEqual([]);
  });

  it('creates subfolders with `parent`; pathToRoot of a grandchild lists the root, then the child', async () => {
    const root = await createFolder(admin, 'tree root');
    const child = await createFolder(admin, 'tree child', { parent: root.uuid });
    expect(child.parent).toBe(root.uuid);
    const grandchild = await createFolder(admin, 'tree grandchild', { parent: child.uuid.toUpperCase() });
    expect(grandchild.parent).toBe(child.uuid); // canonical lowercase, whatever case was sent

    const read = await admin.get<StorageFolderDto>(`storage/folders/${grandchild.uuid}`);
    expect(read.body.parent).toBe(child.uuid);
    for (const entry of read.body.pathToRoot) {
      for (const key of PATH_ENTRY_KEYS) expect(entry).toHaveProperty(key);
    }
    expect(read.body.pathToRoot).toEqual([
      { uuid: root.uuid, parentUuid: null, name: 'tree root', syncedDatasetHash: null },
      { uuid: child.uuid, parentUuid: root.uuid, name: 'tree child', syncedDatasetHash: null },
    ]);
    const childRead = await admin.get<StorageFolderDto>(`storage/folders/${child.uuid}`);
    expect(childRead.body.pathToRoot.map((p) => p.uuid)).toEqual([root.uuid]);
  });

  it('answers 404 `{message}` for an unknown folder and 400 for a malformed uuid', async () => {
    const unknown = await admin.get<ErrorBody>('storage/folders/00000000-0000-4000-8000-000000000001');
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body.message).toBe('string');
    const malformed = await admin.get<ErrorBody>('storage/folders/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('not-a-uuid');
  });

  it("gives a member userRole 'user' on the admin's folder and 'admin' on their own", async () => {
    const seed = randomBytes(32);
    await t.server.engine.addUser({
      email: 'member@example.com',
      role: 'member',
      publicKeyHex: publicKeyHexFromPrivateKey(seed),
      createdAt: new Date().toISOString(),
    });
    const member = t.clientFor(seed);
    const adminsFolder = await createFolder(admin, 'admin-owned');
    const seen = await member.get<StorageFolderDto>(`storage/folders/${adminsFolder.uuid}`);
    expect(seen.status).toBe(200);
    expect(seen.body.userRole).toBe('user');
    const own = await createFolder(member, 'member-owned');
    expect(own.owner).toBe('member@example.com');
    expect(own.userRole).toBe('admin');
  });
});

describe('listing folders', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let roots: StorageFolderDto[];
  let parent: StorageFolderDto;
  let children: StorageFolderDto[];
  let grandchildren: StorageFolderDto[];

  const ROOT_NAMES = ['alpha', 'Bravo camera', 'charlie', 'delta CAMERA', 'echo', 'foxtrot'];
  const CHILD_NAMES = Array.from({ length: 25 }, (_, i) => `child-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    // Created in an order that is neither name order nor its reverse.
    roots = [];
    for (const name of [...ROOT_NAMES].reverse()) roots.push(await createFolder(admin, name));
    parent = roots.find((r) => r.name === 'echo')!;
    children = [];
    for (const name of [...CHILD_NAMES].sort(() => Math.random() - 0.5)) {
      children.push(await createFolder(admin, name, { parent: parent.uuid }));
    }
    grandchildren = [
      await createFolder(admin, 'deep camera', { parent: children[0]!.uuid }),
      await createFolder(admin, 'deeper', { parent: children[1]!.uuid }),
    ];
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists root folders only, by name ascending by default', async () => {
    const page = await admin.get<Page<StorageFolderDto>>('storage/folders');
    expect(page.status).toBe(200);
    expect(page.body.nextPageToken).toBeNull();
    expect(names(page.body.results)).toEqual([...ROOT_NAMES].sort(byCodePoint));
    for (const folder of page.body.results) {
      for (const key of FOLDER_KEYS) expect(folder).toHaveProperty(key);
    }
  });

  it('lists the children of a folder, not its grandchildren', async () => {
    const { folders } = await listAll(admin, `storage/folders/${parent.uuid}/folders`, { pageSize: 1000 });
    expect(names(folders)).toEqual(CHILD_NAMES);
    expect(folders.every((f) => f.parent === parent.uuid)).toBe(true);
    expect(folders[0]!.pathToRoot.map((p) => p.uuid)).toEqual([parent.uuid]);
  });

  it('searches names case-insensitively', async () => {
    const page = await admin.get<Page<StorageFolderDto>>('storage/folders', { search: 'cAmErA' });
    expect(names(page.body.results)).toEqual(['Bravo camera', 'delta CAMERA']);
    const children = await admin.get<Page<StorageFolderDto>>(`storage/folders/${parent.uuid}/folders`, {
      search: 'CHILD-1',
    });
    expect(names(children.body.results)).toEqual(CHILD_NAMES.filter((n) => n.startsWith('child-1')));
    const none = await admin.get<Page<StorageFolderDto>>('storage/folders', { search: 'zulu' });
    expect(none.body).toEqual({ results: [], nextPageToken: null });
  });

  it('orders by name or createdAt, ascending or descending (desc=True)', async () => {
    const sorted = [...ROOT_NAMES].sort(byCodePoint);
    const byNameDesc = await admin.get<Page<StorageFolderDto>>('storage/folders', {
      order: 'name',
      desc: true,
    });
    expect(names(byNameDesc.body.results)).toEqual([...sorted].reverse());

    const byCreated = await admin.get<Page<StorageFolderDto>>('storage/folders', {
      order: 'createdAt',
      desc: false,
    });
    const createdOrder = [...roots].sort(
      (a, b) => byCodePoint(a.createdAt, b.createdAt) || byCodePoint(a.uuid, b.uuid),
    );
    expect(uuids(byCreated.body.results)).toEqual(uuids(createdOrder));
    const byCreatedDesc = await admin.get<Page<StorageFolderDto>>('storage/folders', {
      order: 'createdAt',
      desc: true,
    });
    expect(uuids(byCreatedDesc.body.results)).toEqual(uuids(createdOrder).reverse());
  });

  it.each([
    ['name', false],
    ['name', true],
    ['createdAt', false],
    ['createdAt', true],
  ] as const)('pages through every child exactly once (order=%s, desc=%s)', async (order, desc) => {
    const { folders, pages } = await listAll(admin, `storage/folders/${parent.uuid}/folders`, {
      order,
      desc,
      pageSize: 4,
    });
    expect(pages).toBe(7); // 25 children, 4 per page
    expect(folders).toHaveLength(CHILD_NAMES.length);
    expect(new Set(uuids(folders))).toEqual(new Set(uuids(children)));
    if (order === 'name') {
      expect(names(folders)).toEqual(desc ? [...CHILD_NAMES].reverse() : CHILD_NAMES);
    }
  });

  it('ends with a null nextPageToken when the last page is exactly full', async () => {
    const first = await admin.get<Page<StorageFolderDto>>('storage/folders', { pageSize: 3 });
    expect(first.body.results).toHaveLength(3);
    expect(first.body.nextPageToken).not.toBeNull();
    const second = await admin.get<Page<StorageFolderDto>>('storage/folders', {
      pageSize: 3,
      pageToken: first.body.nextPageToken!,
    });
    expect(second.body.results).toHaveLength(3);
    expect(second.body.nextPageToken).toBeNull();
  });

  it('refuses a pageToken reused with another order or direction, or not issued by the server, with 400', async () => {
    const first = await admin.get<Page<StorageFolderDto>>(`storage/folders/${parent.uuid}/folders`, {
      order: 'name',
      pageSize: 5,
    });
    const pageToken = first.body.nextPageToken!;
    const otherOrder = await admin.get<ErrorBody>(`storage/folders/${parent.uuid}/folders`, {
      order: 'createdAt',
      pageSize: 5,
      pageToken,
    });
    expect(otherOrder.status).toBe(400);
    expect(otherOrder.body.message).toContain('pageToken');
    const otherDirection = await admin.get<ErrorBody>(`storage/folders/${parent.uuid}/folders`, {
      order: 'name',
      desc: true,
      pageSize: 5,
      pageToken,
    });
    expect(otherDirection.status).toBe(400);
    const forged = await admin.get<ErrorBody>('storage/folders', { pageToken: 'bm90LWEtdG9rZW4' });
    expect(forged.status).toBe(400);
    expect(forged.body.message).toContain('pageToken');
  });

  it.each([0, 1001, -1, 2.5])('refuses pageSize %s with 400', async (pageSize) => {
    const response = await admin.get<ErrorBody>('storage/folders', { pageSize });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('pageSize');
  });

  it('accepts pageSize 1 and 1000', async () => {
    const one = await admin.get<Page<StorageFolderDto>>('storage/folders', { pageSize: 1 });
    expect(one.status).toBe(200);
    expect(one.body.results).toHaveLength(1);
    const max = await admin.get<Page<StorageFolderDto>>('storage/folders', { pageSize: 1000 });
    expect(max.body.results).toHaveLength(ROOT_NAMES.length);
  });

  it('refuses an unknown order with 400 and answers 404 for the children of an unknown folder', async () => {
    expect((await admin.get('storage/folders', { order: 'size' })).status).toBe(400);
    const unknown = await admin.get<ErrorBody>(
      'storage/folders/00000000-0000-4000-8000-000000000002/folders',
    );
    expect(unknown.status).toBe(404);
  });

  it('searches every folder at any depth with GET storage/search/folders', async () => {
    const { folders } = await listAll(admin, 'storage/search/folders', { search: 'camera', pageSize: 1 });
    expect(names(folders)).toEqual(['Bravo camera', 'deep camera', 'delta CAMERA']);
    const all = await listAll(admin, 'storage/search/folders', { pageSize: 10 });
    expect(all.folders).toHaveLength(roots.length + children.length + grandchildren.length);
    expect(new Set(uuids(all.folders)).size).toBe(all.folders.length);
    const deep = all.folders.find((f) => f.name === 'deep camera')!;
    expect(deep.pathToRoot.map((p) => p.name)).toEqual(['echo', children[0]!.name]);
  });
});

describe('updating and deleting folders', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
  });
  afterAll(async () => {
    await t.close();
  });

  it('patches name, description and clientMetadata (an object, a JSON string, or null to clear), keeping what is not sent', async () => {
    const folder = await createFolder(admin, 'before', {
      description: 'old description',
      clientMetadata: JSON.stringify({ keep: 'me' }),
    });
    const renamed = await admin.patch<StorageFolderDto>(`storage/folders/${folder.uuid}`, { name: 'after' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'after',
      description: 'old description',
      clientMetadata: '{"keep":"me"}',
    });
    expect(Date.parse(renamed.body.lastEditedAt)).toBeGreaterThanOrEqual(Date.parse(folder.lastEditedAt));
    expect(renamed.body.createdAt).toBe(folder.createdAt);

    const described = await admin.patch<StorageFolderDto>(`storage/folders/${folder.uuid}`, {
      description: 'new description',
      clientMetadata: { replaced: true },
    });
    expect(described.body).toMatchObject({ name: 'after', description: 'new description' });
    expect(JSON.parse(described.body.clientMetadata!)).toEqual({ replaced: true });

    const reread = await admin.get<StorageFolderDto>(`storage/folders/${folder.uuid}`);
    expect(reread.body).toMatchObject({
      name: 'after',
      description: 'new description',
      clientMetadata: '{"replaced":true}',
    });

    const cleared = await admin.patch<StorageFolderDto>(`storage/folders/${folder.uuid}`, {
      clientMetadata: null,
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.clientMetadata).toBeNull();
    const asString = await admin.patch<StorageFolderDto>(`storage/folders/${folder.uuid}`, {
      clientMetadata: JSON.stringify({ as: 'string' }),
    });
    expect(asString.body.clientMetadata).toBe('{"as":"string"}');
  });

  it('refuses a bad folder patch with 400 and an unknown folder with 404', async () => {
    const folder = await createFolder(admin, 'patch target');
    const bad = await admin.patch<ErrorBody>(`storage/folders/${folder.uuid}`, { clientMetadata: '[1]' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('clientMetadata');
    const badName = await admin.patch<ErrorBody>(`storage/folders/${folder.uuid}`, { name: 7 });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toContain('name');
    const unknown = await admin.patch<ErrorBody>('storage/folders/00000000-0000-4000-8000-000000000003', {
      name: 'x',
    });
    expect(unknown.status).toBe(404);
    expect((await admin.get<StorageFolderDto>(`storage/folders/${folder.uuid}`)).body.name).toBe(
      'patch target',
    );
  });

  it('patches many folders with patch-bulk and returns every one', async () => {
    const a = await createFolder(admin, 'bulk a');
    const b = await createFolder(admin, 'bulk b');
    const response = await admin.patch<Page<StorageFolderDto>>('storage/folders/patch-bulk', {
      folderPatches: {
        [a.uuid]: { name: 'bulk a2' },
        [b.uuid]: { description: 'described', clientMetadata: { n: 2 } },
      },
    });
    expect(response.status).toBe(200);
    expect(response.body.nextPageToken).toBeNull();
    expect(response.body.results.map((f) => [f.uuid, f.name, f.description, f.clientMetadata])).toEqual([
      [a.uuid, 'bulk a2', '', null],
      [b.uuid, 'bulk b', 'described', '{"n":2}'],
    ]);
    for (const folder of response.body.results) {
      for (const key of FOLDER_KEYS) expect(folder).toHaveProperty(key);
    }
  });

  it('applies patch-bulk all or nothing: one unknown uuid is a 404 naming it, and nothing changes', async () => {
    const a = await createFolder(admin, 'atomic a');
    const missing = '00000000-0000-4000-8000-000000000004';
    const response = await admin.patch<ErrorBody>('storage/folders/patch-bulk', {
      folderPatches: { [a.uuid]: { name: 'should not stick' }, [missing]: { name: 'ghost' } },
    });
    expect(response.status).toBe(404);
    expect(response.body.message).toContain(missing);
    expect((await admin.get<StorageFolderDto>(`storage/folders/${a.uuid}`)).body.name).toBe('atomic a');

    const bad = await admin.patch<ErrorBody>('storage/folders/patch-bulk', {
      folderPatches: { [a.uuid]: { name: 'nor this' }, 'not-a-uuid': { name: 'x' } },
    });
    expect(bad.status).toBe(400);
    expect((await admin.get<StorageFolderDto>(`storage/folders/${a.uuid}`)).body.name).toBe('atomic a');
  });

  it('deletes a folder: 204, then 404 for it, and 404 for a second delete', async () => {
    const folder = await createFolder(admin, 'doomed');
    const deleted = await admin.delete(`storage/folders/${folder.uuid}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await admin.get(`storage/folders/${folder.uuid}`)).status).toBe(404);
    expect((await admin.delete(`storage/folders/${folder.uuid}`)).status).toBe(404);
    expect((await admin.delete('storage/folders/not-a-uuid')).status).toBe(400);
  });

  it('deleting a folder removes its subfolders and every item below it', async () => {
    const top = await createFolder(admin, 'top');
    const sub = await createFolder(admin, 'sub', { parent: top.uuid });
    const sibling = await createFolder(admin, 'sibling');
    const register = async (folder: string, url: string): Promise<string> => {
      const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
        dataItems: {
          images: [{ objectUrl: url, clientMetadata: {} }],
          skipDuplicateUrls: false,
          upsertMetadata: false,
        },
        ignoreErrors: false,
      });
      const done = await admin.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
        `storage/folders/${folder}/data-upload-jobs/${job.body}`,
        { timeoutSeconds: 30 },
      );
      expect(done.body.status).toBe('DONE');
      return done.body.itemsWithNames[0]!.itemUuid;
    };
    const topItem = await register(top.uuid, 'https://bucket.example.com/top.jpg');
    const subItem = await register(sub.uuid, 'https://bucket.example.com/sub.jpg');
    const siblingItem = await register(sibling.uuid, 'https://bucket.example.com/sibling.jpg');

    expect((await admin.delete(`storage/folders/${top.uuid}`)).status).toBe(204);
    expect((await admin.get(`storage/folders/${sub.uuid}`)).status).toBe(404);
    expect((await admin.get(`storage/items/${topItem}`)).status).toBe(404);
    expect((await admin.get(`storage/items/${subItem}`)).status).toBe(404);
    expect((await admin.get(`storage/items/${siblingItem}`)).status).toBe(200);
    expect((await admin.get(`storage/folders/${sibling.uuid}`)).status).toBe(200);
    const everything = await listAll(admin, 'storage/search/folders', {});
    expect(uuids(everything.folders)).not.toContain(sub.uuid);
  });
});

describe('blank names', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses to blank a folder name in a patch, and keeps the name', async () => {
    const created = await t.admin.post<{ uuid: string }>('storage/folders', { name: 'named' });
    const response = await t.admin.patch<{ message: string }>(`storage/folders/${created.body.uuid}`, {
      name: '  ',
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('a name cannot be empty');
    expect((await t.admin.get<{ name: string }>(`storage/folders/${created.body.uuid}`)).body.name).toBe(
      'named',
    );
  });
});
