import fc from 'fast-check';
import { BUILTIN_OPERATORS, ITEM_TYPE_NAMES } from '../filter/filter-binding.js';
import type { FilterAtom, FilterLiteral, FilterNode } from '../filter/filter-ast.js';
import type { EvaluableItem } from '../filter/filter-evaluator.js';
import { SORTABLE_BUILTINS, type SortSpec } from '../filter/filter-sort.js';
import { FILTER_OPERATORS, type FilterOperator } from '../filter/operators.js';
import { isValidMetadataKey } from '../schema/key-name.js';
import {
  isTombstone,
  VARIANT_HINTS,
  type LiveTypeObject,
  type SchemaMap,
  type SchemaTypeObject,
} from '../schema/schema-types.js';
import { sortCodePoints } from '../schema/schema-wire.js';
import { resolveKeyType, valueTypeName } from '../types/type-registry.js';

/**
 * fast-check arbitraries for filters, documents, schemas and sorts, shared by the core's
 * property tests and the server's differential test (HTTP results against the in-memory
 * evaluator). Everything is deterministic under a seed. Documents and filter literals
 * draw from the same small pools, so filters match some items and miss others instead
 * of missing everything.
 *
 * Every generated string is well-formed UTF-16 without U+0000, and every document is
 * JSON-safe (no NaN, no infinities, no -0, no undefined), so it survives HTTP as is.
 */

// ---------------------------------------------------------------------------------
// Pools

/** Words for text values and `matches`: several scripts, case pairs, combining marks. */
export const SAMPLE_WORDS: readonly string[] = [
  'rain',
  'Rain',
  'RAIN',
  'snow',
  'sunny',
  'car',
  'cars',
  'night',
  'Straße',
  'strasse',
  'İstanbul',
  'istanbul',
  'café',
  'cafe\u0301',
  'naïve',
  'Ωmega',
  'ωmega',
  'ΣΊΣΥΦΟΣ',
  '日本',
  '東京',
  'Москва',
  'москва',
  'x1',
  '42',
  '٣',
  'ﬁsh',
];

/** Strings for varchar, user, enum options and `$name`: edges of code-point order included. */
export const SAMPLE_STRINGS: readonly string[] = [
  ...SAMPLE_WORDS,
  ' ',
  'a',
  'A',
  'ab',
  'abc',
  'ABC',
  'b',
  'z',
  'Z',
  '\u{1F600}',
  '\uFFFF',
  '\u{1F600}a',
  '\uFFFFa',
  '\u{10FFFF}',
  'e\u0301',
  'é',
  'ß',
  'SS',
  '10',
  '9',
  '-1',
  'a b',
  'a,b',
  'x"y',
  'back\\slash',
  'tab\tx',
  'line\nbreak',
  '`tick`',
  "O'Brien",
  '\u{1F600}\u{1F600}',
  'null',
  'true',
  'sunny day in 東京',
];

/** Finite, JSON-safe numbers, with float and magnitude edges. */
export const SAMPLE_NUMBERS: readonly number[] = [
  0,
  1,
  -1,
  0.5,
  1.5,
  2,
  10,
  10.5,
  100,
  -2.25,
  1e-7,
  123456789,
  1e21,
  -1e21,
  2 ** 53,
  0.1 + 0.2,
  0.3,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
];

/** ISO 8601 spellings, several of them of the same instant. */
export const SAMPLE_DATETIMES: readonly string[] = [
  '2024-05-01',
  '2024-05-01T00:00:00Z',
  '2024-05-01T02:00:00+02:00',
  '2024-04-30T19:00:00-05:00',
  '2024-05-01T12:30:00Z',
  '2024-05-01T12:30:00.5Z',
  '2024-05-01T12:30:00.123456Z',
  '2024-05-01 14:30+02',
  '2024-05-01t12:30:00.001z',
  '2024-02-29T23:59:59.999+0000',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '2000-01-01',
  '1999-12-31T23:00:00-01:00',
  '0001-01-01',
  '9999-12-31T23:59:59Z',
  '2030-06-15T08:00:00+05:30',
];

