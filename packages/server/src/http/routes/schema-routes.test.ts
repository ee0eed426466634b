import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/sdk-like-client.js';

const V2 = 'organisation/client-metadata-schema-v2';
const LEGACY = 'organisation/client-metadata-schema';

/** The body the official SDK's save() sends for the seed's schema snippet. */
const SEED_SCHEMA = {
  metadata_1: { ty: 'variant', hint: 'boolean' },
  metadata_2: { ty: 'variant', hint: 'datetime' },
  metadata_3: { ty: 'variant', hint: 'number' },
  metadata_4: { ty: 'variant', hint: 'uuid' },
  metadata_5: { ty: 'variant', hint: 'varchar' },
  metadata_6: { ty: 'variant', hint: 'text' },
  'my-enum': { ty: 'enum', values: ['enum-value-01', 'enum-value-02', 'enum-value-03'] },
  'my-test-active-embedding': { ty: 'embedding', size: 512, api: null },
  'my-test-index-embedding': { ty: 'embedding', size: 1024, api: null },
};

describe('metadata schema API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers null for an empty schema, on both APIs', async () => {
    const v2 = await t.admin.get(V2);
    expect(v2.status).toBe(200);
    expect(v2.text).toBe('null');
    const legacy = await t.admin.get(LEGACY);
    expect(legacy.status).toBe(200);
    expect(legacy.text).toBe('null');
  });

  it('stores the seed schema and returns exactly what was saved, in order', async () => {
    const saved = await t.admin.post(V2, SEED_SCHEMA);
    expect(saved.status).toBe(204);
    const read = await t.admin.get(V2);
    expect(read.body).toEqual(SEED_SCHEMA);
    expect(Object.keys(read.body as object)).toEqual(Object.keys(SEED_SCHEMA));
  });

  it('re-types scalars, soft/hard deletes and restores through whole-map saves', async () => {
    const next = {
      ...SEED_SCHEMA,
      metadata_1: { ty: 'variant', hint: 'number' },
      Fruit: { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'varchar' } },
      'Fruit-hard': { ty: 'tombstone', deleted_ty: null },
    };
    expect((await t.admin.post(V2, next)).status).toBe(204);
    const restored = { ...next, Fruit: { ty: 'variant', hint: 'varchar' } };
    expect((await t.admin.post(V2, restored)).status).toBe(204);
    expect((await t.admin.get(V2)).body).toEqual(restored);
  });

  it('rejects a replace that breaks rules with 400, listing every violation, and keeps the old schema', async () => {
    const before = (await t.admin.get(V2)).body as Record<string, unknown>;
    const bad = { ...before } as Record<string, unknown>;
    delete bad.metadata_6; // dropped
    bad['Fruit-hard'] = { ty: 'variant', hint: 'number' }; // hard-deleted revived
    bad['my-enum'] = { ty: 'enum', values: ['enum-value-01'] }; // options removed
    bad['my-test-active-embedding'] = { ty: 'embedding', size: 256, api: null }; // size changed
    bad.keyframes = { ty: 'variant', hint: 'number' }; // reserved name
    const response = await t.admin.post<{
      message: string;
      details: { violations: { key: string; rule: string }[] };
    }>(V2, bad);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/^metadata schema rejected: 5 rules are broken: /);
    expect(response.body.details.violations.map((v) => [v.key, v.rule])).toEqual([
      ['Fruit-hard', 'key.hard_deleted'],
      ['keyframes', 'key.name'],
      ['metadata_6', 'key.dropped'],
      ['my-enum', 'enum.options_removed'],
      ['my-test-active-embedding', 'embedding.size_changed'],
    ]);
    expect((await t.admin.get(V2)).body).toEqual(before);
  });

  it('rejects an unknown type and a non-object body', async () => {
    const unknownType = await t.admin.post<{ message: string }>(V2, { ...SEED_SCHEMA, x: { ty: 'list' } });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.message).toContain('x: unknown type "list"');
    expect((await t.admin.post(V2, ['not', 'a', 'map'])).status).toBe(400);
  });

  it('serves the legacy view and accepts legacy flat dicts', async () => {
    const legacy = await t.admin.get<{
      uuid: string;
      metadataSchema: Record<string, string>;
      organisationId: number;
      createdAt: string;
      updatedAt: string;
    }>(LEGACY);
    expect(legacy.status).toBe(200);
    expect(legacy.body.metadataSchema).toMatchObject({
      metadata_1: 'number',
      metadata_4: 'string',
      metadata_6: 'long_string',
      'my-enum': 'enum',
    });
    expect(legacy.body.metadataSchema).not.toHaveProperty('Fruit-hard');
    expect(legacy.body.organisationId).toBe(1);
    expect(Date.parse(legacy.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(legacy.body.createdAt));

    const flat = {
      ...legacy.body.metadataSchema,
      legacy_1: 'number',
      legacy_2: 'string',
      legacy_4: 'long_string',
    };
    expect((await t.admin.post(LEGACY, flat)).status).toBe(204);
    const v2 = (await t.admin.get(V2)).body as Record<string, unknown>;
    expect(v2.legacy_2).toEqual({ ty: 'variant', hint: 'varchar' });
    expect(v2.legacy_4).toEqual({ ty: 'variant', hint: 'text' });
    expect(v2.metadata_4).toEqual({ ty: 'variant', hint: 'uuid' }); // round trip kept the uuid

    const badLegacy = await t.admin.post<{ message: string }>(LEGACY, { ...flat, nope: 'data type' });
    expect(badLegacy.status).toBe(400);
    expect(badLegacy.body.message).toContain('Got an unexpected data type in schema.');
  });
});
