/**
 * The differential test of the Index query path: random schemas, random documents
 * (missing keys, nulls, unicode, values that do not fit their key's type because they
 * were written before the key was typed, or before its type changed), random filters
 * and sorts. Every result set and its order, walked page by page over HTTP, must equal
 * what core's in-memory evaluator computes on the same items.
 */
import {
  bindFilter,
  bindSort,
  compareBySort,
  compilePredicate,
  countValues,
  fieldValue,
  histogram,
  isTombstone,
  keyField,
  VARIANT_HINTS,
  type EvaluableItem,
  type FilterNode,
  type SchemaMap,
  type SchemaTypeObject,
  type SortSpec,
} from '@metaindex/core';
import { arbDocument, arbFilter, arbSchema, arbSort } from '@metaindex/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startTestServer, type SdkLikeClient } from '../../testing/sdk-like-client.js';
import type { StorageItemDto } from '../wire-dto.js';

interface QueryPage {
  results: { uuid: string }[];
  nextPageToken: string | null;
  total: number | null;
}

interface Case {
  schema: Map<string, SchemaTypeObject>;
  /** The schema after changing the hint of some variant keys (a legal type change). */
  changed: Map<string, SchemaTypeObject>;
  documents: Record<string, unknown>[];
  before: { filter: FilterNode; sort: SortSpec[]; pageSize: number }[];
  after: { filter: FilterNode; sort: SortSpec[]; pageSize: number }[];
}

const arbQueries = (schema: SchemaMap) =>
  fc.array(
    fc.record({
      filter: arbFilter(schema),
      sort: arbSort(schema),
      pageSize: fc.integer({ min: 1, max: 12 }),
    }),
    { minLength: 20, maxLength: 20 },
  );

/** Changes the hint of each variant key whose flag is set (variant → variant is always legal). */
function withChangedHints(
  schema: Map<string, SchemaTypeObject>,
  picks: number[],
): Map<string, SchemaTypeObject> {
  let i = 0;
  return new Map(
    [...schema].map(([key, type]): [string, SchemaTypeObject] => {
      const pick = picks[i++ % picks.length] ?? 0;
      if (type.ty !== 'variant' || pick === 0) return [key, type];
      return [key, { ty: 'variant', hint: VARIANT_HINTS[pick % VARIANT_HINTS.length] ?? 'varchar' }];
    }),
  );
}

const arbCase: fc.Arbitrary<Case> = arbSchema({ minKeys: 3, maxKeys: 8 }).chain((schema) =>
  fc
    .array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 8 })
    .map((picks) => withChangedHints(schema, picks))
    .chain((changed) =>
      fc.record({
        schema: fc.constant(schema),
        changed: fc.constant(changed),
        documents: fc.array(arbDocument(schema), { minLength: 15, maxLength: 40 }),
        before: arbQueries(schema),
        after: arbQueries(changed),
      }),
    ),
);

const schemaBody = (schema: SchemaMap): Record<string, unknown> => Object.fromEntries(schema);