/** UUIDs shared by documents and filters (written in random case where used). */
export const SAMPLE_UUIDS: readonly string[] = [
  '123e4567-e89b-42d3-a456-426614174000',
  '123e4567-e89b-42d3-a456-426614174001',
  'c9bf9e57-1685-4c89-bafb-ff5af830be8a',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
  '00000000-0000-0000-0000-000000000000',
  '01890a5d-ac96-774b-bcce-b302099a8057',
];

/** Keys that schemas from `arbSchema` never define: filters on them bind to "never". */
export const EXTRA_KEYS: readonly string[] = ['extra', 'old key', 'größe2', 'Extra-9'];

/** Item names for `$name`. */
export const SAMPLE_NAMES: readonly string[] = [
  ...SAMPLE_STRINGS,
  'image_001.jpg',
  'IMG_0002.JPG',
  'frame 10.png',
  '日本.png',
  '\u{1F600}.gif',
];

const LONE_SURROGATE = /\p{Cs}/u;
/** Well-formed (no lone surrogates) and free of U+0000. */
const isSafeText = (text: string): boolean => !text.includes('\u0000') && !LONE_SURROGATE.test(text);

const MIN_INSTANT = Date.UTC(1950, 0, 1);
const MAX_INSTANT = Date.UTC(2050, 0, 1);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `ms` written at a UTC offset of `offsetMinutes`, e.g. `2024-05-01T14:30:00.000+02:00`. */
export function isoAtOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// ---------------------------------------------------------------------------------
// Values

const arbText = (): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...SAMPLE_STRINGS), weight: 6 },
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...SAMPLE_STRINGS), fc.constantFrom(...SAMPLE_STRINGS))
        .map(([a, b]) => a + b),
      weight: 2,
    },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).filter(isSafeText), weight: 1 },
  );

const SEPARATORS = [' ', ', ', '. ', '-', '\n', '!? ', ' (', ') '];

/** A sentence of sample words, for text values. */
const arbSentence = (): fc.Arbitrary<string> =>
  fc
    .array(fc.tuple(fc.constantFrom(...SAMPLE_WORDS), fc.constantFrom(...SEPARATORS)), { maxLength: 6 })
    .map((parts) =>
      parts
        .map(([word, sep]) => word + sep)
        .join('')
        .trim(),
    );

/** A random case change: as is, lower, upper. */
const arbRecase = (text: string): fc.Arbitrary<string> =>
  fc.constantFrom(text, text.toLowerCase(), text.toUpperCase());

const arbNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...SAMPLE_NUMBERS), weight: 4 },
    { arbitrary: fc.integer({ min: -50, max: 50 }), weight: 3 },
    {
      arbitrary: fc
        .double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true })
        .map((n) => (Object.is(n, -0) ? 0 : n)),
      weight: 2,
    },
  );

/** An epoch-ms instant, often one of the sample datetimes. */
export const arbInstant = (): fc.Arbitrary<number> =>
  fc.oneof(
    {
      arbitrary: fc.constantFrom(
        Date.UTC(2024, 4, 1),
        Date.UTC(2024, 4, 1, 12, 30),
        Date.UTC(1970, 0, 1),
        Date.UTC(2000, 0, 1),
      ),
      weight: 1,
    },
    { arbitrary: fc.integer({ min: MIN_INSTANT, max: MAX_INSTANT }), weight: 2 },
  );

const OFFSETS = [0, 0, 60, -60, 120, -300, 330, 345, -720, 840];

const arbDatetime = (): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...SAMPLE_DATETIMES), weight: 3 },
    {
      arbitrary: fc
        .tuple(arbInstant(), fc.constantFrom(...OFFSETS))
        .map(([ms, offset]) => isoAtOffset(ms, offset)),
      weight: 2,
    },
  );

const arbUuid = (): fc.Arbitrary<string> =>
  fc
    .oneof({ arbitrary: fc.constantFrom(...SAMPLE_UUIDS), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 })
    .chain(arbRecase);

