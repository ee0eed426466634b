/**
 * The item index contract every engine passes, through the Engine interface only:
 * random schemas, documents, filters, sorts (walked page by page) and facets give
 * exactly what core's reference evaluator gives, before and after schema changes that
 * derive values again; write batches with repeats, renames and unchanged metadata;
 * thousands of items written in slices; values with U+0000 and values too long for a
 * b-tree entry. Run by sqlite-item-index.test.ts and pg-item-index.test.ts.
 */
import {
  bindFilter,
  bindSort,
  compareBySort,
  compilePredicate,
  countValues,
  fieldValue,
  histogram,
  keyField,
  VARIANT_HINTS,
  type BoundFilter,
  type EvaluableItem,
  type FilterNode,
  type SchemaMap,
  type SchemaTypeObject,
  type SortSpec,
} from '@metaindex/core';
import { arbDocument, arbFilter, arbSchema, arbSort, SAMPLE_NAMES } from '@metaindex/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine, FacetCounts, FacetRequest, ItemUpdate, QueryCursor } from './engine.js';
import { at, folderRecord, itemId, itemRecord } from './engine-contract.js';
import type { ItemRecord } from './records.js';

const ROOT = folderRecord(1);
const SUB = folderRecord(2, { parentUuid: ROOT.uuid });
const OTHER = folderRecord(3);
const FOLDERS = [ROOT, SUB, OTHER];

const now = () => new Date().toISOString();

/** How core sees a stored item. */
function evaluable(item: ItemRecord): EvaluableItem {
  const path = item.folderUuid === SUB.uuid ? [SUB.uuid, ROOT.uuid] : [item.folderUuid];
  return {
    uuid: item.uuid,
    metadata: JSON.parse(item.clientMetadata) as Record<string, unknown>,
    name: item.name,
    type: item.itemType,
    createdAt: Date.parse(item.createdAt),
    editedAt: Date.parse(item.lastEditedAt),
    folderPath: path,
    collections: new Set<string>(),
    datasets: new Set<string>(),
  };
}

const FACET_TYPES = new Set(['enum', 'boolean', 'varchar', 'number', 'datetime']);

/** A facet request for every key that has one: value counts or a histogram. */
function facetRequests(schema: SchemaMap): FacetRequest[] {
  const requests: FacetRequest[] = [];
  for (const key of schema.keys()) {
    const field = keyField(schema, key);
    if (field === undefined || !FACET_TYPES.has(field.type)) continue;
    requests.push(
      field.domain === 'number'
        ? { kind: 'histogram', field, buckets: 4 }
        : { kind: 'values', field, top: 3 },
    );
  }
  requests.push({ kind: 'values', field: { kind: 'builtin', name: '$type', domain: 'string' }, top: 5 });
  requests.push({
    kind: 'histogram',
    field: { kind: 'builtin', name: '$created', domain: 'number' },
    buckets: 3,
  });
  return requests;
}

/** Core's facets of the matching items, as the engine reports them (booleans as 0/1). */
function expectedFacets(
  matching: readonly EvaluableItem[],
  requests: readonly FacetRequest[],
): FacetCounts[] {
  return requests.map((request): FacetCounts => {
    const values = matching.map((item) => fieldValue(request.field, item));
    if (request.kind === 'histogram') {
      return { kind: 'histogram', buckets: histogram(values as (number | null)[], request.buckets) };
    }
    const counts = countValues(values, request.field.domain, request.top).map(({ value, count }) => ({
      value: typeof value === 'boolean' ? (value ? 1 : 0) : value,
      count,
    }));
    return { kind: 'values', counts };
  });
}

/** Walks every page of a sorted query; the uuids in order and the first page's total. */
async function queryAll(
  engine: Engine,
  filter: BoundFilter | null,
  folderUuid: string | null,
  sort: ReturnType<typeof bindSort>,
  pageSize: number,
): Promise<{ uuids: string[]; total: number | null }> {
  const uuids: string[] = [];
  let after: QueryCursor | null = null;
  let total: number | null = null;
  for (let page = 0; page < 500; page++) {
    const result = await engine.queryItems({ filter, folderUuid, sort, pageSize, after, count: page === 0 });
    if (page === 0) total = result.total;
    uuids.push(...result.items.map((item) => item.uuid));
    // A token survives JSON, as the HTTP layer carries it.
    after = result.next === null ? null : (JSON.parse(JSON.stringify(result.next)) as QueryCursor);
    if (after === null) break;
  }
  return { uuids, total };
}

