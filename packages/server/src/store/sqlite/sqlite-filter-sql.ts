/**
 * Compiles a bound filter (core `bindFilter`) to a SQLite WHERE clause over the item
 * index (alias `x`). Semantics match core's in-memory evaluator exactly: an atom on a
 * missing or misfit value (a NULL column) is false, whatever the operator, and `not`
 * is plain negation. Negations are pushed down to the atoms (De Morgan), so a positive
 * atom is plain indexable SQL (`k3 = ?`, NULL counting as false in AND/OR), and a
 * negated one is `NOT coalesce(P, 0)`, which is true on NULL.
 */
import {
  isBoundAtom,
  type BoundAtom,
  type BoundFilter,
  type BoundLiteral,
  type ValueField,
} from '@metaindex/core';
import { wordToken } from '../index-derivation.js';

/** Where a field lives in the item index. */
export interface FieldColumns {
  /** The column with the normalised value, e.g. `x.k3`. */
  readonly value: string;
  /** The case-folded copy (NULL when equal to the value), if the field has one. */
  readonly folded: string | null;
  /** The b-tree index on `value`, if any. */
  readonly index: string | null;
  /** The full-text slot of a varchar/text key. */
  readonly wordSlot: number | null;
}

/** Resolves a field to its columns; null when the index has no column for it (no values). */
export type ColumnResolver = (field: ValueField) => FieldColumns | null;

export interface CompiledSql {
  readonly sql: string;
  readonly params: SqlParam[];
}

export type SqlParam = number | string | null;

const BUILTIN_COLUMNS: Readonly<Record<string, FieldColumns>> = {
  $name: { value: 'x.name', folded: 'x.name_folded', index: 'item_index_by_name', wordSlot: null },
  $type: { value: 'x.item_type', folded: null, index: null, wordSlot: null },
  $created: { value: 'x.created_ms', folded: null, index: 'item_index_by_created', wordSlot: null },
  $edited: { value: 'x.edited_ms', folded: null, index: null, wordSlot: null },
};

export function builtinColumns(name: string): FieldColumns | null {
  return BUILTIN_COLUMNS[name] ?? null;
}

const sqlLiteral = (value: BoundLiteral): SqlParam => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

const COMPARISON: Readonly<Record<string, string>> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

/** The folders at any depth below the given ones, themselves included. */
export const folderSubtreeSql = (count: number): string =>
  `(WITH RECURSIVE subtree (uuid) AS (
      SELECT uuid FROM folders WHERE uuid IN (${placeholders(count)})
      UNION SELECT f.uuid FROM folders f JOIN subtree s ON f.parent_uuid = s.uuid
    ) SELECT uuid FROM subtree)`;

export const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** A positive atom: SQL that is true where the atom holds and false or NULL elsewhere. */
export function compileAtom(atom: BoundAtom, columns: ColumnResolver): CompiledSql | null {
  if (atom.kind === 'never') return null;
  if (atom.kind === 'member') {
    const list = placeholders(atom.uuids.length);
    const op = atom.negated ? 'NOT IN' : 'IN';
    const sql =
      atom.field === '$folder'
        ? `x.folder_uuid ${op} ${folderSubtreeSql(atom.uuids.length)}`
        : atom.field === '$collection'
          ? `x.uuid ${op} (SELECT item_uuid FROM collection_items WHERE collection_uuid IN (${list}))`
          : `x.uuid ${op} (SELECT item_uuid FROM data_rows WHERE dataset_uuid IN (${list}))`;
    return { sql, params: [...atom.uuids] };
  }
  const c = columns(atom.field);
  if (c === null) return null;
  const v = c.value;
  switch (atom.kind) {
    case 'exists':
      return { sql: `${v} IS NOT NULL`, params: [] };
    case 'compare':
      return { sql: `${v} ${COMPARISON[atom.op] ?? '='} ?`, params: [sqlLiteral(atom.value)] };
    case 'in':
      return {
        sql: `${v} ${atom.negated ? 'NOT IN' : 'IN'} (${placeholders(atom.values.length)})`,
        params: atom.values.map(sqlLiteral),
      };
    case 'between':
      return { sql: `${v} BETWEEN ? AND ?`, params: [sqlLiteral(atom.low), sqlLiteral(atom.high)] };
    case 'contains': {
      const text = c.folded === null ? v : `coalesce(${c.folded}, ${v})`;
      // On UTF-8 bytes: SQLite's text functions stop at a U+0000, which values may hold.
      // A byte match of a whole UTF-8 needle is a code-point match (UTF-8 is self-synchronising).
      return { sql: `instr(CAST(${text} AS BLOB), CAST(? AS BLOB)) > 0`, params: [atom.value] };
    }
    case 'startswith': {
      const text = c.folded === null ? v : `coalesce(${c.folded}, ${v})`;
      // On UTF-8 bytes, for the same reason as contains: a byte prefix that is whole
      // UTF-8 is a code-point prefix.
      const bytes = new TextEncoder().encode(atom.value).length;
      return { sql: `substr(CAST(${text} AS BLOB), 1, ${bytes}) = CAST(? AS BLOB)`, params: [atom.value] };
    }
    case 'matches': {
      if (atom.words.length === 0 || c.wordSlot === null) return { sql: `${v} IS NOT NULL`, params: [] };
      const slot = c.wordSlot;
      const query = atom.words.map((word) => `"${wordToken(slot, word)}"`).join(' ');
      return { sql: `x.id IN (SELECT rowid FROM item_words WHERE item_words MATCH ?)`, params: [query] };
    }
  }
}

/** Whether a positive atom's SQL can never be NULL (so its negation needs no coalesce). */
const isTwoValued = (atom: BoundAtom): boolean =>
  atom.kind === 'member' || atom.kind === 'exists' || atom.kind === 'matches';

/** Compiles a bound filter to a WHERE condition (true/false, never NULL at the top). */
export function compileFilter(filter: BoundFilter, columns: ColumnResolver): CompiledSql {
  const params: SqlParam[] = [];
  const sql = compileNode(filter, false, columns, params);
  return { sql, params };
}

function compileNode(
  node: BoundFilter,
  negated: boolean,
  columns: ColumnResolver,
  params: SqlParam[],
): string {
  if (isBoundAtom(node)) {
    const compiled = compileAtom(node, columns);
    if (compiled === null) return negated ? '1' : '0';
    params.push(...compiled.params);
    if (!negated) return compiled.sql;
    return isTwoValued(node) ? `NOT (${compiled.sql})` : `NOT coalesce(${compiled.sql}, 0)`;
  }
  if ('not' in node) return compileNode(node.not, !negated, columns, params);
  const [children, join] =
    'and' in node ? [node.and, negated ? ' OR ' : ' AND '] : [node.or, negated ? ' AND ' : ' OR '];
  if (children.length === 0) return join === ' AND ' ? '1' : '0';
  return `(${children.map((child) => compileNode(child, negated, columns, params)).join(join)})`;
}
