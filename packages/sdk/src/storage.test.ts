import { startTestServer, type TestServer } from '@metaindex/server/testing';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortedError,
  EncordUserClient,
  InvalidArgumentsError,
  ResourceNotFoundError,
  StorageFolder,
  StorageItem,
  UploadJobError,
} from './index.js';
import { adminClient, type SentRequest } from './recording-client.test-helper.js';

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real PNG: `width` × `height` RGB pixels. */
function png(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc(height * (1 + width * 3), 0x7f);
  for (let y = 0; y < height; y++) rows[y * (1 + width * 3)] = 0; // filter: none
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', new Uint8Array()),
    ]),
  );
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

let server: TestServer;
let client: EncordUserClient;
let sent: SentRequest[];

beforeAll(async () => {
  server = await startTestServer();
  ({ client, sent } = await adminClient(server));
  const schema = await client.metadataSchema();
  schema.addScalar('speed', { dataType: 'number' });
  schema.addScalar('caption', { dataType: 'varchar' });
  await schema.save();
});
afterAll(async () => {
  await server.close();
});

describe('folders', () => {
  it('creates a folder (metadata as JSON text, not retried) and reads it back', async () => {
    sent.length = 0;
    const folder = await client.createStorageFolder('Cars', {
      description: 'road data',
      clientMetadata: { team: 'a', nested: { n: 1 } },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('POST');
    expect(JSON.parse(sent[0]?.body as string)).toEqual({
      name: 'Cars',
      description: 'road data',
      clientMetadata: JSON.stringify({ team: 'a', nested: { n: 1 } }),
    });
    expect(folder).toBeInstanceOf(StorageFolder);
    expect(folder.name).toBe('Cars');
    expect(folder.description).toBe('road data');
    expect(folder.parent).toBeNull();
    expect(folder.userRole).toBe('admin');
    expect(folder.clientMetadata).toEqual({ team: 'a', nested: { n: 1 } });
    expect(folder.createdAtDate.getTime()).toBe(Date.parse(folder.createdAt));

    const read = await client.getStorageFolder(folder.uuid);
    expect(read.toJSON()).toEqual(folder.toJSON());
    const copy = read.clientMetadata!;
    copy.team = 'changed';
    expect(read.clientMetadata).toEqual({ team: 'a', nested: { n: 1 } });
  });

  it('creates subfolders and lists top-level folders, subfolders and every folder by name', async () => {
    const root = await client.createStorageFolder('Parent-zz');
    const child = await root.createSubfolder('Child-zz', { description: 'inner' });
    const grandchild = await child.createSubfolder('Grandchild-zz');
    expect(child.parent).toBe(root.uuid);
    expect(grandchild.pathToRoot.map((p) => p.name)).toEqual(['Parent-zz', 'Child-zz']);

    const topLevel = await collect(client.listStorageFolders({ pageSize: 1 }));
    const topNames = topLevel.map((f) => f.name);
    expect(topNames).toContain('Parent-zz');
    expect(topNames).not.toContain('Child-zz');
    expect(topNames).toEqual([...topNames].sort());

    const found = await collect(client.listStorageFolders({ search: 'child-zz', isRecursive: true }));
    expect(found.map((f) => f.name).sort()).toEqual(['Child-zz', 'Grandchild-zz']);
    expect(sent.at(-1)?.path).toBe('/v2/public/storage/search/folders');

    expect((await collect(root.listSubfolders())).map((f) => f.uuid)).toEqual([child.uuid]);
    expect(() => client.listStorageFolders({ pageSize: 0 })).toThrow(InvalidArgumentsError);
  });

  it('updates, refetches and deletes a folder', async () => {
    const folder = await client.createStorageFolder('To change');
    sent.length = 0;
    await folder.update({});
    expect(sent).toEqual([]);
    await folder.update({ name: 'Changed', clientMetadata: { k: 'v' } });
    expect(folder.name).toBe('Changed');
    expect(folder.clientMetadata).toEqual({ k: 'v' });
    await expect(folder.update({ clientMetadata: [] as unknown as Record<string, unknown> })).rejects.toThrow(
      'clientMetadata must be a JSON object',
    );
    await folder.refetchData();
    expect(folder.name).toBe('Changed');
    await folder.delete();
    await expect(client.getStorageFolder(folder.uuid)).rejects.toBeInstanceOf(ResourceNotFoundError);
  });
});

describe('registration and listing', () => {
  let folder: StorageFolder;
  let uuids: string[];

  beforeAll(async () => {
    folder = await client.createStorageFolder('Listing');
    const result = await folder.registerItems({
      images: Array.from({ length: 250 }, (_, i) => ({
        objectUrl: `https://bucket.example.com/listing/${i}.jpg`,
        title: `img-${String(i).padStart(4, '0')}.jpg`,
        clientMetadata: { speed: i, caption: `car ${i}` },
      })),
    });
    expect(result.status).toBe('DONE');
    expect(result.errors).toEqual([]);
    expect(result.items).toHaveLength(250);
    uuids = result.items.map((i) => i.itemUuid);
  });

  it('sends the whole DataUploadItems with the empty lists filled', () => {
    const post = sent.find((r) => r.method === 'POST' && r.path.endsWith('/data-upload-jobs'));
    const body = JSON.parse(post?.body as string) as {
      dataItems: Record<string, unknown>;
      ignoreErrors: boolean;
    };
    expect(Object.keys(body.dataItems)).toEqual([
      'videos',
      'imageGroups',
      'dicomSeries',
      'images',
      'imageGroupsFromItems',
      'audio',
      'nifti',
      'text',
      'pdf',
      'skipDuplicateUrls',
      'upsertMetadata',
    ]);
    expect((body.dataItems.images as unknown[])[0]).toEqual({
      objectUrl: 'https://bucket.example.com/listing/0.jpg',
      title: 'img-0000.jpg',
      clientMetadata: { speed: 0, caption: 'car 0' },
      externalFileType: 'IMAGE',
    });
    expect(body.ignoreErrors).toBe(false);
  });

  it('lists every item exactly once over many small pages, in name order', async () => {
    sent.length = 0;
    const items = await collect(folder.listItems({ pageSize: 7 }));
    const pages = sent.filter((r) => r.path === `/v2/public/storage/folders/${folder.uuid}/items`);
    expect(pages.length).toBeGreaterThanOrEqual(36);
    expect(pages[0]?.search).toBe('?isRecursive=False&order=name&desc=False&pageSize=7&signUrls=False');
    expect(pages[1]?.search).toContain('&pageToken=');
    expect(items).toHaveLength(250);
    expect(new Set(items.map((i) => i.uuid))).toEqual(new Set(uuids));
    const names = items.map((i) => i.name);
    expect(names).toEqual([...names].sort());
    const first = items[0]!;
    expect(first).toBeInstanceOf(StorageItem);
    expect(first.clientMetadata).toEqual({ speed: 0, caption: 'car 0' });
    expect(first.itemType).toBe('image');
    expect(first.parent).toBe(folder.uuid);
  });

  it('a listing can be iterated again, from the first page', async () => {
    const listing = folder.listItems({ pageSize: 100 });
    expect(await collect(listing)).toHaveLength(250);
    expect(await collect(listing)).toHaveLength(250);
  });

  it('lists in descending createdAt order and by search', async () => {
    const desc = await collect(folder.listItems({ order: 'createdAt', desc: true, pageSize: 100 }));
    expect(desc).toHaveLength(250);
    const found = await collect(folder.listItems({ search: 'img-012' }));
    expect(found.map((i) => i.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `img-012${i}.jpg`));
  });

  it('findItems checks its options before sending anything, then searches recursively', async () => {
    sent.length = 0;
    expect(() => folder.findItems({ search: 'x', pageSize: 0 })).toThrow(
      new InvalidArgumentsError('pageSize should be between 1 and 1000'),
    );
    expect(() => folder.findItems({ search: 'x', pageSize: 1001 })).toThrow(InvalidArgumentsError);
    expect(() => folder.findItems({})).toThrow("At least one of 'search' or 'itemTypes' must be provided.");
    expect(() => folder.findItems({ search: '', itemTypes: [] })).toThrow(InvalidArgumentsError);
    expect(sent).toEqual([]);

    const child = await folder.createSubfolder('Deeper');
    await child.registerItems({
      videos: [{ objectUrl: 'https://bucket.example.com/deep/clip.mp4', title: 'img-deep' }],
    });
    const found = await collect(folder.findItems({ search: 'img-deep' }));
    expect(found.map((i) => i.itemType)).toEqual(['video']);
    const videos = await collect(folder.findItems({ itemTypes: ['video'] }));
    expect(videos.map((i) => i.name)).toEqual(['img-deep']);
    expect(await collect(folder.listItems({ search: 'img-deep' }))).toEqual([]);
  });

  it('getStorageItems answers in the order asked; an unknown uuid is a ResourceNotFoundError', async () => {
    const asked = [uuids[200]!, uuids[3]!, uuids[100]!, uuids[0]!];
    const items = await client.getStorageItems(asked);
    expect(items.map((i) => i.uuid)).toEqual(asked);
    expect(items[0]?.clientMetadata).toEqual({ speed: 200, caption: 'car 200' });
    expect(await client.getStorageItems([])).toEqual([]);
    await expect(
      client.getStorageItems([uuids[0]!, '00000000-0000-4000-8000-000000000000']),
    ).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(client.getStorageItem('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
  });

  it('registration with bad metadata reports ERROR and registers nothing', async () => {
    const bad = await client.createStorageFolder('Bad registration');
    const result = await bad.registerItems({
      images: [
        { objectUrl: 'https://bucket.example.com/bad/1.jpg', clientMetadata: { speed: 'fast' } },
        { objectUrl: 'https://bucket.example.com/bad/2.jpg', clientMetadata: { speed: 2 } },
      ],
    });
    expect(result.status).toBe('ERROR');
    expect(result.items).toEqual([]);
    expect(result.unitErrors).toHaveLength(1);
    expect(result.unitErrors[0]?.error).toContain('speed');
    expect(await collect(bad.listItems())).toEqual([]);
  });

  it('skips duplicate URLs and upserts their metadata when asked', async () => {
    const result = await folder.registerItems(
      { images: [{ objectUrl: 'https://bucket.example.com/listing/5.jpg', clientMetadata: { speed: 500 } }] },
      { skipDuplicateUrls: true, upsertMetadata: true },
    );
    expect(result.status).toBe('DONE');
    expect(result.items).toEqual([{ itemUuid: uuids[5], name: 'img-0005.jpg' }]);
    expect((await client.getStorageItem(uuids[5]!)).clientMetadata).toEqual({ speed: 500 });
  });

  it('an AbortSignal stops a listing', async () => {
    const controller = new AbortController();
    const seen: StorageItem[] = [];
    const walk = async () => {
      for await (const item of folder.listItems({ pageSize: 5, signal: controller.signal })) {
        seen.push(item);
        if (seen.length === 3) controller.abort();
      }
    };
    await expect(walk()).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toHaveLength(3);

    const aborted = AbortSignal.abort();
    sent.length = 0;
    await expect(collect(folder.listItems({ signal: aborted }))).rejects.toBeInstanceOf(AbortedError);
    expect(sent).toEqual([]);
  });
});

describe('uploads', () => {
  let folder: StorageFolder;
  let dir: string;

  beforeAll(async () => {
    folder = await client.createStorageFolder('Uploads');
    dir = await mkdtemp(join(tmpdir(), 'metaindex-sdk-upload-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads real PNG bytes; the item exists with its metadata, type, size and file', async () => {
    const bytes = png(3, 2);
    sent.length = 0;
    const uuid = await folder.uploadImage(bytes, { title: 'pixel.png', clientMetadata: { speed: 4.5 } });
    const put = sent.find((r) => r.method === 'PUT');
    expect(put?.path.startsWith('/blobs/')).toBe(true);
    expect(put?.headers.get('content-type')).toBe('image/png');
    expect(put?.headers.get('cache-control')).toBe('max-age=86400');
    expect(put?.headers.get('signature')).toBeNull();
    expect(sent.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, '{u}')}`).slice(0, 1)).toEqual([
      'POST /v2/public/storage/folders/{u}/upload-signed-urls',
    ]);
    const job = sent.find((r) => r.path.endsWith('/data-upload-jobs'));
    const entry = (JSON.parse(job?.body as string) as { dataItems: { images: Record<string, unknown>[] } })
      .dataItems.images[0];
    expect(entry).toMatchObject({
      title: 'pixel.png',
      clientMetadata: { speed: 4.5 },
      externalFileType: 'IMAGE',
      placeholderItemUuid: uuid,
      imageMetadata: { mimeType: 'image/png', fileSize: bytes.length, width: 3, height: 2 },
    });

    const item = await client.getStorageItem(uuid, { signUrl: true });
    expect(item.name).toBe('pixel.png');
    expect(item.clientMetadata).toEqual({ speed: 4.5 });
    expect(item.itemType).toBe('image');
    expect(item.mimeType).toBe('image/png');
    expect(item.fileSize).toBe(bytes.length);
    expect([item.width, item.height]).toEqual([3, 2]);
    expect(item.parent).toBe(folder.uuid);
    const download = await fetch(item.signedUrl!);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
  });

  it('uploads from a path (named after the file) and from a File', async () => {
    const path = join(dir, 'from-disk.png');
    await writeFile(path, png(1, 1));
    const fromPath = await client.getStorageItem(await folder.uploadImage(path));
    expect(fromPath.name).toBe('from-disk.png');
    expect(fromPath.clientMetadata).toEqual({});
    expect(fromPath.mimeType).toBe('image/png');

    const file = new File([png(2, 2)], 'as-file.png', { type: 'image/png' });
    const fromFile = await client.getStorageItem(
      await folder.uploadImage(file, { clientMetadata: { speed: 1 } }),
    );
    expect(fromFile.name).toBe('as-file.png');
    expect(fromFile.clientMetadata).toEqual({ speed: 1 });
  });

  it('uploads text and PDF files as their item types', async () => {
    const text = await client.getStorageItem(
      await folder.uploadText(new TextEncoder().encode('a transcript'), { title: 'notes.txt' }),
    );
    expect(text.itemType).toBe('plainText');
    const pdf = await client.getStorageItem(
      await folder.uploadPdf(new TextEncoder().encode('%PDF-1.4\n%%EOF\n'), { title: 'doc.pdf' }),
    );
    expect(pdf.itemType).toBe('pdf');
  });

  it('a registration that fails is an UploadJobError listing the job errors', async () => {
    const error = await folder
      .uploadImage(png(1, 1), { title: 'bad.png', clientMetadata: { speed: 'not a number' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadJobError);
    const jobError = error as UploadJobError;
    expect(jobError.message).toMatch(/^Could not register image, the job ended ERROR, errors occurred: /);
    expect(jobError.message).toContain('speed');
    expect(jobError.job.status).toBe('ERROR');
    expect(jobError.job.unitErrors).toHaveLength(1);
  });
});

describe('item updates', () => {
  let folder: StorageFolder;
  let uuid: string;

  beforeAll(async () => {
    folder = await client.createStorageFolder('Updates');
    const result = await folder.registerItems({
      images: [
        {
          objectUrl: 'https://bucket.example.com/updates/1.jpg',
          title: 'one.jpg',
          clientMetadata: { speed: 1, caption: 'first', nested: { a: 1, b: 2 } },
        },
      ],
    });
    uuid = result.items[0]!.itemUuid;
  });

  async function stored(): Promise<unknown> {
    const raw = await server.admin.get<{ clientMetadata: string }>(`storage/items/${uuid}`);
    return JSON.parse(raw.body.clientMetadata);
  }

  it('clientMetadata is a copy: changing it changes nothing', async () => {
    const item = await client.getStorageItem(uuid);
    const copy = item.clientMetadata;
    copy.speed = 99;
    (copy.nested as Record<string, unknown>).a = 'changed';
    expect(item.clientMetadata).toEqual({ speed: 1, caption: 'first', nested: { a: 1, b: 2 } });
    expect(item.clientMetadata).not.toBe(item.clientMetadata);
  });

  it('update replaces the whole object, and the answer becomes the local state', async () => {
    const item = await client.getStorageItem(uuid);
    const before = item.lastEditedAt;
    sent.length = 0;
    await item.update({ clientMetadata: { speed: 2 } });
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /v2/public/storage/folders/${folder.uuid}/items/${uuid}`,
    ]);
    expect(JSON.parse(sent[0]?.body as string)).toEqual({ clientMetadata: { speed: 2 } });
    expect(item.clientMetadata).toEqual({ speed: 2 });
    expect(await stored()).toEqual({ speed: 2 });
    expect(item.lastEditedAt >= before).toBe(true);

    await item.update({ name: 'renamed.jpg' });
    expect(item.name).toBe('renamed.jpg');
    expect(item.clientMetadata).toEqual({ speed: 2 });

    sent.length = 0;
    await item.update({});
    expect(sent).toEqual([]);
  });

  it('the object passed to update can be changed afterwards without effect', async () => {
    const item = await client.getStorageItem(uuid);
    const metadata: Record<string, unknown> = { speed: 3 };
    const pending = item.update({ clientMetadata: metadata });
    metadata.speed = 4;
    await pending;
    expect(await stored()).toEqual({ speed: 3 });
  });

  it('mergeMetadata merges (RFC 7396) on the server, and the answer becomes the local state', async () => {
    const item = await client.getStorageItem(uuid);
    await item.update({ clientMetadata: { speed: 5, caption: 'keep', nested: { a: 1, b: 2 } } });
    sent.length = 0;
    await item.mergeMetadata({ speed: 6, nested: { b: null, c: 3 }, extra: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('PATCH');
    expect(sent[0]?.path).toBe(`/api/items/${uuid}/metadata`);
    expect(sent[0]?.headers.get('content-type')).toBe('application/merge-patch+json');
    const expected = { speed: 6, caption: 'keep', nested: { a: 1, c: 3 }, extra: true };
    expect(item.clientMetadata).toEqual(expected);
    expect(await stored()).toEqual(expected);

    await item.mergeMetadata({ caption: null });
    expect(item.clientMetadata).toEqual({ speed: 6, nested: { a: 1, c: 3 }, extra: true });
    await expect(item.mergeMetadata([] as unknown as Record<string, unknown>)).rejects.toThrow(
      'the merge patch must be a JSON object',
    );
  });

  it('the server still checks the schema: a bad value is an InvalidArgumentsError naming the key', async () => {
    const item = await client.getStorageItem(uuid);
    const error = await item.update({ clientMetadata: { speed: 'fast' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as InvalidArgumentsError).message).toContain('"speed"');
    expect((error as InvalidArgumentsError).details).toMatchObject({ items: [{ item: uuid }] });
    const merged = await item.mergeMetadata({ speed: 'fast' }).catch((e: unknown) => e);
    expect(merged).toBeInstanceOf(InvalidArgumentsError);
  });

  it('schema-free rules are checked locally, with exactly the message the server gives', async () => {
    const item = await client.getStorageItem(uuid);
    const bad = { keyframes: [3, 3] };
    const direct = await server.admin.patch<{ message: string }>(
      `storage/folders/${folder.uuid}/items/${uuid}`,
      {
        clientMetadata: bad,
      },
    );
    expect(direct.status).toBe(400);
    sent.length = 0;
    const error = await item.update({ clientMetadata: bad }).catch((e: unknown) => e);
    expect(sent).toEqual([]);
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toBe(direct.body.message);
    await expect(
      item.update({ clientMetadata: 'text' as unknown as Record<string, unknown> }),
    ).rejects.toThrow('clientMetadata must be a JSON object, got');
  });

  it('refetchData reads the server state again', async () => {
    const item = await client.getStorageItem(uuid);
    await server.admin.patch(`storage/folders/${folder.uuid}/items/${uuid}`, {
      clientMetadata: { speed: 77 },
    });
    expect(item.clientMetadata).not.toEqual({ speed: 77 });
    await item.refetchData();
    expect(item.clientMetadata).toEqual({ speed: 77 });
    expect(item.toJSON().clientMetadata).toEqual({ speed: 77 });
  });
});
