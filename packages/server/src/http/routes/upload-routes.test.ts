/**
 * Uploads and registration over HTTP, as the official SDK drives them: signed upload
 * URLs served by this server (PUT answers exactly 200), signed download URLs, and
 * data-upload jobs for every list kind, by objectUrl or uploaded placeholder, with
 * metadata checked per unit (ignoreErrors all-or-nothing or partial), duplicate URL
 * skipping and metadata upserts, the `externalFiles` JSON, the long-poll job shape, and
 * a registration of 100,000 items in one job.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type SdkLikeClient, type TestServer } from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

interface UploadSlot {
  itemUuid: string;
  objectKey: string;
  signedUrl: string;
}

interface Job {
  status: 'PENDING' | 'DONE' | 'ERROR' | 'CANCELLED';
  itemsWithNames: { itemUuid: string; name: string }[];
  errors: string[];
  unitsPendingCount: number;
  unitsDoneCount: number;
  unitsErrorCount: number;
  unitsCancelledCount: number;
  unitErrors: { objectUrls: string[]; error: string; subtaskUuid: string; actionDescription: string }[];
  fileName: string | null;
}

interface ErrorBody {
  message: string;
  code: string;
}

/** Every key of the job the SDK's long-poll model reads. */
const JOB_KEYS = [
  'status',
  'itemsWithNames',
  'errors',
  'unitsPendingCount',
  'unitsDoneCount',
  'unitsErrorCount',
  'unitsCancelledCount',
  'unitErrors',
  'fileName',
];

/** Every list of the SDK's DataUploadItems, empty, as the SDK always sends them all. */
const EMPTY_LISTS = {
  videos: [],
  imageGroups: [],
  dicomSeries: [],
  images: [],
  imageGroupsFromItems: [],
  audio: [],
  nifti: [],
  text: [],
  pdf: [],
};

const SCHEMA = {
  camera: { ty: 'variant', hint: 'varchar' },
  exposure: { ty: 'variant', hint: 'number' },
  scene: { ty: 'enum', values: ['day', 'night'] },
};

const MISSING = '00000000-0000-4000-8000-00000000beef';

const metadataOf = (item: StorageItemDto): Record<string, unknown> =>
  JSON.parse(item.clientMetadata) as Record<string, unknown>;

async function createFolder(client: SdkLikeClient, name: string): Promise<string> {
  const response = await client.post<{ uuid: string }>('storage/folders', { name, description: '' });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

/** Starts a job with `dataItems` (the SDK's shape, every list present) and returns its uuid. */
async function startJob(
  client: SdkLikeClient,
  folder: string,
  lists: Record<string, unknown>,
  options: { ignoreErrors?: boolean; skipDuplicateUrls?: boolean; upsertMetadata?: boolean } = {},
): Promise<string> {
  const response = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: {
      ...EMPTY_LISTS,
      ...lists,
      skipDuplicateUrls: options.skipDuplicateUrls ?? false,
      upsertMetadata: options.upsertMetadata ?? false,
    },
    ignoreErrors: options.ignoreErrors ?? false,
  });
  expect(response.status).toBe(200);
  expect(typeof response.body).toBe('string');
  return response.body;
}

/** Long-polls the job until it leaves PENDING, as the SDK does. */
async function waitForJob(
  client: SdkLikeClient,
  folder: string,
  job: string,
  timeoutSeconds = 60,
): Promise<Job> {
  for (;;) {
    const response = await client.get<Job>(`storage/folders/${folder}/data-upload-jobs/${job}`, {
      timeoutSeconds,
    });
    expect(response.status).toBe(200);
    if (response.body.status !== 'PENDING') return response.body;
  }
}

async function listFolder(client: SdkLikeClient, folder: string): Promise<StorageItemDto[]> {
  const page = await client.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, { pageSize: 1000 });
  expect(page.status).toBe(200);
  return page.body.results;
}

