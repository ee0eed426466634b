import { describe, expect, it } from 'vitest';
import { replaceSchemaFromLegacy, schemaToLegacy } from './legacy-schema.js';
import type { SchemaMap, SchemaTypeObject } from './schema-types.js';

const map = (entries: Record<string, SchemaTypeObject>): SchemaMap => new Map(Object.entries(entries));

describe('legacy flat schema → v2', () => {
  it('maps every legacy name onto a v2 type', () => {
    const result = replaceSchemaFromLegacy(new Map(), {
      legacy_1: 'number',
      legacy_2: 'string',
      legacy_3: 'boolean',
      legacy_4: 'long_string',
      legacy_5: 'datetime',
      legacy_6: 'geospatial',
    });
    expect(result).toEqual({
      ok: true,
      schema: map({
        legacy_1: { ty: 'variant', hint: 'number' },
        legacy_2: { ty: 'variant', hint: 'varchar' },
        legacy_3: { ty: 'variant', hint: 'boolean' },
        legacy_4: { ty: 'variant', hint: 'text' },
        legacy_5: { ty: 'variant', hint: 'datetime' },
        legacy_6: { ty: 'geospatial' },
      }),
    });
  });

  it('keeps the current type of a key that already reads as the posted name', () => {
    const current = map({
      id: { ty: 'variant', hint: 'uuid' },
      e: { ty: 'enum', values: ['a', 'b'] },
      v: { ty: 'embedding', size: 16, api: null },
      n: { ty: 'number', format: 'F32' },
    });
    const result = replaceSchemaFromLegacy(current, { id: 'string', e: 'enum', v: 'embedding', n: 'number' });
    expect(result).toEqual({ ok: true, schema: current });
  });

  it('re-types scalars like the v2 API does', () => {
    const result = replaceSchemaFromLegacy(map({ k: { ty: 'variant', hint: 'number' } }), {
      k: 'long_string',
    });
    expect(result).toEqual({ ok: true, schema: map({ k: { ty: 'variant', hint: 'text' } }) });
  });

  it('refuses a new enum or embedding, which the flat format cannot define', () => {
    const result = replaceSchemaFromLegacy(new Map(), { e: 'enum', v: 'embedding' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.violations).toEqual([
        {
          key: 'e',
          rule: 'legacy.needs_definition',
          message:
            'e: a new enum key cannot be created from the legacy schema, which has no options; use the metadata schema (v2) API',
        },
        {
          key: 'v',
          rule: 'legacy.needs_definition',
          message:
            'v: a new embedding key cannot be created from the legacy schema, which has no size; use the metadata schema (v2) API',
        },
      ]);
    }
  });

  it('rejects unknown type names with the SDK text, and v2-only names too', () => {
    const result = replaceSchemaFromLegacy(new Map(), { a: 'varchar', b: 'text', c: 'data type', d: 3 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.violations.map((v) => v.key)).toEqual(['a', 'b', 'c', 'd']);
      expect(result.violations[0]!.message).toBe(
        'a: Got an unexpected data type in schema. Valid data types are: number, string, boolean, datetime, geospatial, enum, embedding, long_string.',
      );
    }
  });

  it('applies the transition rules: no dropped keys, no re-typed enums, no revived hard deletes', () => {
    const current = map({
      kept: { ty: 'variant', hint: 'number' },
      dropped: { ty: 'variant', hint: 'number' },
      e: { ty: 'enum', values: ['a'] },
      hard: { ty: 'tombstone', deleted_ty: null },
    });
    const result = replaceSchemaFromLegacy(current, { kept: 'number', e: 'string', hard: 'number' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.violations.map((v) => [v.key, v.rule])).toEqual([
        ['dropped', 'key.dropped'],
        ['e', 'type.changed'],
        ['hard', 'key.hard_deleted'],
      ]);
    }
  });

  it('keeps deleted keys, which the flat format cannot express', () => {
    const current = map({
      soft: { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'text' } },
      hard: { ty: 'tombstone', deleted_ty: null },
    });
    expect(replaceSchemaFromLegacy(current, { n: 'number' })).toEqual({
      ok: true,
      schema: map({ ...Object.fromEntries(current), n: { ty: 'variant', hint: 'number' } }),
    });
  });

  it('validates the names of new keys', () => {
    const result = replaceSchemaFromLegacy(new Map(), { 'key frames': 'number' });
    expect(result.ok).toBe(false);
  });

  it('rejects a document that is not an object', () => {
    expect(replaceSchemaFromLegacy(new Map(), ['number']).ok).toBe(false);
    expect(replaceSchemaFromLegacy(new Map(), 'number').ok).toBe(false);
  });
});

describe('v2 → legacy flat schema', () => {
  it('names every live key by its legacy type and leaves deleted keys out', () => {
    const schema = map({
      n: { ty: 'variant', hint: 'number' },
      s: { ty: 'variant', hint: 'varchar' },
      t: { ty: 'variant', hint: 'text' },
      b: { ty: 'variant', hint: 'boolean' },
      d: { ty: 'variant', hint: 'datetime' },
      u: { ty: 'variant', hint: 'uuid' },
      e: { ty: 'enum', values: ['a'] },
      v: { ty: 'embedding', size: 3, api: null },
      g: { ty: 'geospatial' },
      ln: { ty: 'number', format: 'F32' },
      lv: { ty: 'varchar', max_length: 4 },
      who: { ty: 'user' },
      gone: { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } },
    });
    expect(schemaToLegacy(schema)).toEqual({
      n: 'number',
      s: 'string',
      t: 'long_string',
      b: 'boolean',
      d: 'datetime',
      u: 'string',
      e: 'enum',
      v: 'embedding',
      g: 'geospatial',
      ln: 'number',
      lv: 'string',
      who: 'string',
    });
  });

  it('round-trips through the legacy API without changing anything', () => {
    const schema = map({
      u: { ty: 'variant', hint: 'uuid' },
      e: { ty: 'enum', values: ['a'] },
      t: { ty: 'variant', hint: 'text' },
      gone: { ty: 'tombstone', deleted_ty: null },
    });
    expect(replaceSchemaFromLegacy(schema, schemaToLegacy(schema))).toEqual({ ok: true, schema });
  });
});