const arbEmbedding = (size: number): fc.Arbitrary<number[]> =>
  fc.array(
    fc.integer({ min: -100, max: 100 }).map((n) => n / 8),
    { minLength: size, maxLength: size },
  );

const arbPoint = (): fc.Arbitrary<{ latitude: number; longitude: number }> =>
  fc.record({
    latitude: fc.integer({ min: -90_000, max: 90_000 }).map((n) => n / 1000),
    longitude: fc.integer({ min: -180_000, max: 180_000 }).map((n) => n / 1000),
  });

/** A value that fits a live type. */
export function arbValidValue(type: LiveTypeObject): fc.Arbitrary<unknown> {
  switch (type.ty) {
    case 'enum':
      return fc.constantFrom(...type.values);
    case 'embedding':
      return arbEmbedding(type.size);
    case 'geospatial':
      return arbPoint();
    case 'varchar':
      // Legacy strict varchar: also longer strings, which are leftovers for it.
      return arbText();
    default:
      break;
  }
  switch (valueTypeName(type)) {
    case 'number':
      return arbNumber();
    case 'boolean':
      return fc.boolean();
    case 'datetime':
      return arbDatetime();
    case 'uuid':
      return arbUuid();
    case 'text':
      return fc.oneof(arbSentence(), arbText());
    case 'user':
      return arbText().filter((s) => s !== '');
    default:
      return arbText();
  }
}

/**
 * A value that does not fit a live type: what is left in documents after the key's type
 * changed (a string in a number key, an option the enum lacks, a local time, …), or any
 * other JSON value.
 */
export function arbLeftoverValue(type: LiveTypeObject): fc.Arbitrary<unknown> {
  const generic = fc.oneof(
    arbNumber(),
    fc.boolean(),
    arbText(),
    fc.constantFrom<unknown>([], [1, 'a'], {}, { a: 1 }, ['rain']),
  );
  const specific = ((): fc.Arbitrary<unknown> => {
    switch (type.ty) {
      case 'enum': {
        // Chosen up front rather than with fc.filter, which would spin forever when
        // every candidate is an option.
        const options = new Set(type.values);
        const candidates = [...SAMPLE_STRINGS, ...type.values.flatMap((o) => [o.toUpperCase(), `${o} `])];
        const outside = [...new Set(candidates)].filter((c) => !options.has(c));
        return outside.length > 0 ? fc.constantFrom(...outside) : fc.constant(42);
      }
      case 'embedding':
        return fc.oneof(
          arbEmbedding(type.size + 1),
          fc.constant(['not', 'numbers'].slice(0, type.size)),
          fc.constant('vector'),
        );
      case 'geospatial':
        return fc.constantFrom<unknown>(
          { lat: 1, lng: 2 },
          { latitude: 91, longitude: 0 },
          { latitude: '1', longitude: 2 },
          { latitude: 1, longitude: 2, altitude: 3 },
          [1, 2],
        );
      default:
        break;
    }
    switch (valueTypeName(type)) {
      case 'number':
        return fc.oneof(fc.constantFrom('10', 'fast', '1e3'), arbDatetime());
      case 'boolean':
        return fc.constantFrom<unknown>('true', 'false', 1, 0);
      case 'datetime':
        return fc.constantFrom<unknown>(
          'yesterday',
          '2024-13-01',
          '2024-02-30',
          '2024-05-01T12:00',
          '2024-05-01T12:00:00',
          1714521600000,
        );
      case 'uuid':
        return fc.constantFrom<unknown>(
          'not-a-uuid',
          '123e4567e89b42d3a456426614174000',
          '123e4567-e89b-42d3-c456-426614174000',
          42,
        );
      case 'user':
        return fc.constantFrom<unknown>('', 7);
      default:
        return fc.oneof(arbNumber(), fc.boolean());
    }
  })();
  return fc.oneof({ arbitrary: specific, weight: 3 }, { arbitrary: generic, weight: 1 });
}

// ---------------------------------------------------------------------------------
// Schemas

