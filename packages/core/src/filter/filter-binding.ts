import { InvalidArgumentError } from '../errors.js';
import { isTombstone, type SchemaMap } from '../schema/schema-types.js';
import { parseIsoInstant } from '../types/datetime-type.js';
import { jsonKind, type ValueChecker, type ValueTypeName } from '../types/metadata-type.js';
import { resolveKeyType } from '../types/type-registry.js';
import { normaliseUuid } from '../types/uuid-type.js';
import {
  isAtom,
  type BuiltinField,
  type FilterAtom,
  type FilterLiteral,
  type FilterNode,
} from './filter-ast.js';
import { checkFilterAgainstSchema } from './filter-schema-check.js';
import type { FilterOperator } from './operators.js';
import { foldCase, textWords } from './text-folding.js';

/**
 * A filter bound to one schema version: every atom knows the field it reads, how that
 * field's stored values are normalised, and literals already normalised the same way
 * (datetimes as epoch ms, uuids lowercase, strings case-folded for contains/startswith,
 * words for matches). The in-memory evaluator and every SQL compiler take this tree,
 * so they cannot disagree on what a literal means.
 */

/**
 * Every item type (the StorageItem `itemType` values), which `$type` compares against.
 * The server's records use this list too, so the two cannot drift apart.
 */
export const ITEM_TYPE_NAMES = [
  'video',
  'image',
  'group',
  'imageGroup',
  'imageSequence',
  'dicomFile',
  'dicomSeries',
  'audio',
  'nifti',
  'plainText',
  'pdf',
  'scene',
] as const;

/**
 * How values of a field compare. `number`: numbers (datetimes as epoch ms); `string`:
 * by Unicode code point; `boolean`: false < true; `presence`: only `exists` applies
 * (embedding, geospatial).
 */
export type FieldDomain = 'number' | 'string' | 'boolean' | 'presence';

/** A metadata key with a live schema type. */
export interface KeyField {
  readonly kind: 'key';
  readonly key: string;
  readonly type: ValueTypeName;
  readonly domain: FieldDomain;
  /** Normalises a stored value; a `ValueProblem` means it does not fit and counts as missing. */
  readonly check: ValueChecker;
}

/** `$name`, `$type`, `$created`, `$edited`: a column every item has. */
export interface BuiltinValueField {
  readonly kind: 'builtin';
  readonly name: '$name' | '$type' | '$created' | '$edited';
  readonly domain: 'string' | 'number';
}

export type ValueField = KeyField | BuiltinValueField;

/** `$folder` (the folder or any folder below it), `$collection`, `$dataset`. */
export type MembershipField = '$folder' | '$collection' | '$dataset';

export type BoundLiteral = string | number | boolean;

export type BoundAtom =
  /** A key the schema does not define (or deleted): no item has a value, so the atom is false. */
  | { readonly kind: 'never'; readonly key: string }
  | {
      readonly kind: 'compare';
      readonly field: ValueField;
      readonly op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
      readonly value: BoundLiteral;
    }
  /** `in` (negated: false) and `nin` (negated: true); values distinct. */
  | {
      readonly kind: 'in';
      readonly field: ValueField;
      readonly negated: boolean;
      readonly values: readonly BoundLiteral[];
    }
  /** Inclusive at both ends; low > high matches nothing. */
  | {
      readonly kind: 'between';
      readonly field: ValueField;
      readonly low: BoundLiteral;
      readonly high: BoundLiteral;
    }
  /** `value` is already case-folded (`foldCase`). */
  | { readonly kind: 'contains' | 'startswith'; readonly field: ValueField; readonly value: string }
  /** Every word must be among the value's words; no words means "has a value". */
  | { readonly kind: 'matches'; readonly field: KeyField; readonly words: readonly string[] }
  | { readonly kind: 'exists'; readonly field: ValueField }
  /** The item belongs to one of these (folders: at any depth below). `negated` for ne/nin. */
  | {
      readonly kind: 'member';
      readonly field: MembershipField;
      readonly negated: boolean;
      readonly uuids: readonly string[];
    };

export type BoundFilter =
  | { readonly and: readonly BoundFilter[] }
  | { readonly or: readonly BoundFilter[] }
  | { readonly not: BoundFilter }
  | BoundAtom;

export const isBoundAtom = (node: BoundFilter): node is BoundAtom => 'kind' in node;

