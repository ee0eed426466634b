/**
 * Compiles a bound filter (core `bindFilter`) to a PostgreSQL WHERE clause over the
 * item index (alias `x`), the counterpart of sqlite-filter-sql.ts. Semantics match
 * core's in-memory evaluator exactly: an atom on a missing or misfit value (a NULL
 * column) is false, whatever the operator, and `not` is plain negation. Negations are
 * pushed down to the atoms (De Morgan), so a positive atom is plain indexable SQL
 * (`x.k3 = $1::double precision`, NULL counting as false in AND/OR), and a negated one
 * is `NOT coalesce(P, false)`, which is true on NULL.
 *
 * Where PostgreSQL differs from SQLite:
 * - Every parameter carries a cast to its column's type, so a comparison is the
 *   column's own operator and its b-tree index applies.
 * - Text cannot hold U+0000, so text values are stored (and compared) in an
 *   order-preserving escaped form (`encodeText`).
 * - A b-tree entry is limited to about 2,700 bytes, so a text column whose values
 *   can be longer (names, varchar, text) is indexed on its first 512 characters:
 *   comparisons on it add the implied comparison of that prefix, which the index
 *   serves, and keep the exact one. Text that is known to be short (uuids, enum
 *   options) has a plain index, which PostgreSQL can also scan without the rows.
 * - `matches` is `words @> ARRAY[…]` over the GIN-indexed word tokens.
 */
import {
  isBoundAtom,
  type BoundAtom,
  type BoundFilter,
  type BoundLiteral,
  type ValueField,
} from '@metaindex/core';
import { wordToken } from '../index-derivation.js';

/** The PostgreSQL type of an index column. */
export type PgColumnType = 'double precision' | 'bigint' | 'boolean' | 'text';

/** Text columns are indexed on their first this many characters: see the header. */
export const TEXT_PREFIX = 512;

/** Where a field lives in the item index. */
export interface FieldColumns {
  /** The column with the normalised value, e.g. `x.k3`. */
  readonly value: string;
  readonly type: PgColumnType;
  /** The case-folded copy (NULL when equal to the value), if the field has one. */
  readonly folded: string | null;
  /** The b-tree index on the value, if any. */
  readonly index: string | null;
  /** Whether that index holds only the first TEXT_PREFIX characters (left(value, n)). */
  readonly prefixed: boolean;
  /** The full-text slot of a varchar/text key. */
  readonly wordSlot: number | null;
  /** Every item has a value (the built-in fields). */
  readonly notNull?: boolean;
}

/** Resolves a field to its columns; null when the index has no column for it (no values). */
export type ColumnResolver = (field: ValueField) => FieldColumns | null;

/** The positional parameters of one statement, added as the SQL is written. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder with a cast, e.g. `$3::bigint`. */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** The whole-filter SQL of the built-in fields. */
const BUILTIN_COLUMNS: Readonly<Record<string, FieldColumns>> = {
  $name: {
    value: 'x.name',
    type: 'text',
    folded: 'x.name_folded',
    index: 'item_index_by_name',
    prefixed: true,
    wordSlot: null,
    notNull: true,
  },
  $type: {
    value: 'x.item_type',
    type: 'text',
    folded: null,
    index: null,
    prefixed: false,
    wordSlot: null,
    notNull: true,
  },
  $created: {
    value: 'x.created_ms',
    type: 'bigint',
    folded: null,
    index: 'item_index_by_created',
    prefixed: false,
    wordSlot: null,
    notNull: true,
  },
  $edited: {
    value: 'x.edited_ms',
    type: 'bigint',
    folded: null,
    index: null,
    prefixed: false,
    wordSlot: null,
    notNull: true,
  },
};

export function builtinColumns(name: string): FieldColumns | null {
  return BUILTIN_COLUMNS[name] ?? null;
}

// --- text without U+0000 ---

/**
 * PostgreSQL text cannot contain U+0000, which a JSON string value may. Stored text is
 * escaped so that order and equality stay those of the original code points: U+0000
 * becomes U+0001 U+0001 and U+0001 becomes U+0001 U+0002 (both still sort below every
 * other character, in the same order). Every other string is stored as it is.
 */
export function encodeText(text: string): string {
  if (!text.includes('\u0000') && !text.includes('\u0001')) return text;
  // U+0001 first, so the pairs written for U+0000 are not escaped again.
  return text.replaceAll('\u0001', '\u0001\u0002').replaceAll('\u0000', '\u0001\u0001');
}

export function decodeText(text: string): string {
  if (!text.includes('\u0001')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char !== '\u0001') {
      out += char;
      continue;
    }
    // An escape pair: its second character says which one.
    out += text[i + 1] === '\u0001' ? '\u0000' : '\u0001';
    i++;
  }
  return out;
}