export interface ArbSchemaOptions {
  /** Fewest live keys (default 3). */
  readonly minKeys?: number;
  /** Most live keys (default 10). */
  readonly maxKeys?: number;
  /** Also the legacy strict kinds a migrated server may hold; clients cannot create them (default false). */
  readonly legacy?: boolean;
  /** Also 0–2 deleted keys (default false). */
  readonly tombstones?: boolean;
}

const KEY_NAMES: readonly string[] = [
  'speed',
  'weather',
  'night',
  'caption',
  'camera model',
  'in',
  'and',
  'Not',
  'größe',
  '日本語 キー',
  'ключ',
  'x.y-z',
  '_1',
  '42',
  'Ünïcödé',
  'a b  c',
  'constructor',
  'toString',
];

/** A valid metadata key name: ASCII, unicode letters, spaces and separators. */
export const arbKeyName = (): fc.Arbitrary<string> =>
  fc
    .oneof(
      { arbitrary: fc.constantFrom(...KEY_NAMES), weight: 2 },
      { arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), weight: 2 },
      {
        arbitrary: fc.string({
          unit: fc.constantFrom('α', 'β', 'é', '日', '本', 'Ж', 'a', 'Z', '7', ' ', '-', '.', '_'),
          minLength: 1,
          maxLength: 6,
        }),
        weight: 1,
      },
    )
    .filter((key) => isValidMetadataKey(key) && !EXTRA_KEYS.includes(key));

const arbEnumOptions = (): fc.Arbitrary<string[]> =>
  fc
    .uniqueArray(
      arbText().filter((s) => s !== ''),
      { minLength: 1, maxLength: 5 },
    )
    .map(sortCodePoints);

/** A live type a client can create: a scalar, an enum, an embedding or geospatial. */
export function arbLiveType(legacy = false): fc.Arbitrary<LiveTypeObject> {
  const types: fc.Arbitrary<LiveTypeObject>[] = [
    ...VARIANT_HINTS.map((hint) => fc.constant<LiveTypeObject>({ ty: 'variant', hint })),
    arbEnumOptions().map((values): LiveTypeObject => ({ ty: 'enum', values })),
    fc.integer({ min: 1, max: 4 }).map((size): LiveTypeObject => ({ ty: 'embedding', size, api: null })),
    fc.constant<LiveTypeObject>({ ty: 'geospatial' }),
  ];
  if (legacy) {
    types.push(
      fc.constantFrom<LiveTypeObject>(
        { ty: 'number', format: 'F32' },
        { ty: 'varchar', max_length: 3 },
        { ty: 'user' },
        { ty: 'text' },
        { ty: 'datetime', timezone: 'UTC' },
      ),
    );
  }
  return fc.oneof(...types);
}

/** A schema of 3–10 live keys of every type (see the options for legacy kinds and deleted keys). */
export function arbSchema(options: ArbSchemaOptions = {}): fc.Arbitrary<Map<string, SchemaTypeObject>> {
  const minKeys = options.minKeys ?? 3;
  const maxKeys = options.maxKeys ?? 10;
  const deleted = options.tombstones === true ? 2 : 0;
  return fc
    .uniqueArray(arbKeyName(), { minLength: minKeys + deleted, maxLength: maxKeys + deleted })
    .chain((keys) => {
      const liveCount = Math.max(minKeys, keys.length - deleted);
      return fc.tuple(
        fc.constant(keys),
        fc.array(arbLiveType(options.legacy === true), { minLength: liveCount, maxLength: liveCount }),
        fc.array(fc.option(arbLiveType(), { nil: null }), {
          minLength: keys.length - liveCount,
          maxLength: keys.length - liveCount,
        }),
      );
    })
    .map(([keys, live, dead]) => {
      const schema = new Map<string, SchemaTypeObject>();
      keys.forEach((key, i) => {
        const type = live[i];
        if (type !== undefined) schema.set(key, type);
        else schema.set(key, { ty: 'tombstone', deleted_ty: dead[i - live.length] ?? null });
      });
      return schema;
    });
}

