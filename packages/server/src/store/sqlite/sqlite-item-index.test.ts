/**
 * The SQLite item index below the HTTP layer: filtered facets counted per facet in SQL
 * must equal the one-read path (which the HTTP differential test checks against core),
 * and the index follows items as they are written, rewritten and deleted.
 */
import {
  bindFilter,
  compilePredicate,
  keyField,
  type EvaluableItem,
  type FilterNode,
  type SchemaMap,
} from '@metaindex/core';
import { arbDocument, arbFilter, arbSchema } from '@metaindex/core/testing';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FacetRequest, ItemUpdate } from '../engine.js';
import { at, folderRecord, itemId, itemRecord } from '../engine-contract.js';
import type { ItemRecord } from '../records.js';
import { openSqliteEngine, type SqliteEngine } from './sqlite-engine.js';

const FACET_TYPES = new Set(['enum', 'boolean', 'varchar', 'number', 'datetime']);

async function loaded(
  schema: SchemaMap,
  documents: readonly Record<string, unknown>[],
  onePassFacetLimit: number,
): Promise<SqliteEngine> {
  const engine = openSqliteEngine({ path: ':memory:', onePassFacetLimit });
  await engine.createFolder(folderRecord(1));
  // Written before the schema types the keys: values that will not fit land as they are.
  const write = await engine.writeItems(
    {
      insert: documents.map((doc, n) =>
        itemRecord(n, folderRecord(1).uuid, { clientMetadata: JSON.stringify(doc) }),
      ),
      update: [],
    },
    0,
  );
  expect(write.ok).toBe(true);
  expect(await engine.replaceSchema(0, schema, new Date().toISOString())).toBe(1);
  return engine;
}

function facetRequests(schema: SchemaMap): FacetRequest[] {
  const requests: FacetRequest[] = [];
  for (const key of schema.keys()) {
    const field = keyField(schema, key);
    if (field === undefined || !FACET_TYPES.has(field.type)) continue;
    requests.push(
      field.domain === 'number' && field.type !== 'boolean'
        ? { kind: 'histogram', field, buckets: 3 }
        : { kind: 'values', field, top: 4 },
    );
  }
  return requests;
}

