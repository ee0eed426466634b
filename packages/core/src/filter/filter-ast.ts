import { InvalidArgumentError } from '../errors.js';
import { jsonKind } from '../types/metadata-type.js';
import { FILTER_OPERATORS, type FilterOperator } from './operators.js';

/**
 * The filter language's JSON AST. The text syntax (filter-parser, filter-printer) is a
 * second spelling of exactly this tree, so every shape here has one canonical text.
 */

/** A literal: what a JSON number, string, `true` or `false` decodes to. Numbers are finite. */
export type FilterLiteral = string | number | boolean;

export type ComparisonOperator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';
export type StringOperator = 'contains' | 'startswith' | 'matches';

export interface ComparisonAtom {
  readonly key: string;
  readonly op: ComparisonOperator;
  readonly value: FilterLiteral;
}

export interface StringAtom {
  readonly key: string;
  readonly op: StringOperator;
  readonly value: string;
}

export interface SetAtom {
  readonly key: string;
  readonly op: 'in' | 'nin';
  readonly value: readonly [FilterLiteral, ...FilterLiteral[]];
}

export interface BetweenAtom {
  readonly key: string;
  readonly op: 'between';
  readonly value: readonly [low: FilterLiteral, high: FilterLiteral];
}

/** `exists` carries no value; a JSON `"value": true` is dropped by `validateFilter`. */
export interface ExistsAtom {
  readonly key: string;
  readonly op: 'exists';
}

export type FilterAtom = ComparisonAtom | StringAtom | SetAtom | BetweenAtom | ExistsAtom;

/**
 * At least two children: a one-child `and`/`or` would print as its child alone and so
 * could not survive a print/parse round trip. `validateFilter` unwraps such nodes.
 */
export type FilterChildren = readonly [FilterNode, FilterNode, ...FilterNode[]];

export interface FilterAnd {
  readonly and: FilterChildren;
}

export interface FilterOr {
  readonly or: FilterChildren;
}

export interface FilterNot {
  readonly not: FilterNode;
}

export type FilterNode = FilterAnd | FilterOr | FilterNot | FilterAtom;

/**
 * The deepest tree accepted (the root is level 1). It bounds the recursion of every
 * walker over untrusted input; real filters are a few levels deep.
 */
export const MAX_FILTER_DEPTH = 64;

/** The fields every item has, written `$name` etc.; metadata keys can never start with `$`. */
export const BUILTIN_FIELDS = [
  '$name',
  '$type',
  '$created',
  '$edited',
  '$folder',
  '$collection',
  '$dataset',
] as const;
export type BuiltinField = (typeof BUILTIN_FIELDS)[number];

export const isBuiltinKey = (key: string): boolean => key.startsWith('$');

export const isAtom = (node: FilterNode): node is FilterAtom => 'op' in node;

export const hasAtLeastTwo = (nodes: readonly FilterNode[]): nodes is FilterChildren => nodes.length >= 2;

/** -0 prints as `0`, so it is folded into 0 wherever literals enter, keeping the round trip exact. */
export const normaliseNumber = (n: number): number => (Object.is(n, -0) ? 0 : n);

const ATOM_PROPERTIES = new Set(['key', 'op', 'value']);
const LITERAL = 'a number, a string, true or false';

function fail(path: string, message: string): never {
  throw new InvalidArgumentError(`${path}: ${message}`, { path });
}

type JsonObject = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isOperator = (value: unknown): value is FilterOperator =>
  typeof value === 'string' && (FILTER_OPERATORS as readonly string[]).includes(value);

/**
 * Checks a filter that arrived as JSON (e.g. over HTTP) and returns it as a typed tree.
 * Errors are `InvalidArgumentError`s whose message starts with the path of the bad part,
 * e.g. `filter.and[2].value: between needs [low, high]`. The result is canonical: a
 * one-child `and`/`or` is replaced by its child, `exists` loses a `value: true`, and -0
 * becomes 0. Unknown properties are rejected rather than ignored, so typos surface.
 */
