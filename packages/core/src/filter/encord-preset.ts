import { InvalidArgumentError } from '../errors.js';
import { isTombstone, type SchemaMap } from '../schema/schema-types.js';
import { parseIsoInstant } from '../types/datetime-type.js';
import { jsonKind } from '../types/metadata-type.js';
import { valueTypeName } from '../types/type-registry.js';
import { normaliseUuid } from '../types/uuid-type.js';
import {
  hasAtLeastTwo,
  isAtom,
  validateFilter,
  type FilterAtom,
  type FilterLiteral,
  type FilterNode,
  type StringAtom,
} from './filter-ast.js';
import { parseFilter } from './filter-parser.js';
import { printFilter } from './filter-printer.js';
import { FilterSyntaxError } from './filter-syntax-error.js';

/**
 * Encord Index filter presets ⇄ the filter AST. A preset is
 * `{"local_filters": {"<folder uuid>": {"filters": [F…]}}, "global_filters": {"filters": [F…]}}`
 * with each F = `{"key", "include", "values", "type"}`. What F means depends on its type:
 *
 * - enum, varchar, string, boolean, uuid, user: `values` is a set (`key in values`; one
 *   value is `key = v`);
 * - number, datetime: `values` is `[min, max]`, either end null for open (between, >=,
 *   <=; both null is `exists`);
 * - text, long_string: each value is a search (`matches`; several are `or`ed);
 * - embedding, geospatial, and any type with no values: `exists`.
 *
 * `include: false` wraps the filter in `not`, so items lacking the key pass an exclusion.
 * Global filters are ANDed. A local group under the nil folder uuid applies everywhere;
 * one under folder U applies inside U: `not ($folder = U) or (G…)`. metaindex adds an
 * optional `metaindex_filter` (filter text or JSON AST), ANDed with the rest, so any
 * filter can be stored as a preset.
 */

/** The folder uuid whose local filters apply to every item. */
export const NIL_FOLDER_UUID = '00000000-0000-0000-0000-000000000000';

/** The `type` names a preset filter element may carry. */
export const PRESET_FILTER_TYPES = [
  'enum',
  'varchar',
  'string',
  'boolean',
  'uuid',
  'user',
  'number',
  'datetime',
  'text',
  'long_string',
  'embedding',
  'geospatial',
] as const;
export type PresetFilterType = (typeof PRESET_FILTER_TYPES)[number];

export type PresetFilterValue = string | number | boolean | null;

/** One filter element of a preset. */
export interface IndexPresetFilter {
  key: string;
  include: boolean;
  values: PresetFilterValue[];
  type: PresetFilterType;
}

export interface IndexPresetFilterGroup {
  filters: IndexPresetFilter[];
}

/** An Index filter preset definition, as stored and returned by `index/presets`. */
export interface IndexFilterPresetJson {
  local_filters: Record<string, IndexPresetFilterGroup>;
  global_filters: IndexPresetFilterGroup;
  /** metaindex's extension: a filter (in text syntax) ANDed with the Encord filters. */
  metaindex_filter?: string;
}

/** How a preset type reads its `values`. */
type ValuesKind = 'set' | 'range' | 'search' | 'presence';

const VALUES_KIND: Readonly<Record<PresetFilterType, ValuesKind>> = {
  enum: 'set',
  varchar: 'set',
  string: 'set',
  boolean: 'set',
  uuid: 'set',
  user: 'set',
  number: 'range',
  datetime: 'range',
  text: 'search',
  long_string: 'search',
  embedding: 'presence',
  geospatial: 'presence',
};

const PRESET_PROPERTIES = ['local_filters', 'global_filters', 'metaindex_filter'];
const GROUP_PROPERTIES = ['filters'];
const ELEMENT_SHAPE = '{"key", "include", "values", "type"}';

type JsonObject = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isPresetType = (value: unknown): value is PresetFilterType =>
  typeof value === 'string' && Object.hasOwn(VALUES_KIND, value);

function fail(path: string, message: string): never {
  throw new InvalidArgumentError(`${path}: ${message}`, { path });
}

const quoteAll = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');

function rejectUnknown(object: JsonObject, allowed: readonly string[], path: string, what: string): void {
  const unknown = Object.keys(object).filter((p) => !allowed.includes(p));
  if (unknown.length > 0) fail(path, `unknown ${quoteAll(unknown)}; ${what} has ${quoteAll(allowed)}`);
}

/**
 * What is wrong with one value of a preset element of this type, or undefined when it
 * fits. Range ends (number, datetime) may be null for an open end.
 */