/** The first `count` code points of a string, as PostgreSQL's left() counts them. */
export function codePointPrefix(text: string, count: number): string {
  // A string of at most `count` UTF-16 units has at most `count` code points.
  if (text.length <= count) return text;
  let units = 0;
  let points = 0;
  while (units < text.length && points < count) {
    const code = text.codePointAt(units) ?? 0;
    units += code > 0xffff ? 2 : 1;
    points++;
  }
  return text.slice(0, units);
}

// --- literals ---

/** A bound literal as its column stores it. */
function columnValue(type: PgColumnType, value: BoundLiteral): unknown {
  if (type === 'boolean') return value === true || value === 1;
  if (type === 'text') return typeof value === 'string' ? encodeText(value) : String(value);
  return value;
}

/** A literal on the left-hand column `v`: the column expression and the parameter placeholder. */
function operand(c: FieldColumns, value: BoundLiteral, params: SqlParams): [string, string] {
  // Epoch ms are integers; should a non-integer ever meet a bigint column, compare as
  // doubles (exact for every value below 2^53) rather than fail on the cast.
  if (c.type === 'bigint' && !Number.isSafeInteger(value)) {
    return [`${c.value}::double precision`, params.add(value, 'double precision')];
  }
  return [c.value, params.add(columnValue(c.type, value), c.type)];
}

const COMPARISON: Readonly<Record<string, string>> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

/**
 * The prefix comparison a text comparison implies (`v < w` implies
 * `left(v, n) <= left(w, n)`), which the prefix index answers.
 */
const PREFIX_OPERATOR: Readonly<Record<string, string>> = {
  eq: '=',
  lt: '<=',
  lte: '<=',
  gt: '>=',
  gte: '>=',
};

const isPrefixIndexed = (c: FieldColumns): boolean => c.prefixed && c.index !== null;

export const prefixExpr = (column: string): string => `left(${column}, ${TEXT_PREFIX})`;

function textPrefix(value: BoundLiteral): string {
  return codePointPrefix(encodeText(String(value)), TEXT_PREFIX);
}

/**
 * Whether comparing the prefix alone is exact for equality with this literal: when the
 * (escaped) literal is shorter than the prefix, `left(v, n) = w` holds only for v = w.
 * The index then answers by itself (an index-only scan can count).
 */
function prefixIsWhole(value: BoundLiteral): boolean {
  const prefix = textPrefix(value);
  // Fewer UTF-16 units than the limit means fewer code points too.
  return prefix.length < TEXT_PREFIX || Array.from(prefix).length < TEXT_PREFIX;
}

/** The folders at any depth below the given ones (a `text[]` placeholder), themselves included. */
export const folderSubtreeSql = (uuids: string): string =>
  `(WITH RECURSIVE subtree (uuid) AS (
      SELECT uuid FROM folders WHERE uuid = ANY(${uuids})
      UNION SELECT f.uuid FROM folders f JOIN subtree s ON f.parent_uuid = s.uuid
    ) SELECT uuid FROM subtree)`;

/** A positive atom: SQL that is true where the atom holds and false or NULL elsewhere. */
export function compileAtom(atom: BoundAtom, columns: ColumnResolver, params: SqlParams): string | null {
  if (atom.kind === 'never') return null;
  if (atom.kind === 'member') {
    const op = atom.negated ? 'NOT IN' : 'IN';
    const list = params.add([...atom.uuids], 'text[]');
    return atom.field === '$folder'
      ? `x.folder_uuid ${op} ${folderSubtreeSql(list)}`
      : atom.field === '$collection'
        ? `x.uuid ${op} (SELECT item_uuid FROM collection_items WHERE collection_uuid = ANY(${list}))`
        : `x.uuid ${op} (SELECT item_uuid FROM data_rows WHERE dataset_uuid = ANY(${list}))`;
  }
  const c = columns(atom.field);
  if (c === null) return null;
  const v = c.value;
  switch (atom.kind) {
    case 'exists':
      return `${v} IS NOT NULL`;
    case 'compare': {
      const op = COMPARISON[atom.op] ?? '=';
      if (isPrefixIndexed(c) && atom.op === 'eq' && prefixIsWhole(atom.value)) {
        return `${prefixExpr(v)} = ${params.add(textPrefix(atom.value), 'text')}`;
      }
      const [left, param] = operand(c, atom.value, params);
      const prefixOp = PREFIX_OPERATOR[atom.op];
      if (!isPrefixIndexed(c) || prefixOp === undefined) return `${left} ${op} ${param}`;
      return `(${prefixExpr(v)} ${prefixOp} ${params.add(textPrefix(atom.value), 'text')} AND ${left} ${op} ${param})`;
    }
    case 'in':
      return compileIn(c, atom.values, atom.negated, params);
    case 'between': {
      // Both ends compare the same expression: as doubles if either end needs it.
      const asDoubles =
        c.type === 'bigint' && !(Number.isSafeInteger(atom.low) && Number.isSafeInteger(atom.high));
      const type = asDoubles ? 'double precision' : c.type;
      const low = params.add(asDoubles ? atom.low : columnValue(c.type, atom.low), type);
      const high = params.add(asDoubles ? atom.high : columnValue(c.type, atom.high), type);
      const exact = `${asDoubles ? `${v}::double precision` : v} BETWEEN ${low} AND ${high}`;
      if (!isPrefixIndexed(c)) return exact;
      const lowPrefix = params.add(textPrefix(atom.low), 'text');
      const highPrefix = params.add(textPrefix(atom.high), 'text');
      return `(${prefixExpr(v)} BETWEEN ${lowPrefix} AND ${highPrefix} AND ${exact})`;
    }
    case 'contains': {
      const text = c.folded === null ? v : `coalesce(${c.folded}, ${v})`;
      return containsSql(text, atom.value, params);
    }
    case 'startswith': {
      const text = c.folded === null ? v : `coalesce(${c.folded}, ${v})`;
      // Escaping keeps prefixes: an escaped value starts with an escaped prefix exactly
      // when the value starts with the prefix.
      return `starts_with(${text}, ${params.add(encodeText(atom.value), 'text')})`;
    }
    case 'matches': {
      if (atom.words.length === 0 || c.wordSlot === null) return `${v} IS NOT NULL`;
      const slot = c.wordSlot;
      return `x.words @> ${params.add(
        atom.words.map((word) => wordToken(slot, word)),
        'text[]',
      )}`;
    }
  }
}

