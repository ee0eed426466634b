import { describe, expect, it } from 'vitest';
import type { SchemaMap, SchemaTypeObject } from '../schema/schema-types.js';
import type { FilterNode } from './filter-ast.js';
import { parseFilter } from './filter-parser.js';
import { checkFilterAgainstSchema } from './filter-schema-check.js';

const schema: SchemaMap = new Map<string, SchemaTypeObject>([
  ['night', { ty: 'variant', hint: 'boolean' }],
  ['speed', { ty: 'variant', hint: 'number' }],
  ['caption', { ty: 'variant', hint: 'text' }],
  ['weather', { ty: 'enum', values: ['rain', 'snow'] }],
  ['clip', { ty: 'embedding', size: 4, api: null }],
  ['where', { ty: 'geospatial' }],
  ['owner', { ty: 'user' }],
  ['legacy', { ty: 'varchar', max_length: 10 }],
  ['gone', { ty: 'tombstone', deleted_ty: { ty: 'variant', hint: 'boolean' } }],
  ['burned', { ty: 'tombstone', deleted_ty: null }],
]);

const check = (text: string) => checkFilterAgainstSchema(parseFilter(text), schema);

describe('checkFilterAgainstSchema', () => {
  it('accepts operators each type declares', () => {
    expect(
      check(
        'night = true and speed between 1 and 2 and caption matches "car" and weather in ["rain"] and clip exists ' +
          'and where not exists and owner not in ["u"] and legacy startswith "a"',
      ),
    ).toEqual([]);
  });

  it('names key, type and operator, and what the type supports', () => {
    expect(check('night contains "x"')).toEqual([
      {
        path: 'filter',
        key: 'night',
        message: 'key "night" (boolean) does not support "contains"; boolean supports eq, ne, exists',
      },
    ]);
  });

  it('finds every problem, with paths through and, or and not', () => {
    const ast: FilterNode = parseFilter(
      'speed > 1 and (clip = 1 or not owner < "b") and weather matches "r"',
    );
    expect(checkFilterAgainstSchema(ast, schema).map((p) => [p.path, p.message])).toEqual([
      ['filter.and[1].or[0]', 'key "clip" (embedding) does not support "eq"; embedding supports exists'],
      [
        'filter.and[1].or[1].not',
        'key "owner" (user) does not support "lt"; user supports eq, ne, in, nin, exists',
      ],
      [
        'filter.and[2]',
        'key "weather" (enum) does not support "matches"; enum supports eq, ne, lt, lte, gt, gte, in, nin, between, exists',
      ],
    ]);
  });

  it('resolves legacy strict types too', () => {
    expect(check('legacy contains "a"')).toEqual([]);
    expect(
      checkFilterAgainstSchema(
        { key: 'x', op: 'contains', value: 'a' },
        new Map([['x', { ty: 'number', format: 'F32' }]]),
      ),
    ).toHaveLength(1);
  });

  it('lets keys absent from the schema or deleted through', () => {
    expect(check('unknown contains "x" and gone contains "x" and burned between 1 and 2')).toEqual([]);
  });

  it('accepts the built-in fields and reports unknown ones', () => {
    expect(
      check(
        '$name = "a" and $type = "image" and $created > 1 and $edited exists and $folder = "f" and $collection = "c" and $dataset = "d"',
      ),
    ).toEqual([]);
    expect(check('$size > 1 or `$` exists')).toEqual([
      {
        path: 'filter.or[0]',
        key: '$size',
        message:
          'unknown built-in field "$size"; the built-in fields are $name, $type, $created, $edited, $folder, $collection, $dataset',
      },
      {
        path: 'filter.or[1]',
        key: '$',
        message:
          'unknown built-in field "$"; the built-in fields are $name, $type, $created, $edited, $folder, $collection, $dataset',
      },
    ]);
  });
});