function valueProblem(type: PresetFilterType, value: unknown): string | undefined {
  switch (type) {
    case 'number':
      return typeof value === 'number' || value === null
        ? undefined
        : `a number filter's bounds are numbers or null, got ${jsonKind(value)}`;
    case 'datetime':
      if (value === null) return undefined;
      if (typeof value === 'string' && parseIsoInstant(value) !== undefined) return undefined;
      return `a datetime filter's bounds are ISO 8601 strings ("2024-05-01" or "2024-05-01T12:00:00Z") or null, got ${describeValue(value)}`;
    case 'boolean':
      return typeof value === 'boolean'
        ? undefined
        : `a boolean filter's values are true or false, got ${describeValue(value)}`;
    case 'uuid':
      return typeof value === 'string' && normaliseUuid(value) !== undefined
        ? undefined
        : `a uuid filter's values are uuid strings, got ${describeValue(value)}`;
    case 'embedding':
    case 'geospatial':
      return undefined;
    default:
      return typeof value === 'string'
        ? undefined
        : `a ${type} filter's values are strings, got ${describeValue(value)}`;
  }
}

const describeValue = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : jsonKind(value);

/**
 * Turns an Index filter preset definition into a filter, or null when it has no filters
 * (every item passes). The shape is checked strictly: errors are `InvalidArgumentError`s
 * whose message starts with the path of the bad part, e.g.
 * `filterPresetJson.global_filters.filters[2].values: ...`. Properties of a filter
 * element other than key, include, values and type are ignored; anywhere else an unknown
 * property is an error.
 */
export function presetToFilter(json: unknown, path = 'filterPresetJson'): FilterNode | null {
  if (!isObject(json)) {
    fail(path, `expected a filter preset object {"local_filters", "global_filters"}, got ${jsonKind(json)}`);
  }
  rejectUnknown(json, PRESET_PROPERTIES, path, 'a filter preset (written in snake_case)');

  const conjuncts: FilterNode[] = [];
  const global = json['global_filters'];
  if (global !== undefined) conjuncts.push(...groupToNodes(global, `${path}.global_filters`));

  const local = json['local_filters'];
  if (local !== undefined) {
    if (!isObject(local)) {
      fail(
        `${path}.local_filters`,
        `expected an object of folder uuid → {"filters": [...]}, got ${jsonKind(local)}`,
      );
    }
    const scoped: FilterNode[] = [];
    for (const [folder, group] of Object.entries(local)) {
      const at = `${path}.local_filters[${JSON.stringify(folder)}]`;
      const uuid = normaliseUuid(folder);
      if (uuid === undefined) {
        fail(at, `local filters are keyed by a folder uuid, got ${JSON.stringify(folder)}`);
      }
      const nodes = groupToNodes(group, at);
      if (nodes.length === 0) continue;
      if (uuid === NIL_FOLDER_UUID) {
        conjuncts.push(...nodes);
      } else {
        const outside: FilterNode = { not: { key: '$folder', op: 'eq', value: folder } };
        scoped.push({ or: [outside, andOf(nodes)] });
      }
    }
    conjuncts.push(...scoped);
  }

  const extension = json['metaindex_filter'];
  // Absent, null and blank text all mean "no extension".
  if (
    extension !== undefined &&
    extension !== null &&
    !(typeof extension === 'string' && extension.trim() === '')
  ) {
    conjuncts.push(extensionToNode(extension, `${path}.metaindex_filter`));
  }
  if (conjuncts.length === 0) return null;
  return andOf(conjuncts);
}

/** One node for a non-empty list: itself, or their `and`. */
function andOf(nodes: readonly FilterNode[]): FilterNode {
  return hasAtLeastTwo(nodes) ? { and: nodes } : (nodes[0] as FilterNode);
}

function extensionToNode(value: unknown, path: string): FilterNode {
  if (typeof value === 'string') {
    try {
      return parseFilter(value);
    } catch (error) {
      if (error instanceof FilterSyntaxError) {
        throw new InvalidArgumentError(`${path}: ${error.message}`, {
          path,
          column: error.column,
          expected: error.expected,
          found: error.found,
        });
      }
      throw error;
    }
  }
  if (isObject(value)) return validateFilter(value, path);
  return fail(path, `expected filter text or a filter object, got ${jsonKind(value)}`);
}