async function getItems(client: SdkLikeClient, uuids: readonly string[]): Promise<StorageItemDto[]> {
  const response = await client.post<Page<StorageItemDto>>('storage/items/get-bulk', {
    itemUuids: uuids,
    signUrls: false,
  });
  expect(response.status).toBe(200);
  return response.body.results;
}

describe('uploads and registration jobs', () => {
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

  const issue = async (folder: string, count: number): Promise<UploadSlot[]> => {
    const response = await admin.post<Page<UploadSlot>>(`storage/folders/${folder}/upload-signed-urls`, {
      itemType: 'image',
      count,
    });
    expect(response.status).toBe(200);
    return response.body.results;
  };

  const put = (url: string, body: Uint8Array) =>
    fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=86400' },
      body,
    });

  describe('signed URLs', () => {
    let folder: string;
    beforeAll(async () => {
      folder = await createFolder(admin, 'signed urls');
    });

    it('issues `count` distinct upload slots, keyed <folder>/<itemUuid>, with URLs on this server', async () => {
      const response = await admin.post<Page<UploadSlot>>(`storage/folders/${folder}/upload-signed-urls`, {
        itemType: 'image',
        count: 3,
      });
      expect(response.status).toBe(200);
      expect(response.body.nextPageToken).toBeNull();
      const slots = response.body.results;
      expect(slots).toHaveLength(3);
      expect(new Set(slots.map((s) => s.itemUuid)).size).toBe(3);
      for (const slot of slots) {
        expect(slot.objectKey).toBe(`${folder}/${slot.itemUuid}`);
        expect(slot.signedUrl.startsWith(`${t.server.url}/blobs/`)).toBe(true);
      }
    });

    it('refuses count 0 (or over 1000) with 400 and an unknown folder with 404', async () => {
      const zero = await admin.post<ErrorBody>(`storage/folders/${folder}/upload-signed-urls`, {
        itemType: 'image',
        count: 0,
      });
      expect(zero.status).toBe(400);
      expect(zero.body.message).toContain('count');
      const tooMany = await admin.post<ErrorBody>(`storage/folders/${folder}/upload-signed-urls`, {
        itemType: 'image',
        count: 1001,
      });
      expect(tooMany.status).toBe(400);
      const unknown = await admin.post<ErrorBody>(`storage/folders/${MISSING}/upload-signed-urls`, {
        itemType: 'image',
        count: 1,
      });
      expect(unknown.status).toBe(404);
    });

    it('stores the bytes PUT to a signed URL, answering exactly 200 without a request signature', async () => {
      const [slot] = await issue(folder, 1);
      const bytes = Buffer.from('\x89PNG\r\n\x1a\n not really a png');
      const response = await put(slot!.signedUrl, bytes);
      expect(response.status).toBe(200);

      const job = await startJob(admin, folder, {
        images: [
          {
            objectUrl: slot!.objectKey,
            title: 'uploaded.png',
            clientMetadata: { camera: 'front' },
            externalFileType: 'IMAGE',
            placeholderItemUuid: slot!.itemUuid,
            imageMetadata: { mimeType: 'image/png', fileSize: bytes.length, height: 1, width: 1 },
          },
        ],
      });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('DONE');
      expect(done.itemsWithNames).toEqual([{ itemUuid: slot!.itemUuid, name: 'uploaded.png' }]);

      const item = await admin.get<StorageItemDto>(`storage/items/${slot!.itemUuid}`, { signUrl: true });
      expect(item.body).toMatchObject({
        storageLocation: 'encord',
        mimeType: 'image/png',
        fileSize: bytes.length,
      });
      expect(metadataOf(item.body)).toEqual({ camera: 'front' });
      const download = await fetch(item.body.signedUrl!);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
      // A download URL does not authorise uploads.
      expect((await put(item.body.signedUrl!, Buffer.from('overwrite'))).status).toBe(403);
      const unsigned = await admin.get<StorageItemDto>(`storage/items/${slot!.itemUuid}`, { signUrl: false });
      expect(unsigned.body.signedUrl).toBeNull();
    });

    it('refuses a tampered or expired-looking signed URL with 403', async () => {
      const [slot] = await issue(folder, 1);
      const url = new URL(slot!.signedUrl);
      const sig = url.searchParams.get('sig')!;

      const badSig = new URL(url);
      badSig.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
      expect((await put(badSig.toString(), Buffer.from('x'))).status).toBe(403);

      const longer = new URL(url);
      longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
      expect((await put(longer.toString(), Buffer.from('x'))).status).toBe(403);

      const expired = new URL(url);
      expired.searchParams.set('expires', '1000000000');
      expect((await put(expired.toString(), Buffer.from('x'))).status).toBe(403);

      const otherKey = slot!.signedUrl.replace(slot!.itemUuid, randomUUID());
      expect((await put(otherKey, Buffer.from('x'))).status).toBe(403);

      const noQuery = slot!.signedUrl.split('?')[0]!;
      expect((await put(noQuery, Buffer.from('x'))).status).toBe(403);

      // A GET with the upload URL is refused too, and nothing was stored by the refused PUTs.
      expect((await fetch(slot!.signedUrl)).status).toBe(403);
      expect((await put(slot!.signedUrl, Buffer.from('genuine'))).status).toBe(200);
    });
  });

  describe('registration jobs', () => {
    it('registers every list kind with the right itemType', async () => {
      const folder = await createFolder(admin, 'every kind');
      const url = (name: string) => `https://bucket.example.com/kinds/${name}`;
      const job = await startJob(admin, folder, {
        images: [{ objectUrl: url('a.jpg'), title: 'image', clientMetadata: {}, externalFileType: 'IMAGE' }],
        videos: [{ objectUrl: url('b.mp4'), title: 'video', clientMetadata: {}, externalFileType: 'VIDEO' }],
        audio: [{ objectUrl: url('c.wav'), title: 'audio', clientMetadata: {}, externalFileType: 'AUDIO' }],
        text: [
          { objectUrl: url('d.txt'), title: 'text', clientMetadata: {}, externalFileType: 'PLAIN_TEXT' },
        ],
        pdf: [{ objectUrl: url('e.pdf'), title: 'pdf', clientMetadata: {}, externalFileType: 'PDF' }],
        nifti: [
          { objectUrl: url('f.nii.gz'), title: 'nifti', clientMetadata: {}, externalFileType: 'NIFTI' },
        ],
        dicomSeries: [
          {
            dicomFiles: [{ url: url('g1.dcm') }, { url: url('g2.dcm') }],
            title: 'dicom',
            clientMetadata: {},
            externalFileType: 'DICOM',
          },
        ],
        imageGroups: [
          {
            images: [{ url: url('h1.jpg') }, { url: url('h2.jpg') }],
            title: 'group',
            createVideo: false,
            clientMetadata: {},
            externalFileType: 'IMG_GROUP',
          },
        ],
      });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('DONE');
      expect(done.unitsDoneCount).toBe(8);
      const types = Object.fromEntries((await listFolder(admin, folder)).map((i) => [i.name, i.itemType]));
      expect(types).toEqual({
        image: 'image',
        video: 'video',
        audio: 'audio',
        text: 'plainText',
        pdf: 'pdf',
        nifti: 'nifti',
        dicom: 'dicomSeries',
        group: 'imageGroup',
      });
    });

    it('registers by objectUrl with metadata and media facts; without a title the name is the URL’s last segment', async () => {
      const folder = await createFolder(admin, 'by url');
      const job = await startJob(admin, folder, {
        images: [
          {
            objectUrl: 'https://bucket.example.com/cams/front/0001.jpg',
            title: 'front 1',
            clientMetadata: { camera: 'front', exposure: 0.5, scene: 'night' },
            externalFileType: 'IMAGE',
            imageMetadata: { mimeType: 'image/jpeg', fileSize: 1234, height: 480, width: 640 },
          },
          {
            objectUrl: 'https://bucket.example.com/cams/rear/0002.jpg?X-Amz-Signature=abc',
            clientMetadata: { camera: 'rear' },
            externalFileType: 'IMAGE',
          },
        ],
        videos: [
          {
            objectUrl: 'https://bucket.example.com/clips/drive.mp4',
            clientMetadata: {},
            externalFileType: 'VIDEO',
            videoMetadata: {
              fps: 30,
              duration: 12.5,
              width: 1920,
              height: 1080,
              fileSize: 99,
              mimeType: 'video/mp4',
            },
          },
        ],
      });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('DONE');
      expect(done.itemsWithNames.map((i) => i.name)).toEqual(['front 1', '0002.jpg', 'drive.mp4']);
      const [front, rear, video] = await getItems(
        admin,
        done.itemsWithNames.map((i) => i.itemUuid),
      );
      expect(front).toMatchObject({
        name: 'front 1',
        itemType: 'image',
        url: 'https://bucket.example.com/cams/front/0001.jpg',
        mimeType: 'image/jpeg',
        fileSize: 1234,
        height: 480,
        width: 640,
      });
      expect(metadataOf(front!)).toEqual({ camera: 'front', exposure: 0.5, scene: 'night' });
      expect(rear!.name).toBe('0002.jpg');
      expect(metadataOf(rear!)).toEqual({ camera: 'rear' });
      expect(video).toMatchObject({ itemType: 'video', fps: 30, duration: 12.5, width: 1920, height: 1080 });
      expect(metadataOf(video!)).toEqual({});
    });

    it('fails a unit whose placeholderItemUuid was never uploaded', async () => {
      const folder = await createFolder(admin, 'never uploaded');
      const [slot] = await issue(folder, 1);
      const job = await startJob(admin, folder, {
        images: [
          {
            objectUrl: slot!.objectKey,
            title: 'ghost.png',
            clientMetadata: {},
            externalFileType: 'IMAGE',
            placeholderItemUuid: slot!.itemUuid,
          },
        ],
      });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('ERROR');
      expect(done.unitsErrorCount).toBe(1);
      expect(done.unitErrors[0]!.objectUrls).toEqual([slot!.objectKey]);
      expect(done.unitErrors[0]!.error).toContain(slot!.itemUuid);
      expect((await admin.get(`storage/items/${slot!.itemUuid}`)).status).toBe(404);
      expect(await listFolder(admin, folder)).toEqual([]);
    });

    const mixedUnits = [
      { objectUrl: 'https://bucket.example.com/mixed/good-1.jpg', clientMetadata: { exposure: 1 } },
      {
        objectUrl: 'https://bucket.example.com/mixed/bad.jpg',
        clientMetadata: { exposure: 'bright', scene: 'day' },
      },
      { objectUrl: 'https://bucket.example.com/mixed/good-2.jpg', clientMetadata: { scene: 'night' } },
    ];

    it('with ignoreErrors=false, one unit with bad metadata fails the job: ERROR, the URL and rule named, nothing registered', async () => {
      const folder = await createFolder(admin, 'all or nothing');
      const job = await startJob(admin, folder, { images: mixedUnits }, { ignoreErrors: false });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('ERROR');
      expect(done.unitsErrorCount).toBe(1);
      expect(done.unitsDoneCount).toBe(0);
      expect(done.unitsPendingCount).toBe(0);
      expect(done.itemsWithNames).toEqual([]);
      expect(done.unitErrors).toHaveLength(1);
      expect(done.unitErrors[0]!.objectUrls).toEqual(['https://bucket.example.com/mixed/bad.jpg']);
      expect(done.unitErrors[0]!.error).toContain('https://bucket.example.com/mixed/bad.jpg');
      expect(done.unitErrors[0]!.error).toContain('number.type');
      expect(done.errors).toHaveLength(1);
      expect(await listFolder(admin, folder)).toEqual([]);
    });

    it('with ignoreErrors=true, the good units are registered and the bad one is reported', async () => {
      const folder = await createFolder(admin, 'partial');
      const job = await startJob(admin, folder, { images: mixedUnits }, { ignoreErrors: true });
      const done = await waitForJob(admin, folder, job);
      expect(done.status).toBe('DONE');
      expect(done.unitsDoneCount).toBe(2);
      expect(done.unitsErrorCount).toBe(1);
      expect(done.unitErrors.map((e) => e.objectUrls)).toEqual([
        ['https://bucket.example.com/mixed/bad.jpg'],
      ]);
      expect(done.itemsWithNames.map((i) => i.name)).toEqual(['good-1.jpg', 'good-2.jpg']);
      const listed = await listFolder(admin, folder);
      expect(listed.map((i) => [i.name, metadataOf(i)])).toEqual([
        ['good-1.jpg', { exposure: 1 }],
        ['good-2.jpg', { scene: 'night' }],
      ]);
    });

    it('skipDuplicateUrls skips a URL already registered (giving its uuid); upsertMetadata replaces its metadata', async () => {
      const folder = await createFolder(admin, 'duplicates');
      const existingUrl = 'https://bucket.example.com/dup/existing.jpg';
      const first = await waitForJob(
        admin,
        folder,
        await startJob(admin, folder, {
          images: [{ objectUrl: existingUrl, clientMetadata: { camera: 'v1', exposure: 1 } }],
        }),
      );
      const existing = first.itemsWithNames[0]!.itemUuid;

      const skipped = await waitForJob(
        admin,
        folder,
        await startJob(
          admin,
          folder,
          {
            images: [
              { objectUrl: existingUrl, clientMetadata: { camera: 'v2' } },
              { objectUrl: 'https://bucket.example.com/dup/new.jpg', clientMetadata: {} },
            ],
          },
          { skipDuplicateUrls: true },
        ),
      );
      expect(skipped.status).toBe('DONE');
      expect(skipped.itemsWithNames[0]).toEqual({ itemUuid: existing, name: 'existing.jpg' });
      expect(skipped.itemsWithNames[1]!.name).toBe('new.jpg');
      expect(await listFolder(admin, folder)).toHaveLength(2);
      const [unchanged] = await getItems(admin, [existing]);
      expect(metadataOf(unchanged!)).toEqual({ camera: 'v1', exposure: 1 });

      const upserted = await waitForJob(
        admin,
        folder,
        await startJob(
          admin,
          folder,
          { images: [{ objectUrl: existingUrl, clientMetadata: { camera: 'v3' } }] },
          { skipDuplicateUrls: true, upsertMetadata: true },
        ),
      );
      expect(upserted.status).toBe('DONE');
      expect(upserted.itemsWithNames).toEqual([{ itemUuid: existing, name: 'existing.jpg' }]);
      const [replaced] = await getItems(admin, [existing]);
      expect(metadataOf(replaced!)).toEqual({ camera: 'v3' }); // replaced whole, not merged
      expect(await listFolder(admin, folder)).toHaveLength(2);

      // Without skipDuplicateUrls the same URL is registered again as a new item.
      const again = await waitForJob(
        admin,
        folder,
        await startJob(admin, folder, { images: [{ objectUrl: existingUrl, clientMetadata: {} }] }),
      );
      expect(again.itemsWithNames[0]!.itemUuid).not.toBe(existing);
      expect(await listFolder(admin, folder)).toHaveLength(3);
    });

    it('registers an `externalFiles` JSON with snake_case top-level keys, as a dict and as a JSON string', async () => {
      const folder = await createFolder(admin, 'external files');
      const externalFiles = {
        images: [
          {
            objectUrl: 'https://bucket.example.com/ext/one.jpg',
            title: 'one',
            clientMetadata: { camera: 'ext' },
          },
        ],
        videos: [{ objectUrl: 'https://bucket.example.com/ext/clip.mp4', title: 'clip' }],
        dicom_series: [
          {
            title: 'series',
            dicomFiles: [{ url: 'https://bucket.example.com/ext/s1.dcm' }],
            clientMetadata: {},
          },
        ],
        skip_duplicate_urls: true,
      };
      const asDict = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
        externalFiles,
        integrationHash: randomUUID(),
        ignoreErrors: false,
      });
      expect(asDict.status).toBe(200);
      const first = await waitForJob(admin, folder, asDict.body);
      expect(first.status).toBe('DONE');
      expect(first.itemsWithNames.map((i) => i.name).sort()).toEqual(['clip', 'one', 'series']);
      const byName = new Map((await listFolder(admin, folder)).map((i) => [i.name, i]));
      expect(byName.get('series')!.itemType).toBe('dicomSeries');
      expect(metadataOf(byName.get('one')!)).toEqual({ camera: 'ext' });

      // The same JSON again, as a string: skip_duplicate_urls skips all three.
      const asString = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
        externalFiles: JSON.stringify({
          ...externalFiles,
          images: [
            ...externalFiles.images,
            { objectUrl: 'https://bucket.example.com/ext/two.jpg', title: 'two' },
          ],
        }),
        integrationHash: randomUUID(),
        ignoreErrors: false,
        fileName: 'register.json',
      });
      const second = await waitForJob(admin, folder, asString.body);
      expect(second.status).toBe('DONE');
      expect(second.fileName).toBe('register.json');
      expect(second.itemsWithNames).toHaveLength(4);
      expect(await listFolder(admin, folder)).toHaveLength(4);
    });

    it('refuses a job without dataItems or externalFiles with 400, and in an unknown folder with 404', async () => {
      const folder = await createFolder(admin, 'bad jobs');
      const empty = await admin.post<ErrorBody>(`storage/folders/${folder}/data-upload-jobs`, {
        ignoreErrors: false,
      });
      expect(empty.status).toBe(400);
      const notJson = await admin.post<ErrorBody>(`storage/folders/${folder}/data-upload-jobs`, {
        externalFiles: '{not json',
      });
      expect(notJson.status).toBe(400);
      expect(notJson.body.message).toContain('externalFiles');
      const unknown = await admin.post<ErrorBody>(`storage/folders/${MISSING}/data-upload-jobs`, {
        dataItems: EMPTY_LISTS,
      });
      expect(unknown.status).toBe(404);
    });

    it('refuses media facts of the wrong kind with 400 naming the entry and field, registering nothing', async () => {
      const folder = await createFolder(admin, 'bad media');
      for (const [field, value, expected] of [
        ['width', 10.5, 'a whole number'],
        ['fps', 'fast', 'a finite number'],
        ['mimeType', 3, 'a string'],
      ] as const) {
        const response = await admin.post<ErrorBody>(`storage/folders/${folder}/data-upload-jobs`, {
          dataItems: {
            videos: [
              { objectUrl: 'https://bucket.example.com/ok.mp4', externalFileType: 'VIDEO' },
              {
                objectUrl: 'https://bucket.example.com/bad.mp4',
                externalFileType: 'VIDEO',
                videoMetadata: { [field]: value },
              },
            ],
          },
        });
        expect(response.status).toBe(400);
        expect(response.body.message).toBe(
          `videos[1].videoMetadata.${field} must be ${expected}, got ${JSON.stringify(value)}`,
        );
      }
      expect(await listFolder(admin, folder)).toHaveLength(0);
    });

    it('refuses names no engine can store: U+0000, or over 1,024 bytes of UTF-8 (titles, folder names, renames)', async () => {
      const folder = await createFolder(admin, 'bad names');
      const withNul = await admin.post<ErrorBody>(`storage/folders/${folder}/data-upload-jobs`, {
        dataItems: { images: [{ objectUrl: 'https://bucket.example.com/a.jpg', title: 'a\u0000b' }] },
      });
      expect(withNul.status).toBe(400);
      expect(withNul.body.message).toBe('images[0].title: a name cannot contain the character U+0000');

      const long = 'é'.repeat(513); // 1,026 bytes
      const folderResponse = await admin.post<ErrorBody>('storage/folders', { name: long });
      expect(folderResponse.status).toBe(400);
      expect(folderResponse.body.message).toBe('folder: a name can be at most 1024 bytes of UTF-8, got 1026');

      const fromUrl = await startJob(admin, folder, {
        images: [{ objectUrl: `https://bucket.example.com/${'x'.repeat(1100)}.jpg` }],
      });
      const failed = await waitForJob(admin, folder, fromUrl);
      expect(failed.status).toBe('ERROR');
      expect(JSON.stringify(failed)).toContain('give the item a title');
      expect(await listFolder(admin, folder)).toHaveLength(0);
    });

    it('answers a job poll with every key of the job shape, and 404 for an unknown job', async () => {
      const folder = await createFolder(admin, 'job shape');
      const job = await startJob(admin, folder, {
        images: [{ objectUrl: 'https://bucket.example.com/shape.jpg', clientMetadata: {} }],
      });
      const response = await admin.get<Record<string, unknown>>(
        `storage/folders/${folder}/data-upload-jobs/${job}`,
        {
          timeoutSeconds: 604800,
        },
      );
      expect(response.status).toBe(200);
      for (const key of JOB_KEYS) expect(response.body).toHaveProperty(key);
      expect(response.body).toMatchObject({
        status: 'DONE',
        errors: [],
        unitsPendingCount: 0,
        unitsDoneCount: 1,
        unitsErrorCount: 0,
        unitsCancelledCount: 0,
        unitErrors: [],
        fileName: null,
      });
      expect(response.body.itemsWithNames).toEqual([
        { itemUuid: expect.any(String) as string, name: 'shape.jpg' },
      ]);

      const unknown = await admin.get<ErrorBody>(`storage/folders/${folder}/data-upload-jobs/${MISSING}`, {
        timeoutSeconds: 1,
      });
      expect(unknown.status).toBe(404);
      const otherFolder = await createFolder(admin, 'job shape elsewhere');
      const wrongFolder = await admin.get<ErrorBody>(
        `storage/folders/${otherFolder}/data-upload-jobs/${job}`,
      );
      expect(wrongFolder.status).toBe(404);
    });

    it('registers 100,000 items in one job', async () => {
      const COUNT = 100_000;
      const folder = await createFolder(admin, 'hundred thousand');
      const pad = (i: number) => String(i).padStart(6, '0');
      const images = Array.from({ length: COUNT }, (_, i) => ({
        objectUrl: `https://bucket.example.com/bulk/${pad(i)}.jpg`,
        title: `bulk-${pad(i)}.jpg`,
        clientMetadata: { camera: `cam-${i % 16}`, exposure: i / 8, scene: i % 2 === 0 ? 'day' : 'night' },
        externalFileType: 'IMAGE',
      }));
      const started = performance.now();
      const job = await startJob(admin, folder, { images });
      const done = await waitForJob(admin, folder, job);
      const seconds = (performance.now() - started) / 1000;
      expect(done.status).toBe('DONE');
      expect(done.unitsDoneCount).toBe(COUNT);
      expect(done.itemsWithNames).toHaveLength(COUNT);
      expect(new Set(done.itemsWithNames.map((i) => i.itemUuid)).size).toBe(COUNT);
      console.info(`registered ${COUNT} items in one job in ${seconds.toFixed(1)} s`);

      const picks = [0, 1, 4242, 50_000, 99_999];
      const items = await getItems(
        admin,
        picks.map((i) => done.itemsWithNames[i]!.itemUuid),
      );
      items.forEach((item, k) => {
        const i = picks[k]!;
        expect(item.name).toBe(`bulk-${pad(i)}.jpg`);
        expect(item.url).toBe(`https://bucket.example.com/bulk/${pad(i)}.jpg`);
        expect(metadataOf(item)).toEqual({
          camera: `cam-${i % 16}`,
          exposure: i / 8,
          scene: i % 2 === 0 ? 'day' : 'night',
        });
      });
      const lastPage = await admin.get<Page<StorageItemDto>>(`storage/folders/${folder}/items`, {
        desc: true,
        pageSize: 1,
      });
      expect(lastPage.body.results[0]!.name).toBe(`bulk-${pad(COUNT - 1)}.jpg`);
    }, 60_000);
  });
});