// ---------------------------------------------------------------------------------
// Documents and items

export interface ArbDocumentOptions {
  /** Also keys the schema does not define (default true). */
  readonly extraKeys?: boolean;
}

/**
 * A `clientMetadata` object for the schema: each key missing, null, a valid value or a
 * leftover that does not fit its type; deleted keys keep values of their old type; and
 * (by default) some keys the schema does not define. Keys are own data properties even
 * when named like Object.prototype members.
 */
export function arbDocument(
  schema: SchemaMap,
  options: ArbDocumentOptions = {},
): fc.Arbitrary<Record<string, unknown>> {
  const entries: fc.Arbitrary<[string, unknown] | undefined>[] = [];
  for (const [key, type] of schema) {
    const live = isTombstone(type) ? type.deleted_ty : type;
    const value: fc.Arbitrary<unknown> =
      live === null
        ? arbText()
        : fc.oneof(
            { arbitrary: arbValidValue(live), weight: isTombstone(type) ? 1 : 6 },
            { arbitrary: arbLeftoverValue(live), weight: 2 },
            { arbitrary: fc.constant(null), weight: 1 },
          );
    entries.push(
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: value.map((v): [string, unknown] => [key, v]), weight: 4 },
      ),
    );
  }
  if (options.extraKeys !== false) {
    for (const key of EXTRA_KEYS) {
      if (schema.has(key)) continue;
      entries.push(
        fc.option(
          fc.oneof(arbText(), arbNumber(), fc.boolean()).map((v): [string, unknown] => [key, v]),
          { nil: undefined, freq: 2 },
        ),
      );
    }
  }
  return fc
    .tuple(...entries)
    .map((pairs) => Object.fromEntries(pairs.filter((p): p is [string, unknown] => p !== undefined)));
}

export interface ArbItemOptions {
  /** The possible folder paths (a folder uuid and its ancestors'); default one root folder. */
  readonly folderPaths?: readonly (readonly string[])[];
  /** Collections an item may belong to (default none). */
  readonly collections?: readonly string[];
  /** Datasets an item may have data rows in (default none). */
  readonly datasets?: readonly string[];
}

const DEFAULT_FOLDER = 'a1a1a1a1-0000-4000-8000-000000000001';

/** An item with a document for the schema; uuids lowercase. */
export function arbItem(schema: SchemaMap, options: ArbItemOptions = {}): fc.Arbitrary<EvaluableItem> {
  const folderPaths = options.folderPaths ?? [[DEFAULT_FOLDER]];
  return fc.record({
    uuid: fc.uuid().map((u) => u.toLowerCase()),
    metadata: arbDocument(schema),
    name: fc.oneof(fc.constantFrom(...SAMPLE_NAMES), arbText()),
    type: fc.constantFrom(...ITEM_TYPE_NAMES),
    createdAt: arbInstant(),
    editedAt: arbInstant(),
    folderPath: fc.constantFrom(...folderPaths),
    collections: fc.subarray([...(options.collections ?? [])]).map((uuids) => new Set(uuids)),
    datasets: fc.subarray([...(options.datasets ?? [])]).map((uuids) => new Set(uuids)),
  });
}

/** Items with distinct uuids. */
export function arbItems(
  schema: SchemaMap,
  options: ArbItemOptions & { readonly minLength?: number; readonly maxLength?: number } = {},
): fc.Arbitrary<EvaluableItem[]> {
  return fc.uniqueArray(arbItem(schema, options), {
    selector: (item) => item.uuid,
    minLength: options.minLength ?? 0,
    maxLength: options.maxLength ?? 30,
  });
}

// ---------------------------------------------------------------------------------
// Filters

export interface ArbFilterOptions {
  /** Deepest tree, the root being level 1 (default 4). */
  readonly maxDepth?: number;
  /** Folder uuids for `$folder` atoms (none by default, so no `$folder` atoms). */
  readonly folders?: readonly string[];
  /** Collection uuids for `$collection` atoms. */
  readonly collections?: readonly string[];
  /** Dataset uuids for `$dataset` atoms. */
  readonly datasets?: readonly string[];
}