function groupToNodes(group: unknown, path: string): FilterNode[] {
  if (!isObject(group)) fail(path, `expected {"filters": [...]}, got ${jsonKind(group)}`);
  rejectUnknown(group, GROUP_PROPERTIES, path, 'a filter group');
  const filters = group['filters'];
  if (filters === undefined) return [];
  if (!Array.isArray(filters)) {
    fail(`${path}.filters`, `expected an array of filters ${ELEMENT_SHAPE}, got ${jsonKind(filters)}`);
  }
  return filters.map((element: unknown, i) => elementToNode(element, `${path}.filters[${i}]`));
}

function elementToNode(element: unknown, path: string): FilterNode {
  if (!isObject(element)) fail(path, `expected a filter ${ELEMENT_SHAPE}, got ${jsonKind(element)}`);
  const key = element['key'];
  if (typeof key !== 'string' || key === '') {
    fail(`${path}.key`, `expected a non-empty string (a metadata key), got ${jsonKind(key)}`);
  }
  const include = element['include'];
  if (typeof include !== 'boolean') {
    fail(`${path}.include`, `expected true or false, got ${jsonKind(include)}`);
  }
  const type = element['type'];
  if (!isPresetType(type)) {
    fail(
      `${path}.type`,
      `expected one of ${PRESET_FILTER_TYPES.join(', ')}, got ${typeof type === 'string' ? JSON.stringify(type) : jsonKind(type)}`,
    );
  }
  const values = element['values'];
  if (!Array.isArray(values)) fail(`${path}.values`, `expected an array, got ${jsonKind(values)}`);
  const node = valuesToNode(key, type, values as readonly unknown[], `${path}.values`);
  return include ? node : { not: node };
}

function valuesToNode(
  key: string,
  type: PresetFilterType,
  values: readonly unknown[],
  path: string,
): FilterNode {
  const kind = VALUES_KIND[type];
  if (kind === 'presence' || values.length === 0) return { key, op: 'exists' };
  values.forEach((value, i) => {
    const problem = valueProblem(type, value);
    if (problem !== undefined) fail(`${path}[${i}]`, problem);
  });
  switch (kind) {
    case 'set': {
      const [first, ...rest] = values as readonly FilterLiteral[];
      if (first === undefined) return { key, op: 'exists' };
      if (rest.length === 0) return { key, op: 'eq', value: first };
      // Booleans have no `in`: several values are an `or` of `=`.
      if (type === 'boolean') {
        return orOf([first, ...rest].map((value): FilterAtom => ({ key, op: 'eq', value })));
      }
      return { key, op: 'in', value: [first, ...rest] };
    }
    case 'range': {
      if (values.length !== 2) {
        fail(
          path,
          `a ${type} filter takes [min, max] (null for an open end) or [], got ${values.length} values`,
        );
      }
      const [min, max] = values as readonly [FilterLiteral | null, FilterLiteral | null];
      if (min !== null && max !== null) return { key, op: 'between', value: [min, max] };
      if (min !== null) return { key, op: 'gte', value: min };
      if (max !== null) return { key, op: 'lte', value: max };
      return { key, op: 'exists' };
    }
    case 'search':
      return orOf((values as readonly string[]).map((value): StringAtom => ({ key, op: 'matches', value })));
  }
}

/** One node for a non-empty list: itself, or their `or`. */
function orOf(nodes: readonly FilterNode[]): FilterNode {
  return hasAtLeastTwo(nodes) ? { or: nodes } : (nodes[0] as FilterNode);
}

const BUILTIN_PRESET_TYPES: ReadonlyMap<string, PresetFilterType> = new Map<string, PresetFilterType>([
  ['$name', 'varchar'],
  ['$type', 'enum'],
  ['$created', 'datetime'],
  ['$edited', 'datetime'],
]);

/** The preset `type` of a key: its live schema type, or the built-in's; undefined otherwise. */
function presetTypeOf(key: string, schema: SchemaMap): PresetFilterType | undefined {
  if (key.startsWith('$')) return BUILTIN_PRESET_TYPES.get(key);
  const entry = schema.get(key);
  if (entry === undefined || isTombstone(entry)) return undefined;
  return valueTypeName(entry);
}

/**
 * Turns a filter into an Index filter preset definition. A filter that is one
 * representable part, or an `and` of them, becomes Encord filters: a part is an atom
 * (`=`/`in` on enum, varchar, boolean, uuid and user keys and `$name`/`$type`;
 * `between`/`>=`/`<=` on number and datetime keys and `$created`/`$edited`; `matches`,
 * or an `or` of `matches` on one text key; `exists` on any typed key), optionally under
 * one `not`; or `not ($folder = U) or P` with P a part or an `and` of parts (a local
 * group of folder U, each folder once). The element `type` comes from the schema.
 *
 * Any other filter (`!=`, `<`, `contains`, nested `or`s, keys the schema lacks, …) is
 * kept whole: the result has no Encord filters and carries the filter text in
 * `metaindex_filter`, so every filter can be stored as a preset and means the same
 * when read back with `presetToFilter`.
 */