/** How values of a key of this type compare (and how an index column holds them). */
export const fieldDomainOf = (type: ValueTypeName): FieldDomain => {
  switch (type) {
    case 'number':
    case 'datetime':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'embedding':
    case 'geospatial':
      return 'presence';
    default:
      return 'string';
  }
};

/** The field a live schema key reads, or undefined when the key has no live type. */
export function keyField(schema: SchemaMap, key: string): KeyField | undefined {
  const entry = schema.get(key);
  if (entry === undefined || isTombstone(entry)) return undefined;
  const { type, check } = resolveKeyType(entry);
  return { kind: 'key', key, type: type.name, domain: fieldDomainOf(type.name), check };
}

const BUILTIN_VALUE_FIELDS: Readonly<Record<BuiltinValueField['name'], BuiltinValueField>> = {
  $name: { kind: 'builtin', name: '$name', domain: 'string' },
  $type: { kind: 'builtin', name: '$type', domain: 'string' },
  $created: { kind: 'builtin', name: '$created', domain: 'number' },
  $edited: { kind: 'builtin', name: '$edited', domain: 'number' },
};

/** The value field of `$name`, `$type`, `$created` or `$edited`; undefined for any other key. */
export function builtinValueField(key: string): BuiltinValueField | undefined {
  return Object.hasOwn(BUILTIN_VALUE_FIELDS, key)
    ? BUILTIN_VALUE_FIELDS[key as BuiltinValueField['name']]
    : undefined;
}

/** The operators of each built-in field. */
export const BUILTIN_OPERATORS: Readonly<Record<BuiltinField, readonly FilterOperator[]>> = {
  $name: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'contains', 'startswith', 'exists'],
  $type: ['eq', 'ne', 'in', 'nin', 'exists'],
  $created: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'exists'],
  $edited: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'exists'],
  $folder: ['eq', 'ne', 'in', 'nin'],
  $collection: ['eq', 'ne', 'in', 'nin'],
  $dataset: ['eq', 'ne', 'in', 'nin'],
};

/** Describes a field for messages: `key "speed" (number)` or `$created`. */
const describeField = (field: ValueField): string =>
  field.kind === 'key' ? `key ${JSON.stringify(field.key)} (${field.type})` : field.name;

function fail(path: string, message: string, key: string): never {
  throw new InvalidArgumentError(`${path}: ${message}`, { path, key });
}

/**
 * Binds a checked filter to a schema. Throws an `InvalidArgumentError` naming the path,
 * key, type and rule when an operator does not apply to the key's type or a literal
 * cannot be a value of it (`speed = "fast"`, `weather = "hail"` when hail is no option,
 * a malformed uuid or datetime). Keys the schema lacks bind to `never` (false).
 */
export function bindFilter(node: FilterNode, schema: SchemaMap, path = 'filter'): BoundFilter {
  const problems = checkFilterAgainstSchema(node, schema, path);
  const first = problems[0];
  if (first !== undefined) {
    throw new InvalidArgumentError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
      path: first.path,
      key: first.key,
      problems,
    });
  }
  return bindNode(node, schema, path);
}

function bindNode(node: FilterNode, schema: SchemaMap, path: string): BoundFilter {
  if (isAtom(node)) return bindAtom(node, schema, path);
  if ('not' in node) return { not: bindNode(node.not, schema, `${path}.not`) };
  if ('and' in node) return { and: node.and.map((child, i) => bindNode(child, schema, `${path}.and[${i}]`)) };
  return { or: node.or.map((child, i) => bindNode(child, schema, `${path}.or[${i}]`)) };
}