async function registerDocuments(
  client: SdkLikeClient,
  folder: string,
  documents: readonly Record<string, unknown>[],
): Promise<EvaluableItem[]> {
  const images = documents.map((clientMetadata, i) => ({
    objectUrl: `https://bucket.example.com/diff/${i}.jpg`,
    title: `item ${String(i).padStart(3, '0')} ${i % 3 === 0 ? 'Größe' : i % 3 === 1 ? 'ÉTÉ' : 'x'}`,
    clientMetadata,
  }));
  const job = await client.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images, skipDuplicateUrls: false, upsertMetadata: false },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  const done = await client.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job.body}`,
    { timeoutSeconds: 30 },
  );
  expect(done.body.status).toBe('DONE');
  const fetched = await client.post<{ results: StorageItemDto[] }>('storage/items/get-bulk', {
    itemUuids: done.body.itemsWithNames.map((i) => i.itemUuid),
    signUrls: false,
  });
  return fetched.body.results.map((item) => ({
    uuid: item.uuid,
    metadata: JSON.parse(item.clientMetadata) as Record<string, unknown>,
    name: item.name,
    type: item.itemType,
    createdAt: Date.parse(item.createdAt),
    editedAt: Date.parse(item.lastEditedAt),
    folderPath: [folder],
    collections: new Set<string>(),
    datasets: new Set<string>(),
  }));
}

/** Walks every page of a query; returns the uuids in order and the total of the first page. */
async function queryAll(
  client: SdkLikeClient,
  filter: FilterNode,
  sort: readonly SortSpec[],
  pageSize: number,
): Promise<{ uuids: string[]; total: number | null }> {
  const uuids: string[] = [];
  let token: string | null = null;
  let total: number | null = null;
  for (let page = 0; page < 200; page++) {
    const response: { status: number; body: QueryPage } = await client.post<QueryPage>('/api/items/query', {
      filter,
      sort,
      pageSize,
      ...(token === null ? {} : { pageToken: token }),
    });
    if (response.status !== 200) throw new Error(`query failed: ${JSON.stringify(response.body)}`);
    if (page === 0) total = response.body.total;
    uuids.push(...response.body.results.map((r) => r.uuid));
    token = response.body.nextPageToken;
    if (token === null) break;
  }
  return { uuids, total };
}

function expected(
  items: readonly EvaluableItem[],
  schema: SchemaMap,
  filter: FilterNode,
  sort: readonly SortSpec[],
): string[] {
  const predicate = compilePredicate(bindFilter(filter, schema));
  return items
    .filter(predicate)
    .sort(compareBySort(bindSort(sort, schema)))
    .map((item) => item.uuid);
}

/** How many checked queries matched some but not all items: the test must not pass vacuously. */
const coverage = { queries: 0, partial: 0, facets: 0, nonEmptyFacets: 0 };

async function checkQueries(
  client: SdkLikeClient,
  items: readonly EvaluableItem[],
  schema: SchemaMap,
  queries: Case['before'],
): Promise<void> {
  for (const { filter, sort, pageSize } of queries) {
    const want = expected(items, schema, filter, sort);
    coverage.queries++;
    if (want.length > 0 && want.length < items.length) coverage.partial++;
    const got = await queryAll(client, filter, sort, pageSize);
    expect({ filter, sort, uuids: got.uuids, total: got.total }).toEqual({
      filter,
      sort,
      uuids: want,
      total: want.length,
    });
  }
}

const VALUE_FACETS = new Set(['enum', 'boolean', 'varchar']);
const HISTOGRAMS = new Set(['number', 'datetime']);

/** Facets of every key that has them, over the items a filter matches, against core's facet evaluator. */
async function checkFacets(
  client: SdkLikeClient,
  items: readonly EvaluableItem[],
  schema: SchemaMap,
  filter: FilterNode,
): Promise<void> {
  const matching = items.filter(compilePredicate(bindFilter(filter, schema)));
  const facets: unknown[] = [];
  const want: unknown[] = [];
  for (const key of schema.keys()) {
    const field = keyField(schema, key);
    if (field === undefined) continue;
    const values = matching.map((item) => fieldValue(field, item));
    if (VALUE_FACETS.has(field.type)) {
      facets.push({ key, top: 3 });
      want.push({ key, counts: countValues(values, field.domain, 3) });
    } else if (HISTOGRAMS.has(field.type)) {
      facets.push({ key, histogram: { buckets: 4 } });
      const show = (v: number): number | string =>
        field.type === 'datetime' ? new Date(v).toISOString() : v;
      want.push({
        key,
        histogram: histogram(values as (number | null)[], 4).map((b) => ({
          from: show(b.from),
          to: show(b.to),
          count: b.count,
        })),
      });
    }
  }
  if (facets.length === 0) return;
  coverage.facets += facets.length;
  coverage.nonEmptyFacets += want.filter((f) => JSON.stringify(f).includes('"count":')).length;
  const response = await client.post<{ total: number; facets: unknown[] }>('/api/items/facets', {
    filter,
    facets,
  });
  expect(response.status).toBe(200);
  expect({ filter, ...response.body }).toEqual({ filter, total: matching.length, facets: want });
}

describe('query results over HTTP equal the in-memory evaluator', () => {
  it('for random schemas, documents, filters and sorts, before and after a type change', async () => {
    await fc.assert(
      fc.asyncProperty(arbCase, async (c) => {
        const t = await startTestServer();
        try {
          const admin = t.admin;
          const folder = (
            await admin.post<{ uuid: string }>('storage/folders', { name: 'diff', description: '' })
          ).body.uuid;
          // Written while no key is typed: values that will not fit their type land as they are.
          const items = await registerDocuments(admin, folder, c.documents);
          expect(
            (await admin.post('organisation/client-metadata-schema-v2', schemaBody(c.schema))).status,
          ).toBe(204);
          await checkQueries(admin, items, c.schema, c.before);
          for (const { filter } of c.before.slice(0, 6)) await checkFacets(admin, items, c.schema, filter);
          expect(
            (await admin.post('organisation/client-metadata-schema-v2', schemaBody(c.changed))).status,
          ).toBe(204);
          await checkQueries(admin, items, c.changed, c.after);
          for (const { filter } of c.after.slice(0, 6)) await checkFacets(admin, items, c.changed, filter);
        } finally {
          await t.close();
        }
      }),
      { numRuns: 8, seed: 5150, endOnFailure: true },
    );
    expect(coverage.queries).toBe(8 * 40);
    expect(coverage.partial / coverage.queries).toBeGreaterThan(0.3);
    expect(coverage.nonEmptyFacets).toBeGreaterThan(40);
    expect(coverage.facets).toBeGreaterThan(coverage.nonEmptyFacets);
  }, 240_000);

  it('keeps live and deleted keys apart: a deleted key matches nothing, a restored one again', async () => {
    const t = await startTestServer();
    try {
      const admin = t.admin;
      const folder = (await admin.post<{ uuid: string }>('storage/folders', { name: 'del', description: '' }))
        .body.uuid;
      const schema = new Map<string, SchemaTypeObject>([['n', { ty: 'variant', hint: 'number' }]]);
      expect((await admin.post('organisation/client-metadata-schema-v2', schemaBody(schema))).status).toBe(
        204,
      );
      const items = await registerDocuments(admin, folder, [{ n: 1 }, { n: 2 }, {}]);
      const filter: FilterNode = { key: 'n', op: 'gte', value: 1 };
      expect((await queryAll(admin, filter, [], 10)).total).toBe(2);
      const deleted = new Map<string, SchemaTypeObject>([
        ['n', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
      ]);
      const response = await admin.post('organisation/client-metadata-schema-v2', schemaBody(deleted));
      expect(response.status).toBe(204);
      expect(isTombstone(deleted.get('n')!)).toBe(true);
      expect(await queryAll(admin, filter, [], 10)).toEqual({ uuids: [], total: 0 });
      expect((await admin.post('organisation/client-metadata-schema-v2', schemaBody(schema))).status).toBe(
        204,
      );
      const again = await queryAll(admin, filter, [], 10);
      expect(again.uuids).toEqual(expected(items, schema, filter, []));
      expect(again.total).toBe(2);
    } finally {
      await t.close();
    }
  });
});