export function filterToPreset(node: FilterNode, schema: SchemaMap): IndexFilterPresetJson {
  const conjuncts = isAtom(node) || !('and' in node) ? [node] : node.and;
  const global: IndexPresetFilter[] = [];
  const local: Record<string, IndexPresetFilterGroup> = { [NIL_FOLDER_UUID]: { filters: [] } };
  for (const conjunct of conjuncts) {
    const element = toElement(conjunct, schema);
    if (element !== undefined) {
      global.push(element);
      continue;
    }
    const group = toLocalGroup(conjunct, schema);
    if (group === undefined || Object.hasOwn(local, group.folder)) return keepWhole(node);
    local[group.folder] = { filters: group.filters };
  }
  return { local_filters: local, global_filters: { filters: global } };
}

function keepWhole(node: FilterNode): IndexFilterPresetJson {
  return {
    local_filters: { [NIL_FOLDER_UUID]: { filters: [] } },
    global_filters: { filters: [] },
    metaindex_filter: printFilter(node),
  };
}

/** `not ($folder = U) or P`, with U a folder uuid other than nil and P elements. */
function toLocalGroup(
  node: FilterNode,
  schema: SchemaMap,
): { folder: string; filters: IndexPresetFilter[] } | undefined {
  if (!('or' in node) || node.or.length !== 2) return undefined;
  const [outside, inside] = node.or;
  if (!('not' in outside)) return undefined;
  const scope = outside.not;
  if (!isAtom(scope) || scope.key !== '$folder' || scope.op !== 'eq' || typeof scope.value !== 'string') {
    return undefined;
  }
  const folder = scope.value;
  const uuid = normaliseUuid(folder);
  if (uuid === undefined || uuid === NIL_FOLDER_UUID) return undefined;
  const parts = !isAtom(inside) && 'and' in inside ? inside.and : [inside];
  const filters: IndexPresetFilter[] = [];
  for (const part of parts) {
    const element = toElement(part, schema);
    if (element === undefined) return undefined;
    filters.push(element);
  }
  return { folder, filters };
}

/** One Encord filter element for `node`, or undefined when it has none. */
function toElement(node: FilterNode, schema: SchemaMap): IndexPresetFilter | undefined {
  const include = !('not' in node);
  const inner = 'not' in node ? node.not : node;
  if (isAtom(inner)) return atomElement(inner, include, schema);
  if (!('or' in inner)) return undefined;
  // Several values of one search (text) or boolean key: an `or` of `matches` or of `=`.
  const [first] = inner.or;
  if (!isAtom(first)) return undefined;
  const type = presetTypeOf(first.key, schema);
  const op = type === 'text' ? 'matches' : type === 'boolean' ? 'eq' : undefined;
  if (type === undefined || op === undefined) return undefined;
  const values: PresetFilterValue[] = [];
  for (const child of inner.or) {
    if (!isAtom(child) || child.key !== first.key || child.op !== op) return undefined;
    if (valueProblem(type, child.value) !== undefined) return undefined;
    values.push(child.value);
  }
  return { key: first.key, include, values, type };
}

function atomElement(atom: FilterAtom, include: boolean, schema: SchemaMap): IndexPresetFilter | undefined {
  const type = presetTypeOf(atom.key, schema);
  if (type === undefined) return undefined;
  const element = (values: PresetFilterValue[]): IndexPresetFilter | undefined =>
    values.every((v) => valueProblem(type, v) === undefined)
      ? { key: atom.key, include, values, type }
      : undefined;
  const kind = VALUES_KIND[type];
  switch (atom.op) {
    case 'exists':
      return { key: atom.key, include, values: [], type };
    case 'eq':
      return kind === 'set' ? element([atom.value]) : undefined;
    case 'in':
      return kind === 'set' ? element([...atom.value]) : undefined;
    case 'between':
      return kind === 'range' ? element([atom.value[0], atom.value[1]]) : undefined;
    case 'gte':
      return kind === 'range' ? element([atom.value, null]) : undefined;
    case 'lte':
      return kind === 'range' ? element([null, atom.value]) : undefined;
    case 'matches':
      return kind === 'search' ? element([atom.value]) : undefined;
    default:
      return undefined;
  }
}
