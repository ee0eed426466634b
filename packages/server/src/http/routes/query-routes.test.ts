/**
 * The Index query API over HTTP: filters as text and AST, sorting and paging, counts,
 * folder scope, built-in fields, writes seen by the very next query, facets, explain,
 * cast preview, and the errors a user sees for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  testEngineKind,
  type SdkLikeClient,
  type TestServer,
} from '../../testing/sdk-like-client.js';

interface Hit {
  uuid: string;
  name: string;
  parent: string;
  itemType: string;
  clientMetadata: Record<string, unknown>;
}

interface QueryPage {
  results: Hit[];
  nextPageToken: string | null;
  total: number | null;
}

interface ErrorBody {
  message: string;
  code: string;
  details?: Record<string, unknown>;
}

const SCHEMA = {
  speed: { ty: 'variant', hint: 'number' },
  weather: { ty: 'enum', values: ['rain', 'snow', 'sun'] },
  caption: { ty: 'variant', hint: 'text' },
  camera: { ty: 'variant', hint: 'varchar' },
  night: { ty: 'variant', hint: 'boolean' },
  at: { ty: 'variant', hint: 'datetime' },
  session: { ty: 'variant', hint: 'uuid' },
  vec: { ty: 'embedding', size: 2, api: null },
};

const WEATHER = ['rain', 'snow', 'sun'];

async function createFolder(client: SdkLikeClient, name: string, parent?: string): Promise<string> {
  const response = await client.post<{ uuid: string }>('storage/folders', {
    name,
    description: '',
    ...(parent === undefined ? {} : { parent }),
  });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

async function register(
  client: SdkLikeClient,
  folder: string,
  items: readonly { name: string; metadata: Record<string, unknown> }[],
): Promise<string[]> {
  const images = items.map((item) => ({
    objectUrl: `https://bucket.example.com/${folder}/${item.name}`,
    title: item.name,
    clientMetadata: item.metadata,
  }));
  const job = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images, skipDuplicateUrls: false, upsertMetadata: false },
    ignoreErrors: false,
  });
  const done = await client.get<{ status: string; itemsWithNames: { itemUuid: string; name: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job.body}`,
    { timeoutSeconds: 30 },
  );
  expect(done.body.status).toBe('DONE');
  const byName = new Map(done.body.itemsWithNames.map((i) => [i.name, i.itemUuid]));
  return items.map((item) => byName.get(item.name)!);
}

describe('Index queries', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let root: string;
  let sub: string;
  let other: string;
  /** uuid by item number. */
  let items: string[];

  const query = async (body: unknown): Promise<QueryPage> => {
    const response = await admin.post<QueryPage>('/api/items/query', body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const speeds = (page: QueryPage): unknown[] => page.results.map((r) => r.clientMetadata.speed);
  const fails = async (path: string, body: unknown, status = 400): Promise<ErrorBody> => {
    const response = await admin.post<ErrorBody>(path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    return response.body;
  };

  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    expect((await admin.post('organisation/client-metadata-schema-v2', SCHEMA)).status).toBe(204);
    root = await createFolder(admin, 'root');
    sub = await createFolder(admin, 'sub', root);
    other = await createFolder(admin, 'other');
    const make = (i: number) => ({
      name: `img-${String(i).padStart(2, '0')}.jpg`,
      metadata: {
        speed: i,
        weather: WEATHER[i % 3],
        caption: `A wet road, number ${i}`,
        camera: i % 2 === 1 ? 'X1 Pro' : 'Z9',
        night: i % 4 === 0,
        at: `2024-01-${String(1 + i).padStart(2, '0')}T00:00:00Z`,
        ...(i % 5 === 0 ? {} : { session: `0000000${i % 2}-0000-4000-8000-00000000000${i % 2}` }),
      },
    });
    items = [
      ...(await register(
        admin,
        root,
        Array.from({ length: 10 }, (_, i) => make(i)),
      )),
      ...(await register(
        admin,
        sub,
        Array.from({ length: 10 }, (_, i) => make(i + 10)),
      )),
      ...(await register(
        admin,
        other,
        Array.from({ length: 10 }, (_, i) => make(i + 20)),
      )),
    ];
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /api/items/query', () => {
    it('takes filter text or the same filter as JSON AST, and counts exactly', async () => {
      const text = await query({
        filter: 'speed >= 10 and weather in ["rain", "snow"] and not (night = true)',
        pageSize: 1000,
      });
      const ast = await query({
        filter: {
          and: [
            { key: 'speed', op: 'gte', value: 10 },
            { key: 'weather', op: 'in', value: ['rain', 'snow'] },
            { not: { key: 'night', op: 'eq', value: true } },
          ],
        },
        pageSize: 1000,
      });
      expect(ast).toEqual(text);
      const want = Array.from({ length: 30 }, (_, i) => i).filter(
        (i) => i >= 10 && i % 3 !== 2 && i % 4 !== 0,
      );
      expect(text.total).toBe(want.length);
      expect(new Set(speeds(text))).toEqual(new Set(want));
    });

    it('returns StorageItems with clientMetadata as an object, ordered by uuid without a sort', async () => {
      const page = await query({ filter: 'speed < 3' });
      expect(page.results.map((r) => r.uuid)).toEqual([...page.results.map((r) => r.uuid)].sort());
      expect(page.results[0]).toMatchObject({ itemType: 'image', parent: root, backedDataUnitsCount: 0 });
      expect(typeof page.results[0]!.clientMetadata).toBe('object');
      expect(page.nextPageToken).toBeNull();
    });

    it('sorts by a key (missing values last both ways), by several keys, and pages with tokens', async () => {
      expect(speeds(await query({ filter: 'speed < 6', sort: '-speed' }))).toEqual([5, 4, 3, 2, 1, 0]);
      const bySession = await query({
        filter: 'speed < 6',
        sort: [{ key: 'session', desc: true }, { key: 'speed' }],
      });
      // Items 0 and 5 have no session: last, in speed order among themselves.
      expect(speeds(bySession)).toEqual([1, 3, 2, 4, 0, 5]);
      const seen: unknown[] = [];
      let token: string | null = null;
      do {
        const page: QueryPage = await query({
          filter: 'speed < 13',
          sort: '-weather,speed',
          pageSize: 4,
          count: 'none',
          ...(token === null ? {} : { pageToken: token }),
        });
        expect(page.total).toBeNull();
        seen.push(...speeds(page));
        token = page.nextPageToken;
      } while (token !== null);
      const want = Array.from({ length: 13 }, (_, i) => i).sort(
        (a, b) => WEATHER[b % 3]!.localeCompare(WEATHER[a % 3]!) || a - b,
      );
      expect(seen).toEqual(want);
    });

    it('rejects a page token used with another query', async () => {
      const first = await query({ filter: 'speed < 13', pageSize: 2 });
      const error = await fails('/api/items/query', {
        filter: 'speed < 14',
        pageSize: 2,
        pageToken: first.nextPageToken,
      });
      expect(error.message).toContain('another query');
    });

    it('scopes to a folder and everything below it ($folder too)', async () => {
      const scoped = await query({ filter: 'speed >= 0', folder: root, pageSize: 1000 });
      expect(scoped.total).toBe(20);
      const viaFilter = await query({ filter: `$folder = "${root}"`, pageSize: 1000 });
      expect(viaFilter.total).toBe(20);
      expect((await query({ filter: `$folder != "${root}"` })).total).toBe(10);
      expect((await query({ filter: `$folder in ["${sub}", "${other}"]` })).total).toBe(20);
      const missing = await admin.post<ErrorBody>('/api/items/query', {
        folder: '00000000-0000-4000-8000-00000000beef',
      });
      expect(missing.status).toBe(404);
    });

    it('filters by built-in fields: $name (case-insensitive contains/startswith), $type, $created', async () => {
      expect((await query({ filter: '$name startswith "IMG-2"' })).total).toBe(10);
      expect((await query({ filter: '$name contains ".JPG" and $name = "img-07.jpg"' })).total).toBe(1);
      expect((await query({ filter: '$type = "image"' })).total).toBe(30);
      expect((await query({ filter: '$type = "video"' })).total).toBe(0);
      // Every item type the store knows is a valid $type literal (one list for both).
      expect((await query({ filter: '$type in ["group", "dicomFile", "IMAGE"]' })).total).toBe(30);
      expect((await query({ filter: '$created > "2000-01-01"' })).total).toBe(30);
      expect((await query({ filter: '$edited < "2000-01-01"' })).total).toBe(0);
    });

    it('treats missing values as false for every operator, while not() is plain negation', async () => {
      // Items 0, 5, 10, 15, 20, 25 have no session.
      const a = '00000000-0000-4000-8000-000000000000';
      expect((await query({ filter: `session != "${a}"` })).total).toBe(12);
      expect((await query({ filter: `not (session = "${a}")` })).total).toBe(18);
      expect((await query({ filter: 'not session exists' })).total).toBe(6);
      expect((await query({ filter: `session = "${a.toUpperCase()}"` })).total).toBe(12);
    });

    it('matches words in any order and case, contains/startswith case-insensitively, datetimes as instants', async () => {
      expect((await query({ filter: 'caption matches "ROAD wet number"' })).total).toBe(30);
      expect((await query({ filter: 'caption matches "road 7"' })).total).toBe(1);
      expect((await query({ filter: 'caption matches "roads"' })).total).toBe(0);
      expect((await query({ filter: 'camera contains "pro"' })).total).toBe(15);
      expect((await query({ filter: 'camera startswith "x1 p"' })).total).toBe(15);
      const range = await query({
        filter: 'at between "2024-01-05T01:00:00+01:00" and "2024-01-07"',
        sort: 'at',
      });
      expect(speeds(range)).toEqual([4, 5, 6]);
      expect((await query({ filter: 'vec exists' })).total).toBe(0);
    });

    it('sees a write, a delete and a new item at once', async () => {
      const [extra] = await register(admin, other, [{ name: 'late.jpg', metadata: { speed: 1000 } }]);
      expect((await query({ filter: 'speed = 1000' })).results.map((r) => r.uuid)).toEqual([extra]);
      const patched = await admin.patch(`storage/folders/${other}/items/${extra!}`, {
        clientMetadata: { speed: 1001 },
      });
      expect(patched.status).toBe(200);
      expect((await query({ filter: 'speed = 1000' })).total).toBe(0);
      expect((await query({ filter: 'speed = 1001' })).total).toBe(1);
      expect((await admin.post('/api/items/delete', { itemUuids: [extra] })).status).toBe(200);
      expect((await query({ filter: 'speed = 1001' })).total).toBe(0);
    });

    it('filters by $dataset', async () => {
      const dataset = (await admin.post<{ datasetUuid: string }>('datasets', { title: 'd', description: '' }))
        .body.datasetUuid;
      const { envelope } = await admin.callV1(
        'datasetlinkitems',
        'POST',
        dataset,
        { item_uuids: items.slice(0, 3), duplicates_behavior: 'SKIP' },
        { resourceType: 'dataset', resourceId: dataset },
      );
      expect(envelope.status).toBe(200);
      expect(speeds(await query({ filter: `$dataset = "${dataset}"`, sort: 'speed' }))).toEqual([0, 1, 2]);
      expect((await query({ filter: `not ($dataset = "${dataset}")` })).total).toBe(27);
    });

    it('says what is wrong with a bad query', async () => {
      const syntax = await fails('/api/items/query', { filter: 'speed >= and' });
      expect(syntax.message).toBe(
        'column 10: expected a value (a number, a string, true or false), found "and"',
      );
      expect(syntax.details).toMatchObject({ column: 10 });
      expect((await fails('/api/items/query', { filter: 'night > true' })).message).toContain(
        'key "night" (boolean) does not support "gt"',
      );
      expect((await fails('/api/items/query', { filter: 'speed = "fast"' })).message).toBe(
        'filter.value: key "speed" (number) compares with a number, got "fast"',
      );
      expect((await fails('/api/items/query', { filter: 'weather = "hail"' })).message).toContain(
        'one of its options',
      );
      expect((await fails('/api/items/query', { filter: '$colour = 1' })).message).toContain(
        'unknown built-in field',
      );
      expect(
        (await fails('/api/items/query', { filter: { key: 'speed', op: 'near', value: 1 } })).message,
      ).toContain('filter.op');
      expect((await fails('/api/items/query', { sort: 'vec' })).message).toContain('vec');
      expect((await fails('/api/items/query', { pageSize: 0 })).message).toContain('pageSize');
      expect((await fails('/api/items/query', { pageSize: 1001 })).message).toContain('pageSize');
      expect((await fails('/api/items/query', { count: 'approximate' })).message).toContain('count');
      expect((await fails('/api/items/query', { filtr: 'speed > 1' })).message).toContain('"filtr"');
      // A key the schema does not define has no values: not an error, just no matches.
      expect((await query({ filter: 'unknown_key = 1' })).total).toBe(0);
      expect((await query({ filter: 'not (unknown_key = 1)' })).total).toBe(30);
    });
  });

  describe('POST /api/items/facets', () => {
    it('counts values (most frequent first, ties by value) and builds histograms over the filtered set', async () => {
      const response = await admin.post('/api/items/facets', {
        filter: 'speed < 10',
        facets: [
          { key: 'weather' },
          { key: 'night' },
          { key: 'camera', top: 1 },
          { key: 'speed', histogram: { buckets: 3 } },
        ],
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        total: 10,
        facets: [
          {
            key: 'weather',
            counts: [
              { value: 'rain', count: 4 },
              { value: 'snow', count: 3 },
              { value: 'sun', count: 3 },
            ],
          },
          {
            key: 'night',
            counts: [
              { value: false, count: 7 },
              { value: true, count: 3 },
            ],
          },
          { key: 'camera', counts: [{ value: 'X1 Pro', count: 5 }] },
          {
            key: 'speed',
            histogram: [
              { from: 0, to: 3, count: 3 },
              { from: 3, to: 6, count: 3 },
              { from: 6, to: 9, count: 4 },
            ],
          },
        ],
      });
    });

    it('reports datetime histograms in ISO instants, over every item without a filter', async () => {
      const response = await admin.post<{ total: number; facets: { histogram: unknown[] }[] }>(
        '/api/items/facets',
        {
          facets: [{ key: 'at', histogram: { buckets: 2 } }, { key: '$type' }],
        },
      );
      expect(response.body.total).toBe(30);
      expect(response.body.facets).toEqual([
        {
          key: 'at',
          histogram: [
            { from: '2024-01-01T00:00:00.000Z', to: '2024-01-15T12:00:00.000Z', count: 15 },
            { from: '2024-01-15T12:00:00.000Z', to: '2024-01-30T00:00:00.000Z', count: 15 },
          ],
        },
        { key: '$type', counts: [{ value: 'image', count: 30 }] },
      ]);
    });

    it('refuses facets a key type does not have', async () => {
      expect((await fails('/api/items/facets', { facets: [{ key: 'speed' }] })).message).toContain(
        'ask for a histogram',
      );
      expect(
        (await fails('/api/items/facets', { facets: [{ key: 'weather', histogram: { buckets: 3 } }] }))
          .message,
      ).toContain('histograms are for number and datetime keys');
      expect((await fails('/api/items/facets', { facets: [{ key: 'nope' }] })).message).toContain(
        'not a live key',
      );
      expect((await fails('/api/items/facets', { facets: [] })).message).toContain('facets must be');
    });
  });

  describe('POST /api/items/explain', () => {
    it('names the index a selective conjunct uses, and scans or leaves it to the engine otherwise', async () => {
      const indexed = await admin.post<{
        strategy: string;
        index: string;
        candidates: unknown[];
        engine: { count: string[] };
      }>('/api/items/explain', { filter: 'speed < 3 and camera contains "pro"' });
      expect(indexed.body.strategy).toBe('index');
      expect(indexed.body.candidates).toEqual([
        expect.objectContaining({ field: 'speed', op: 'compare', estimatedRows: 3 }),
      ]);
      if (testEngineKind() === 'sqlite') {
        // SQLite runs the plan metaindex chose; PostgreSQL's planner chooses for itself
        // (a 30-row table is read sequentially) and its EXPLAIN shows that choice.
        expect(indexed.body.engine.count.join(' ')).toContain(indexed.body.index);
      } else {
        expect(indexed.body.engine.count.join('\n')).toMatch(/Scan|Aggregate/);
      }
      expect(
        (await admin.post<{ strategy: string }>('/api/items/explain', { filter: 'camera contains "pro"' }))
          .body.strategy,
      ).toBe('scan');
      expect(
        (await admin.post<{ strategy: string }>('/api/items/explain', { filter: 'caption matches "road"' }))
          .body.strategy,
      ).toBe('auto');
      expect((await admin.post<{ strategy: string }>('/api/items/explain', {})).body.strategy).toBe('all');
    });
  });

  describe('GET /api/schema/keys/{key}/cast-preview', () => {
    it('counts the stored values that would not fit another type, with examples', async () => {
      const response = await admin.get<Record<string, unknown>>('/api/schema/keys/camera/cast-preview', {
        type: 'number',
        examples: 2,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        key: 'camera',
        type: 'number',
        currentType: 'varchar',
        itemsWithValue: 30,
        wouldNotFit: 30,
      });
      expect(response.body.examples).toHaveLength(2);
      const fits = await admin.get<Record<string, unknown>>('/api/schema/keys/speed/cast-preview', {
        type: 'string',
      });
      expect(fits.body).toMatchObject({ currentType: 'number', itemsWithValue: 30, wouldNotFit: 30 });
      const datetime = await admin.get<Record<string, unknown>>('/api/schema/keys/at/cast-preview', {
        type: 'datetime',
      });
      expect(datetime.body).toMatchObject({ wouldNotFit: 0, examples: [] });
      expect((await admin.get('/api/schema/keys/at/cast-preview', { type: 'colour' })).status).toBe(400);
    });
  });
});
