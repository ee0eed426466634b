import { describe, expect, it } from 'vitest';
import { FILTER_OPERATORS } from '../filter/operators.js';
import type { LiveTypeObject } from '../schema/schema-types.js';
import { VARIANT_HINTS } from '../schema/schema-types.js';
import { ValueProblem, type ValueTypeName } from './metadata-type.js';
import { METADATA_TYPES, resolveKeyType, resolveScalarName, valueTypeName } from './type-registry.js';

const ruleOf = (result: unknown): string | undefined =>
  result instanceof ValueProblem ? result.rule : undefined;

describe('METADATA_TYPES: one module per type, keyed by its canonical name', () => {
  it('lists the ten value types', () => {
    expect(Object.keys(METADATA_TYPES).sort()).toEqual([
      'boolean',
      'datetime',
      'embedding',
      'enum',
      'geospatial',
      'number',
      'text',
      'user',
      'uuid',
      'varchar',
    ]);
    for (const [name, type] of Object.entries(METADATA_TYPES)) expect(type.name).toBe(name);
  });

  it('declares only known filter operators, each once, and always exists', () => {
    for (const type of Object.values(METADATA_TYPES)) {
      for (const op of type.operators) expect(FILTER_OPERATORS).toContain(op);
      expect(new Set(type.operators).size).toBe(type.operators.length);
      expect(type.operators).toContain('exists');
    }
  });
});

describe('operators each type declares', () => {
  const ops = (name: ValueTypeName) => METADATA_TYPES[name].operators;

  it('boolean: eq, ne and exists only', () => {
    expect(ops('boolean')).toEqual(['eq', 'ne', 'exists']);
  });

  it('embedding and geospatial: exists only', () => {
    expect(ops('embedding')).toEqual(['exists']);
    expect(ops('geospatial')).toEqual(['exists']);
  });

  it('varchar and text: ordered operators plus contains, startswith and matches', () => {
    for (const name of ['varchar', 'text'] as const) {
      expect(ops(name)).toEqual(
        expect.arrayContaining(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'exists']),
      );
      expect(ops(name)).toEqual(expect.arrayContaining(['contains', 'startswith', 'matches']));
    }
  });

  it('number, datetime, uuid and enum: ordered, without the string operators', () => {
    for (const name of ['number', 'datetime', 'uuid', 'enum'] as const) {
      expect(ops(name)).toEqual(expect.arrayContaining(['eq', 'lt', 'gte', 'between', 'in']));
      for (const op of ['contains', 'startswith', 'matches'] as const) expect(ops(name)).not.toContain(op);
    }
  });

  it('user: equality and membership only', () => {
    expect(ops('user')).toEqual(['eq', 'ne', 'in', 'nin', 'exists']);
  });
});

describe('resolveScalarName: canonical names and legacy aliases', () => {
  it.each(VARIANT_HINTS.map((hint) => [hint]))('resolves %s to itself', (hint) => {
    expect(resolveScalarName(hint)).toBe(hint);
  });

  it('resolves "string" to varchar and "long_string" to text', () => {
    expect(resolveScalarName('string')).toBe('varchar');
    expect(resolveScalarName('long_string')).toBe('text');
  });

  it.each(['enum', 'embedding', 'geospatial', 'user', 'tombstone', 'String', 'VARCHAR', 'float', 'int', ''])(
    'does not resolve %j (not a scalar name; names are case-sensitive)',
    (name) => {
      expect(resolveScalarName(name)).toBeUndefined();
    },
  );
});

