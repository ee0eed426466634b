import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import { valueTypeName } from '../types/type-registry.js';
import {
  arbFilter,
  arbItems,
  arbSchema,
  SAMPLE_DATETIMES,
  SAMPLE_NUMBERS,
  SAMPLE_STRINGS,
  SAMPLE_UUIDS,
  SAMPLE_WORDS,
} from '../testing/filter-arbitraries.js';
import {
  filterToPreset,
  NIL_FOLDER_UUID,
  presetToFilter,
  type IndexFilterPresetJson,
} from './encord-preset.js';
import { hasAtLeastTwo, isAtom, type FilterAtom, type FilterLiteral, type FilterNode } from './filter-ast.js';
import { bindFilter, ITEM_TYPE_NAMES } from './filter-binding.js';
import { compilePredicate, type EvaluableItem } from './filter-evaluator.js';
import { parseFilter } from './filter-parser.js';
import { printFilter } from './filter-printer.js';

const FOLDER = 'aaaaaaaa-0000-4000-8000-000000000001';
const FOLDER_2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const UUID = '123e4567-e89b-42d3-a456-426614174000';

const schema: SchemaMap = new Map<string, SchemaTypeObject>([
  ['speed', { ty: 'variant', hint: 'number' }],
  ['label', { ty: 'variant', hint: 'varchar' }],
  ['caption', { ty: 'variant', hint: 'text' }],
  ['night', { ty: 'variant', hint: 'boolean' }],
  ['when', { ty: 'variant', hint: 'datetime' }],
  ['id', { ty: 'variant', hint: 'uuid' }],
  ['weather', { ty: 'enum', values: ['rain', 'snow'] }],
  ['clip', { ty: 'embedding', size: 2, api: null }],
  ['where', { ty: 'geospatial' }],
  ['owner', { ty: 'user' }],
  ['gone', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
]);

type Element = Record<string, unknown>;

const preset = (global: Element[], local: Record<string, Element[]> = {}): unknown => ({
  local_filters: Object.fromEntries(Object.entries(local).map(([folder, filters]) => [folder, { filters }])),
  global_filters: { filters: global },
});

const element = (key: string, type: string, values: unknown[], include = true): Element => ({
  key,
  include,
  values,
  type,
});

/** presetToFilter of the global filters, printed (null when there are none). */
const text = (global: Element[], local: Record<string, Element[]> = {}): string | null => {
  const node = presetToFilter(preset(global, local));
  return node === null ? null : printFilter(node);
};

function thrown(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('did not throw');
}

describe('presetToFilter: element types', () => {
  it('maps the SDK example preset', () => {
    const json = {
      local_filters: { [NIL_FOLDER_UUID]: { filters: [] } },
      global_filters: {
        filters: [{ key: 'my-enum', include: true, values: ['enum-value-02'], type: 'enum' }],
      },
    };
    expect(presetToFilter(json)).toEqual({ key: 'my-enum', op: 'eq', value: 'enum-value-02' });
  });

  it.each([
    ['enum', ['rain'], 'weather = "rain"'],
    ['enum', ['rain', 'snow'], 'weather in ["rain", "snow"]'],
    ['varchar', ['a', 'a'], 'weather in ["a", "a"]'],
    ['string', ['X1'], 'weather = "X1"'],
    ['user', ['ann', 'bob'], 'weather in ["ann", "bob"]'],
    ['boolean', [true], 'weather = true'],
    ['boolean', [true, false], 'weather = true or weather = false'],
    ['uuid', [UUID.toUpperCase()], `weather = "${UUID.toUpperCase()}"`],
    ['number', [1, 10.5], 'weather between 1 and 10.5'],
    ['number', [5, null], 'weather >= 5'],
    ['number', [null, -5], 'weather <= -5'],
    ['number', [null, null], 'weather exists'],
    ['number', [10, 1], 'weather between 10 and 1'],
    [
      'datetime',
      ['2024-05-01', '2024-05-02T00:00:00+02:00'],
      'weather between "2024-05-01" and "2024-05-02T00:00:00+02:00"',
    ],
    ['datetime', ['2024-05-01', null], 'weather >= "2024-05-01"'],
    ['datetime', [null, '2024-05-01T12:00:00Z'], 'weather <= "2024-05-01T12:00:00Z"'],
    ['text', ['red car'], 'weather matches "red car"'],
    ['long_string', ['red car', 'snow'], 'weather matches "red car" or weather matches "snow"'],
    ['enum', [], 'weather exists'],
    ['text', [], 'weather exists'],
    ['number', [], 'weather exists'],
    ['embedding', [], 'weather exists'],
    ['embedding', [[0.1, 0.2]], 'weather exists'],
    ['geospatial', [{ latitude: 1, longitude: 2 }], 'weather exists'],
  ])('%s %j', (type, values, expected) => {
    expect(text([element('weather', type, values)])).toBe(expected);
  });

  it.each([
    ['enum', ['rain'], 'not weather = "rain"'],
    ['enum', ['rain', 'snow'], 'not weather in ["rain", "snow"]'],
    ['boolean', [false, true], 'not (weather = false or weather = true)'],
    ['number', [1, 2], 'not weather between 1 and 2'],
    ['number', [null, null], 'weather not exists'],
    ['text', ['a', 'b'], 'not (weather matches "a" or weather matches "b")'],
    ['geospatial', [], 'weather not exists'],
  ])('include: false wraps %s %j in not', (type, values, expected) => {
    expect(text([element('weather', type, values, false)])).toBe(expected);
  });

  it('ignores other properties of an element', () => {
    expect(
      text([{ ...element('speed', 'number', [1, null]), operator: 'gte', label: 'Speed', extra: {} }]),
    ).toBe('speed >= 1');
  });
});

describe('presetToFilter: groups', () => {
  it('has no filter for an empty preset, or the SDK defaults', () => {
    expect(presetToFilter({})).toBeNull();
    expect(presetToFilter(preset([]))).toBeNull();
    expect(
      presetToFilter({ local_filters: { [NIL_FOLDER_UUID]: { filters: [] } }, global_filters: {} }),
    ).toBeNull();
    expect(
      presetToFilter({ local_filters: { [FOLDER]: { filters: [] } }, metaindex_filter: null }),
    ).toBeNull();
    expect(presetToFilter({ metaindex_filter: '  ' })).toBeNull();
  });

  it('ANDs global filters, then the nil folder group, then folder groups, then metaindex_filter', () => {
    const json = {
      local_filters: {
        [FOLDER]: { filters: [element('night', 'boolean', [true]), element('speed', 'number', [1, null])] },
        [NIL_FOLDER_UUID]: { filters: [element('label', 'varchar', ['x'])] },
        [FOLDER_2.toUpperCase()]: { filters: [element('caption', 'text', ['car'], false)] },
      },
      global_filters: { filters: [element('weather', 'enum', ['rain']), element('clip', 'embedding', [])] },
      metaindex_filter: 'speed != 3 or label contains "a"',
    };
    expect(printFilter(presetToFilter(json)!)).toBe(
      [
        'weather = "rain"',
        'clip exists',
        'label = "x"',
        `(not $folder = "${FOLDER}" or night = true and speed >= 1)`,
        `(not $folder = "${FOLDER_2.toUpperCase()}" or not caption matches "car")`,
        '(speed != 3 or label contains "a")',
      ].join(' and '),
    );
  });

  it('scopes a folder group to the folder: items elsewhere pass', () => {
    const node = presetToFilter(preset([], { [FOLDER]: [element('night', 'boolean', [true])] }))!;
    const pass = compilePredicate(bindFilter(node, schema));
    const item = (folderPath: string[], night: unknown): EvaluableItem => ({
      uuid: UUID,
      metadata: { night },
      name: 'x',
      type: 'image',
      createdAt: 0,
      editedAt: 0,
      folderPath,
      collections: new Set(),
      datasets: new Set(),
    });
    expect(pass(item([FOLDER], true))).toBe(true);
    expect(pass(item([FOLDER], false))).toBe(false);
    expect(pass(item([FOLDER_2, FOLDER], false))).toBe(false);
    expect(pass(item([FOLDER_2], false))).toBe(true);
  });

  it('accepts metaindex_filter as text or as a JSON filter', () => {
    expect(presetToFilter({ metaindex_filter: 'speed > 1' })).toEqual({ key: 'speed', op: 'gt', value: 1 });
    expect(
      presetToFilter({ metaindex_filter: { not: { key: 'speed', op: 'exists', value: true } } }),
    ).toEqual({
      not: { key: 'speed', op: 'exists' },
    });
  });
});

describe('presetToFilter: errors name the path and the rule', () => {
  const P = 'filterPresetJson';
  const G = `${P}.global_filters.filters`;
  it.each([
    [null, `${P}: expected a filter preset object {"local_filters", "global_filters"}, got null`],
    [[], `${P}: expected a filter preset object {"local_filters", "global_filters"}, got an array`],
    [
      { globalFilters: { filters: [] } },
      `${P}: unknown "globalFilters"; a filter preset (written in snake_case) has "local_filters", "global_filters", "metaindex_filter"`,
    ],
    [{ global_filters: [] }, `${P}.global_filters: expected {"filters": [...]}, got an array`],
    [
      { global_filters: { filters: [], and: [] } },
      `${P}.global_filters: unknown "and"; a filter group has "filters"`,
    ],
    [
      { global_filters: { filters: {} } },
      `${P}.global_filters.filters: expected an array of filters {"key", "include", "values", "type"}, got an object`,
    ],
    [
      { local_filters: [] },
      `${P}.local_filters: expected an object of folder uuid → {"filters": [...]}, got an array`,
    ],
    [
      { local_filters: { root: { filters: [] } } },
      `${P}.local_filters["root"]: local filters are keyed by a folder uuid, got "root"`,
    ],
    [
      { local_filters: { [FOLDER]: null } },
      `${P}.local_filters["${FOLDER}"]: expected {"filters": [...]}, got null`,
    ],
    [
      { local_filters: { [FOLDER]: { filters: [5] } } },
      `${P}.local_filters["${FOLDER}"].filters[0]: expected a filter {"key", "include", "values", "type"}, got a number`,
    ],
    [
      preset([{ include: true, values: [], type: 'enum' }]),
      `${G}[0].key: expected a non-empty string (a metadata key), got undefined`,
    ],
    [
      preset([element('', 'enum', [])]),
      `${G}[0].key: expected a non-empty string (a metadata key), got a string`,
    ],
    [
      preset([{ key: 'k', values: [], type: 'enum' }]),
      `${G}[0].include: expected true or false, got undefined`,
    ],
    [
      preset([{ ...element('k', 'enum', []), include: 'yes' }]),
      `${G}[0].include: expected true or false, got a string`,
    ],
    [
      preset([element('k', 'variant', [])]),
      `${G}[0].type: expected one of enum, varchar, string, boolean, uuid, user, number, datetime, text, long_string, embedding, geospatial, got "variant"`,
    ],
    [
      preset([{ key: 'k', include: true, values: [] }]),
      `${G}[0].type: expected one of enum, varchar, string, boolean, uuid, user, number, datetime, text, long_string, embedding, geospatial, got undefined`,
    ],
    [preset([{ key: 'k', include: true, type: 'enum' }]), `${G}[0].values: expected an array, got undefined`],
    [
      preset([element('k', 'enum', 'rain' as unknown as unknown[])]),
      `${G}[0].values: expected an array, got a string`,
    ],
    [
      preset([element('a', 'enum', ['x']), element('k', 'enum', ['rain', 3])]),
      `${G}[1].values[1]: a enum filter's values are strings, got a number`,
    ],
    [
      preset([element('k', 'varchar', [null])]),
      `${G}[0].values[0]: a varchar filter's values are strings, got null`,
    ],
    [
      preset([element('k', 'boolean', ['true'])]),
      `${G}[0].values[0]: a boolean filter's values are true or false, got "true"`,
    ],
    [
      preset([element('k', 'uuid', ['root'])]),
      `${G}[0].values[0]: a uuid filter's values are uuid strings, got "root"`,
    ],
    [
      preset([element('k', 'text', [1])]),
      `${G}[0].values[0]: a text filter's values are strings, got a number`,
    ],
    [
      preset([element('k', 'number', ['1', null])]),
      `${G}[0].values[0]: a number filter's bounds are numbers or null, got a string`,
    ],
    [
      preset([element('k', 'number', [1])]),
      `${G}[0].values: a number filter takes [min, max] (null for an open end) or [], got 1 values`,
    ],
    [
      preset([element('k', 'datetime', [1, 2, 3])]),
      `${G}[0].values[0]: a datetime filter's bounds are ISO 8601 strings ("2024-05-01" or "2024-05-01T12:00:00Z") or null, got a number`,
    ],
    [
      preset([element('k', 'datetime', [null, '2024-05-01T12:00'])]),
      `${G}[0].values[1]: a datetime filter's bounds are ISO 8601 strings ("2024-05-01" or "2024-05-01T12:00:00Z") or null, got "2024-05-01T12:00"`,
    ],
    [
      preset([element('k', 'datetime', ['2024-05-01', null, null])]),
      `${G}[0].values: a datetime filter takes [min, max] (null for an open end) or [], got 3 values`,
    ],
    [{ metaindex_filter: 5 }, `${P}.metaindex_filter: expected filter text or a filter object, got a number`],
    [
      { metaindex_filter: 'speed >' },
      `${P}.metaindex_filter: column 8: expected a value (a number, a string, true or false), found the end of the filter`,
    ],
    [
      { metaindex_filter: { key: 'k', op: 'like' } },
      `${P}.metaindex_filter.op: expected one of eq, ne, lt, lte, gt, gte, in, nin, between, contains, startswith, matches, exists, got "like"`,
    ],
  ])('rejects %j', (json, expected) => {
    const error = thrown(() => presetToFilter(json));
    expect(error.message).toBe(expected);
    expect((error.details as { path: string }).path).toBe(expected.slice(0, expected.indexOf(': ')));
  });

  it('uses the path given', () => {
    expect(() => presetToFilter({ global_filters: 1 }, 'body.filterPreset')).toThrow(
      'body.filterPreset.global_filters: expected {"filters": [...]}, got a number',
    );
  });

  it('reports the column of a syntax error in metaindex_filter', () => {
    expect(thrown(() => presetToFilter({ metaindex_filter: 'a = ' })).details).toMatchObject({
      path: 'filterPresetJson.metaindex_filter',
      column: 5,
    });
  });
});

describe('filterToPreset', () => {
  const toPreset = (filter: string): IndexFilterPresetJson => filterToPreset(parseFilter(filter), schema);
  const globals = (filter: string): unknown[] => {
    const result = toPreset(filter);
    expect(result.metaindex_filter).toBeUndefined();
    return result.global_filters.filters;
  };

  it('writes the Encord shape with the nil folder group', () => {
    expect(toPreset('weather = "rain"')).toEqual({
      local_filters: { [NIL_FOLDER_UUID]: { filters: [] } },
      global_filters: { filters: [{ key: 'weather', include: true, values: ['rain'], type: 'enum' }] },
    });
  });

  it.each([
    ['weather in ["rain", "snow"]', [element('weather', 'enum', ['rain', 'snow'])]],
    ['label = "x"', [element('label', 'varchar', ['x'])]],
    ['night = false', [element('night', 'boolean', [false])]],
    [`id in ["${UUID}"]`, [element('id', 'uuid', [UUID])]],
    ['owner = "ann"', [element('owner', 'user', ['ann'])]],
    ['speed between 1 and 2', [element('speed', 'number', [1, 2])]],
    ['speed >= 1', [element('speed', 'number', [1, null])]],
    ['speed <= 1', [element('speed', 'number', [null, 1])]],
    ['when >= "2024-05-01"', [element('when', 'datetime', ['2024-05-01', null])]],
    ['caption matches "red car"', [element('caption', 'text', ['red car'])]],
    ['caption matches "a" or caption matches "b"', [element('caption', 'text', ['a', 'b'])]],
    ['not (caption matches "a" or caption matches "b")', [element('caption', 'text', ['a', 'b'], false)]],
    ['night = true or night = false', [element('night', 'boolean', [true, false])]],
    [
      'clip exists and where not exists',
      [element('clip', 'embedding', []), element('where', 'geospatial', [], false)],
    ],
    ['speed exists', [element('speed', 'number', [])]],
    [
      'not weather in ["rain"] and not night = true',
      [element('weather', 'enum', ['rain'], false), element('night', 'boolean', [true], false)],
    ],
    [
      '$name = "a.jpg" and $type in ["image", "video"]',
      [element('$name', 'varchar', ['a.jpg']), element('$type', 'enum', ['image', 'video'])],
    ],
    [
      '$created between "2024-05-01" and "2024-06-01" and $edited <= "2024-07-01"',
      [
        element('$created', 'datetime', ['2024-05-01', '2024-06-01']),
        element('$edited', 'datetime', [null, '2024-07-01']),
      ],
    ],
  ])('maps %s', (filter, expected) => {
    expect(globals(filter)).toEqual(expected);
  });

  it('writes folder groups', () => {
    const result = toPreset(
      `weather = "rain" and (not $folder = "${FOLDER}" or (night = true and speed >= 1)) and (not $folder = "${FOLDER_2}" or label = "x")`,
    );
    expect(result).toEqual({
      local_filters: {
        [NIL_FOLDER_UUID]: { filters: [] },
        [FOLDER]: { filters: [element('night', 'boolean', [true]), element('speed', 'number', [1, null])] },
        [FOLDER_2]: { filters: [element('label', 'varchar', ['x'])] },
      },
      global_filters: { filters: [element('weather', 'enum', ['rain'])] },
    });
  });

  it.each([
    'speed != 1',
    'weather not in ["rain"] and speed < 3',
    'speed > 1',
    'label contains "a"',
    'label startswith "a"',
    'label matches "a"',
    'caption = "a"',
    'speed = 1',
    'speed in [1, 2]',
    'weather between "rain" and "snow"',
    'when = "2024-05-01"',
    'speed >= "fast"',
    'night = "yes"',
    'nope = 1',
    'gone = 1',
    '$folder = "aaaaaaaa-0000-4000-8000-000000000001"',
    `$collection in ["${UUID}"]`,
    'speed = 1 or label = "a"',
    'not (not speed exists)',
    '(speed >= 1 and label = "a") and night = true',
    'caption matches "a" or label matches "b"',
    'caption matches "a" or caption = "b"',
    'night = true or night != false',
    'night = true or speed >= 1',
    'label = "a" or label = "b"',
    `not $folder = "${NIL_FOLDER_UUID}" or night = true`,
    `(not $folder = "${FOLDER}" or night = true) and (not $folder = "${FOLDER}" or speed >= 1)`,
    `not $folder = "${FOLDER}" or speed != 1`,
    `not $folder = "${FOLDER}" or (night = true or speed >= 1)`,
    `$folder = "${FOLDER}" or night = true`,
  ])('keeps %s whole in metaindex_filter', (filter) => {
    const node = parseFilter(filter);
    const result = filterToPreset(node, schema);
    expect(result).toEqual({
      local_filters: { [NIL_FOLDER_UUID]: { filters: [] } },
      global_filters: { filters: [] },
      metaindex_filter: printFilter(node),
    });
    expect(presetToFilter(result)).toEqual(node);
  });
});

// ---------------------------------------------------------------------------------
// Properties

const FOLDERS = [FOLDER, FOLDER_2, 'aaaaaaaa-0000-4000-8000-000000000003'];

/** Literals an Encord element of this type carries that also bind to the key. */
function arbSetLiteral(key: string, s: SchemaMap): fc.Arbitrary<FilterLiteral> | undefined {
  if (key === '$name') return fc.constantFrom(...SAMPLE_STRINGS);
  if (key === '$type') return fc.constantFrom(...ITEM_TYPE_NAMES);
  const entry = s.get(key);
  if (entry === undefined || entry.ty === 'tombstone') return undefined;
  if (entry.ty === 'enum') return fc.constantFrom(...entry.values);
  switch (valueTypeName(entry)) {
    case 'varchar':
    case 'user':
      return fc.constantFrom(...SAMPLE_STRINGS.filter((v) => v !== ''));
    case 'boolean':
      return fc.boolean();
    case 'uuid':
      return fc.constantFrom(...SAMPLE_UUIDS);
    default:
      return undefined;
  }
}

function arbRangeLiteral(key: string, s: SchemaMap): fc.Arbitrary<FilterLiteral> | undefined {
  if (key === '$created' || key === '$edited') return fc.constantFrom(...SAMPLE_DATETIMES);
  const entry = s.get(key);
  if (entry === undefined || entry.ty === 'tombstone') return undefined;
  const type = valueTypeName(entry);
  if (type === 'number') return fc.constantFrom(...SAMPLE_NUMBERS);
  if (type === 'datetime') return fc.constantFrom(...SAMPLE_DATETIMES);
  return undefined;
}

const andOf = (nodes: FilterNode[]): FilterNode => (hasAtLeastTwo(nodes) ? { and: nodes } : nodes[0]!);
const orOf = (nodes: FilterNode[]): FilterNode => (hasAtLeastTwo(nodes) ? { or: nodes } : nodes[0]!);

/** One representable part: an atom (or an `or` of matches) on a key, maybe under `not`. */
function arbPart(s: SchemaMap): fc.Arbitrary<FilterNode> {
  const parts: fc.Arbitrary<FilterNode>[] = [];
  const keys = [
    '$name',
    '$type',
    '$created',
    '$edited',
    ...[...s].filter(([, t]) => t.ty !== 'tombstone').map(([k]) => k),
  ];
  for (const key of keys) {
    parts.push(fc.constant<FilterNode>({ key, op: 'exists' }));
    const set = arbSetLiteral(key, s);
    if (set !== undefined) {
      parts.push(set.map((value): FilterNode => ({ key, op: 'eq', value })));
      const several = fc.array(set, { minLength: 1, maxLength: 3 });
      const entry = s.get(key);
      if (entry !== undefined && entry.ty !== 'tombstone' && valueTypeName(entry) === 'boolean') {
        // Booleans have no `in`: several values are an `or` of `=`.
        parts.push(
          several.map((values) => orOf(values.map((value): FilterNode => ({ key, op: 'eq', value })))),
        );
      } else {
        parts.push(
          several.map(([first, ...rest]): FilterNode => ({ key, op: 'in', value: [first!, ...rest] })),
        );
      }
    }
    const range = arbRangeLiteral(key, s);
    if (range !== undefined) {
      parts.push(
        fc.tuple(range, range).map(([low, high]): FilterNode => ({ key, op: 'between', value: [low, high] })),
      );
      parts.push(range.map((value): FilterNode => ({ key, op: 'gte', value })));
      parts.push(range.map((value): FilterNode => ({ key, op: 'lte', value })));
    }
    const entry = s.get(key);
    if (entry !== undefined && entry.ty !== 'tombstone' && valueTypeName(entry) === 'text') {
      const search = fc.array(fc.constantFrom(...SAMPLE_WORDS), { maxLength: 2 }).map((w) => w.join(' '));
      parts.push(
        fc
          .array(search, { minLength: 1, maxLength: 3 })
          .map((values) => orOf(values.map((value): FilterAtom => ({ key, op: 'matches', value })))),
      );
    }
  }
  return fc.tuple(fc.oneof(...parts), fc.boolean()).map(([part, negate]) => (negate ? { not: part } : part));
}

/** Global parts, then folder groups (distinct folders): the order presetToFilter writes. */
function arbRepresentable(s: SchemaMap): fc.Arbitrary<FilterNode> {
  const part = arbPart(s);
  const group = fc
    .tuple(fc.constantFrom(...FOLDERS), fc.array(part, { minLength: 1, maxLength: 3 }))
    .map(([folder, parts]) => ({ folder, parts }));
  return fc
    .tuple(
      fc.array(part, { maxLength: 4 }),
      fc.uniqueArray(group, { selector: (g) => g.folder, maxLength: 2 }),
    )
    .filter(([globalParts, groups]) => globalParts.length + groups.length > 0)
    .map(([globalParts, groups]) =>
      andOf([
        ...globalParts,
        ...groups.map(({ folder, parts }): FilterNode => ({
          or: [{ not: { key: '$folder', op: 'eq', value: folder } }, andOf(parts)],
        })),
      ]),
    );
}

/** The documented canonicalisation: `in` with one value reads back as `=`. */
function canonical(node: FilterNode): FilterNode {
  if (isAtom(node)) {
    return node.op === 'in' && node.value.length === 1
      ? { key: node.key, op: 'eq', value: node.value[0] }
      : node;
  }
  if ('not' in node) return { not: canonical(node.not) };
  if ('and' in node)
    return { and: [canonical(node.and[0]), canonical(node.and[1]), ...node.and.slice(2).map(canonical)] };
  return { or: [canonical(node.or[0]), canonical(node.or[1]), ...node.or.slice(2).map(canonical)] };
}

const itemOptions = {
  folderPaths: [[FOLDERS[0]!], [FOLDERS[1]!, FOLDERS[0]!], [FOLDERS[2]!]],
  minLength: 1,
  maxLength: 12,
};

/** Results of a filter (null: every item) over items. */
const results = (node: FilterNode | null, s: SchemaMap, items: readonly EvaluableItem[]): boolean[] =>
  node === null ? items.map(() => true) : items.map(compilePredicate(bindFilter(node, s)));

describe('properties', () => {
  it('representable filters become Encord filters and read back as themselves', () => {
    fc.assert(
      fc.property(
        arbSchema().chain((s) => fc.tuple(fc.constant(s), arbRepresentable(s))),
        ([s, filter]) => {
          const result = filterToPreset(filter, s);
          expect(result.metaindex_filter).toBeUndefined();
          const transported: unknown = JSON.parse(JSON.stringify(result));
          expect(presetToFilter(transported)).toEqual(canonical(filter));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every filter means the same after a trip through a preset', () => {
    const arbAny = (s: SchemaMap): fc.Arbitrary<FilterNode> =>
      fc.oneof(arbFilter(s, { folders: FOLDERS }), arbRepresentable(s));
    fc.assert(
      fc.property(
        arbSchema({ legacy: true, tombstones: true }).chain((s) =>
          fc.tuple(fc.constant(s), arbAny(s), arbItems(s, itemOptions)),
        ),
        ([s, filter, items]) => {
          const back = presetToFilter(JSON.parse(JSON.stringify(filterToPreset(filter, s))));
          expect(results(back, s, items)).toEqual(results(filter, s, items));
        },
      ),
      { numRuns: 300 },
    );
  });
});
