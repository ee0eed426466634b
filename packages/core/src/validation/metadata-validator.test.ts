import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import { valueTypeName } from '../types/type-registry.js';
import { compileMetadataValidator, type MetadataValidation } from './metadata-validator.js';

/** A realistic schema: every value type, v2 variants and legacy strict kinds. */
const ENTRIES = {
  reviewed: { ty: 'variant', hint: 'boolean' },
  captured_at: { ty: 'variant', hint: 'datetime' },
  score: { ty: 'variant', hint: 'number' },
  source_id: { ty: 'variant', hint: 'uuid' },
  camera: { ty: 'variant', hint: 'varchar' },
  transcript: { ty: 'variant', hint: 'text' },
  split: { ty: 'enum', values: ['test', 'train', 'val'] },
  clip_embedding: { ty: 'embedding', size: 4, api: null },
  location: { ty: 'geospatial' },
  legacy_confidence: { ty: 'number', format: 'F32' },
  legacy_tag: { ty: 'varchar', max_length: 5 },
  annotator: { ty: 'user' },
} as const satisfies Record<string, SchemaTypeObject>;

type SchemaKey = keyof typeof ENTRIES;
const SCHEMA_KEYS = Object.keys(ENTRIES) as SchemaKey[];
const SCHEMA: SchemaMap = new Map<string, SchemaTypeObject>(Object.entries(ENTRIES));

