import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import { compareCodePoints } from '../schema/schema-wire.js';
import { arbItems, arbSchema, arbSort } from '../testing/filter-arbitraries.js';
import { fieldValue, type EvaluableItem, type FieldValue } from './filter-evaluator.js';
import {
  bindSort,
  compareBySort,
  MAX_SORT_KEYS,
  parseSortText,
  printSortText,
  validateSort,
  type SortSpec,
} from './filter-sort.js';

const schema: SchemaMap = new Map<string, SchemaTypeObject>([
  ['speed', { ty: 'variant', hint: 'number' }],
  ['label', { ty: 'variant', hint: 'varchar' }],
  ['caption', { ty: 'variant', hint: 'text' }],
  ['night', { ty: 'variant', hint: 'boolean' }],
  ['when', { ty: 'variant', hint: 'datetime' }],
  ['id', { ty: 'variant', hint: 'uuid' }],
  ['weather', { ty: 'enum', values: ['rain', 'snow'] }],
  ['owner', { ty: 'user' }],
  ['camera model', { ty: 'variant', hint: 'varchar' }],
  ['clip', { ty: 'embedding', size: 2, api: null }],
  ['where', { ty: 'geospatial' }],
  ['gone', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
]);

function thrown(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('did not throw');
}

describe('validateSort', () => {
  it('accepts {key, desc?} entries; desc defaults to false; absent is empty', () => {
    expect(
      validateSort([{ key: 'speed', desc: true }, { key: '$name' }, { key: 'camera model', desc: false }]),
    ).toEqual([
      { key: 'speed', desc: true },
      { key: '$name', desc: false },
      { key: 'camera model', desc: false },
    ]);
    expect(validateSort([])).toEqual([]);
    expect(validateSort(undefined)).toEqual([]);
  });

  it.each([
    [null, 'sort: expected an array of {"key", "desc"} objects, got null'],
    [{ key: 'speed' }, 'sort: expected an array of {"key", "desc"} objects, got an object'],
    ['-speed', 'sort: expected an array of {"key", "desc"} objects, got a string'],
    [
      Array.from({ length: MAX_SORT_KEYS + 1 }, (_, i) => ({ key: `k${i}` })),
      'sort: a sort has at most 8 entries, got 9',
    ],
    [[{ key: 'a' }, 'b'], 'sort[1]: expected an object {"key": string, "desc"?: boolean}, got a string'],
    [[['a']], 'sort[0]: expected an object {"key": string, "desc"?: boolean}, got an array'],
    [[{ key: 'a', dir: 'desc' }], 'sort[0]: unknown "dir"; a sort entry is {"key", "desc"}'],
    [[{ key: 'a', order: 1, by: 2 }], 'sort[0]: unknown "order", "by"; a sort entry is {"key", "desc"}'],
    [[{ desc: true }], 'sort[0].key: expected a non-empty string, got undefined'],
    [[{ key: '' }], 'sort[0].key: expected a non-empty string, got a string'],
    [[{ key: 5 }], 'sort[0].key: expected a non-empty string, got a number'],
    [[{ key: 'a', desc: 'yes' }], 'sort[0].desc: expected true or false, got a string'],
    [[{ key: 'a', desc: null }], 'sort[0].desc: expected true or false, got null'],
    [
      [{ key: 'a' }, { key: 'b' }, { key: 'a', desc: true }],
      'sort[2].key: "a" is already sorted on by sort[0]',
    ],
  ])('rejects %j', (input, expected) => {
    const error = thrown(() => validateSort(input));
    expect(error.message).toBe(expected);
    expect((error.details as { path: string }).path).toBe(expected.slice(0, expected.indexOf(':')));
  });

  it('uses the path given', () => {
    expect(() => validateSort([{ key: 1 }], 'body.sort')).toThrow(
      'body.sort[0].key: expected a non-empty string',
    );
  });
});

describe('parseSortText', () => {
  it.each<[string, SortSpec[]]>([
    ['speed', [{ key: 'speed', desc: false }]],
    ['-speed', [{ key: 'speed', desc: true }]],
    [
      '-speed,$name,weather',
      [
        { key: 'speed', desc: true },
        { key: '$name', desc: false },
        { key: 'weather', desc: false },
      ],
    ],
    [
      '  -speed ,  $created  ',
      [
        { key: 'speed', desc: true },
        { key: '$created', desc: false },
      ],
    ],
    [
      '-`camera model`,`a``b`',
      [
        { key: 'camera model', desc: true },
        { key: 'a`b', desc: false },
      ],
    ],
    ['`日本, 語`', [{ key: '日本, 語', desc: false }]],
    [
      'in,and',
      [
        { key: 'in', desc: false },
        { key: 'and', desc: false },
      ],
    ],
    ['x.y-z', [{ key: 'x.y-z', desc: false }]],
    ['', []],
    ['   ', []],
  ])('parses %j', (text, expected) => {
    expect(parseSortText(text)).toEqual(expected);
  });

  it.each([
    [
      ',speed',
      'sort: column 1: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found ","',
    ],
    [
      'speed,',
      'sort: column 7: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found the end of the sort',
    ],
    [
      'speed,,x',
      'sort: column 7: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found ","',
    ],
    ['speed x', 'sort: column 7: expected "," or the end of the sort, found "x"'],
    [
      '--speed',
      'sort: column 2: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found "-"',
    ],
    [
      '-',
      'sort: column 2: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found the end of the sort',
    ],
    [
      '日本',
      'sort: column 1: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found "日"',
    ],
    [
      '\u{1F600},日本 x',
      'sort: column 1: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found "\u{1F600}"',
    ],
    ['`\u{1F600}` x', 'sort: column 5: expected "," or the end of the sort, found "x"'],
    ['`open', 'sort: column 6: expected a closing ` to end the key, found the end of the sort'],
    ['``', 'sort: column 1: expected a non-empty key between the backticks, found ``'],
    [
      '$',
      'sort: column 1: expected a key (bare like speed, a built-in like $name, or in backticks like `camera model`), found "$"',
    ],
    ['a,b,a', 'sort: column 5: expected each key at most once, found "a" a second time'],
    ['a,b,c,d,e,f,g,h,i', 'sort: column 17: expected at most 8 sort keys, found sort key number 9'],
  ])('rejects %j', (text, expected) => {
    const error = thrown(() => parseSortText(text));
    expect(error.message).toBe(expected);
    expect(error.details).toMatchObject({ column: Number(/column (\d+)/.exec(expected)![1]) });
  });

  it('reads back what printSortText writes', () => {
    const key = fc.oneof(
      fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/),
      fc.constantFrom('$name', '$created', 'in', 'camera model', 'a`b', '`', '-x', ' x '),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ key, desc: fc.boolean() }), {
          selector: (s) => s.key,
          maxLength: MAX_SORT_KEYS,
        }),
        (sort) => {
          expect(parseSortText(printSortText(sort))).toEqual(sort);
        },
      ),
      { numRuns: 300 },
    );
    expect(
      printSortText([
        { key: 'speed', desc: true },
        { key: 'camera model', desc: false },
        { key: 'in', desc: false },
      ]),
    ).toBe('-speed,`camera model`,in');
  });
});

