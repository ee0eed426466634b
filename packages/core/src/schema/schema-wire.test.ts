import { describe, expect, it } from 'vitest';
import {
  compareCodePoints,
  parseSchemaDocument,
  parseSchemaTypeObject,
  schemaToJsonText,
} from './schema-wire.js';

describe('parseSchemaTypeObject', () => {
  it('fills the defaults the SDK models fill', () => {
    expect(parseSchemaTypeObject({ ty: 'variant' })).toEqual({
      ok: true,
      value: { ty: 'variant', hint: 'text' },
    });
    expect(parseSchemaTypeObject({ ty: 'number' })).toEqual({
      ok: true,
      value: { ty: 'number', format: 'F64' },
    });
    expect(parseSchemaTypeObject({ ty: 'varchar' })).toEqual({
      ok: true,
      value: { ty: 'varchar', max_length: 8192 },
    });
    expect(parseSchemaTypeObject({ ty: 'datetime' })).toEqual({
      ok: true,
      value: { ty: 'datetime', timezone: 'UTC' },
    });
    expect(parseSchemaTypeObject({ ty: 'embedding', size: 3 })).toEqual({
      ok: true,
      value: { ty: 'embedding', size: 3, api: null },
    });
    expect(parseSchemaTypeObject({ ty: 'tombstone' })).toEqual({
      ok: true,
      value: { ty: 'tombstone', deleted_ty: null },
    });
  });

  it('drops unknown fields and keeps known embedding api fields', () => {
    expect(parseSchemaTypeObject({ ty: 'geospatial', extra: 1 })).toEqual({
      ok: true,
      value: { ty: 'geospatial' },
    });
    expect(
      parseSchemaTypeObject({
        ty: 'embedding',
        size: 2,
        api: { url: 'http://e', embed_text: true, other: 1 },
      }),
    ).toEqual({ ok: true, value: { ty: 'embedding', size: 2, api: { url: 'http://e', embed_text: true } } });
  });

  it('sorts enum options by code point', () => {
    expect(parseSchemaTypeObject({ ty: 'enum', values: ['b', '𝒳', 'ｚ', 'a'] })).toEqual({
      ok: true,
      value: { ty: 'enum', values: ['a', 'b', 'ｚ', '𝒳'] },
    });
  });

  it.each([
    [{ ty: 'variant', hint: 'float' }, 'type.hint'],
    [{ ty: 'enum', values: [] }, 'enum.min_options'],
    [{ ty: 'enum', values: Array.from({ length: 257 }, (_, i) => `${i}`) }, 'enum.max_options'],
    [{ ty: 'enum', values: ['a', 1] }, 'enum.values'],
    [{ ty: 'embedding', size: 0 }, 'embedding.size'],
    [{ ty: 'embedding', size: 4097 }, 'embedding.size'],
    [{ ty: 'embedding', size: 2.5 }, 'embedding.size'],
    [{ ty: 'embedding', size: 2, api: 'x' }, 'embedding.api'],
    [{ ty: 'embedding', size: 2, api: { url: 3 } }, 'embedding.api'],
    [{ ty: 'number', format: 'F16' }, 'number.format'],
    [{ ty: 'varchar', max_length: 9000 }, 'varchar.max_length'],
    [{ ty: 'datetime', timezone: 'CET' }, 'datetime.timezone'],
    [{ ty: 'tombstone', deleted_ty: { ty: 'tombstone' } }, 'tombstone.deleted_ty'],
    [{ ty: 'tombstone', deleted_ty: { ty: 'nope' } }, 'type.unknown'],
    [{ ty: 'list' }, 'type.unknown'],
    [{}, 'type.unknown'],
    ['number', 'type.object'],
    [null, 'type.object'],
  ])('rejects %j with rule %s', (raw, rule) => {
    const parsed = parseSchemaTypeObject(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rule).toBe(rule);
  });
});

describe('parseSchemaDocument', () => {
  it('reports every bad entry with its key', () => {
    const { schema, violations } = parseSchemaDocument(
      {
        good: { ty: 'geospatial' },
        bad1: { ty: 'x' },
        bad2: { ty: 'embedding', size: -1 },
        'bad name': { ty: 'geospatial' },
        $x: { ty: 'geospatial' },
      },
      { checkKeyNames: true },
    );
    expect([...schema.keys()]).toEqual(['good', 'bad name', '$x']);
    expect(violations.map((v) => [v.key, v.rule])).toEqual([
      ['bad1', 'type.unknown'],
      ['bad2', 'embedding.size'],
      ['$x', 'key.name'],
    ]);
  });

  it('treats null as empty and rejects non-objects', () => {
    expect(parseSchemaDocument(null).schema.size).toBe(0);
    expect(parseSchemaDocument([1]).violations[0]?.rule).toBe('schema.object');
  });
});

describe('schema serialisation', () => {
  it('returns null for an empty schema, as the server does', () => {
    expect(schemaToJsonText(new Map())).toBe('null');
  });

  it('keeps insertion order, even for integer-like keys', () => {
    const schema = new Map([
      ['b', { ty: 'geospatial' as const }],
      ['10', { ty: 'geospatial' as const }],
    ]);
    expect(schemaToJsonText(schema)).toBe('{"b":{"ty":"geospatial"},"10":{"ty":"geospatial"}}');
  });
});

describe('compareCodePoints', () => {
  it('orders by code point, not by UTF-16 unit', () => {
    expect(['𝒳', 'ｚ', 'a', '', 'ab'].sort(compareCodePoints)).toEqual(['', 'a', 'ab', 'ｚ', '𝒳']);
  });
});