function bindAtom(atom: FilterAtom, schema: SchemaMap, path: string): BoundAtom {
  const { key } = atom;
  if (key === '$folder' || key === '$collection' || key === '$dataset')
    return bindMembership(atom, key, path);
  let field: ValueField;
  if (key.startsWith('$')) {
    field = BUILTIN_VALUE_FIELDS[key as BuiltinValueField['name']];
    if (!BUILTIN_OPERATORS[field.name].includes(atom.op)) {
      fail(
        path,
        `${field.name} does not support "${atom.op}"; it supports ${BUILTIN_OPERATORS[field.name].join(', ')}`,
        key,
      );
    }
  } else {
    const bound = keyField(schema, key);
    if (bound === undefined) return { kind: 'never', key };
    field = bound;
  }
  const literal = (value: FilterLiteral, at: string): BoundLiteral => bindLiteral(field, value, at, schema);
  switch (atom.op) {
    case 'exists':
      return { kind: 'exists', field };
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return { kind: 'compare', field, op: atom.op, value: literal(atom.value, `${path}.value`) };
    case 'in':
    case 'nin': {
      const values = atom.value.map((v, i) => literal(v, `${path}.value[${i}]`));
      return { kind: 'in', field, negated: atom.op === 'nin', values: [...new Set(values)] };
    }
    case 'between':
      return {
        kind: 'between',
        field,
        low: literal(atom.value[0], `${path}.value[0]`),
        high: literal(atom.value[1], `${path}.value[1]`),
      };
    case 'contains':
    case 'startswith':
      return { kind: atom.op, field, value: foldCase(atom.value) };
    case 'matches':
      // Only keys support matches (checked above), so the field is a key here.
      return { kind: 'matches', field: field as KeyField, words: [...new Set(textWords(atom.value))] };
  }
}

function bindMembership(atom: FilterAtom, field: MembershipField, path: string): BoundAtom {
  const raw: readonly FilterLiteral[] =
    atom.op === 'eq' || atom.op === 'ne'
      ? [atom.value]
      : atom.op === 'in' || atom.op === 'nin'
        ? atom.value
        : fail(
            path,
            `${field} does not support "${atom.op}"; it supports ${BUILTIN_OPERATORS[field].join(', ')}`,
            field,
          );
  const uuids = raw.map((value, i) => {
    const at = atom.op === 'eq' || atom.op === 'ne' ? `${path}.value` : `${path}.value[${i}]`;
    const uuid = typeof value === 'string' ? normaliseUuid(value) : undefined;
    if (uuid === undefined)
      fail(at, `${field} compares with a uuid string, got ${showLiteral(value)}`, field);
    return uuid;
  });
  return {
    kind: 'member',
    field,
    negated: atom.op === 'ne' || atom.op === 'nin',
    uuids: [...new Set(uuids)],
  };
}

const showLiteral = (value: FilterLiteral): string =>
  typeof value === 'string' ? JSON.stringify(value) : `${jsonKind(value)} ${String(value)}`;

function bindLiteral(field: ValueField, value: FilterLiteral, at: string, schema: SchemaMap): BoundLiteral {
  const name = field.kind === 'key' ? field.key : field.name;
  const wrong = (expected: string): never =>
    fail(at, `${describeField(field)} compares with ${expected}, got ${showLiteral(value)}`, name);
  if (field.kind === 'builtin') {
    if (field.name === '$created' || field.name === '$edited') return instantLiteral(value, wrong);
    if (typeof value !== 'string') return wrong('a string');
    if (field.name === '$type') {
      const type = ITEM_TYPE_NAMES.find((t) => t.toLowerCase() === value.toLowerCase());
      return type ?? wrong(`an item type (${ITEM_TYPE_NAMES.join(', ')})`);
    }
    return value;
  }
  switch (field.type) {
    case 'number':
      return typeof value === 'number' ? value : wrong('a number');
    case 'datetime':
      return instantLiteral(value, wrong);
    case 'boolean':
      return typeof value === 'boolean' ? value : wrong('true or false');
    case 'uuid': {
      const uuid = typeof value === 'string' ? normaliseUuid(value) : undefined;
      return uuid ?? wrong('a uuid string');
    }
    case 'enum': {
      if (typeof value !== 'string') return wrong('one of its options (a string)');
      const entry = schema.get(field.key);
      const options = entry?.ty === 'enum' ? entry.values : [];
      return options.includes(value)
        ? value
        : wrong(`one of its options (${options.map((o) => JSON.stringify(o)).join(', ')})`);
    }
    default:
      // varchar, text, user: any string (a literal longer than a value can be matches nothing).
      return typeof value === 'string' ? value : wrong('a string');
  }
}

function instantLiteral(value: FilterLiteral, wrong: (expected: string) => never): number {
  const ms = typeof value === 'string' ? parseIsoInstant(value) : undefined;
  return ms ?? wrong('an ISO 8601 date or instant string ("2024-05-01" or "2024-05-01T12:00:00Z")');
}