function compileIn(
  c: FieldColumns,
  values: readonly BoundLiteral[],
  negated: boolean,
  params: SqlParams,
): string {
  const v = c.value;
  // `<> ALL` of an empty list is true even on NULL: an empty list needs no array.
  if (values.length === 0) return negated ? `${v} IS NOT NULL` : 'false';
  if (!negated && isPrefixIndexed(c) && values.every(prefixIsWhole)) {
    return `${prefixExpr(v)} = ANY(${params.add([...new Set(values.map(textPrefix))], 'text[]')})`;
  }
  const asDoubles = c.type === 'bigint' && values.some((value) => !Number.isSafeInteger(value));
  const [left, type] = asDoubles ? [`${v}::double precision`, 'double precision'] : [v, c.type];
  const list = params.add(
    values.map((value) => (asDoubles ? value : columnValue(c.type, value))),
    `${type}[]`,
  );
  if (negated) return `${left} <> ALL(${list})`;
  if (!isPrefixIndexed(c)) return `${left} = ANY(${list})`;
  const prefixes = params.add([...new Set(values.map(textPrefix))], 'text[]');
  return `(${prefixExpr(v)} = ANY(${prefixes}) AND ${left} = ANY(${list}))`;
}

/**
 * `contains` on text: a substring of the (escaped) text. Escaping keeps substrings
 * except where a match would start inside an escape pair, which is only possible when
 * the needle starts with U+0000, U+0001 or U+0002; those needles are matched at
 * character boundaries of the escaped text with a regular expression.
 */
function containsSql(text: string, needle: string, params: SqlParams): string {
  const encoded = encodeText(needle);
  const first = encoded.codePointAt(0);
  if (first === undefined || first > 2) return `strpos(${text}, ${params.add(encoded, 'text')}) > 0`;
  // Every character of the needle as an 8-digit escape, so none is taken as syntax.
  const literal = Array.from(encoded)
    .map((char) => `\\U${(char.codePointAt(0) ?? 0).toString(16).padStart(8, '0')}`)
    .join('');
  const pattern = `^(?:[^\\x01]|\\x01.)*?${literal}`;
  return `(strpos(${text}, ${params.add(encoded, 'text')}) > 0 AND ${text} ~ ${params.add(pattern, 'text')})`;
}

/** Whether a positive atom's SQL can never be NULL (so its negation needs no coalesce). */
const isTwoValued = (atom: BoundAtom): boolean =>
  atom.kind === 'member' || atom.kind === 'exists' || atom.kind === 'matches';

/** Compiles a bound filter to a WHERE condition (true/false, never NULL at the top). */
export function compileFilter(filter: BoundFilter, columns: ColumnResolver, params: SqlParams): string {
  return compileNode(filter, false, columns, params);
}

function compileNode(
  node: BoundFilter,
  negated: boolean,
  columns: ColumnResolver,
  params: SqlParams,
): string {
  if (isBoundAtom(node)) {
    const compiled = compileAtom(node, columns, params);
    if (compiled === null) return negated ? 'true' : 'false';
    if (!negated) return compiled;
    return isTwoValued(node) ? `NOT (${compiled})` : `NOT coalesce(${compiled}, false)`;
  }
  if ('not' in node) return compileNode(node.not, !negated, columns, params);
  const [children, join] =
    'and' in node ? [node.and, negated ? ' OR ' : ' AND '] : [node.or, negated ? ' AND ' : ' OR '];
  if (children.length === 0) return join === ' AND ' ? 'true' : 'false';
  return `(${children.map((child) => compileNode(child, negated, columns, params)).join(join)})`;
}
