import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetadataSchema } from './metadata-schema.js';
import type { EnumTypeObject, SchemaMap, SchemaTypeObject, VariantTypeObject } from './schema-types.js';
import { checkSchemaTransition, replaceSchema } from './schema-transition.js';

const map = (entries: Record<string, SchemaTypeObject>): SchemaMap => new Map(Object.entries(entries));
const rules = (before: SchemaMap, after: SchemaMap) =>
  checkSchemaTransition(before, after).map((v) => [v.key, v.rule]);

const scalar = (hint: VariantTypeObject['hint']): VariantTypeObject => ({
  ty: 'variant',
  hint,
});

describe('checkSchemaTransition', () => {
  it('accepts an identical schema and additions', () => {
    const before = map({ a: scalar('number') });
    expect(rules(before, before)).toEqual([]);
    expect(rules(before, map({ a: scalar('number'), b: { ty: 'geospatial' } }))).toEqual([]);
    expect(rules(new Map(), before)).toEqual([]);
  });

  it('rejects a dropped key, naming it', () => {
    const before = map({ a: scalar('number'), b: scalar('varchar') });
    const violations = checkSchemaTransition(before, map({ a: scalar('number') }));
    expect(violations).toEqual([
      {
        key: 'b',
        rule: 'key.dropped',
        message:
          'b was dropped: keys are never removed from the schema; delete the key instead (a soft delete can be restored)',
      },
    ]);
  });

  it('lets scalars re-type freely and a soft-deleted scalar revive as any scalar', () => {
    expect(rules(map({ a: scalar('number') }), map({ a: scalar('text') }))).toEqual([]);
    expect(
      rules(map({ a: { ty: 'tombstone', deleted_ty: scalar('boolean') } }), map({ a: scalar('uuid') })),
    ).toEqual([]);
  });

  it('never revives a hard-deleted key', () => {
    const before = map({ a: { ty: 'tombstone', deleted_ty: null } });
    expect(rules(before, map({ a: scalar('number') }))).toEqual([['a', 'key.hard_deleted']]);
    expect(rules(before, map({ a: { ty: 'tombstone', deleted_ty: scalar('number') } }))).toEqual([
      ['a', 'key.hard_deleted'],
    ]);
    expect(rules(before, before)).toEqual([]);
  });

  it('allows soft and hard deletes, and restoring the same type', () => {
    const enumType: EnumTypeObject = { ty: 'enum', values: ['a', 'b'] };
    const before = map({ e: enumType });
    expect(rules(before, map({ e: { ty: 'tombstone', deleted_ty: enumType } }))).toEqual([]);
    expect(rules(before, map({ e: { ty: 'tombstone', deleted_ty: null } }))).toEqual([]);
    expect(rules(map({ e: { ty: 'tombstone', deleted_ty: enumType } }), before)).toEqual([]);
  });

  it('keeps enum options append-only, counting duplicates', () => {
    const before = map({ e: { ty: 'enum', values: ['a', 'a', 'b'] } });
    expect(rules(before, map({ e: { ty: 'enum', values: ['a', 'a', 'b', 'c'] } }))).toEqual([]);
    const violations = checkSchemaTransition(before, map({ e: { ty: 'enum', values: ['a', 'c'] } }));
    expect(violations).toEqual([
      {
        key: 'e',
        rule: 'enum.options_removed',
        message: 'e: enum options can only be appended, but ["a","b"] would be removed',
      },
    ]);
    // Also through a soft delete and a restore in one step.
    expect(
      rules(
        map({ e: { ty: 'tombstone', deleted_ty: { ty: 'enum', values: ['a', 'b'] } } }),
        map({ e: { ty: 'enum', values: ['b'] } }),
      ),
    ).toEqual([['e', 'enum.options_removed']]);
  });

  it('never re-types enum, embedding, geospatial or legacy keys', () => {
    const before = map({
      e: { ty: 'enum', values: ['a'] },
      v: { ty: 'embedding', size: 4, api: null },
      g: { ty: 'geospatial' },
      l: { ty: 'number', format: 'F32' },
      s: scalar('varchar'),
    });
    const after = map({
      e: scalar('varchar'),
      v: scalar('varchar'),
      g: { ty: 'enum', values: ['x'] },
      l: { ty: 'number', format: 'F64' },
      s: { ty: 'embedding', size: 4, api: null },
    });
    expect(rules(before, after)).toEqual([
      ['e', 'type.changed'],
      ['g', 'type.changed'],
      ['l', 'type.changed'],
      ['s', 'type.changed'],
      ['v', 'type.changed'],
    ]);
    expect(checkSchemaTransition(before, after).find((v) => v.key === 'e')?.message).toBe(
      'e: cannot change from enum to scalar varchar; only scalar keys (boolean, datetime, number, uuid, varchar, text) may change type',
    );
  });

  it('keeps embedding sizes, but lets the api settings change', () => {
    const before = map({ v: { ty: 'embedding', size: 512, api: null } });
    expect(rules(before, map({ v: { ty: 'embedding', size: 256, api: null } }))).toEqual([
      ['v', 'embedding.size_changed'],
    ]);
    expect(rules(before, map({ v: { ty: 'embedding', size: 512, api: { url: 'http://x' } } }))).toEqual([]);
  });

  it('checks the names of new keys only', () => {
    const before = map({ 'legacy/name': scalar('number') });
    expect(
      rules(
        before,
        map({ 'legacy/name': scalar('text'), keyframes: scalar('number'), $x: scalar('number') }),
      ),
    ).toEqual([
      ['$x', 'key.name'],
      ['keyframes', 'key.name'],
    ]);
  });

  it('lists every violation at once, sorted by key', () => {
    const before = map({
      z: scalar('number'),
      a: { ty: 'tombstone', deleted_ty: null },
      m: { ty: 'enum', values: ['x'] },
    });
    const after = map({
      a: scalar('number'),
      m: { ty: 'enum', values: ['y'] },
      'key.frames': scalar('text'),
    });
    expect(rules(before, after)).toEqual([
      ['a', 'key.hard_deleted'],
      ['key.frames', 'key.name'],
      ['m', 'enum.options_removed'],
      ['z', 'key.dropped'],
    ]);
  });
});