/** A piece of a sample string (by code point), in random case: for contains/startswith. */
const arbFragment = (pool: readonly string[]): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom(...pool), fc.nat(), fc.nat())
    .map(([text, a, b]) => {
      const chars = Array.from(text);
      const start = a % (chars.length + 1);
      const end = start + (b % (chars.length - start + 1));
      return chars.slice(start, end).join('');
    })
    .chain(arbRecase);

/** Search text for `matches`: 0–3 sample words in random case with punctuation around. */
const arbSearch = (): fc.Arbitrary<string> =>
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...SAMPLE_WORDS).chain(arbRecase),
        fc.constantFrom(' ', ', ', '  ', ' - ', '!'),
      ),
      { maxLength: 3 },
    )
    .map((parts) => parts.map(([word, sep]) => word + sep).join(''));

const nonEmpty = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<readonly [T, ...T[]]> =>
  fc.array(arb, { minLength: 1, maxLength: 4 }).map(([first, ...rest]) => [first as T, ...rest] as const);

/** An atom on `key` with operator `op` whose literals come from `literal`. */
function arbAtomWith(
  key: string,
  op: FilterOperator,
  literal: fc.Arbitrary<FilterLiteral>,
  fragment: fc.Arbitrary<string>,
): fc.Arbitrary<FilterAtom> {
  switch (op) {
    case 'exists':
      return fc.constant({ key, op });
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return literal.map((value) => ({ key, op, value }));
    case 'in':
    case 'nin':
      return nonEmpty(literal).map((value) => ({ key, op, value }));
    case 'between':
      return fc.tuple(literal, literal).map(([low, high]) => ({ key, op, value: [low, high] as const }));
    case 'contains':
    case 'startswith':
      return fragment.map((value) => ({ key, op, value }));
    case 'matches':
      return arbSearch().map((value) => ({ key, op, value }));
  }
}

const arbAnyLiteral = (): fc.Arbitrary<FilterLiteral> => fc.oneof(arbText(), arbNumber(), fc.boolean());

/** Atoms on one live schema key, with literals that bind to its type. */
function arbKeyAtom(key: string, type: LiveTypeObject): fc.Arbitrary<FilterAtom> {
  const { type: metadataType } = resolveKeyType(type);
  const literal = ((): fc.Arbitrary<FilterLiteral> => {
    switch (metadataType.name) {
      case 'number':
        return arbNumber();
      case 'datetime':
        return arbDatetime();
      case 'boolean':
        return fc.boolean();
      case 'uuid':
        return arbUuid();
      case 'enum':
        return type.ty === 'enum' ? fc.constantFrom(...type.values) : arbText();
      default:
        return arbText();
    }
  })();
  const fragment = arbFragment(SAMPLE_STRINGS);
  return fc.constantFrom(...metadataType.operators).chain((op) => arbAtomWith(key, op, literal, fragment));
}

/** Atoms on keys that have no live type: any operator, any literal (they bind to "never"). */
function arbUnknownAtom(keys: readonly string[]): fc.Arbitrary<FilterAtom> {
  return fc
    .tuple(fc.constantFrom(...keys), fc.constantFrom(...FILTER_OPERATORS))
    .chain(([key, op]) => arbAtomWith(key, op, arbAnyLiteral(), arbFragment(SAMPLE_STRINGS)));
}

function arbBuiltinAtom(): fc.Arbitrary<FilterAtom> {
  const name = arbAtoms(
    '$name',
    BUILTIN_OPERATORS.$name,
    fc.constantFrom(...SAMPLE_NAMES),
    arbFragment(SAMPLE_NAMES),
  );
  const type = arbAtoms(
    '$type',
    BUILTIN_OPERATORS.$type,
    fc.constantFrom(...ITEM_TYPE_NAMES).chain(arbRecase),
  );
  const created = arbAtoms('$created', BUILTIN_OPERATORS.$created, arbDatetime());
  const edited = arbAtoms('$edited', BUILTIN_OPERATORS.$edited, arbDatetime());
  return fc.oneof(name, type, created, edited);
}

