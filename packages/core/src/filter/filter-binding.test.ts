import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import { arbFilter, arbSchema } from '../testing/filter-arbitraries.js';
import type { FilterNode } from './filter-ast.js';
import {
  BUILTIN_OPERATORS,
  bindFilter,
  isBoundAtom,
  ITEM_TYPE_NAMES,
  keyField,
  type BoundAtom,
  type BoundFilter,
} from './filter-binding.js';
import { parseFilter } from './filter-parser.js';

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
  ['short', { ty: 'varchar', max_length: 3 }],
  ['f32', { ty: 'number', format: 'F32' }],
  ['gone', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'number' } }],
  ['burned', { ty: 'tombstone', deleted_ty: null }],
]);

const bind = (text: string): BoundFilter => bindFilter(parseFilter(text), schema);

/** The single bound atom of a filter text. */
function atomOf(text: string): BoundAtom {
  const bound = bind(text);
  if (!isBoundAtom(bound)) throw new Error(`${text} is not an atom`);
  return bound;
}

/** The error binding throws, checked to be an InvalidArgumentError. */
function bindError(filter: string | FilterNode): InvalidArgumentError {
  try {
    bindFilter(typeof filter === 'string' ? parseFilter(filter) : filter, schema);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('binding did not fail');
}

const message = (filter: string | FilterNode): string => bindError(filter).message;

describe('fields', () => {
  it('binds each live key to its type, domain and compiled check', () => {
    const expected = {
      speed: ['number', 'number'],
      label: ['varchar', 'string'],
      caption: ['text', 'string'],
      night: ['boolean', 'boolean'],
      when: ['datetime', 'number'],
      id: ['uuid', 'string'],
      weather: ['enum', 'string'],
      clip: ['embedding', 'presence'],
      where: ['geospatial', 'presence'],
      owner: ['user', 'string'],
      short: ['varchar', 'string'],
      f32: ['number', 'number'],
    } as const;
    for (const [key, [type, domain]] of Object.entries(expected)) {
      const field = keyField(schema, key)!;
      expect(field).toMatchObject({ kind: 'key', key, type, domain });
      expect(typeof field.check).toBe('function');
    }
    expect(keyField(schema, 'gone')).toBeUndefined();
    expect(keyField(schema, 'burned')).toBeUndefined();
    expect(keyField(schema, 'nope')).toBeUndefined();
  });

  it('binds keys the schema lacks or deleted to never, whatever the literal', () => {
    expect(atomOf('nope = "x"')).toEqual({ kind: 'never', key: 'nope' });
    expect(atomOf('gone contains "x"')).toEqual({ kind: 'never', key: 'gone' });
    expect(atomOf('burned between true and "z"')).toEqual({ kind: 'never', key: 'burned' });
    expect(atomOf('nope exists')).toEqual({ kind: 'never', key: 'nope' });
  });

  it('binds the built-in value fields', () => {
    expect(atomOf('$name exists')).toEqual({
      kind: 'exists',
      field: { kind: 'builtin', name: '$name', domain: 'string' },
    });
    expect(atomOf('$created exists')).toMatchObject({ field: { name: '$created', domain: 'number' } });
    expect(atomOf('$edited exists')).toMatchObject({ field: { name: '$edited', domain: 'number' } });
    expect(atomOf('$type exists')).toMatchObject({ field: { name: '$type', domain: 'string' } });
  });

  it('keeps the tree shape and paths', () => {
    const bound = bind('speed > 1 and (night = true or not (label = "a"))');
    expect(bound).toMatchObject({
      and: [
        { kind: 'compare', op: 'gt', value: 1 },
        { or: [{ kind: 'compare', op: 'eq', value: true }, { not: { kind: 'compare', value: 'a' } }] },
      ],
    });
  });
});

describe('literals by type', () => {
  it('number: numbers only', () => {
    expect(atomOf('speed = 1.5')).toMatchObject({ kind: 'compare', op: 'eq', value: 1.5 });
    expect(atomOf('f32 < 1e300')).toMatchObject({ value: 1e300 });
    expect(message('speed = "fast"')).toBe(
      'filter.value: key "speed" (number) compares with a number, got "fast"',
    );
    expect(message('speed = true')).toBe(
      'filter.value: key "speed" (number) compares with a number, got a boolean true',
    );
    expect(message('speed in [1, "2"]')).toBe(
      'filter.value[1]: key "speed" (number) compares with a number, got "2"',
    );
  });

  it('datetime: ISO strings, bound as epoch ms', () => {
    expect(atomOf('when = "2024-05-01"')).toMatchObject({ value: Date.UTC(2024, 4, 1) });
    expect(atomOf('when = "2024-05-01T02:00:00+02:00"')).toMatchObject({ value: Date.UTC(2024, 4, 1) });
    expect(atomOf('when between "2024-05-01 12:00z" and "2024-05-02T00:00:00.5-01:00"')).toMatchObject({
      kind: 'between',
      low: Date.UTC(2024, 4, 1, 12),
      high: Date.UTC(2024, 4, 2, 1, 0, 0, 500),
    });
    const expected = 'an ISO 8601 date or instant string ("2024-05-01" or "2024-05-01T12:00:00Z")';
    expect(message('when > "2024-05-01T12:00"')).toBe(
      `filter.value: key "when" (datetime) compares with ${expected}, got "2024-05-01T12:00"`,
    );
    expect(message('when > 1714521600000')).toBe(
      `filter.value: key "when" (datetime) compares with ${expected}, got a number 1714521600000`,
    );
    expect(message('when between "2024-05-01" and "2024-02-30"')).toBe(
      `filter.value[1]: key "when" (datetime) compares with ${expected}, got "2024-02-30"`,
    );
  });

  it('boolean: true or false', () => {
    expect(atomOf('night != false')).toMatchObject({ kind: 'compare', op: 'ne', value: false });
    expect(message('night = "true"')).toBe(
      'filter.value: key "night" (boolean) compares with true or false, got "true"',
    );
    expect(message('night = 1')).toBe(
      'filter.value: key "night" (boolean) compares with true or false, got a number 1',
    );
  });

  it('uuid: uuid strings, bound lowercase', () => {
    expect(atomOf(`id = "${UUID.toUpperCase()}"`)).toMatchObject({ value: UUID });
    expect(atomOf('id = "00000000-0000-0000-0000-000000000000"')).toMatchObject({
      value: '00000000-0000-0000-0000-000000000000',
    });
    expect(message('id = "not-a-uuid"')).toBe(
      'filter.value: key "id" (uuid) compares with a uuid string, got "not-a-uuid"',
    );
    expect(message('id < 7')).toBe(
      'filter.value: key "id" (uuid) compares with a uuid string, got a number 7',
    );
  });

  it('enum: one of the options, exactly', () => {
    expect(atomOf('weather = "rain"')).toMatchObject({ value: 'rain' });
    expect(message('weather = "hail"')).toBe(
      'filter.value: key "weather" (enum) compares with one of its options ("rain", "snow"), got "hail"',
    );
    expect(message('weather = "Rain"')).toBe(
      'filter.value: key "weather" (enum) compares with one of its options ("rain", "snow"), got "Rain"',
    );
    expect(message('weather in ["rain", false]')).toBe(
      'filter.value[1]: key "weather" (enum) compares with one of its options (a string), got a boolean false',
    );
  });

  it('varchar, text and user: any string, kept as written', () => {
    expect(atomOf('label = "Straße"')).toMatchObject({ value: 'Straße' });
    expect(atomOf('short = "longer than three"')).toMatchObject({ value: 'longer than three' });
    expect(atomOf('caption < "B"')).toMatchObject({ value: 'B' });
    expect(atomOf('owner = ""')).toMatchObject({ value: '' });
    expect(message('label = 5')).toBe(
      'filter.value: key "label" (varchar) compares with a string, got a number 5',
    );
    expect(message('caption = false')).toBe(
      'filter.value: key "caption" (text) compares with a string, got a boolean false',
    );
    expect(message('owner in [1]')).toBe(
      'filter.value[0]: key "owner" (user) compares with a string, got a number 1',
    );
  });

  it('$name: strings', () => {
    expect(atomOf('$name >= "a"')).toMatchObject({ kind: 'compare', op: 'gte', value: 'a' });
    expect(message('$name = 1')).toBe('filter.value: $name compares with a string, got a number 1');
  });

  it('$type: item types, case-insensitively, bound to their canonical spelling', () => {
    expect(atomOf('$type = "IMAGEGROUP"')).toMatchObject({ value: 'imageGroup' });
    expect(atomOf('$type in ["video", "Video", "VIDEO"]')).toMatchObject({ kind: 'in', values: ['video'] });
    expect(message('$type = "photo"')).toBe(
      `filter.value: $type compares with an item type (${ITEM_TYPE_NAMES.join(', ')}), got "photo"`,
    );
    expect(message('$type = true')).toBe('filter.value: $type compares with a string, got a boolean true');
  });

  it('$created and $edited: instants', () => {
    expect(atomOf('$created < "2024-05-01T00:00:00-02:00"')).toMatchObject({
      value: Date.UTC(2024, 4, 1, 2),
    });
    expect(message('$edited = "today"')).toBe(
      'filter.value: $edited compares with an ISO 8601 date or instant string ("2024-05-01" or "2024-05-01T12:00:00Z"), got "today"',
    );
  });

  it('carries the key in the error details and locates nested literals', () => {
    const error = bindError('speed > 1 and (night = true or not (weather in ["rain", "hail"]))');
    expect(error.message).toBe(
      'filter.and[1].or[1].not.value[1]: key "weather" (enum) compares with one of its options ("rain", "snow"), got "hail"',
    );
    expect(error.details).toEqual({ path: 'filter.and[1].or[1].not.value[1]', key: 'weather' });
  });

  it('uses the path given', () => {
    expect(() => bindFilter(parseFilter('speed = "x"'), schema, 'body.filter')).toThrow(
      'body.filter.value: key "speed" (number) compares with a number, got "x"',
    );
  });
});

describe('operators', () => {
  it('reports every operator the type lacks, with paths, before any literal', () => {
    const error = bindError('night contains "x" and (clip = 1 or where > 2) and speed = "x"');
    expect(error.message).toBe(
      [
        'filter.and[0]: key "night" (boolean) does not support "contains"; boolean supports eq, ne, exists',
        'filter.and[1].or[0]: key "clip" (embedding) does not support "eq"; embedding supports exists',
        'filter.and[1].or[1]: key "where" (geospatial) does not support "gt"; geospatial supports exists',
      ].join('; '),
    );
    expect(error.details).toMatchObject({ path: 'filter.and[0]', key: 'night' });
    expect((error.details as { problems: unknown[] }).problems).toHaveLength(3);
  });

  it('rejects unknown built-ins', () => {
    expect(message('$size > 1')).toBe(
      'filter: unknown built-in field "$size"; the built-in fields are $name, $type, $created, $edited, $folder, $collection, $dataset',
    );
  });

  it.each([
    ['$type < "image"', '$type does not support "lt"; it supports eq, ne, in, nin, exists'],
    [
      '$name matches "x"',
      `$name does not support "matches"; it supports ${BUILTIN_OPERATORS.$name.join(', ')}`,
    ],
    [
      '$created contains "2024"',
      `$created does not support "contains"; it supports ${BUILTIN_OPERATORS.$created.join(', ')}`,
    ],
    ['$folder exists', '$folder does not support "exists"; it supports eq, ne, in, nin'],
    ['$collection > "x"', '$collection does not support "gt"; it supports eq, ne, in, nin'],
    ['$dataset between "a" and "b"', '$dataset does not support "between"; it supports eq, ne, in, nin'],
  ])('rejects %s', (text, expected) => {
    const error = bindError(text);
    expect(error.message).toBe(`filter: ${expected}`);
    expect(error.details).toMatchObject({ path: 'filter', key: text.split(' ')[0] });
  });

  it('binds exists on every typed key, embedding and geospatial included', () => {
    for (const key of [
      'speed',
      'label',
      'caption',
      'night',
      'when',
      'id',
      'weather',
      'clip',
      'where',
      'owner',
    ]) {
      expect(atomOf(`\`${key}\` exists`)).toMatchObject({ kind: 'exists', field: { key } });
    }
  });
});

describe('in and nin', () => {
  it('dedups values after normalising them', () => {
    expect(atomOf('speed in [1, 2, 1, 2.0]')).toMatchObject({ kind: 'in', negated: false, values: [1, 2] });
    expect(atomOf(`id not in ["${UUID}", "${UUID.toUpperCase()}"]`)).toMatchObject({
      kind: 'in',
      negated: true,
      values: [UUID],
    });
    expect(
      atomOf('when in ["2024-05-01", "2024-05-01T00:00:00Z", "2024-05-01T01:00:00+01:00"]'),
    ).toMatchObject({
      values: [Date.UTC(2024, 4, 1)],
    });
    expect(atomOf('label in ["a", "A", "a"]')).toMatchObject({ values: ['a', 'A'] });
    expect(atomOf('$type not in ["image", "Image"]')).toMatchObject({ negated: true, values: ['image'] });
  });
});

describe('string operators', () => {
  it('folds contains and startswith values, without checking them against the type', () => {
    expect(atomOf('label contains "ÄB Straße"')).toMatchObject({ kind: 'contains', value: 'äb straße' });
    expect(atomOf('caption startswith "İ"')).toMatchObject({ kind: 'startswith', value: 'i\u0307' });
    expect(atomOf('short contains "far longer than three"')).toMatchObject({
      value: 'far longer than three',
    });
    expect(atomOf('$name contains "IMG"')).toMatchObject({
      kind: 'contains',
      value: 'img',
      field: { name: '$name' },
    });
    expect(atomOf('label contains ""')).toMatchObject({ value: '' });
  });

  it('splits matches into distinct folded words', () => {
    expect(atomOf('caption matches "Red car, RED  car!"')).toMatchObject({
      kind: 'matches',
      field: { key: 'caption' },
      words: ['red', 'car'],
    });
    expect(atomOf('caption matches "東京-Москва 42"')).toMatchObject({ words: ['東京', 'москва', '42'] });
    expect(atomOf('caption matches "cafe\u0301"')).toMatchObject({ words: ['cafe\u0301'] });
    expect(atomOf('label matches "?!"')).toMatchObject({ kind: 'matches', words: [] });
    expect(atomOf('caption matches ""')).toMatchObject({ words: [] });
  });

  it('rejects string operators on types without them', () => {
    expect(message('weather contains "r"')).toBe(
      'filter: key "weather" (enum) does not support "contains"; enum supports eq, ne, lt, lte, gt, gte, in, nin, between, exists',
    );
    expect(message('id startswith "1"')).toContain('key "id" (uuid) does not support "startswith"');
    expect(message('owner matches "ann"')).toContain('key "owner" (user) does not support "matches"');
  });
});

describe('membership fields', () => {
  const FOLDER = 'aaaaaaaa-0000-4000-8000-000000000001';

  it('binds eq, ne, in and nin to lowercase, distinct uuids', () => {
    expect(atomOf(`$folder = "${FOLDER.toUpperCase()}"`)).toEqual({
      kind: 'member',
      field: '$folder',
      negated: false,
      uuids: [FOLDER],
    });
    expect(atomOf(`$collection != "${FOLDER}"`)).toEqual({
      kind: 'member',
      field: '$collection',
      negated: true,
      uuids: [FOLDER],
    });
    expect(atomOf(`$dataset in ["${FOLDER}", "${FOLDER.toUpperCase()}", "${UUID}"]`)).toEqual({
      kind: 'member',
      field: '$dataset',
      negated: false,
      uuids: [FOLDER, UUID],
    });
    expect(atomOf(`$folder not in ["${UUID}"]`)).toMatchObject({ negated: true, uuids: [UUID] });
  });

  it('rejects anything but uuid strings', () => {
    expect(message('$folder = "root"')).toBe('filter.value: $folder compares with a uuid string, got "root"');
    expect(message(`$collection in ["${UUID}", 3]`)).toBe(
      'filter.value[1]: $collection compares with a uuid string, got a number 3',
    );
    expect(message('$dataset != true')).toBe(
      'filter.value: $dataset compares with a uuid string, got a boolean true',
    );
    expect(bindError('$folder = "root"').details).toEqual({ path: 'filter.value', key: '$folder' });
  });
});

describe('properties', () => {
  it('binds every generated filter, and atoms on keys without a live type to never', () => {
    const collect = (node: BoundFilter, out: BoundAtom[]): BoundAtom[] => {
      if (isBoundAtom(node)) out.push(node);
      else if ('not' in node) collect(node.not, out);
      else ('and' in node ? node.and : node.or).forEach((child) => collect(child, out));
      return out;
    };
    fc.assert(
      fc.property(
        arbSchema({ legacy: true, tombstones: true }).chain((s) => fc.tuple(fc.constant(s), arbFilter(s))),
        ([s, filter]) => {
          for (const atom of collect(bindFilter(filter, s), [])) {
            if (atom.kind === 'never') {
              const entry = s.get(atom.key);
              expect(entry === undefined || entry.ty === 'tombstone').toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