/** Changes the hint of each variant key whose pick is set (variant → variant is always legal). */
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

interface Query {
  filter: FilterNode;
  sort: SortSpec[];
  pageSize: number;
  scoped: boolean;
}

const arbQueries = (schema: SchemaMap) =>
  fc.array(
    fc.record({
      filter: arbFilter(schema, { folders: [ROOT.uuid, SUB.uuid, OTHER.uuid] }),
      sort: arbSort(schema),
      pageSize: fc.integer({ min: 1, max: 9 }),
      scoped: fc.boolean(),
    }),
    { minLength: 12, maxLength: 12 },
  );

interface Case {
  schema: Map<string, SchemaTypeObject>;
  changed: Map<string, SchemaTypeObject>;
  documents: { doc: Record<string, unknown>; name: string; folder: number; edited: number }[];
  before: Query[];
  after: Query[];
}

const arbCase: fc.Arbitrary<Case> = arbSchema({ minKeys: 3, maxKeys: 8, tombstones: true }).chain((schema) =>
  fc
    .array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 8 })
    .map((picks) => withChangedHints(schema, picks))
    .chain((changed) =>
      fc.record({
        schema: fc.constant(schema),
        changed: fc.constant(changed),
        documents: fc.array(
          fc.record({
            doc: arbDocument(schema),
            name: fc.constantFrom(...SAMPLE_NAMES, '\u0001', 'x'.repeat(600) + '\u{1F600}'),
            folder: fc.nat({ max: 2 }),
            edited: fc.integer({ min: 0, max: 40 }),
          }),
          { minLength: 15, maxLength: 40 },
        ),
        before: arbQueries(schema),
        after: arbQueries(changed),
      }),
    ),
);

/** How many checks compared something non-trivial: the test must not pass vacuously. */
const coverage = { queries: 0, partial: 0, facets: 0, nonEmptyFacets: 0 };

async function checkQueries(
  engine: Engine,
  items: readonly EvaluableItem[],
  schema: SchemaMap,
  queries: readonly Query[],
): Promise<void> {
  for (const { filter, sort, pageSize, scoped } of queries) {
    const bound = bindFilter(filter, schema);
    const boundSort = bindSort(sort, schema);
    const folder = scoped ? ROOT.uuid : null;
    const want = items
      .filter((item) => !scoped || item.folderPath.includes(ROOT.uuid))
      .filter(compilePredicate(bound))
      .sort(compareBySort(boundSort))
      .map((item) => item.uuid);
    coverage.queries++;
    if (want.length > 0 && want.length < items.length) coverage.partial++;
    const got = await queryAll(engine, bound, folder, boundSort, pageSize);
    expect({ filter, sort, scoped, ...got }).toEqual({
      filter,
      sort,
      scoped,
      uuids: want,
      total: want.length,
    });
    // Walking the matches by uuid gives the same set.
    if (!scoped) {
      const walked: string[] = [];
      for (let after: string | null = null; ;) {
        const batch = await engine.matchingItemUuids(bound, after, 7);
        walked.push(...batch);
        if (batch.length < 7) break;
        after = batch.at(-1) ?? null;
      }
      expect(walked).toEqual([...want].sort());
    }
  }
}

async function checkFacets(
  settle: (engine: Engine) => Promise<void>,
  engine: Engine,
  items: readonly EvaluableItem[],
  schema: SchemaMap,
  queries: readonly Query[],
): Promise<void> {
  const requests = facetRequests(schema);
  for (const { filter, scoped } of queries) {
    const bound = bindFilter(filter, schema);
    const matching = items
      .filter((item) => !scoped || item.folderPath.includes(ROOT.uuid))
      .filter(compilePredicate(bound));
    const want = { total: matching.length, facets: expectedFacets(matching, requests) };
    coverage.facets += requests.length;
    coverage.nonEmptyFacets += want.facets.filter((f) =>
      f.kind === 'values' ? f.counts.length > 0 : f.buckets.length > 0,
    ).length;
    expect({ filter, ...(await engine.facetItems(bound, scoped ? ROOT.uuid : null, requests)) }).toEqual({
      filter,
      ...want,
    });
  }
  // No filter at all: every item, counted once, then again after the engine settled
  // (on PostgreSQL, VACUUM sets the visibility map: counts come from the indexes).
  const everything = { total: items.length, facets: expectedFacets(items, requests) };
  expect(await engine.facetItems(null, null, requests)).toEqual(everything);
  await settle(engine);
  expect(await engine.facetItems(null, null, requests)).toEqual(everything);
}