describe('replaceSchema (a POST of the whole v2 map)', () => {
  it('parses, normalises and accepts a valid replace', () => {
    const result = replaceSchema(new Map(), {
      n: { ty: 'variant', hint: 'number' },
      e: { ty: 'enum', values: ['z', 'a'] },
      emb: { ty: 'embedding', size: 512, api: null },
      geo: { ty: 'geospatial' },
      soft: { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } },
      hard: { ty: 'tombstone', deleted_ty: null },
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.schema.get('e')).toEqual({ ty: 'enum', values: ['a', 'z'] });
  });

  it('reports malformed entries once each, and transition violations alongside', () => {
    const current = map({ keep: scalar('number'), gone: scalar('text'), bad: scalar('text') });
    const result = replaceSchema(current, {
      keep: { ty: 'enum', values: ['a'] },
      bad: { ty: 'wat' },
      fresh: { ty: 'embedding', size: 0 },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.violations.map((v) => [v.key, v.rule])).toEqual([
        ['bad', 'type.unknown'],
        ['fresh', 'embedding.size'],
        ['gone', 'key.dropped'],
        ['keep', 'type.changed'],
      ]);
    }
  });

  it('treats null as the empty schema', () => {
    expect(replaceSchema(new Map(), null)).toEqual({ ok: true, schema: new Map() });
    const result = replaceSchema(map({ a: scalar('number') }), null);
    expect(result.ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------
// Property tests: random sequences of schema operations
// ---------------------------------------------------------------------------

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
const SCALAR_NAMES = [
  'number',
  'varchar',
  'text',
  'boolean',
  'datetime',
  'uuid',
  'string',
  'long_string',
] as const;

type Op =
  | { op: 'scalar'; key: string; type: string }
  | { op: 'enum'; key: string; values: string[] }
  | { op: 'enumOptions'; key: string; values: string[] }
  | { op: 'embedding'; key: string; size: number }
  | { op: 'geospatial'; key: string }
  | { op: 'delete'; key: string; hard: boolean }
  | { op: 'restore'; key: string };

const keyArb = fc.constantFrom(...KEYS);
const optionsArb = fc.array(fc.constantFrom('red', 'green', 'blue', 'x', 'y', 'é'), {
  minLength: 1,
  maxLength: 4,
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('scalar' as const), key: keyArb, type: fc.constantFrom(...SCALAR_NAMES) }),
  fc.record({ op: fc.constant('enum' as const), key: keyArb, values: optionsArb }),
  fc.record({ op: fc.constant('enumOptions' as const), key: keyArb, values: optionsArb }),
  fc.record({ op: fc.constant('embedding' as const), key: keyArb, size: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({ op: fc.constant('geospatial' as const), key: keyArb }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb, hard: fc.boolean() }),
  fc.record({ op: fc.constant('restore' as const), key: keyArb }),
);

/** Applies an operation; returns false when the schema refused it (a MetadataSchemaError). */
function apply(schema: MetadataSchema, op: Op): boolean {
  try {
    switch (op.op) {
      case 'scalar':
        schema.addScalar(op.key, op.type);
        break;
      case 'enum':
        schema.addEnum(op.key, op.values);
        break;
      case 'enumOptions':
        schema.addEnumOptions(op.key, op.values);
        break;
      case 'embedding':
        schema.addEmbedding(op.key, op.size);
        break;
      case 'geospatial':
        schema.addGeospatial(op.key);
        break;
      case 'delete':
        schema.deleteKey(op.key, { hard: op.hard });
        break;
      case 'restore':
        schema.restoreKey(op.key);
        break;
    }
    return true;
  } catch {
    return false;
  }
}

/** Runs the operations and returns every schema state, starting with the empty one. */
function states(ops: Op[]): SchemaMap[] {
  const schema = new MetadataSchema();
  const out: SchemaMap[] = [new Map(schema.entries)];
  for (const op of ops) {
    const before = new Map(schema.entries);
    if (apply(schema, op)) out.push(new Map(schema.entries));
    else expect(schema.entries).toEqual(before); // a refused operation changes nothing
  }
  return out;
}

describe('schema operations and the transition check agree (property)', () => {
  it('every operation yields a schema the transition check accepts from the one before', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const all = states(ops);
        for (let i = 1; i < all.length; i++) {
          expect(checkSchemaTransition(all[i - 1]!, all[i]!)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any later state is reachable from any earlier one in a single replace', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.nat(), fc.nat(), (ops, x, y) => {
        const all = states(ops);
        const i = x % all.length;
        const j = i + (y % (all.length - i));
        expect(checkSchemaTransition(all[i]!, all[j]!)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  type Edit = { key: string; rule: string; next: Map<string, SchemaTypeObject> };

  /** Every illegal edit of one key that `schema` allows, with the rule it breaks. */
  function illegalEdits(schema: SchemaMap): Edit[] {
    const edits: Edit[] = [];
    const edit = (key: string, rule: string, change: (next: Map<string, SchemaTypeObject>) => void) => {
      const next = new Map(schema);
      change(next);
      edits.push({ key, rule, next });
    };
    for (const [key, t] of schema) {
      edit(key, 'key.dropped', (next) => next.delete(key));
      if (t.ty === 'tombstone' && t.deleted_ty === null) {
        edit(key, 'key.hard_deleted', (next) => next.set(key, { ty: 'variant', hint: 'number' }));
      }
      const live = t.ty === 'tombstone' ? t.deleted_ty : t;
      if (live?.ty === 'enum') {
        edit(key, 'enum.options_removed', (next) =>
          next.set(key, { ty: 'enum', values: live.values.slice(1).concat('brand-new') }),
        );
      }
      if (live?.ty === 'embedding') {
        edit(key, 'embedding.size_changed', (next) =>
          next.set(key, { ty: 'embedding', size: (live.size % 4096) + 1, api: null }),
        );
      }
      if (live !== null && (live.ty === 'enum' || live.ty === 'embedding' || live.ty === 'geospatial')) {
        edit(key, 'type.changed', (next) => next.set(key, { ty: 'variant', hint: 'varchar' }));
      }
      if (live?.ty === 'variant') {
        edit(key, 'type.changed', (next) => next.set(key, { ty: 'geospatial' }));
      }
    }
    edit('key_frames', 'key.name', (next) => next.set('key_frames', { ty: 'variant', hint: 'number' }));
    edit('$a', 'key.name', (next) => next.set('$a', { ty: 'geospatial' }));
    return edits;
  }

  it('random illegal edits are all rejected, naming the key and rule', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.nat(), (ops, pick) => {
        const all = states(ops);
        const schema = all[all.length - 1]!;
        const edits = illegalEdits(schema);
        const { key, rule, next } = edits[pick % edits.length]!;
        const violations = checkSchemaTransition(schema, next);
        expect(violations.map((v) => [v.key, v.rule])).toEqual([[key, rule]]);
      }),
      { numRuns: 500 },
    );
  });
});