describe('resolveKeyType: every type object kind', () => {
  it.each([
    [{ ty: 'variant', hint: 'boolean' }, 'boolean', 'true or false'],
    [{ ty: 'variant', hint: 'datetime' }, 'datetime', expect.stringContaining('ISO 8601')],
    [{ ty: 'variant', hint: 'number' }, 'number', 'a finite number'],
    [{ ty: 'variant', hint: 'uuid' }, 'uuid', expect.stringContaining('UUID')],
    [{ ty: 'variant', hint: 'varchar' }, 'varchar', 'a string of at most 8192 characters'],
    [{ ty: 'variant', hint: 'text' }, 'text', 'a string of at most 1048576 characters'],
    [{ ty: 'enum', values: ['a', 'b'] }, 'enum', 'one of "a", "b"'],
    [{ ty: 'embedding', size: 3, api: null }, 'embedding', 'an array of 3 finite numbers'],
    [{ ty: 'geospatial' }, 'geospatial', expect.stringContaining('latitude')],
    [{ ty: 'number', format: 'F32' }, 'number', 'a finite 32-bit float'],
    [{ ty: 'number', format: 'F64' }, 'number', 'a finite number'],
    [{ ty: 'boolean' }, 'boolean', 'true or false'],
    [{ ty: 'varchar', max_length: 5 }, 'varchar', 'a string of at most 5 characters'],
    [{ ty: 'datetime', timezone: 'UTC' }, 'datetime', expect.stringContaining('ISO 8601')],
    [{ ty: 'text' }, 'text', 'a string of at most 1048576 characters'],
    [{ ty: 'uuid' }, 'uuid', expect.stringContaining('UUID')],
    [{ ty: 'user' }, 'user', 'a user identifier string'],
  ] as [LiveTypeObject, ValueTypeName, unknown][])('resolves %j to %s', (t, name, expected) => {
    const resolved = resolveKeyType(t);
    expect(resolved.type).toBe(METADATA_TYPES[name]);
    expect(resolved.expected).toEqual(expected);
    expect(valueTypeName(t)).toBe(name);
  });

  it('compiles the variant hints with their checks', () => {
    const check = (hint: LiveTypeObject) => resolveKeyType(hint).check;
    expect(check({ ty: 'variant', hint: 'boolean' })(true)).toBe(true);
    expect(check({ ty: 'variant', hint: 'datetime' })('1970-01-01T00:00:01Z')).toBe(1000);
    expect(check({ ty: 'variant', hint: 'number' })(1e39)).toBe(1e39);
    expect(check({ ty: 'variant', hint: 'uuid' })('123E4567-E89B-42D3-A456-426614174ABC')).toBe(
      '123e4567-e89b-42d3-a456-426614174abc',
    );
    expect(check({ ty: 'variant', hint: 'varchar' })('x'.repeat(8192))).toBe('x'.repeat(8192));
    expect(ruleOf(check({ ty: 'variant', hint: 'varchar' })('x'.repeat(8193)))).toBe('varchar.max_length');
    expect(check({ ty: 'variant', hint: 'text' })('x'.repeat(8193))).toBe('x'.repeat(8193));
  });

  it('compiles enum options, embedding size and the geospatial shape', () => {
    const choice = resolveKeyType({ ty: 'enum', values: ['a', 'b'] }).check;
    expect(choice('b')).toBe('b');
    expect(ruleOf(choice('c'))).toBe('enum.option');
    const vector = resolveKeyType({ ty: 'embedding', size: 2, api: { url: 'https://embed.example' } }).check;
    expect(vector([1, 2])).toEqual([1, 2]);
    expect(ruleOf(vector([1, 2, 3]))).toBe('embedding.size');
    const point = resolveKeyType({ ty: 'geospatial' }).check;
    expect(ruleOf(point({ latitude: 91, longitude: 0 }))).toBe('geospatial.range');
  });

  it('compiles legacy number F32 narrower than F64', () => {
    const f32 = resolveKeyType({ ty: 'number', format: 'F32' }).check;
    const f64 = resolveKeyType({ ty: 'number', format: 'F64' }).check;
    expect(f32(3.4e38)).toBe(3.4e38);
    expect(ruleOf(f32(3.5e38))).toBe('number.finite');
    expect(f64(3.5e38)).toBe(3.5e38);
  });

  it('compiles legacy varchar{max_length: 5} with its own limit', () => {
    const check = resolveKeyType({ ty: 'varchar', max_length: 5 }).check;
    expect(check('12345')).toBe('12345');
    expect(ruleOf(check('123456'))).toBe('varchar.max_length');
  });

  it('compiles the other legacy kinds like their variants', () => {
    expect(resolveKeyType({ ty: 'boolean' }).check(false)).toBe(false);
    expect(resolveKeyType({ ty: 'datetime', timezone: 'UTC' }).check('1970-01-02')).toBe(86_400_000);
    expect(resolveKeyType({ ty: 'text' }).check('long text')).toBe('long text');
    expect(resolveKeyType({ ty: 'uuid' }).check('FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF')).toBe(
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    );
    const user = resolveKeyType({ ty: 'user' }).check;
    expect(user('ana@example.com')).toBe('ana@example.com');
    expect(ruleOf(user(''))).toBe('user.type');
  });
});