describe('bindSort', () => {
  it('binds typed keys and the built-in value fields', () => {
    const bound = bindSort(
      parseSortText(
        '-speed,label,caption,night,when,id,weather,owner,`camera model`'.split(',').slice(0, 8).join(','),
      ),
      schema,
    );
    expect(
      bound.map((b) => [b.field.kind === 'key' ? b.field.key : b.field.name, b.field.domain, b.desc]),
    ).toEqual([
      ['speed', 'number', true],
      ['label', 'string', false],
      ['caption', 'string', false],
      ['night', 'boolean', false],
      ['when', 'number', false],
      ['id', 'string', false],
      ['weather', 'string', false],
      ['owner', 'string', false],
    ]);
    expect(bindSort(parseSortText('$name,-$type,$created,$edited'), schema)).toEqual([
      { field: { kind: 'builtin', name: '$name', domain: 'string' }, desc: false },
      { field: { kind: 'builtin', name: '$type', domain: 'string' }, desc: true },
      { field: { kind: 'builtin', name: '$created', domain: 'number' }, desc: false },
      { field: { kind: 'builtin', name: '$edited', domain: 'number' }, desc: false },
    ]);
  });

  const SORTABLE = 'sort by a schema key (not embedding or geospatial) or by $name, $type, $created, $edited';

  it.each([
    ['nope', 'key "nope" is not in the metadata schema'],
    ['gone', 'key "gone" has been deleted from the metadata schema'],
    ['clip', 'key "clip" (embedding) cannot be sorted on: its values have no order'],
    ['where', 'key "where" (geospatial) cannot be sorted on: its values have no order'],
    ['$folder', '$folder cannot be sorted on: it is a membership, not a value'],
    ['$collection', '$collection cannot be sorted on: it is a membership, not a value'],
    ['$dataset', '$dataset cannot be sorted on: it is a membership, not a value'],
    ['$size', 'unknown built-in field "$size"'],
  ])('rejects %s', (key, why) => {
    const error = thrown(() =>
      bindSort(
        [
          { key: 'speed', desc: false },
          { key, desc: true },
        ],
        schema,
        'body.sort',
      ),
    );
    expect(error.message).toBe(`body.sort[1].key: ${why}; ${SORTABLE}`);
    expect(error.details).toEqual({ path: 'body.sort[1].key', key });
  });
});