describe('SQLite item index', () => {
  it('counts filtered facets in SQL exactly as in one read of the matching rows', async () => {
    const arbCase = arbSchema({ minKeys: 3, maxKeys: 8 }).chain((schema) =>
      fc.record({
        schema: fc.constant(schema),
        documents: fc.array(arbDocument(schema), { minLength: 10, maxLength: 40 }),
        filters: fc.array(arbFilter(schema), { minLength: 10, maxLength: 10 }),
      }),
    );
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ schema, documents, filters }) => {
        const requests = facetRequests(schema);
        const perFacet = await loaded(schema, documents, 0);
        const onePass = await loaded(schema, documents, Number.MAX_SAFE_INTEGER);
        try {
          for (const filter of filters) {
            const bound = bindFilter(filter, schema);
            const sql = await perFacet.facetItems(bound, null, requests);
            expect(await onePass.facetItems(bound, null, requests)).toEqual(sql);
            compared += requests.length;
          }
          // Over every item: index counts and lookups against one read of all rows.
          const everything = bindFilter({ key: '$name', op: 'exists' }, schema);
          expect(await onePass.facetItems(everything, null, requests)).toEqual(
            await perFacet.facetItems(null, null, requests),
          );
        } finally {
          await perFacet.close();
          await onePass.close();
        }
      }),
      { numRuns: 25, seed: 77 },
    );
    expect(compared).toBeGreaterThan(200);
  });

  it('re-derives a key when its type changes and forgets deleted items', async () => {
    const schema: SchemaMap = new Map([['k', { ty: 'variant', hint: 'number' }]]);
    const engine = await loaded(schema, [{ k: 1 }, { k: '2' }, { k: 'x' }], 0);
    try {
      const count = async (filter: FilterNode, s: SchemaMap) =>
        (
          await engine.queryItems({
            filter: bindFilter(filter, s),
            folderUuid: null,
            sort: [],
            pageSize: 10,
            after: null,
            count: true,
          })
        ).total;
      expect(await count({ key: 'k', op: 'exists' }, schema)).toBe(1);
      const asText: SchemaMap = new Map([['k', { ty: 'variant', hint: 'varchar' }]]);
      expect(await engine.replaceSchema(1, asText, new Date().toISOString())).toBe(2);
      expect(await count({ key: 'k', op: 'exists' }, asText)).toBe(2);
      expect(await count({ key: 'k', op: 'eq', value: '2' }, asText)).toBe(1);
      expect(await engine.deleteItems([itemRecord(1, folderRecord(1).uuid).uuid])).toBe(1);
      expect(await count({ key: 'k', op: 'exists' }, asText)).toBe(1);
      expect(await count({ key: 'k', op: 'matches', value: 'x' }, asText)).toBe(1);
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
    const arbCase = arbSchema({ minKeys: 3, maxKeys: 6 }).chain((schema) =>
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
      fc.asyncProperty(arbCase, async ({ schema, initial, batches, filters }) => {
        const engine = openSqliteEngine({ path: ':memory:' });
        const folder = folderRecord(1).uuid;
        try {
          await engine.createFolder(folderRecord(1));
          expect(await engine.replaceSchema(0, schema, new Date().toISOString())).toBe(1);
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
            // The answer is every updated item as stored, in update order.
            expect(written.items).toEqual(update.map((u) => items.get(u.uuid)));
          }
          const evaluable: EvaluableItem[] = [...items.values()].map((item) => ({
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
          for (const filter of [...filters, { key: '$name', op: 'eq', value: 'renamed' } as FilterNode]) {
            const bound = bindFilter(filter, schema);
            const want = evaluable
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
      { numRuns: 30, seed: 2026 },
    );
    expect(compared).toBeGreaterThan(200);
  });

  it('indexes a write of thousands of items in slices: a uuid updated in two slices ends as last written', async () => {
    const schema: SchemaMap = new Map([
      ['n', { ty: 'variant', hint: 'number' }],
      ['caption', { ty: 'variant', hint: 'text' }],
    ]);
    const engine = openSqliteEngine({ path: ':memory:' });
    const folder = folderRecord(1).uuid;
    try {
      await engine.createFolder(folderRecord(1));
      expect(await engine.replaceSchema(0, schema, new Date().toISOString())).toBe(1);
      const insert = Array.from({ length: 2500 }, (_, n) =>
        itemRecord(n, folder, { clientMetadata: JSON.stringify({ n, caption: `word${n % 7}` }) }),
      );
      expect((await engine.writeItems({ insert, update: [] }, 1)).ok).toBe(true);
      // Item 0 is set at position 0 (first slice) and again at position 1500 (second),
      // in place of item 1500, which keeps its first value.
      const update: ItemUpdate[] = Array.from({ length: 2500 }, (_, k) => ({
        uuid: itemId(k === 1500 ? 0 : k),
        clientMetadata: JSON.stringify(
          k === 0 ? { n: -1, caption: 'first' } : { n: k + 10_000, caption: 'later' },
        ),
        lastEditedAt: at(5000),
      }));
      const written = await engine.writeItems({ insert: [], update }, 1);
      expect(written.ok).toBe(true);
      const count = async (filter: FilterNode) =>
        (
          await engine.queryItems({
            filter: bindFilter(filter, schema),
            folderUuid: null,
            sort: [],
            pageSize: 10,
            after: null,
            count: true,
          })
        ).total;
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
    const engine = openSqliteEngine({ path: ':memory:' });
    const folder = folderRecord(1).uuid;
    const count = async (filter: FilterNode) =>
      (
        await engine.queryItems({
          filter: bindFilter(filter, schema),
          folderUuid: null,
          sort: [],
          pageSize: 10,
          after: null,
          count: true,
        })
      ).total;
    try {
      await engine.createFolder(folderRecord(1));
      expect(await engine.replaceSchema(0, schema, new Date().toISOString())).toBe(1);
      const insert = [0, 1].map((n) =>
        itemRecord(n, folder, { clientMetadata: JSON.stringify({ caption: 'start here', n }) }),
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

  it('fills the words again when a migration recreated the full-text table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metaindex-words-'));
    const path = join(dir, 'metaindex.db');
    const schema: SchemaMap = new Map([
      ['caption', { ty: 'variant', hint: 'text' }],
      ['camera', { ty: 'variant', hint: 'varchar' }],
    ]);
    const count = async (engine: SqliteEngine, filter: FilterNode) =>
      (
        await engine.queryItems({
          filter: bindFilter(filter, schema),
          folderUuid: null,
          sort: [],
          pageSize: 10,
          after: null,
          count: true,
        })
      ).total;
    try {
      const engine = openSqliteEngine({ path });
      await engine.createFolder(folderRecord(1));
      await engine.replaceSchema(0, schema, new Date().toISOString());
      const docs = [
        { caption: 'Wet road at night', camera: 'X1 Pro' },
        { caption: 'dry road', camera: 'Z9' },
        { camera: 'X1' },
      ];
      const insert = docs.map((doc, n) =>
        itemRecord(n, folderRecord(1).uuid, { clientMetadata: JSON.stringify(doc) }),
      );
      expect((await engine.writeItems({ insert, update: [] }, 1)).ok).toBe(true);
      await engine.close();
      // What migration 6 leaves: an empty full-text table and the flag to fill it.
      const db = new Database(path);
      db.exec('DELETE FROM item_words; UPDATE index_state SET words_rebuild = 1');
      db.close();
      const reopened = openSqliteEngine({ path });
      try {
        expect(await count(reopened, { key: 'caption', op: 'matches', value: 'road' })).toBe(2);
        expect(await count(reopened, { key: 'caption', op: 'matches', value: 'wet night' })).toBe(1);
        expect(await count(reopened, { key: 'camera', op: 'matches', value: 'x1' })).toBe(2);
        expect(await count(reopened, { key: 'camera', op: 'matches', value: 'pro' })).toBe(1);
      } finally {
        await reopened.close();
      }
      const check = new Database(path, { readonly: true });
      expect(check.prepare('SELECT words_rebuild FROM index_state').pluck().get()).toBe(0);
      check.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
