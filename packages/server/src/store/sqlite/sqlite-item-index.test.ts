/**
 * The SQLite item index below the HTTP layer: filtered facets counted per facet in SQL
 * must equal the one-read path (which the HTTP differential test checks against core),
 * and the index follows items as they are written, rewritten and deleted.
 */
import { bindFilter, keyField, type FilterNode, type SchemaMap } from '@metaindex/core';
import { arbDocument, arbFilter, arbSchema } from '@metaindex/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FacetRequest } from '../engine.js';
import { folderRecord, itemRecord } from '../engine-contract.js';
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
});