function arbAtoms(
  key: string,
  operators: readonly FilterOperator[],
  literal: fc.Arbitrary<FilterLiteral>,
  fragment: fc.Arbitrary<string> = fc.constant(''),
): fc.Arbitrary<FilterAtom> {
  return fc.constantFrom(...operators).chain((op) => arbAtomWith(key, op, literal, fragment));
}

/** `$folder`/`$collection`/`$dataset` atoms over the given uuids (and one nobody has). */
function arbMemberAtom(
  key: '$folder' | '$collection' | '$dataset',
  uuids: readonly string[],
): fc.Arbitrary<FilterAtom> {
  const uuid = fc.constantFrom(...uuids, 'dddddddd-dddd-4ddd-8ddd-dddddddddddd').chain(arbRecase);
  return arbAtoms(key, BUILTIN_OPERATORS[key], uuid);
}

/**
 * A filter tree (at most `maxDepth` levels, default 4) whose literals all bind to the
 * schema: atoms on its live keys with literals of their types, on keys it lacks or has
 * deleted (these are "never"), on `$name`, `$type`, `$created`, `$edited`, and on
 * `$folder`/`$collection`/`$dataset` when uuids for them are given.
 */
export function arbFilter(schema: SchemaMap, options: ArbFilterOptions = {}): fc.Arbitrary<FilterNode> {
  const atoms: { arbitrary: fc.Arbitrary<FilterAtom>; weight: number }[] = [];
  const unknownKeys = EXTRA_KEYS.filter((key) => !schema.has(key));
  for (const [key, type] of schema) {
    if (isTombstone(type)) unknownKeys.push(key);
    else atoms.push({ arbitrary: arbKeyAtom(key, type), weight: 3 });
  }
  atoms.push({ arbitrary: arbUnknownAtom(unknownKeys), weight: 1 });
  atoms.push({ arbitrary: arbBuiltinAtom(), weight: 2 });
  const members = [
    ['$folder', options.folders],
    ['$collection', options.collections],
    ['$dataset', options.datasets],
  ] as const;
  for (const [key, uuids] of members) {
    if (uuids !== undefined && uuids.length > 0) {
      atoms.push({ arbitrary: arbMemberAtom(key, uuids), weight: 1 });
    }
  }
  const atom = fc.oneof(...atoms);

  const maxDepth = Math.max(1, options.maxDepth ?? 4);
  let level: fc.Arbitrary<FilterNode> = atom;
  for (let depth = maxDepth - 1; depth >= 1; depth--) {
    const child = level;
    const children = fc
      .array(child, { minLength: 2, maxLength: 3 })
      .map(([first, second, ...rest]) => [first as FilterNode, second as FilterNode, ...rest] as const);
    level = fc.oneof(
      { arbitrary: atom, weight: 3 },
      { arbitrary: children.map((and): FilterNode => ({ and })), weight: 2 },
      { arbitrary: children.map((or): FilterNode => ({ or })), weight: 2 },
      { arbitrary: child.map((not): FilterNode => ({ not })), weight: 1 },
    );
  }
  return level;
}

// ---------------------------------------------------------------------------------
// Sorts

/** 0–3 (or up to `maxLength`) distinct sortable keys of the schema and built-ins, each asc or desc. */
export function arbSort(
  schema: SchemaMap,
  options: { readonly maxLength?: number } = {},
): fc.Arbitrary<SortSpec[]> {
  const keys: string[] = [...SORTABLE_BUILTINS];
  for (const [key, type] of schema) {
    if (isTombstone(type)) continue;
    const name = valueTypeName(type);
    if (name !== 'embedding' && name !== 'geospatial') keys.push(key);
  }
  return fc.uniqueArray(fc.record({ key: fc.constantFrom(...keys), desc: fc.boolean() }), {
    selector: (spec) => spec.key,
    maxLength: options.maxLength ?? 3,
  });
}