export function validateFilter(input: unknown, path = 'filter'): FilterNode {
  return validateNode(input, path, 1);
}

function validateNode(input: unknown, path: string, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) fail(path, `a filter may nest at most ${MAX_FILTER_DEPTH} levels deep`);
  if (!isObject(input)) {
    fail(
      path,
      `expected a filter object ({"and": [...]}, {"or": [...]}, {"not": {...}} or {"key", "op", "value"}), got ${jsonKind(input)}`,
    );
  }
  const properties = Object.keys(input);
  const combinator = properties.find((p) => p === 'and' || p === 'or' || p === 'not');
  if (combinator === undefined) return validateAtom(input, properties, path);
  if (properties.length !== 1) {
    fail(path, `"${combinator}" must be the only property of its object, found ${quoteAll(properties)}`);
  }
  if (combinator === 'not') return { not: validateNode(input['not'], `${path}.not`, depth + 1) };

  const list = input[combinator];
  if (!Array.isArray(list) || list.length === 0) {
    fail(`${path}.${combinator}`, `${combinator} needs a non-empty array of filters`);
  }
  const children = list.map((child, i) => validateNode(child, `${path}.${combinator}[${i}]`, depth + 1));
  if (!hasAtLeastTwo(children)) return children[0] as FilterNode;
  return combinator === 'and' ? { and: children } : { or: children };
}

function validateAtom(input: JsonObject, properties: readonly string[], path: string): FilterAtom {
  const unknown = properties.filter((p) => !ATOM_PROPERTIES.has(p));
  if (unknown.length > 0) {
    fail(
      path,
      `unknown ${quoteAll(unknown)}; a filter object is {"and": [...]}, {"or": [...]}, {"not": {...}} or {"key", "op", "value"}`,
    );
  }
  const key = input['key'];
  if (typeof key !== 'string' || key === '') {
    fail(`${path}.key`, `expected a non-empty string, got ${jsonKind(key)}`);
  }
  const op = input['op'];
  if (!isOperator(op)) {
    fail(
      `${path}.op`,
      `expected one of ${FILTER_OPERATORS.join(', ')}, got ${typeof op === 'string' ? JSON.stringify(op) : jsonKind(op)}`,
    );
  }
  const value = input['value'];
  const valuePath = `${path}.value`;
  // Grouped cases narrow `op`, and the declared return type makes the switch exhaustive.
  switch (op) {
    case 'exists':
      if (value !== undefined && value !== true) {
        fail(valuePath, 'exists takes no value (or true); for "does not exist" wrap it in {"not": ...}');
      }
      return { key, op };
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return { key, op, value: validateLiteral(value, valuePath, op) };
    case 'contains':
    case 'startswith':
    case 'matches':
      // Stricter than "one literal": a number or boolean has no substrings or words.
      if (typeof value !== 'string') fail(valuePath, `${op} needs a string, got ${jsonKind(value)}`);
      return { key, op, value };
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) fail(valuePath, 'between needs [low, high]');
      const low = validateLiteral(value[0], `${valuePath}[0]`, op);
      const high = validateLiteral(value[1], `${valuePath}[1]`, op);
      return { key, op, value: [low, high] };
    }
    case 'in':
    case 'nin': {
      if (!Array.isArray(value) || value.length === 0) {
        fail(valuePath, `${op} needs a non-empty array of values (${LITERAL})`);
      }
      const [first, ...rest] = value.map((v, i) => validateLiteral(v, `${valuePath}[${i}]`, op));
      return { key, op, value: [first as FilterLiteral, ...rest] };
    }
  }
}

function validateLiteral(value: unknown, path: string, op: FilterOperator): FilterLiteral {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return normaliseNumber(value);
  const got = typeof value === 'number' ? String(value) : jsonKind(value); // NaN, Infinity
  return fail(path, `${op} needs a value (${LITERAL}), got ${got}`);
}

const quoteAll = (names: readonly string[]): string => names.map((n) => JSON.stringify(n)).join(', ');
