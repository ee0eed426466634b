/**
 * The PostgreSQL item index: the item index contract every engine passes
 * (engine-contract-item-index.ts), and what is PostgreSQL's own: rebuilding after a
 * bulk copy, index shapes as keys change type, a schema change made by another
 * process, and explain with PostgreSQL's EXPLAIN.
 */
import { bindFilter, bindSort, type FilterNode, type SchemaMap } from '@metaindex/core';
import { describe, expect, it } from 'vitest';
import { folderRecord, itemId, itemRecord } from '../engine-contract.js';
import { openSqliteEngine } from '../sqlite/sqlite-engine.js';
import { openPostgresEngine, type PostgresEngine } from './pg-engine.js';
import { createTestDatabase, postgresAvailable } from './pg-testing.js';
import { countMatching, describeItemIndexContract, loadedEngine } from '../engine-contract-item-index.js';

const reachable = await postgresAvailable();

/** A fresh engine on a database of its own, dropped when the engine closes. */
async function openFresh(): Promise<PostgresEngine> {
  const database = await createTestDatabase();
  const engine = await openPostgresEngine({ url: database.url, maxConnections: 4 });
  return {
    ...engine,
    async close() {
      await engine.close();
      await database.drop();
    },
  };
}

const ROOT = folderRecord(1);
const now = () => new Date().toISOString();
const loaded = (schema: SchemaMap, documents: readonly Record<string, unknown>[]) =>
  loadedEngine(openFresh, schema, documents);

describe.skipIf(!reachable)('postgres', () => {
  describeItemIndexContract('postgres', openFresh, {
    settle: async (engine) => {
      await (engine as PostgresEngine).database.query('VACUUM ANALYZE item_index');
    },
  });
});