// ---------------------------------------------------------------------------------
// Ordering

const uuidOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function makeItem(
  n: number,
  metadata: Record<string, unknown>,
  overrides: Partial<EvaluableItem> = {},
): EvaluableItem {
  return {
    uuid: uuidOf(n),
    metadata,
    name: `item ${n}`,
    type: 'image',
    createdAt: 0,
    editedAt: 0,
    folderPath: [],
    collections: new Set(),
    datasets: new Set(),
    ...overrides,
  };
}

/** The item numbers (last uuid digits) in sorted order. */
function order(sortText: string, items: readonly EvaluableItem[]): number[] {
  const compare = compareBySort(bindSort(parseSortText(sortText), schema));
  return [...items].sort(compare).map((item) => Number(item.uuid.slice(-12)));
}

describe('compareBySort', () => {
  const items = [
    makeItem(1, { speed: 10 }),
    makeItem(2, {}),
    makeItem(3, { speed: -5 }),
    makeItem(4, { speed: 'fast' }),
    makeItem(5, { speed: 10 }),
    makeItem(6, { speed: null }),
    makeItem(7, { speed: 1e21 }),
  ];

  it('puts missing, null and wrong-typed values last in both directions, ties by uuid', () => {
    expect(order('speed', items)).toEqual([3, 1, 5, 7, 2, 4, 6]);
    expect(order('-speed', items)).toEqual([7, 1, 5, 3, 2, 4, 6]);
  });

  it('orders by uuid alone for an empty sort', () => {
    expect(order('', [...items].reverse())).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('uses later keys to break ties', () => {
    const rows = [
      makeItem(1, { weather: 'snow', speed: 1 }),
      makeItem(2, { weather: 'rain', speed: 1 }),
      makeItem(3, { weather: 'snow', speed: 2 }),
      makeItem(4, { speed: 3 }),
      makeItem(5, { weather: 'rain' }),
      makeItem(6, { weather: 'hail', speed: 0 }),
    ];
    expect(order('weather,-speed', rows)).toEqual([2, 5, 3, 1, 4, 6]);
    expect(order('-weather,speed', rows)).toEqual([1, 3, 2, 5, 6, 4]);
  });

  it('orders strings by code point, astral after U+FFFF', () => {
    const rows = [
      makeItem(1, { label: '\u{1F600}' }),
      makeItem(2, { label: '\uFFFF' }),
      makeItem(3, { label: 'a' }),
      makeItem(4, { label: 'B' }),
      makeItem(5, { label: '' }),
      makeItem(6, { label: 'é' }),
    ];
    expect(order('label', rows)).toEqual([5, 4, 3, 6, 2, 1]);
    expect(order('-label', rows)).toEqual([1, 2, 6, 3, 4, 5]);
  });

  it('orders datetimes as instants, whatever their offset', () => {
    const rows = [
      makeItem(1, { when: '2024-05-01T02:00:00+02:00' }),
      makeItem(2, { when: '2024-04-30T23:30:00Z' }),
      makeItem(3, { when: '2024-05-01' }),
      makeItem(4, { when: '2024-05-01T00:30:00+00:00' }),
      makeItem(5, { when: 'yesterday' }),
    ];
    expect(order('when', rows)).toEqual([2, 1, 3, 4, 5]);
    expect(order('-when', rows)).toEqual([4, 1, 3, 2, 5]);
  });

  it('orders booleans false first, uuids lowercase, and built-ins', () => {
    const rows = [
      makeItem(
        1,
        { night: true, id: 'C9BF9E57-1685-4C89-BAFB-FF5AF830BE8A' },
        { name: 'b', createdAt: 5, type: 'video' },
      ),
      makeItem(
        2,
        { night: false, id: '123e4567-e89b-42d3-a456-426614174000' },
        { name: 'B', createdAt: 7, type: 'audio' },
      ),
      makeItem(
        3,
        { night: 'no', id: 'd0000000-0000-4000-8000-000000000000' },
        { name: 'a', createdAt: 5, type: 'image' },
      ),
    ];
    expect(order('night', rows)).toEqual([2, 1, 3]);
    expect(order('-night', rows)).toEqual([1, 2, 3]);
    expect(order('id', rows)).toEqual([2, 1, 3]);
    expect(order('$name', rows)).toEqual([2, 3, 1]);
    expect(order('-$created,$name', rows)).toEqual([2, 3, 1]);
    expect(order('$type', rows)).toEqual([2, 3, 1]);
  });

  it('agrees with an independent sort on random data, and is a total order', () => {
    const rank = (value: FieldValue): [number, number | string | boolean] => [
      value === null ? 1 : 0,
      value ?? 0,
    ];
    const cmp = (x: number | string | boolean, y: number | string | boolean): number =>
      typeof x === 'string' ? compareCodePoints(x, y as string) : Number(x) - Number(y);
    fc.assert(
      fc.property(
        arbSchema({ legacy: true }).chain((s) =>
          fc.tuple(fc.constant(s), arbSort(s, { maxLength: 3 }), arbItems(s, { maxLength: 25 })),
        ),
        ([s, sort, rows]) => {
          const bound = bindSort(sort, s);
          const sorted = [...rows].sort(compareBySort(bound));
          const keyed = rows.map((item) => ({
            item,
            keys: bound.map((b) => rank(fieldValue(b.field, item))),
          }));
          keyed.sort((a, b) => {
            for (let i = 0; i < bound.length; i++) {
              const [ma, va] = a.keys[i]!;
              const [mb, vb] = b.keys[i]!;
              if (ma !== mb) return ma - mb;
              if (ma === 1) continue;
              const c = cmp(va, vb);
              if (c !== 0) return bound[i]!.desc ? -c : c;
            }
            return compareCodePoints(a.item.uuid, b.item.uuid);
          });
          expect(sorted.map((i) => i.uuid)).toEqual(keyed.map((k) => k.item.uuid));
          // Sorting any permutation gives the same order.
          expect(
            [...rows]
              .reverse()
              .sort(compareBySort(bound))
              .map((i) => i.uuid),
          ).toEqual(sorted.map((i) => i.uuid));
        },
      ),
      { numRuns: 200 },
    );
  });
});