describe('registration edge cases', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let folder: string;
  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    folder = await createFolder(admin, 'edge cases');
  });
  afterAll(async () => {
    await t.close();
  });

  it("reads Encord's objectUrl_N format for image groups and DICOM series in externalFiles", async () => {
    const response = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      externalFiles: {
        image_groups: [
          {
            title: 'group',
            createVideo: false,
            objectUrl_0: 'https://b/g0.jpg',
            objectUrl_1: 'https://b/g1.jpg',
          },
        ],
        dicom_series: [{ title: 'series', objectUrl_0: 'https://b/s0.dcm' }],
      },
    });
    const job = await waitForJob(admin, folder, response.body);
    expect(job.status).toBe('DONE');
    const items = await getItems(
      admin,
      job.itemsWithNames.map((i) => i.itemUuid),
    );
    expect(items.map((i) => [i.name, i.itemType, i.url])).toEqual([
      ['group', 'imageGroup', 'https://b/g0.jpg'],
      ['series', 'dicomSeries', 'https://b/s0.dcm'],
    ]);
  });

  it('registers an image group made of existing items (imageGroupsFromItems)', async () => {
    const first = await waitForJob(
      admin,
      folder,
      await startJob(admin, folder, { images: [{ objectUrl: 'https://b/part.jpg' }] }),
    );
    const part = first.itemsWithNames[0]!.itemUuid;
    const job = await waitForJob(
      admin,
      folder,
      await startJob(admin, folder, {
        imageGroupsFromItems: [{ imageItems: [part], title: 'from items', clientMetadata: { k: 1 } }],
      }),
    );
    expect(job.status).toBe('DONE');
    const [group] = await getItems(admin, [job.itemsWithNames[0]!.itemUuid]);
    expect([group!.name, group!.itemType, group!.url, metadataOf(group!)]).toEqual([
      'from items',
      'imageGroup',
      null,
      { k: 1 },
    ]);
  });

  it('keeps a URL with malformed percent-encoding as its name instead of failing the job', async () => {
    const job = await waitForJob(
      admin,
      folder,
      await startJob(
        admin,
        folder,
        { images: [{ objectUrl: 'https://b/good.jpg' }, { objectUrl: 'https://b/100%.jpg' }] },
        { ignoreErrors: true },
      ),
    );
    expect(job.status).toBe('DONE');
    expect(job.itemsWithNames.map((i) => i.name)).toEqual(['good.jpg', '100%.jpg']);
  });

  it('reports a placeholder registered twice as a unit error', async () => {
    const slots = await admin.post<Page<{ itemUuid: string; objectKey: string; signedUrl: string }>>(
      `storage/folders/${folder}/upload-signed-urls`,
      { itemType: 'image', count: 1 },
    );
    const slot = slots.body.results[0]!;
    expect((await fetch(slot.signedUrl, { method: 'PUT', body: 'bytes' })).status).toBe(200);
    const unit = { objectUrl: slot.objectKey, placeholderItemUuid: slot.itemUuid };
    expect((await waitForJob(admin, folder, await startJob(admin, folder, { images: [unit] }))).status).toBe(
      'DONE',
    );
    const again = await waitForJob(
      admin,
      folder,
      await startJob(admin, folder, { images: [unit] }, { ignoreErrors: true }),
    );
    expect(again.unitsErrorCount).toBe(1);
    expect(again.unitErrors[0]!.error).toContain('already registered');
  });

  it('refuses an unknown itemType for upload URLs', async () => {
    const response = await admin.post<{ message: string }>(`storage/folders/${folder}/upload-signed-urls`, {
      itemType: 'hologram',
      count: 1,
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('itemType must be one of');
  });
});