/** The same schema with a soft-deleted and a hard-deleted key. */
const WITH_DELETED: SchemaMap = new Map<string, SchemaTypeObject>([
  ...SCHEMA,
  ['old_score', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
  ['retired', { ty: 'tombstone', deleted_ty: null }],
]);

const validator = compileMetadataValidator(SCHEMA);
const strictValidator = compileMetadataValidator(SCHEMA, { strict: true });

const CAPTURED_AT = '2024-05-01T14:30:00.250+02:00';
const SOURCE_ID = '123E4567-E89B-42D3-A456-426614174000';

function validDocument(): Record<string, unknown> {
  return {
    reviewed: true,
    captured_at: CAPTURED_AT,
    score: 0.875,
    source_id: SOURCE_ID,
    camera: 'front-left 📷',
    transcript: 'The car turns left at the junction.\nA cyclist waits.',
    split: 'train',
    clip_embedding: [0.1, -0.2, 0.3, 0],
    location: { latitude: 51.5072, longitude: -0.1276 },
    legacy_confidence: 0.5,
    legacy_tag: 'night',
    annotator: 'ana@example.com',
    keyframes: [0, 12, 48],
    notes: 'not in the schema: kept, untyped',
  };
}

const keysAndRules = (result: MetadataValidation) => result.problems.map((p) => [p.key, p.rule]);

describe('a fully valid document', () => {
  it('is ok with no problems', () => {
    const result = validator.validate(validDocument());
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('puts the normalised value of every live typed key in `typed`, and nothing else', () => {
    const doc = validDocument();
    const { typed } = validator.validate(doc);
    expect([...typed.keys()]).toEqual(SCHEMA_KEYS);
    expect(typed.get('captured_at')).toBe(Date.UTC(2024, 4, 1, 12, 30, 0, 250));
    expect(typed.get('source_id')).toBe('123e4567-e89b-42d3-a456-426614174000');
    expect(typed.get('reviewed')).toBe(true);
    expect(typed.get('score')).toBe(0.875);
    expect(typed.get('camera')).toBe('front-left 📷');
    expect(typed.get('split')).toBe('train');
    expect(typed.get('clip_embedding')).toEqual([0.1, -0.2, 0.3, 0]);
    expect(typed.get('location')).toEqual({ latitude: 51.5072, longitude: -0.1276 });
    expect(typed.get('legacy_tag')).toBe('night');
    expect(typed.get('annotator')).toBe('ana@example.com');
    expect(typed.has('keyframes')).toBe(false);
    expect(typed.has('notes')).toBe(false);
  });

  it('does not mutate the document (the stored document stays exactly as written)', () => {
    const doc = validDocument();
    const before = structuredClone(doc);
    const result = validator.validate(deepFreeze(doc)); // a write to a frozen object throws in ESM
    expect(result.ok).toBe(true);
    expect(doc).toEqual(before);
    expect(doc.source_id).toBe(SOURCE_ID);
    expect(doc.captured_at).toBe(CAPTURED_AT);
  });

  it('gives the same answer every time (a compiled validator keeps no state)', () => {
    const first = validator.validate(validDocument());
    validator.validate({ score: 'bad' });
    expect(validator.validate(validDocument())).toEqual(first);
  });

  it('accepts an empty document', () => {
    expect(validator.validate({})).toEqual({ ok: true, problems: [], typed: new Map() });
  });
});

describe('a document with several bad keys', () => {
  const bad = {
    reviewed: 'yes',
    captured_at: '2024-05-01T14:30:00',
    score: 3,
    source_id: 'not-a-uuid',
    camera: 42,
    split: 'Train',
    clip_embedding: [1, 2, 3],
    location: { lat: 51.5, lng: -0.12 },
    legacy_confidence: 1e39,
    legacy_tag: 'sunset',
    annotator: '',
    keyframes: [3, 3],
    transcript: 'fine',
  };

  it('reports every problem, in document order, with its key and rule', () => {
    const result = validator.validate(bad);
    expect(result.ok).toBe(false);
    expect(keysAndRules(result)).toEqual([
      ['reviewed', 'boolean.type'],
      ['captured_at', 'datetime.format'],
      ['source_id', 'uuid.format'],
      ['camera', 'varchar.type'],
      ['split', 'enum.option'],
      ['clip_embedding', 'embedding.size'],
      ['location', 'geospatial.field'],
      ['legacy_confidence', 'number.finite'],
      ['legacy_tag', 'varchar.max_length'],
      ['annotator', 'user.type'],
      ['keyframes', 'keyframes.distinct'],
    ]);
  });

  it('prefixes each message with its key, then says what was expected and what came', () => {
    const messages = new Map(validator.validate(bad).problems.map((p) => [p.key, p.message]));
    for (const [key, message] of messages)
      expect(message.startsWith(`key ${JSON.stringify(key)}: `)).toBe(true);
    expect(messages.get('reviewed')).toBe('key "reviewed": expected true or false, got a string');
    expect(messages.get('camera')).toBe('key "camera": expected a string, got a number');
    expect(messages.get('legacy_tag')).toBe(
      'key "legacy_tag": expected at most 5 characters, got a string of 6',
    );
    expect(messages.get('split')).toBe(
      'key "split": "Train" is not an option of this enum (options: "test", "train", "val")',
    );
    expect(messages.get('captured_at')).toContain('got "2024-05-01T14:30:00"');
  });

  it('still types the good keys', () => {
    const { typed } = validator.validate(bad);
    expect(typed).toEqual(
      new Map<string, unknown>([
        ['score', 3],
        ['transcript', 'fine'],
      ]),
    );
  });
});

describe('the reserved keyframes key', () => {
  it.each([
    ['an empty array', []],
    ['distinct frames', [0, 5, 120]],
    ['unsorted distinct frames', [120, 5, 0]],
    ['the largest safe integer', [Number.MAX_SAFE_INTEGER]],
    ['null (no value)', null],
  ])('accepts %s', (_label, keyframes) => {
    expect(validator.validate({ keyframes })).toEqual({ ok: true, problems: [], typed: new Map() });
  });

  it.each([
    ['a negative frame', [1, -1], 'element 1 is -1'],
    ['a fractional frame', [1.5], 'element 0 is 1.5'],
    ['a numeric string', ['3'], 'element 0 is "3"'],
    ['null inside', [1, null], 'element 1 is null'],
    ['an unsafe integer', [Number.MAX_SAFE_INTEGER + 1], 'element 0 is 9007199254740992'],
    ['NaN', [Number.NaN], 'element 0 is NaN'],
  ])('rejects %s with keyframes.format, naming the element', (_label, keyframes, detail) => {
    const result = validator.validate({ keyframes });
    expect(keysAndRules(result)).toEqual([['keyframes', 'keyframes.format']]);
    expect(result.problems[0]!.message).toBe(
      `key "keyframes": "keyframes" must hold non-negative integers (frame numbers), but ${detail}`,
    );
  });

  it.each([
    ['a number, not an array', 3],
    ['a string', '0,12,48'],
    ['an object', { 0: 0 }],
  ])('rejects %s with keyframes.format', (_label, keyframes) => {
    const result = validator.validate({ keyframes });
    expect(keysAndRules(result)).toEqual([['keyframes', 'keyframes.format']]);
    expect(result.problems[0]!.message).toMatch(
      /^key "keyframes": "keyframes" must be an array of distinct non-negative integers \(frame numbers\), got /,
    );
  });

  it('names the kind that came when it is not an array', () => {
    expect(validator.validate({ keyframes: 'x' }).problems[0]!.message).toMatch(/got a string$/);
  });

  it('rejects a repeated frame with keyframes.distinct', () => {
    const result = validator.validate({ keyframes: [0, 12, 0] });
    expect(keysAndRules(result)).toEqual([['keyframes', 'keyframes.distinct']]);
    expect(result.problems[0]!.message).toBe('key "keyframes": "keyframes" repeats frame 0');
  });

  it('is checked in strict mode too, and is never an unknown key', () => {
    expect(strictValidator.validate({ keyframes: [1, 2] }).ok).toBe(true);
    expect(keysAndRules(strictValidator.validate({ keyframes: [-1] }))).toEqual([
      ['keyframes', 'keyframes.format'],
    ]);
  });

  it('is checked against an empty schema', () => {
    const empty = compileMetadataValidator(new Map());
    expect(keysAndRules(empty.validate({ keyframes: [2, 2] }))).toEqual([
      ['keyframes', 'keyframes.distinct'],
    ]);
  });
});

describe('keys not in the schema', () => {
  const doc = { score: 1, notes: 'free text', extra: { nested: [1, 2] }, constructor: 'x', toString: 5 };

  it('are kept untyped by default', () => {
    expect(validator.strict).toBe(false);
    const result = validator.validate(doc);
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect([...result.typed.keys()]).toEqual(['score']);
  });

  it('are each rejected with schema.unknown_key in strict mode', () => {
    expect(strictValidator.strict).toBe(true);
    const result = strictValidator.validate(doc);
    expect(result.ok).toBe(false);
    expect(keysAndRules(result)).toEqual([
      ['notes', 'schema.unknown_key'],
      ['extra', 'schema.unknown_key'],
      ['constructor', 'schema.unknown_key'],
      ['toString', 'schema.unknown_key'],
    ]);
    expect(result.problems[0]!.message).toBe('key "notes" is not in the metadata schema (strict mode)');
    expect([...result.typed.keys()]).toEqual(['score']);
  });

  it('are reported alongside value problems in strict mode, in document order', () => {
    const result = strictValidator.validate({ notes: 'x', score: 'high', keyframes: 1 });
    expect(keysAndRules(result)).toEqual([
      ['notes', 'schema.unknown_key'],
      ['score', 'number.type'],
      ['keyframes', 'keyframes.format'],
    ]);
  });

  it('are not rejected in strict mode when their value is null (no value)', () => {
    expect(strictValidator.validate({ notes: null }).ok).toBe(true);
  });

  it('explicit strict: false is the default', () => {
    expect(compileMetadataValidator(SCHEMA, { strict: false }).validate(doc).ok).toBe(true);
  });
});

describe('deleted (tombstoned) keys', () => {
  const deletedValidator = compileMetadataValidator(WITH_DELETED);
  const strictDeleted = compileMetadataValidator(WITH_DELETED, { strict: true });
  const doc = { score: 2, old_score: 'no longer a number', retired: { anything: [true] } };

  it('keep their values, neither validated nor typed (soft and hard delete)', () => {
    for (const v of [deletedValidator, strictDeleted]) {
      const result = v.validate(doc);
      expect(result.ok).toBe(true);
      expect(result.problems).toEqual([]);
      expect(result.typed.has('old_score')).toBe(false);
      expect(result.typed.has('retired')).toBe(false);
      expect([...result.typed.keys()]).toEqual(['score']);
    }
  });

  it('accept a value that would have been valid, still without typing it', () => {
    const result = deletedValidator.validate({ old_score: 7 });
    expect(result.ok).toBe(true);
    expect(result.typed.size).toBe(0);
  });
});

describe('null values', () => {
  it('mean "no value" for every schema key: never an error, never typed', () => {
    const doc = Object.fromEntries(SCHEMA_KEYS.map((k) => [k, null]));
    for (const v of [validator, strictValidator]) {
      expect(v.validate(doc)).toEqual({ ok: true, problems: [], typed: new Map() });
    }
  });

  it('leave the other keys checked as usual', () => {
    const result = validator.validate({ reviewed: null, score: 'x', camera: 'rear' });
    expect(keysAndRules(result)).toEqual([['score', 'number.type']]);
    expect([...result.typed]).toEqual([['camera', 'rear']]);
  });
});

describe('a document that is not an object', () => {
  it.each([
    ['an array', [{ score: 1 }], 'an array'],
    ['a string', '{"score": 1}', 'a string'],
    ['null', null, 'null'],
    ['a number', 1, 'a number'],
    ['a boolean', true, 'a boolean'],
    ['undefined', undefined, 'undefined'],
  ])('is one problem with rule metadata.object: %s', (_label, document, kind) => {
    for (const v of [validator, strictValidator]) {
      const result = v.validate(document);
      expect(result).toEqual({
        ok: false,
        problems: [
          { key: '', rule: 'metadata.object', message: `clientMetadata must be a JSON object, got ${kind}` },
        ],
        typed: new Map(),
      });
    }
  });
});

// ---------------------------------------------------------------------------------------
// Properties over generated documents
// ---------------------------------------------------------------------------------------

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const instant = fc.date({
  min: new Date('1000-01-02T00:00:00Z'),
  max: new Date('9999-12-30T23:59:59.999Z'),
  noInvalidDate: true,
});
const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

/** An ISO string for the instant, either in UTC or seen from a ±HH:MM zone. */
const isoDatetime = fc.tuple(instant, fc.option(offsetMinutes)).map(([date, offset]) => {
  if (offset === null) return date.toISOString();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
});

/** A valid value for each schema key. */
const VALID_VALUE: { [K in SchemaKey]: fc.Arbitrary<unknown> } = {
  reviewed: fc.boolean(),
  captured_at: isoDatetime,
  score: finite,
  source_id: fc.mixedCase(fc.uuid()),
  camera: fc.string({ unit: 'grapheme', maxLength: 40 }),
  transcript: fc.string({ unit: 'binary', maxLength: 200 }),
  split: fc.constantFrom('test', 'train', 'val'),
  clip_embedding: fc.array(finite, { minLength: 4, maxLength: 4 }),
  location: fc.record({
    latitude: fc.double({ min: -90, max: 90, noNaN: true }),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }),
  }),
  legacy_confidence: fc.float({ noNaN: true, noDefaultInfinity: true }),
  legacy_tag: fc.string({ unit: 'binary', maxLength: 5 }),
  annotator: fc.oneof(fc.emailAddress(), fc.string({ minLength: 1 })),
};

/** Any subset of the schema keys, each with a valid value or null, plus keyframes and an untyped key. */
const fittingDocument: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    ...Object.fromEntries(
      SCHEMA_KEYS.map((k) => [k, fc.option(VALID_VALUE[k], { nil: null, freq: 5 })] as const),
    ),
    keyframes: fc.option(fc.uniqueArray(fc.nat(), { maxLength: 10 }), { nil: null }),
    notes: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** The JSON kind each key's values have; any other kind is wrong for it. */
const KIND: Record<SchemaKey, JsonKind> = {
  reviewed: 'boolean',
  captured_at: 'string',
  score: 'number',
  source_id: 'string',
  camera: 'string',
  transcript: 'string',
  split: 'string',
  clip_embedding: 'array',
  location: 'object',
  legacy_confidence: 'number',
  legacy_tag: 'string',
  annotator: 'string',
};
type JsonKind = 'boolean' | 'number' | 'string' | 'array' | 'object';
const VALUE_OF_KIND: Record<JsonKind, fc.Arbitrary<unknown>> = {
  boolean: fc.boolean(),
  number: finite,
  string: fc.string(),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  object: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
};
const ALL_KINDS = Object.keys(VALUE_OF_KIND) as JsonKind[];

/** A key and a value of a JSON kind that key never takes. */
const wrongKind = fc.constantFrom(...SCHEMA_KEYS).chain((key) =>
  fc
    .constantFrom(...ALL_KINDS.filter((kind) => kind !== KIND[key]))
    .chain((kind) => VALUE_OF_KIND[kind])
    .map((value) => ({ key, value })),
);

describe('properties of generated documents', () => {
  it('a document that fits the schema is ok, and `typed` holds exactly its present non-null schema keys', () => {
    fc.assert(
      fc.property(fittingDocument, (doc) => {
        const result = validator.validate(doc);
        expect(result.problems).toEqual([]);
        expect(result.ok).toBe(true);
        const expectedKeys = Object.keys(doc).filter((k) => SCHEMA.has(k) && doc[k] !== null);
        expect([...result.typed.keys()]).toEqual(expectedKeys);
        if (typeof doc.captured_at === 'string') {
          expect(result.typed.get('captured_at')).toBe(Date.parse(doc.captured_at));
        }
        if (typeof doc.source_id === 'string') {
          expect(result.typed.get('source_id')).toBe(doc.source_id.toLowerCase());
        }
      }),
    );
  });

  it('replacing one key of a fitting document by a value of the wrong JSON kind reports exactly that key', () => {
    fc.assert(
      fc.property(fittingDocument, wrongKind, (doc, { key, value }) => {
        const broken = { ...doc, [key]: value };
        const result = validator.validate(broken);
        expect(result.ok).toBe(false);
        expect(keysAndRules(result)).toEqual([[key, `${valueTypeName(ENTRIES[key])}.type`]]);
        expect(result.typed.has(key)).toBe(false);
      }),
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
