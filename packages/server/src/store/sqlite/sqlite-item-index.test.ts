/**
 * The SQLite item index below the HTTP layer: filtered facets counted per facet in SQL
 * must equal the one-read path (which the HTTP differential test checks against core),
 * and the words are filled again after a migration. What every engine's index must do
 * (writes, repeats, renames, type changes, deletes, random queries against core) is the
 * item index contract, run here on SQLite.
 */
import { bindFilter, keyField, type FilterNode, type SchemaMap } from '@metaindex/core';
import { arbDocument, arbFilter, arbSchema } from '@metaindex/core/testing';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FacetRequest } from '../engine.js';
import { folderRecord, itemRecord } from '../engine-contract.js';
import { describeItemIndexContract } from '../engine-contract-item-index.js';
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

describeItemIndexContract('sqlite (memory)', () => Promise.resolve(openSqliteEngine({ path: ':memory:' })));

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