describe.skipIf(!reachable)('PostgreSQL item index', () => {
  it('rebuilds every row from the items (after a bulk copy)', async () => {
    const schema: SchemaMap = new Map([
      ['caption', { ty: 'variant', hint: 'text' }],
      ['camera', { ty: 'variant', hint: 'varchar' }],
    ]);
    const engine = await loaded(schema, [
      { caption: 'Wet road at night', camera: 'X1 Pro' },
      { caption: 'dry road', camera: 'Z9' },
      { camera: 'X1' },
    ]);
    const count = (filter: FilterNode) => countMatching(engine, filter, schema);
    try {
      // What a bulk copy leaves: items without index rows.
      await engine.database.tx((client) => client.query('DELETE FROM item_index'));
      expect(await count({ key: 'caption', op: 'matches', value: 'road' })).toBe(0);
      const rebuilt = await engine.database.tx((client) =>
        engine.index.rebuild(client, { schema, version: 1 }),
      );
      expect(rebuilt).toBe(3);
      expect(await count({ key: 'caption', op: 'matches', value: 'road' })).toBe(2);
      expect(await count({ key: 'caption', op: 'matches', value: 'wet night' })).toBe(1);
      expect(await count({ key: 'camera', op: 'matches', value: 'x1' })).toBe(2);
      expect(await count({ key: 'camera', op: 'eq', value: 'Z9' })).toBe(1);
      expect(await count({ key: '$name', op: 'startswith', value: 'ITEM-' })).toBe(3);
    } finally {
      await engine.close();
    }
  });

  it('keeps every index able to hold its values as a key changes type', async () => {
    const long = 'é'.repeat(3000);
    const indexDef = async (engine: PostgresEngine): Promise<string | null> => {
      const found = await engine.database.query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'item_index' AND indexname = 'item_index_k1'",
      );
      return found[0]?.indexdef ?? null;
    };
    const short: SchemaMap = new Map([['k', { ty: 'enum', values: ['a', 'b'] }]]);
    const engine = await loaded(short, [{ k: 'a' }, { k: 'b' }, { k: long }]);
    try {
      // Short options: the value itself is indexed.
      expect(await indexDef(engine)).toMatch(/\(k1\)/);
      expect(await countMatching(engine, { key: 'k', op: 'in', value: ['a', 'b'] }, short)).toBe(2);
      // An option too long for a b-tree entry: the index holds prefixes instead.
      const withLong: SchemaMap = new Map([['k', { ty: 'enum', values: ['a', 'b', long] }]]);
      expect(await engine.replaceSchema(1, withLong, now())).toBe(2);
      expect(await indexDef(engine)).toContain('left');
      expect(await countMatching(engine, { key: 'k', op: 'eq', value: long }, withLong)).toBe(1);
      const write = await engine.writeItems(
        { insert: [itemRecord(7, ROOT.uuid, { clientMetadata: JSON.stringify({ k: long }) })], update: [] },
        2,
      );
      expect(write.ok).toBe(true);
      expect(await countMatching(engine, { key: 'k', op: 'eq', value: long }, withLong)).toBe(2);
      // A legacy varchar of at most 10 characters: short again.
      const legacy: SchemaMap = new Map([['k', { ty: 'varchar', max_length: 10 }]]);
      expect(await engine.replaceSchema(2, legacy, now())).toBe(3);
      expect(await indexDef(engine)).toMatch(/\(k1\)/);
      expect(await countMatching(engine, { key: 'k', op: 'exists' }, legacy)).toBe(2);
      // Long text is not indexed at all (as on SQLite).
      const text: SchemaMap = new Map([['k', { ty: 'variant', hint: 'text' }]]);
      expect(await engine.replaceSchema(3, text, now())).toBe(4);
      expect(await indexDef(engine)).toBeNull();
      expect(await countMatching(engine, { key: 'k', op: 'exists' }, text)).toBe(4);
    } finally {
      await engine.close();
    }
  });

  it('follows a schema change made by another process', async () => {
    const database = await createTestDatabase();
    const first = await openPostgresEngine({ url: database.url, maxConnections: 2 });
    const second = await openPostgresEngine({ url: database.url, maxConnections: 2 });
    try {
      const schema: SchemaMap = new Map([['k', { ty: 'variant', hint: 'number' }]]);
      await first.createFolder(ROOT);
      const docs = [{ k: 1 }, { k: '1' }, { k: 'one two' }];
      const insert = docs.map((doc, n) => itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify(doc) }));
      expect((await first.writeItems({ insert, update: [] }, 0)).ok).toBe(true);
      expect(await first.replaceSchema(0, schema, now())).toBe(1);
      expect(await countMatching(first, { key: 'k', op: 'exists' }, schema)).toBe(1);
      const page = await first.queryItems({
        filter: null,
        folderUuid: null,
        sort: bindSort([{ key: 'k', desc: false }], schema),
        pageSize: 1,
        after: null,
        count: false,
      });
      // The other process makes k a string: its column is dropped and added again.
      const asText: SchemaMap = new Map([['k', { ty: 'variant', hint: 'varchar' }]]);
      expect((await second.getSchema()).version).toBe(1);
      expect(await second.replaceSchema(1, asText, now())).toBe(2);
      expect(await countMatching(first, { key: 'k', op: 'exists' }, asText)).toBe(2);
      expect(await countMatching(first, { key: 'k', op: 'matches', value: 'two' }, asText)).toBe(1);
      // A cursor of the old sort (a number) meets the text column: no error, strings sort after numbers.
      const rest = await first.queryItems({
        filter: null,
        folderUuid: null,
        sort: bindSort([{ key: 'k', desc: false }], asText),
        pageSize: 10,
        after: page.next,
        count: false,
      });
      expect(rest.items.map((item) => item.uuid)).toEqual([itemId(1), itemId(2), itemId(0)]);
      // And the first process writes with the new layout.
      expect(
        (
          await first.writeItems(
            { insert: [itemRecord(9, ROOT.uuid, { clientMetadata: '{"k":"two"}' })], update: [] },
            2,
          )
        ).ok,
      ).toBe(true);
      expect(await countMatching(second, { key: 'k', op: 'matches', value: 'two' }, asText)).toBe(2);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });

  it("previews a cast from the stored values, and explains with SQLite's plan and PostgreSQL's EXPLAIN", async () => {
    const schema: SchemaMap = new Map([
      ['speed', { ty: 'variant', hint: 'number' }],
      ['camera', { ty: 'variant', hint: 'varchar' }],
    ]);
    const docs = [
      { speed: 1, camera: 'X1' },
      { speed: '2', camera: 'Z9' },
      { speed: null },
      { camera: '3' },
      {},
    ];
    const engine = await loaded(schema, docs);
    try {
      expect(await engine.castPreview('camera', { ty: 'variant', hint: 'number' }, 1)).toEqual({
        itemsWithValue: 3,
        wouldNotFit: 3,
        examples: [{ uuid: itemId(0), value: 'X1' }],
      });
      expect(await engine.castPreview('speed', { ty: 'variant', hint: 'varchar' }, 5)).toEqual({
        itemsWithValue: 2,
        wouldNotFit: 1,
        examples: [{ uuid: itemId(0), value: 1 }],
      });
      expect(await engine.castPreview('nope', { ty: 'variant', hint: 'varchar' }, 5)).toEqual({
        itemsWithValue: 0,
        wouldNotFit: 0,
        examples: [],
      });
      // The plan is SQLite's rule over the same items, so both engines report the same one.
      const sqlite = openSqliteEngine({ path: ':memory:' });
      await sqlite.createFolder(ROOT);
      const insert = docs.map((doc, n) => itemRecord(n, ROOT.uuid, { clientMetadata: JSON.stringify(doc) }));
      expect((await sqlite.writeItems({ insert, update: [] }, 0)).ok).toBe(true);
      expect(await sqlite.replaceSchema(0, schema, now())).toBe(1);
      const filters: (FilterNode | null)[] = [
        {
          and: [
            { key: 'speed', op: 'lt', value: 3 },
            { key: 'camera', op: 'contains', value: 'x' },
          ],
        },
        { key: 'camera', op: 'contains', value: 'x' },
        { key: 'camera', op: 'matches', value: 'x1' },
        { not: { key: 'speed', op: 'gte', value: 3 } },
        null,
      ];
      for (const filter of filters) {
        const query = {
          filter: filter === null ? null : bindFilter(filter, schema),
          folderUuid: null,
          sort: bindSort([{ key: 'camera', desc: true }], schema),
          pageSize: 10,
          after: null,
          count: true,
        };
        const explained = await engine.explainItemQuery(query);
        expect(explained.plan).toEqual((await sqlite.explainItemQuery(query)).plan);
        expect(explained.engine['count']?.join('\n')).toContain('item_index');
        expect(explained.engine['page']?.join('\n')).toContain('Limit');
      }
      await sqlite.close();
    } finally {
      await engine.close();
    }
  });
});
