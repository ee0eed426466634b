import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import { arbFilter, arbItems, arbSchema } from '../testing/filter-arbitraries.js';
import { hasAtLeastTwo, validateFilter, type FilterAtom, type FilterNode } from './filter-ast.js';
import { bindFilter, keyField, type BoundFilter } from './filter-binding.js';
import { compareFieldValues, compilePredicate, fieldValue, type EvaluableItem } from './filter-evaluator.js';
import { parseFilter } from './filter-parser.js';
import { printFilter } from './filter-printer.js';

const FOLDER_ROOT = 'aaaaaaaa-0000-4000-8000-000000000001';
const FOLDER_CHILD = 'aaaaaaaa-0000-4000-8000-000000000002';
const FOLDER_OTHER = 'aaaaaaaa-0000-4000-8000-000000000003';
const COLLECTION = 'cccccccc-0000-4000-8000-000000000001';
const DATASET = 'dddddddd-0000-4000-8000-000000000001';
const UUID = '123e4567-e89b-42d3-a456-426614174000';

const schema: SchemaMap = new Map<string, SchemaTypeObject>([
  ['speed', { ty: 'variant', hint: 'number' }],
  ['label', { ty: 'variant', hint: 'varchar' }],
  ['caption', { ty: 'variant', hint: 'text' }],
  ['night', { ty: 'variant', hint: 'boolean' }],
  ['when', { ty: 'variant', hint: 'datetime' }],
  ['id', { ty: 'variant', hint: 'uuid' }],
  ['weather', { ty: 'enum', values: ['Rain', 'rain', 'snow', '\u{1F600}', '\uFFFF'] }],
  ['clip', { ty: 'embedding', size: 2, api: null }],
  ['where', { ty: 'geospatial' }],
  ['owner', { ty: 'user' }],
  ['short', { ty: 'varchar', max_length: 3 }],
  ['f32', { ty: 'number', format: 'F32' }],
  ['constructor', { ty: 'variant', hint: 'varchar' }],
  ['gone', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
  ['burned', { ty: 'tombstone', deleted_ty: null }],
]);

function makeItem(metadata: Record<string, unknown>, overrides: Partial<EvaluableItem> = {}): EvaluableItem {
  return {
    uuid: '00000000-0000-4000-8000-000000000001',
    metadata,
    name: 'Straße 10.JPG',
    type: 'imageGroup',
    createdAt: Date.UTC(2024, 4, 1),
    editedAt: Date.UTC(2024, 4, 2, 12),
    folderPath: [FOLDER_CHILD, FOLDER_ROOT],
    collections: new Set([COLLECTION]),
    datasets: new Set([DATASET]),
    ...overrides,
  };
}

const predicate = (filter: string | FilterNode, on: SchemaMap = schema) =>
  compilePredicate(bindFilter(typeof filter === 'string' ? parseFilter(filter) : filter, on));

const evaluate = (filter: string, metadata: Record<string, unknown>, overrides?: Partial<EvaluableItem>) =>
  predicate(filter)(makeItem(metadata, overrides));

type Case = readonly [filter: string, metadata: Record<string, unknown>, expected: boolean];

function table(cases: readonly Case[]): void {
  it.each(
    cases.map(([filter, metadata, expected]) => [filter, JSON.stringify(metadata), expected, metadata]),
  )('%s on %s is %s', (filter, _shown, expected, metadata) => {
    expect(evaluate(filter, metadata)).toBe(expected);
  });
}

describe('number keys', () => {
  table([
    ['speed = 10', { speed: 10 }, true],
    ['speed = 10', { speed: 10.0000001 }, false],
    ['speed = 0', { speed: -0 }, true],
    ['speed = 10', { speed: '10' }, false],
    ['speed = 10', {}, false],
    ['speed = 10', { speed: null }, false],
    ['speed != 10', { speed: 11 }, true],
    ['speed != 10', { speed: 10 }, false],
    ['speed != 10', {}, false],
    ['speed != 10', { speed: null }, false],
    ['speed != 10', { speed: 'fast' }, false],
    ['speed < 10', { speed: 9.99 }, true],
    ['speed < 10', { speed: 10 }, false],
    ['speed < 10', { speed: -1e21 }, true],
    ['speed < 10', {}, false],
    ['speed <= 10', { speed: 10 }, true],
    ['speed <= 10', { speed: 10.5 }, false],
    ['speed > 10', { speed: 10.5 }, true],
    ['speed > 10', { speed: 10 }, false],
    ['speed > 10', { speed: '11' }, false],
    ['speed >= 10', { speed: 10 }, true],
    ['speed >= 10', { speed: 9 }, false],
    ['speed >= -1.5e300', { speed: -1e300 }, true],
    ['speed in [1, 2, 3]', { speed: 2 }, true],
    ['speed in [1, 2, 3]', { speed: 4 }, false],
    ['speed in [1, 2, 3]', {}, false],
    ['speed not in [1, 2, 3]', { speed: 4 }, true],
    ['speed not in [1, 2, 3]', { speed: 2 }, false],
    ['speed not in [1, 2, 3]', {}, false],
    ['speed not in [1, 2, 3]', { speed: true }, false],
    ['speed between 1 and 2', { speed: 1 }, true],
    ['speed between 1 and 2', { speed: 2 }, true],
    ['speed between 1 and 2', { speed: 1.5 }, true],
    ['speed between 1 and 2', { speed: 0.999 }, false],
    ['speed between 1 and 2', { speed: 2.001 }, false],
    ['speed between 2 and 1', { speed: 1.5 }, false],
    ['speed between 2 and 2', { speed: 2 }, true],
    ['speed between 1 and 2', {}, false],
    ['speed exists', { speed: 0 }, true],
    ['speed exists', { speed: null }, false],
    ['speed exists', { speed: '0' }, false],
    ['speed not exists', { speed: '0' }, true],
    ['speed not exists', {}, true],
    ['f32 > 1', { f32: 3.5e38 }, false],
    ['f32 exists', { f32: 3.5e38 }, false],
    ['f32 > 1', { f32: 3.4e38 }, true],
  ]);
});

describe('datetime keys compare as instants', () => {
  table([
    ['when = "2024-05-01T02:00:00+02:00"', { when: '2024-05-01' }, true],
    ['when = "2024-05-01"', { when: '2024-04-30T19:00:00-05:00' }, true],
    ['when = "2024-05-01"', { when: '2024-05-01T00:00:00.0009Z' }, true],
    ['when = "2024-05-01"', { when: '2024-05-01T00:00:00.001Z' }, false],
    ['when != "2024-05-01"', { when: '2024-05-01T00:00:00.001Z' }, true],
    ['when != "2024-05-01"', { when: '2024-05-01T12:00' }, false],
    ['when < "2024-05-01"', { when: '2024-04-30T23:59:59.999Z' }, true],
    ['when < "2024-05-01"', { when: '2024-05-01T01:00:00+01:00' }, false],
    ['when <= "2024-05-01"', { when: '2024-05-01T01:00:00+01:00' }, true],
    ['when > "2024-05-01T00:00:00Z"', { when: '2024-05-01T00:30:00+01:00' }, false],
    ['when > "2024-05-01T00:00:00Z"', { when: '2024-04-30T23:30:00-01:00' }, true],
    ['when >= "1969-12-31T23:59:59.999Z"', { when: '1970-01-01' }, true],
    ['when < "1970-01-01"', { when: '0001-01-01' }, true],
    ['when in ["2024-05-01", "2024-06-01"]', { when: '2024-06-01T00:00:00Z' }, true],
    ['when not in ["2024-05-01", "2024-06-01"]', { when: '2024-05-01T00:00:00+00:00' }, false],
    ['when between "2024-05-01" and "2024-05-02"', { when: '2024-05-02T00:00:00Z' }, true],
    ['when between "2024-05-01" and "2024-05-02"', { when: '2024-05-02T00:00:00.001Z' }, false],
    ['when between "2024-05-01" and "2024-05-02"', { when: '2024-05-01' }, true],
    ['when between "2024-05-02" and "2024-05-01"', { when: '2024-05-01T12:00:00Z' }, false],
    ['when exists', { when: '2024-05-01T12:00' }, false],
    ['when exists', { when: 1714521600000 }, false],
    ['when exists', { when: '2024-02-30' }, false],
    ['when exists', { when: '2024-02-29' }, true],
  ]);
});

describe('string keys: code-point order, exact equality', () => {
  it('orders astral characters after U+FFFF, unlike JavaScript comparison', () => {
    // JavaScript compares UTF-16 units: the surrogate D83D sorts before FFFF.
    const [astral, high]: string[] = ['\u{1F600}', '\uFFFF'];
    expect(astral! < high!).toBe(true);
    expect(evaluate('label > "\uFFFF"', { label: '\u{1F600}' })).toBe(true);
    expect(evaluate('label < "\uFFFF"', { label: '\u{1F600}' })).toBe(false);
    expect(evaluate('label between "\uFFFF" and "\u{10FFFF}"', { label: '\u{1F600}' })).toBe(true);
    expect(evaluate('label between "\uE000" and "\uFFFF"', { label: '\u{1F600}' })).toBe(false);
  });

  table([
    ['label = "Rain"', { label: 'Rain' }, true],
    ['label = "Rain"', { label: 'rain' }, false],
    ['label = "é"', { label: 'e\u0301' }, false],
    ['label != "Rain"', { label: 'rain' }, true],
    ['label != "Rain"', {}, false],
    ['label != "Rain"', { label: 5 }, false],
    ['label < "a"', { label: 'Z' }, true],
    ['label < "a"', { label: 'a' }, false],
    ['label <= "a"', { label: 'a' }, true],
    ['label > "a"', { label: 'ab' }, true],
    ['label > "ab"', { label: 'a' }, false],
    ['label >= ""', { label: '' }, true],
    ['label > ""', { label: '' }, false],
    ['label < "b"', { label: 'a\u{1F600}' }, true],
    ['label in ["a", "b"]', { label: 'b' }, true],
    ['label in ["a", "b"]', { label: 'B' }, false],
    ['label not in ["a", "b"]', { label: 'B' }, true],
    ['label not in ["a", "b"]', { label: null }, false],
    ['label between "a" and "c"', { label: 'bzzz' }, true],
    ['label between "a" and "c"', { label: 'c' }, true],
    ['label between "a" and "c"', { label: 'ca' }, false],
    ['label between "a" and "c"', { label: 'B' }, false],
    ['short = "abc"', { short: 'abc' }, true],
    ['short exists', { short: 'abcd' }, false],
    ['short exists', { short: '\u{1F600}\u{1F600}\u{1F600}' }, true],
    ['owner = "ann@example.com"', { owner: 'ann@example.com' }, true],
    ['owner exists', { owner: '' }, false],
    ['owner not in ["ann"]', { owner: 'bob' }, true],
  ]);
});

describe('contains and startswith are case-insensitive', () => {
  table([
    ['label contains "RAIN"', { label: 'heavy rain today' }, true],
    ['label contains "rain"', { label: 'HEAVY RAIN' }, true],
    ['label contains "snow"', { label: 'heavy rain' }, false],
    ['label contains ""', { label: '' }, true],
    ['label contains ""', {}, false],
    ['label contains "1"', { label: 1 }, false],
    ['label contains "ÄB"', { label: 'xäbx' }, true],
    ['label contains "STRAßE"', { label: 'Straße 10' }, true],
    ['label contains "strasse"', { label: 'Straße 10' }, false],
    ['label contains "ΣΥΦ"', { label: 'ΣΊΣΥΦΟΣ' }, true],
    ['label contains "İSTANBUL"', { label: 'İstanbul' }, true],
    ['label contains "москва"', { label: 'МОСКВА' }, true],
    ['label contains "\u{1F600}"', { label: 'a\u{1F600}b' }, true],
    ['label startswith "日本"', { label: '日本語' }, true],
    ['label startswith "本"', { label: '日本語' }, false],
    ['label startswith "HEAVY"', { label: 'heavy rain' }, true],
    ['label startswith "rain"', { label: 'heavy rain' }, false],
    ['label startswith ""', { label: 'x' }, true],
    ['label startswith "x"', { label: null }, false],
    ['caption contains "CAR"', { caption: 'A red car.' }, true],
    ['caption startswith "a red"', { caption: 'A red car.' }, true],
    ['not (label contains "x")', {}, true],
  ]);

  it('works on $name', () => {
    expect(evaluate('$name contains "strasse"', {})).toBe(false);
    expect(evaluate('$name contains "STRAßE 10"', {})).toBe(true);
    expect(evaluate('$name startswith "straße"', {})).toBe(true);
    expect(evaluate('$name contains ".jpg"', {})).toBe(true);
  });
});

describe('matches: all words, any order, case-insensitive', () => {
  table([
    ['caption matches "rain car"', { caption: 'The car, in RAIN!' }, true],
    ['caption matches "car rain"', { caption: 'The car, in RAIN!' }, true],
    ['caption matches "car snow"', { caption: 'The car, in RAIN!' }, false],
    ['caption matches "car!!"', { caption: 'car' }, true],
    ['caption matches "car car car"', { caption: 'one car' }, true],
    ['caption matches "ca"', { caption: 'car' }, false],
    ['caption matches "cars"', { caption: 'car' }, false],
    ['caption matches "in"', { caption: 'the car-in-rain' }, true],
    ['caption matches "москва 東京"', { caption: '東京 and МОСКВА' }, true],
    ['caption matches "ΣΊΣΥΦΟΣ"', { caption: 'σίσυφος' }, true],
    ['caption matches "٣ x1"', { caption: 'X1 ٣' }, true],
    ['caption matches "café"', { caption: 'cafe\u0301' }, false],
    ['caption matches "cafe\u0301"', { caption: 'CAFE\u0301 noir' }, true],
    ['caption matches "!!"', { caption: '' }, true],
    ['caption matches ""', { caption: 'anything' }, true],
    ['caption matches ""', {}, false],
    ['caption matches ""', { caption: 12 }, false],
    ['caption matches "car"', {}, false],
    ['label matches "red car"', { label: 'car: red' }, true],
    ['not (caption matches "car")', {}, true],
  ]);
});

describe('boolean keys', () => {
  table([
    ['night = true', { night: true }, true],
    ['night = true', { night: false }, false],
    ['night = false', { night: false }, true],
    ['night = true', { night: 'true' }, false],
    ['night = true', { night: 1 }, false],
    ['night != true', { night: false }, true],
    ['night != true', {}, false],
    ['night != true', { night: 'false' }, false],
    ['not (night = true)', {}, true],
    ['not (night = true)', { night: 'true' }, true],
    ['night exists', { night: false }, true],
  ]);

  it('orders false before true (compareFieldValues is total)', () => {
    expect(compareFieldValues('boolean', false, true)).toBeLessThan(0);
    expect(compareFieldValues('boolean', true, false)).toBeGreaterThan(0);
    expect(compareFieldValues('boolean', true, true)).toBe(0);
  });
});

describe('uuid keys compare lowercase', () => {
  table([
    [`id = "${UUID.toUpperCase()}"`, { id: UUID }, true],
    [`id = "${UUID}"`, { id: UUID.toUpperCase() }, true],
    [`id != "${UUID}"`, { id: 'C9BF9E57-1685-4C89-BAFB-FF5AF830BE8A' }, true],
    [`id > "${UUID}"`, { id: 'C9BF9E57-1685-4C89-BAFB-FF5AF830BE8A' }, true],
    [`id < "${UUID.toUpperCase()}"`, { id: '00000000-0000-0000-0000-000000000000' }, true],
    [`id in ["${UUID.toUpperCase()}"]`, { id: UUID }, true],
    [`id exists`, { id: 'not-a-uuid' }, false],
    [`id != "${UUID}"`, { id: 'not-a-uuid' }, false],
  ]);
});

describe('enum keys', () => {
  table([
    ['weather = "rain"', { weather: 'rain' }, true],
    ['weather = "rain"', { weather: 'Rain' }, false],
    ['weather != "rain"', { weather: 'Rain' }, true],
    ['weather != "rain"', { weather: 'hail' }, false],
    ['weather exists', { weather: 'hail' }, false],
    ['weather exists', { weather: 'RAIN' }, false],
    ['weather in ["rain", "snow"]', { weather: 'snow' }, true],
    ['weather not in ["rain", "snow"]', { weather: 'Rain' }, true],
    ['weather not in ["rain", "snow"]', { weather: 'hail' }, false],
    ['weather < "rain"', { weather: 'Rain' }, true],
    ['weather > "\uFFFF"', { weather: '\u{1F600}' }, true],
    ['weather between "Rain" and "snow"', { weather: 'rain' }, true],
    ['weather between "rain" and "snow"', { weather: 'Rain' }, false],
  ]);
});

describe('embedding and geospatial keys: presence only', () => {
  table([
    ['clip exists', { clip: [0.5, 1] }, true],
    ['clip exists', { clip: [0.5] }, false],
    ['clip exists', { clip: [0.5, 'x'] }, false],
    ['clip not exists', { clip: 'vector' }, true],
    ['where exists', { where: { latitude: 51.5, longitude: -0.1 } }, true],
    ['where exists', { where: { latitude: 91, longitude: 0 } }, false],
    ['where exists', { where: { lat: 1, lng: 2 } }, false],
    ['where not exists', { where: null }, true],
  ]);

  it('reports a present embedding as true', () => {
    const field = keyField(schema, 'clip')!;
    expect(fieldValue(field, makeItem({ clip: [1, 2] }))).toBe(true);
    expect(fieldValue(field, makeItem({ clip: [1] }))).toBeNull();
  });
});

describe('keys without a live type, and prototype names', () => {
  table([
    ['gone = 1', { gone: 1 }, false],
    ['gone exists', { gone: 1 }, false],
    ['not (gone = 1)', { gone: 1 }, true],
    ['gone != 1', { gone: 2 }, false],
    ['burned exists', { burned: 'x' }, false],
    ['missing = 1', { missing: 1 }, false],
    ['missing not in [1]', { missing: 2 }, false],
    ['not (missing exists)', { missing: 2 }, true],
    ['constructor exists', {}, false],
    ['constructor not exists', {}, true],
    ['constructor = "x"', { constructor: 'x' }, true],
  ]);

  it('reads only own properties, also for __proto__', () => {
    const protoSchema: SchemaMap = new Map([['__proto__', { ty: 'variant', hint: 'varchar' }]]);
    const exists = predicate('`__proto__` exists', protoSchema);
    expect(exists(makeItem({}))).toBe(false);
    expect(exists(makeItem(JSON.parse('{"__proto__": "x"}') as Record<string, unknown>))).toBe(true);
  });
});

describe('built-in value fields', () => {
  table([
    ['$name = "Straße 10.JPG"', {}, true],
    ['$name = "straße 10.jpg"', {}, false],
    ['$name > "Straße"', {}, true],
    ['$name in ["a", "Straße 10.JPG"]', {}, true],
    ['$name between "S" and "T"', {}, true],
    ['$name exists', {}, true],
    ['$type = "imagegroup"', {}, true],
    ['$type = "image"', {}, false],
    ['$type in ["VIDEO", "ImageGroup"]', {}, true],
    ['$type != "video"', {}, true],
    ['$created = "2024-05-01"', {}, true],
    ['$created = "2024-05-01T02:00:00+02:00"', {}, true],
    ['$created < "2024-05-01"', {}, false],
    ['$edited between "2024-05-02" and "2024-05-03"', {}, true],
    ['$edited > "2024-05-02T12:00:00Z"', {}, false],
    ['$edited >= "2024-05-02T12:00:00Z"', {}, true],
  ]);
});

describe('membership: $folder (any depth), $collection, $dataset', () => {
  table([
    [`$folder = "${FOLDER_CHILD}"`, {}, true],
    [`$folder = "${FOLDER_ROOT.toUpperCase()}"`, {}, true],
    [`$folder = "${FOLDER_OTHER}"`, {}, false],
    [`$folder != "${FOLDER_OTHER}"`, {}, true],
    [`$folder != "${FOLDER_ROOT}"`, {}, false],
    [`$folder in ["${FOLDER_OTHER}", "${FOLDER_ROOT}"]`, {}, true],
    [`$folder not in ["${FOLDER_OTHER}", "${FOLDER_ROOT}"]`, {}, false],
    [`$folder not in ["${FOLDER_OTHER}"]`, {}, true],
    [`$collection = "${COLLECTION}"`, {}, true],
    [`$collection = "${FOLDER_ROOT}"`, {}, false],
    [`$collection not in ["${COLLECTION}"]`, {}, false],
    [`$dataset = "${DATASET.toUpperCase()}"`, {}, true],
    [`$dataset != "${DATASET}"`, {}, false],
    [`$dataset in ["${COLLECTION}"]`, {}, false],
  ]);

  it('is never missing: an item in no collection passes ne and nin', () => {
    const alone = { collections: new Set<string>(), datasets: new Set<string>(), folderPath: [] };
    expect(evaluate(`$collection != "${COLLECTION}"`, {}, alone)).toBe(true);
    expect(evaluate(`$dataset not in ["${DATASET}"]`, {}, alone)).toBe(true);
    expect(evaluate(`$folder != "${FOLDER_ROOT}"`, {}, alone)).toBe(true);
    expect(evaluate(`$folder = "${FOLDER_ROOT}"`, {}, alone)).toBe(false);
  });
});

describe('combinators', () => {
  it('not is plain negation while != is false on a missing value', () => {
    expect(evaluate('not (speed = 1)', {})).toBe(true);
    expect(evaluate('speed != 1', {})).toBe(false);
    expect(evaluate('not (speed != 1)', {})).toBe(true);
    expect(evaluate('not (speed = 1)', { speed: 'one' })).toBe(true);
    expect(evaluate('not (speed = 1)', { speed: 1 })).toBe(false);
  });

  it('evaluates and, or and nesting', () => {
    const metadata = { speed: 5, label: 'a', night: true };
    expect(evaluate('speed > 1 and label = "a"', metadata)).toBe(true);
    expect(evaluate('speed > 10 and label = "a"', metadata)).toBe(false);
    expect(evaluate('speed > 10 or label = "a"', metadata)).toBe(true);
    expect(evaluate('speed > 10 or label = "b"', metadata)).toBe(false);
    expect(evaluate('(speed > 10 or night = true) and not (label in ["b", "c"])', metadata)).toBe(true);
  });

  it('treats an empty and as true and an empty or as false', () => {
    const item = makeItem({});
    const and: BoundFilter = { and: [] };
    const or: BoundFilter = { or: [] };
    expect(compilePredicate(and)(item)).toBe(true);
    expect(compilePredicate(or)(item)).toBe(false);
    expect(compilePredicate({ kind: 'never', key: 'x' })(item)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------
// Properties over random schemas, documents and filters

const FOLDERS = [FOLDER_ROOT, FOLDER_CHILD, FOLDER_OTHER];
const MEMBERSHIP: readonly string[] = ['$folder', '$collection', '$dataset'];
const itemOptions = {
  folderPaths: [[FOLDER_ROOT], [FOLDER_CHILD, FOLDER_ROOT], [FOLDER_OTHER]],
  collections: [COLLECTION],
  datasets: [DATASET],
  minLength: 1,
  maxLength: 12,
};
const filterOptions = { folders: FOLDERS, collections: [COLLECTION], datasets: [DATASET] };

/** A schema with two filters and items for it. */
const arbCase = arbSchema({ legacy: true, tombstones: true }).chain((s) =>
  fc.record({
    schema: fc.constant(s),
    a: arbFilter(s, filterOptions),
    b: arbFilter(s, filterOptions),
    items: arbItems(s, itemOptions),
  }),
);

const results = (filter: FilterNode, on: SchemaMap, items: readonly EvaluableItem[]): boolean[] =>
  items.map(predicate(filter, on));

describe('properties', () => {
  it('not flips every result', () => {
    fc.assert(
      fc.property(arbCase, ({ schema: s, a, items }) => {
        const direct = results(a, s, items);
        expect(results({ not: a }, s, items)).toEqual(direct.map((r) => !r));
      }),
      { numRuns: 200 },
    );
  });

  it("De Morgan's laws hold", () => {
    fc.assert(
      fc.property(arbCase, ({ schema: s, a, b, items }) => {
        expect(results({ not: { and: [a, b] } }, s, items)).toEqual(
          results({ or: [{ not: a }, { not: b }] }, s, items),
        );
        expect(results({ not: { or: [a, b] } }, s, items)).toEqual(
          results({ and: [{ not: a }, { not: b }] }, s, items),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a filter evaluates like its printed text parsed back, and like its JSON', () => {
    fc.assert(
      fc.property(arbCase, ({ schema: s, a, items }) => {
        const direct = results(a, s, items);
        expect(results(parseFilter(printFilter(a)), s, items)).toEqual(direct);
        expect(results(validateFilter(JSON.parse(JSON.stringify(a))), s, items)).toEqual(direct);
      }),
      { numRuns: 200 },
    );
  });

  it('every atom agrees with its spelling through exists, =, >= and <=', () => {
    const atomsOf = (node: FilterNode): FilterAtom[] =>
      'op' in node
        ? [node]
        : 'not' in node
          ? atomsOf(node.not)
          : ('and' in node ? node.and : node.or).flatMap(atomsOf);
    fc.assert(
      fc.property(arbCase, ({ schema: s, a, items }) => {
        for (const atom of atomsOf(a)) {
          const { key } = atom;
          const exists: FilterNode = { key, op: 'exists' };
          // Membership is never missing: there `!=` is exactly `not =`.
          const unlessMissing = (node: FilterNode): FilterNode =>
            MEMBERSHIP.includes(key) ? { not: node } : { and: [exists, { not: node }] };
          const direct = results(atom, s, items);
          if (atom.op === 'ne') {
            const spelled = unlessMissing({ key, op: 'eq', value: atom.value });
            expect(results(spelled, s, items)).toEqual(direct);
          } else if (atom.op === 'in' || atom.op === 'nin') {
            const eqs = atom.value.map((value): FilterNode => ({ key, op: 'eq', value }));
            const any: FilterNode = hasAtLeastTwo(eqs) ? { or: eqs } : eqs[0]!;
            const spelled: FilterNode = atom.op === 'in' ? any : unlessMissing(any);
            expect(results(spelled, s, items)).toEqual(direct);
          } else if (atom.op === 'between') {
            const spelled: FilterNode = {
              and: [
                { key, op: 'gte', value: atom.value[0] },
                { key, op: 'lte', value: atom.value[1] },
              ],
            };
            expect(results(spelled, s, items)).toEqual(direct);
          } else if (atom.op !== 'exists' && !key.startsWith('$')) {
            // Whatever the operator, an atom can only hold where the key has a value.
            const existing = results(exists, s, items);
            direct.forEach((r, i) => {
              if (r) expect(existing[i]).toBe(true);
            });
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('orders strings like an independent code-point comparison', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 5 });
    const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);
    const oracle = (a: string, b: string): number => {
      const x = codePoints(a);
      const y = codePoints(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    fc.assert(
      fc.property(text, text, (a, b) => {
        const lt = predicate({ key: 'label', op: 'lt', value: b })(makeItem({ label: a }));
        expect(lt).toBe(oracle(a, b) < 0);
        expect(Math.sign(compareFieldValues('string', a, b))).toBe(Math.sign(oracle(a, b)));
      }),
      { numRuns: 500 },
    );
  });
});