export interface ItemIndexContractOptions {
  /** Brings the engine to its steady state before a query is repeated (PostgreSQL: VACUUM ANALYZE). */
  settle?: (engine: Engine) => Promise<void>;
}

export function describeItemIndexContract(
  name: string,
  open: () => Promise<Engine>,
  options: ItemIndexContractOptions = {},
): void {
  const settle = options.settle ?? (() => Promise.resolve());
  describe(`item index contract: ${name}`, () => {
    it('answers random filters, sorts, pages and facets exactly as core, before and after a type change', async () => {
      await fc.assert(
        fc.asyncProperty(arbCase, async (c) => {
          const engine = await open();
          try {
            for (const folder of FOLDERS) await engine.createFolder(folder);
            const records = c.documents.map(({ doc, name, folder, edited }, n) =>
              itemRecord(n, (FOLDERS[folder] ?? ROOT).uuid, {
                clientMetadata: JSON.stringify(doc),
                name,
                itemType: n % 3 === 0 ? 'video' : 'image',
                createdAt: at(n % 7),
                lastEditedAt: at(edited),
              }),
            );
            // Written before the schema types the keys: values that will not fit land as they are.
            expect((await engine.writeItems({ insert: records, update: [] }, 0)).ok).toBe(true);
            expect(await engine.replaceSchema(0, c.schema, now())).toBe(1);
            const items = records.map(evaluable);
            await checkQueries(engine, items, c.schema, c.before);
            await checkFacets(settle, engine, items, c.schema, c.before.slice(0, 4));
            // A type change: the values of changed keys are derived again.
            expect(await engine.replaceSchema(1, c.changed, now())).toBe(2);
            await checkQueries(engine, items, c.changed, c.after);
            await checkFacets(settle, engine, items, c.changed, c.after.slice(0, 4));
          } finally {
            await engine.close();
          }
        }),
        { numRuns: 12, seed: 4242, endOnFailure: true },
      );
      expect(coverage.partial / coverage.queries).toBeGreaterThan(0.3);
      expect(coverage.nonEmptyFacets).toBeGreaterThan(100);
    }, 300_000);

    it('re-derives a key when its type changes, forgets deleted items, and restores a deleted key', async () => {
      const schema: SchemaMap = new Map([['k', { ty: 'variant', hint: 'number' }]]);
      const engine = await loadedEngine(open, schema, [{ k: 1 }, { k: '2' }, { k: 'x' }]);
      try {
        const count = (filter: FilterNode, s: SchemaMap) => countMatching(engine, filter, s);
        expect(await count({ key: 'k', op: 'exists' }, schema)).toBe(1);
        // number (double precision) to varchar (text): the column is replaced and refilled.
        const asText: SchemaMap = new Map([['k', { ty: 'variant', hint: 'varchar' }]]);
        expect(await engine.replaceSchema(1, asText, now())).toBe(2);
        expect(await count({ key: 'k', op: 'exists' }, asText)).toBe(2);
        expect(await count({ key: 'k', op: 'eq', value: '2' }, asText)).toBe(1);
        expect(await engine.deleteItems([itemId(1)])).toBe(1);
        expect(await count({ key: 'k', op: 'exists' }, asText)).toBe(1);
        expect(await count({ key: 'k', op: 'matches', value: 'x' }, asText)).toBe(1);
        // varchar to text: same column type, values derived again (text has no b-tree index).
        const asLongText: SchemaMap = new Map([['k', { ty: 'variant', hint: 'text' }]]);
        expect(await engine.replaceSchema(2, asLongText, now())).toBe(3);
        expect(await count({ key: 'k', op: 'matches', value: 'x' }, asLongText)).toBe(1);
        // Deleted, then restored with its old type: the values come back.
        const deleted: SchemaMap = new Map([
          ['k', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'text' } }],
        ]);
        expect(await engine.replaceSchema(3, deleted, now())).toBe(4);
        expect(await count({ key: 'k', op: 'exists' }, deleted)).toBe(0);
        expect(await engine.replaceSchema(4, asLongText, now())).toBe(5);
        expect(await count({ key: 'k', op: 'exists' }, asLongText)).toBe(1);
        expect(await count({ key: 'k', op: 'matches', value: 'x' }, asLongText)).toBe(1);
      } finally {
        await engine.close();
      }
    });

    it('stays exact through write batches: new and updated items, repeats, renames, unchanged metadata', async () => {
      type Op =
        | { kind: 'insert'; doc: Record<string, unknown> }
        | {
            kind: 'update';
            target: number;
            doc: Record<string, unknown> | 'same' | undefined;
            name: string | undefined;
          };
      const arbOp = (schema: SchemaMap): fc.Arbitrary<Op> =>
        fc.oneof(
          fc.record({ kind: fc.constant('insert' as const), doc: arbDocument(schema) }),
          fc.record({
            kind: fc.constant('update' as const),
            target: fc.nat(),
            doc: fc.oneof(arbDocument(schema), fc.constant('same' as const), fc.constant(undefined)),
            name: fc.constantFrom(undefined, 'renamed', 'Größe', 'ÉTÉ x'),
          }),
        );
      const arbBatches = arbSchema({ minKeys: 3, maxKeys: 6 }).chain((schema) =>
        fc.record({
          schema: fc.constant(schema),
          initial: fc.array(arbDocument(schema), { minLength: 5, maxLength: 15 }),
          batches: fc.array(fc.array(arbOp(schema), { minLength: 1, maxLength: 12 }), {
            minLength: 2,
            maxLength: 4,
          }),
          filters: fc.array(arbFilter(schema), { minLength: 8, maxLength: 8 }),
        }),
      );
      let compared = 0;
      await fc.assert(
        fc.asyncProperty(arbBatches, async ({ schema, initial, batches, filters }) => {
          const engine = await open();
          const folder = ROOT.uuid;
          try {
            await engine.createFolder(ROOT);
            expect(await engine.replaceSchema(0, schema, now())).toBe(1);
            // The model: every item as it should be stored.
            const items = new Map<string, ItemRecord>();
            let next = 0;
            const insertOf = (doc: Record<string, unknown>): ItemRecord => {
              const n = next++;
              const item = itemRecord(n, folder, { clientMetadata: JSON.stringify(doc), name: `item ${n}` });
              items.set(item.uuid, item);
              return item;
            };
            const first = initial.map(insertOf);
            expect((await engine.writeItems({ insert: first, update: [] }, 1)).ok).toBe(true);
            for (const [b, ops] of batches.entries()) {
              const existing = [...items.keys()];
              const insert: ItemRecord[] = [];
              const update: ItemUpdate[] = [];
              for (const op of ops) {
                if (op.kind === 'insert') {
                  insert.push(insertOf(op.doc));
                  continue;
                }
                // Only items that existed before this write: a later op may repeat one.
                const uuid = existing[op.target % existing.length] as string;
                const before = items.get(uuid) as ItemRecord;
                const u: ItemUpdate = { uuid, lastEditedAt: at(1000 + b) };
                if (op.doc === 'same') u.clientMetadata = before.clientMetadata;
                else if (op.doc !== undefined) u.clientMetadata = JSON.stringify(op.doc);
                if (op.name !== undefined) u.name = op.name;
                update.push(u);
                items.set(uuid, {
                  ...before,
                  name: u.name ?? before.name,
                  clientMetadata: u.clientMetadata ?? before.clientMetadata,
                  lastEditedAt: u.lastEditedAt,
                });
              }
              const written = await engine.writeItems({ insert, update }, 1);
              if (!written.ok) throw new Error(`write refused: ${written.reason}`);
              expect(written.items).toEqual(update.map((u) => items.get(u.uuid)));
            }
            const all = [...items.values()].map(evaluable);
            for (const filter of [...filters, { key: '$name', op: 'eq', value: 'renamed' } as FilterNode]) {
              const bound = bindFilter(filter, schema);
              const want = all
                .filter(compilePredicate(bound))
                .map((item) => item.uuid)
                .sort();
              const page = await engine.queryItems({
                filter: bound,
                folderUuid: null,
                sort: [],
                pageSize: 1000,
                after: null,
                count: true,
              });
              expect(page.items.map((item) => item.uuid).sort()).toEqual(want);
              expect(page.total).toBe(want.length);
              compared++;
            }
          } finally {
            await engine.close();
          }
        }),
        { numRuns: 15, seed: 2026 },
      );
      expect(compared).toBeGreaterThan(100);
    }, 120_000);

    it('indexes a write of thousands of items in slices: a uuid updated in two slices ends as last written', async () => {
      const schema: SchemaMap = new Map([
        ['n', { ty: 'variant', hint: 'number' }],
        ['caption', { ty: 'variant', hint: 'text' }],
      ]);
      const engine = await open();
      const folder = ROOT.uuid;
      try {
        await engine.createFolder(ROOT);
        expect(await engine.replaceSchema(0, schema, now())).toBe(1);
        const insert = Array.from({ length: 2500 }, (_, n) =>
          itemRecord(n, folder, { clientMetadata: JSON.stringify({ n, caption: `word${n % 7}` }) }),
        );
        expect((await engine.writeItems({ insert, update: [] }, 1)).ok).toBe(true);
        // Item 0 is set at position 0 (first slice) and again at position 1500, in place
        // of item 1500, which keeps its first value.
        const update: ItemUpdate[] = Array.from({ length: 2500 }, (_, k) => ({
          uuid: itemId(k === 1500 ? 0 : k),
          clientMetadata: JSON.stringify(
            k === 0 ? { n: -1, caption: 'first' } : { n: k + 10_000, caption: 'later' },
          ),
          lastEditedAt: at(5000),
        }));
        expect((await engine.writeItems({ insert: [], update }, 1)).ok).toBe(true);
        const count = (filter: FilterNode) => countMatching(engine, filter, schema);
        expect(await count({ key: 'n', op: 'eq', value: -1 })).toBe(0);
        expect(await count({ key: 'n', op: 'eq', value: 11_500 })).toBe(1);
        expect(await count({ key: 'caption', op: 'matches', value: 'first' })).toBe(0);
        expect(await count({ key: 'caption', op: 'matches', value: 'later' })).toBe(2499);
        expect(await count({ key: 'n', op: 'gte', value: 10_000 })).toBe(2499);
        expect(await count({ key: 'n', op: 'eq', value: 1500 })).toBe(1);
        expect(await count({ key: 'caption', op: 'matches', value: `word${1500 % 7}` })).toBe(1);
      } finally {
        await engine.close();
      }
    });

    it('indexes an item written twice in one write with its last values and words only', async () => {
      const schema: SchemaMap = new Map([
        ['caption', { ty: 'variant', hint: 'text' }],
        ['n', { ty: 'variant', hint: 'number' }],
      ]);
      const engine = await open();
      const count = (filter: FilterNode) => countMatching(engine, filter, schema);
      try {
        await engine.createFolder(ROOT);
        expect(await engine.replaceSchema(0, schema, now())).toBe(1);
        const insert = [0, 1].map((n) =>
          itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify({ caption: 'start here', n }) }),
        );
        expect((await engine.writeItems({ insert, update: [] }, 1)).ok).toBe(true);
        const set = (n: number, doc: Record<string, unknown>, name?: string): ItemUpdate => ({
          uuid: itemId(n),
          clientMetadata: JSON.stringify(doc),
          lastEditedAt: at(100),
          ...(name === undefined ? {} : { name }),
        });
        const written = await engine.writeItems(
          {
            insert: [],
            update: [
              set(0, { caption: 'alpha one', n: 5 }),
              set(1, { caption: 'start here', n: 1 }, 'renamed'),
              set(0, { caption: 'beta one', n: 6 }),
              set(1, { caption: 'start here', n: 1 }),
            ],
          },
          1,
        );
        expect(written.ok && written.items.map((item) => item.name)).toEqual([
          'item-0',
          'renamed',
          'item-0',
          'renamed',
        ]);
        expect(await count({ key: 'caption', op: 'matches', value: 'alpha' })).toBe(0);
        expect(await count({ key: 'caption', op: 'matches', value: 'beta one' })).toBe(1);
        expect(await count({ key: 'caption', op: 'matches', value: 'one' })).toBe(1);
        expect(await count({ key: 'caption', op: 'matches', value: 'start' })).toBe(1);
        expect(await count({ key: 'n', op: 'eq', value: 5 })).toBe(0);
        expect(await count({ key: 'n', op: 'eq', value: 6 })).toBe(1);
        expect(await count({ key: '$name', op: 'eq', value: 'renamed' })).toBe(1);
      } finally {
        await engine.close();
      }
    });

    it('keeps U+0000 and U+0001 in values: equality, order, substrings, prefixes, facets and cursors', async () => {
      const schema: SchemaMap = new Map([['s', { ty: 'variant', hint: 'varchar' }]]);
      const values = ['a\u0000b', 'a\u0001', 'a', 'a\u0002', '\u0000', '\u0001\u0001', 'A\u0000', 'b'];
      const engine = await loadedEngine(
        open,
        schema,
        values.map((s) => ({ s })),
      );
      try {
        const items = values.map((s, n) =>
          evaluable(itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify({ s }) })),
        );
        const filters: FilterNode[] = [
          { key: 's', op: 'eq', value: 'a\u0000b' },
          { key: 's', op: 'in', value: ['\u0000', 'a\u0001'] },
          { key: 's', op: 'lt', value: 'a\u0001' },
          { key: 's', op: 'gte', value: 'a\u0000' },
          { key: 's', op: 'between', value: ['\u0000', 'a\u0000c'] },
          { key: 's', op: 'contains', value: '\u0000' },
          { key: 's', op: 'contains', value: '\u0001' },
          { key: 's', op: 'contains', value: '\u0002' },
          { key: 's', op: 'contains', value: '\u0000b' },
          { key: 's', op: 'startswith', value: 'a\u0000' },
          { key: 's', op: 'startswith', value: '\u0001' },
          { key: 's', op: 'ne', value: 'a' },
        ];
        for (const filter of filters) {
          for (const desc of [false, true]) {
            const bound = bindFilter(filter, schema);
            const sort = bindSort([{ key: 's', desc }], schema);
            const want = items
              .filter(compilePredicate(bound))
              .sort(compareBySort(sort))
              .map((item) => item.uuid);
            expect({ filter, desc, ...(await queryAll(engine, bound, null, sort, 2)) }).toEqual({
              filter,
              desc,
              uuids: want,
              total: want.length,
            });
          }
        }
        const requests = facetRequests(schema).slice(0, 1);
        expect(await engine.facetItems(null, null, requests)).toEqual({
          total: items.length,
          facets: expectedFacets(items, requests),
        });
      } finally {
        await engine.close();
      }
    });

    it('indexes and compares values too long for a b-tree entry', async () => {
      const schema: SchemaMap = new Map([['s', { ty: 'variant', hint: 'varchar' }]]);
      // 8,000 four-byte characters: 32,000 bytes, far above the b-tree limit.
      const long = (c: string) => '\u{1F600}'.repeat(8000) + c;
      const values = [long('a'), long('b'), long(''), 'short', '\u{1F600}'.repeat(600)];
      const engine = await loadedEngine(
        open,
        schema,
        values.map((s) => ({ s })),
      );
      try {
        const items = values.map((s, n) =>
          evaluable(itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify({ s }) })),
        );
        const filters: FilterNode[] = [
          { key: 's', op: 'eq', value: long('a') },
          { key: 's', op: 'in', value: [long('b'), 'short'] },
          { key: 's', op: 'lt', value: long('b') },
          { key: 's', op: 'gt', value: long('') },
          { key: 's', op: 'lte', value: '\u{1F600}'.repeat(600) },
          { key: 's', op: 'between', value: [long(''), long('a')] },
          { key: 's', op: 'startswith', value: '\u{1F600}'.repeat(700) },
        ];
        for (const filter of filters) {
          for (const desc of [false, true]) {
            const bound = bindFilter(filter, schema);
            const sort = bindSort([{ key: 's', desc }], schema);
            const want = items
              .filter(compilePredicate(bound))
              .sort(compareBySort(sort))
              .map((item) => item.uuid);
            expect({ filter, desc, ...(await queryAll(engine, bound, null, sort, 1)) }).toEqual({
              filter,
              desc,
              uuids: want,
              total: want.length,
            });
          }
        }
      } finally {
        await engine.close();
      }
    });
  });
}

/** An engine with a folder, these documents written untyped, then the schema saved (version 1). */
export async function loadedEngine<E extends Engine>(
  open: () => Promise<E>,
  schema: SchemaMap,
  documents: readonly Record<string, unknown>[],
): Promise<E> {
  const engine = await open();
  await engine.createFolder(ROOT);
  const insert = documents.map((doc, n) => itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify(doc) }));
  expect((await engine.writeItems({ insert, update: [] }, 0)).ok).toBe(true);
  expect(await engine.replaceSchema(0, schema, now())).toBe(1);
  return engine;
}

/** How many items a filter matches. */
export async function countMatching(
  engine: Engine,
  filter: FilterNode,
  schema: SchemaMap,
): Promise<number | null> {
  const page = await engine.queryItems({
    filter: bindFilter(filter, schema),
    folderUuid: null,
    sort: [],
    pageSize: 10,
    after: null,
    count: true,
  });
  return page.total;
}
