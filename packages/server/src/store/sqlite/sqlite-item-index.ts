/**
 * The SQLite item index: one row per item in `item_index`, with a typed column per
 * schema key (see index-derivation.ts) and the words of string values in `item_words`
 * (FTS5). It is written in the same transaction as the items, so a query never sees
 * an item whose index row is stale. Filters compile to SQL (sqlite-filter-sql.ts); a
 * small planner picks between an index and a full scan from exact, capped counts,
 * because SQLite's own planner takes an index even when half the table matches (a
 * 7x slower plan at a million items).
 */
import {
  compareFieldValues,
  countValues,
  isBoundAtom,
  histogram,
  histogramEdges,
  isTombstone,
  MetaindexError,
  type BoundAtom,
  type BoundFilter,
  type LiveTypeObject,
  type SchemaMap,
  type ValueField,
} from '@metaindex/core';
import type Database from 'better-sqlite3';
import {
  deriveKey,
  foldedValue,
  indexValue,
  parseMetadata,
  valueWordTokens,
  type DerivedKey,
  type IndexValue,
} from '../index-derivation.js';
import type {
  CastPreview,
  FacetCounts,
  FacetRequest,
  IndexPage,
  IndexQuery,
  QueryCursor,
  QueryPlan,
} from '../engine.js';
import {
  builtinColumns,
  compileAtom,
  compileFilter,
  folderSubtreeSql,
  type ColumnResolver,
  type CompiledSql,
  type FieldColumns,
  type SqlParam,
} from './sqlite-filter-sql.js';
import { hasSelectiveWords, topConjuncts } from '../filter-conjuncts.js';

/** What the index needs of an item. */
export interface IndexedItem {
  uuid: string;
  folderUuid: string;
  name: string;
  itemType: string;
  createdAt: string;
  lastEditedAt: string;
  clientMetadata: string;
}

interface SlotRow {
  key: string;
  slot: number;
  signature: string | null;
}

interface Slot {
  slot: number;
  derived: DerivedKey | null;
}

/** An item's index row (uuid first, in #indexColumns order) and its words, space-separated. */
interface DerivedRow {
  params: SqlParam[];
  words: string;
}

const FIXED_COLUMNS = ['uuid', 'folder_uuid', 'name', 'name_folded', 'item_type', 'created_ms', 'edited_ms'];

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Items are indexed this many at a time (one read of their current rows each). */
const WRITE_SLICE = 1000;

/** Rows read at a time when the words are filled again from the index. */
const WORDS_REBUILD_SLICE = 10_000;

/** Filtered facets over at most this many matches are counted from one read of the rows. */
const ONE_PASS_FACET_LIMIT = 200_000;

/** At most this many ms of planning per candidate atom: its count stops at the threshold. */
const MIN_THRESHOLD = 1000;

export class SqliteItemIndex {
  readonly #db: Database.Database;
  #slots = new Map<string, Slot>();
  /** Live keys in slot order, with their derivation. */
  #live: { slot: number; derived: DerivedKey }[] = [];
  #columns = new Set<string>();
  #version = -1;
  #insert: Database.Statement<SqlParam[]> | undefined;
  readonly #statements = new Map<string, Database.Statement>();

  readonly #onePassFacetLimit: number;

  /** `onePassFacetLimit`: filtered facets over at most this many matches use one read (tests set 0). */
  constructor(db: Database.Database, options: { onePassFacetLimit?: number } = {}) {
    this.#db = db;
    this.#onePassFacetLimit = options.onePassFacetLimit ?? ONE_PASS_FACET_LIMIT;
  }

  /**
   * Makes the in-memory view of the slots match schema version `version` (another
   * process may have added columns). Cheap when nothing changed.
   */
  useSchema(version: number, load: () => SchemaMap): void {
    if (version === this.#version) return;
    this.#loadSlots(load());
    this.#version = version;
  }

  /**
   * Brings the index in line with a new schema inside the schema write: new keys get
   * columns, and the items holding a key whose type changed (or was deleted/restored)
   * are indexed again. Returns how many items were re-indexed.
   */
  applySchema(schema: SchemaMap, version: number): number {
    const stored = this.#storedSlots();
    const changed: string[] = [];
    let next = Math.max(0, ...[...stored.values()].map((s) => s.slot)) + 1;
    const upsertSlot = this.#db.prepare<[string, number, string | null], never>(
      `INSERT INTO index_slots (key, slot, signature) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET signature = excluded.signature`,
    );
    this.#columns = this.#tableColumns();
    for (const [key, entry] of schema) {
      const had = stored.get(key);
      if (isTombstone(entry)) {
        if (had !== undefined && had.signature !== null) {
          this.#db.exec(
            `UPDATE item_index SET k${had.slot} = NULL${this.#columns.has(`f${had.slot}`) ? `, f${had.slot} = NULL` : ''} WHERE k${had.slot} IS NOT NULL`,
          );
          upsertSlot.run(key, had.slot, null);
          changed.push(key);
        }
        continue;
      }
      const derived = deriveKey(key, entry);
      const slot = had?.slot ?? next++;
      this.#ensureColumns(slot, derived);
      if (had?.signature !== derived.signature) {
        if (had !== undefined) {
          this.#db.exec(
            `UPDATE item_index SET k${slot} = NULL${this.#columns.has(`f${slot}`) ? `, f${slot} = NULL` : ''} WHERE k${slot} IS NOT NULL`,
          );
        }
        upsertSlot.run(key, slot, derived.signature);
        changed.push(key);
      }
    }
    this.#loadSlots(schema);
    this.#version = version;
    if (changed.length === 0) return 0;
    return this.#reindexWhere(
      `EXISTS (SELECT 1 FROM json_each(i.client_metadata) j WHERE j.key IN (SELECT value FROM json_each(?)))`,
      [JSON.stringify(changed)],
    );
  }

  /**
   * Rebuilds the whole index from the items when an older installation asks for it,
   * or only the words when a migration recreated the full-text table.
   */
  rebuildIfNeeded(schema: SchemaMap, version: number): number {
    const state = this.#db
      .prepare<[], { needs_rebuild: number; words_rebuild: number }>(
        'SELECT needs_rebuild, words_rebuild FROM index_state WHERE id = 1',
      )
      .get();
    if (state?.needs_rebuild !== 1) {
      this.useSchema(version, () => schema);
      if (state?.words_rebuild !== 1) return 0;
      const count = this.rebuildWords();
      this.#db.exec('UPDATE index_state SET words_rebuild = 0 WHERE id = 1');
      return count;
    }
    this.#db.exec('DELETE FROM item_index; DELETE FROM item_words;');
    this.applySchema(schema, version);
    const count = this.#reindexWhere('1', []);
    this.#db.exec('UPDATE index_state SET needs_rebuild = 0, words_rebuild = 0 WHERE id = 1');
    return count;
  }

  /**
   * Indexes (or re-indexes) these items; call inside the write transaction. `fresh`:
   * the items were just inserted, so they have no index row or words to replace yet.
   * `rewriteWords`: replace every item's words even where its values look unchanged
   * (after a schema change cleared a column, the words may still hold the old ones).
   */
  indexItems(items: readonly IndexedItem[], fresh = false, rewriteWords = false): void {
    // In slices: a job of 100,000 items would otherwise hold every derived row at once.
    for (let start = 0; start < items.length; start += WRITE_SLICE) {
      const slice = items.slice(start, start + WRITE_SLICE).map((item) => this.#derive(item));
      if (fresh) this.#insertRows(slice);
      else this.#updateRows(slice, rewriteWords);
    }
  }

  /**
   * The index rows of updated items whose metadata is unchanged: only their name and
   * edit time can differ (folder, type and creation time never change in an update).
   */
  touchItems(items: readonly IndexedItem[]): void {
    const touch = this.#statement<[number, string]>('UPDATE item_index SET edited_ms = ? WHERE uuid = ?');
    const rename = this.#statement<[string, string | null, string, string]>(
      'UPDATE item_index SET name = ?, name_folded = ? WHERE uuid = ? AND name <> ?',
    );
    const missing: IndexedItem[] = [];
    for (const item of items) {
      const edited = Date.parse(item.lastEditedAt);
      // The name column is indexed: it is written only when it changed.
      rename.run(item.name, foldedValue(item.name), item.uuid, item.name);
      if (touch.run(edited, item.uuid).changes === 0) missing.push(item);
    }
    // Every item has an index row; should one be missing, it is written in full.
    this.indexItems(missing);
  }

  /** Writes what changed in the index rows of existing items (and inserts any missing row). */
  #updateRows(derived: readonly DerivedRow[], rewriteWords: boolean): void {
    // The current rows of all the items in one statement, not one lookup per item.
    const columns = this.#indexColumns();
    const wordColumns = this.#wordColumnPositions(columns);
    const current = new Map<string, unknown[]>();
    const read = this.#statement<[string], unknown[]>(
      `SELECT id, ${columns.map(quoteIdent).join(', ')} FROM item_index
       WHERE uuid IN (SELECT value FROM json_each(?))`,
    ).raw();
    for (const row of read.iterate(JSON.stringify(derived.map((row) => row.params[0])))) {
      current.set(row[1] as string, row);
    }
    // Items without an index row (a rebuild), each once: a repeat holds its last state.
    const absent = new Map<string, DerivedRow>();
    const deleteWords = this.#statement<[number]>('DELETE FROM item_words WHERE rowid = ?');
    // The new words of each row whose words are replaced ('' for none), added after the loop.
    const newWords = new Map<number, string>();
    for (const row of derived) {
      const old = current.get(row.params[0] as string);
      if (old === undefined) {
        absent.set(row.params[0] as string, row);
        continue;
      }
      // Only the columns whose value changed are written: every index of an unchanged
      // column is left alone, and the words only when a word-bearing value changed.
      const id = old[0] as number;
      const changed: number[] = [];
      for (let i = 1; i < row.params.length; i++) if (old[i + 1] !== row.params[i]) changed.push(i);
      if (changed.length > 0) {
        this.#updateStatement(columns, changed).run(...changed.map((i) => row.params[i] ?? null), id);
        // A uuid written twice in one batch compares its second write with its first.
        for (const i of changed) old[i + 1] = row.params[i];
      }
      if (rewriteWords || changed.some((i) => wordColumns.has(i))) {
        // A row already replaced in this slice has no words left to delete.
        if (!newWords.has(id)) deleteWords.run(id);
        newWords.set(id, row.words);
      }
    }
    this.#insertWords([...newWords].filter(([, words]) => words !== ''));
    if (absent.size > 0) this.#insertRows([...absent.values()]);
  }

  /** The index row (in #indexColumns order) and the words of one item. */
  #derive(item: IndexedItem): DerivedRow {
    const metadata = parseMetadata(item.clientMetadata);
    const params: SqlParam[] = [
      item.uuid,
      item.folderUuid,
      item.name,
      foldedValue(item.name),
      item.itemType,
      Date.parse(item.createdAt),
      Date.parse(item.lastEditedAt),
    ];
    let words = '';
    for (const { slot, derived } of this.#live) {
      const raw = Object.hasOwn(metadata, derived.key) ? metadata[derived.key] : undefined;
      const value: IndexValue = indexValue(derived, raw);
      params.push(value);
      if (derived.folded) params.push(foldedValue(value));
      if (derived.words && typeof value === 'string') {
        for (const token of valueWordTokens(slot, value)) words = words === '' ? token : `${words} ${token}`;
      }
    }
    return { params, words };
  }

  /** Inserts new index rows, numbering them here so their words need no read-back. */
  #insertRows(rows: readonly DerivedRow[]): void {
    const insert = this.#insertStatement();
    let id = (this.#statement<[], number | null>('SELECT max(id) FROM item_index').pluck().get() ?? 0) + 1;
    const wordRows: [number, string][] = [];
    for (const row of rows) {
      insert.run(id, ...row.params);
      if (row.words !== '') wordRows.push([id, row.words]);
      id++;
    }
    this.#insertWords(wordRows);
  }

  /** Adds the words of index rows; the full-text table takes them best in rowid order. */
  #insertWords(rows: [number, string][]): void {
    if (rows.length === 0) return;
    rows.sort((a, b) => a[0] - b[0]);
    const insert = this.#statement<[number, string]>('INSERT INTO item_words (rowid, words) VALUES (?, ?)');
    for (const [id, words] of rows) insert.run(id, words);
  }

  /** Positions (in #indexColumns order, uuid = 0) of the value columns of varchar and text keys. */
  #wordColumnPositions(columns: readonly string[]): Set<number> {
    const words = new Set(this.#live.filter(({ derived }) => derived.words).map(({ slot }) => `k${slot}`));
    const positions = new Set<number>();
    columns.forEach((column, i) => {
      if (words.has(column)) positions.add(i);
    });
    return positions;
  }

  /**
   * Fills item_words again from the index rows (after the full-text table was
   * recreated by a migration): the words of a value are derived from its indexed form.
   */
  rebuildWords(): number {
    this.#db.exec('DELETE FROM item_words');
    const slots = this.#live.filter(({ derived }) => derived.words).map(({ slot }) => slot);
    if (slots.length === 0) return 0;
    // In id ranges: the words cannot be written while a read of the rows is open.
    const read = this.#db
      .prepare<[number], unknown[]>(
        `SELECT id, ${slots.map((slot) => `k${slot}`).join(', ')} FROM item_index
         WHERE id > ? ORDER BY id LIMIT ${WORDS_REBUILD_SLICE}`,
      )
      .raw();
    let count = 0;
    for (let after = 0; ;) {
      const rows = read.all(after);
      const last = rows.at(-1);
      if (last === undefined) return count;
      after = last[0] as number;
      const wordRows: [number, string][] = [];
      for (const row of rows) {
        const tokens: string[] = [];
        slots.forEach((slot, i) => {
          const value = row[i + 1];
          if (typeof value === 'string') tokens.push(...valueWordTokens(slot, value));
        });
        if (tokens.length > 0) wordRows.push([row[0] as number, tokens.join(' ')]);
      }
      this.#insertWords(wordRows);
      count += wordRows.length;
    }
  }

  #updateStatement(columns: readonly string[], changed: readonly number[]): Database.Statement<SqlParam[]> {
    const set = changed.map((i) => `${quoteIdent(columns[i] ?? '')} = ?`).join(', ');
    return this.#statement(`UPDATE item_index SET ${set} WHERE id = ?`);
  }

  // --- queries ---

  /** The columns of a field, or null when the index holds no values for it. */
  readonly columns: ColumnResolver = (field: ValueField): FieldColumns | null => {
    if (field.kind === 'builtin') return builtinColumns(field.name);
    const slot = this.#slots.get(field.key);
    if (slot?.derived === null || slot === undefined) return null;
    const { derived } = slot;
    return {
      value: `x.k${slot.slot}`,
      folded: derived.folded ? `x.f${slot.slot}` : null,
      index: derived.indexed ? `item_index_k${slot.slot}` : null,
      wordSlot: derived.words ? slot.slot : null,
    };
  };

  /** The WHERE clause of a filter plus folder scope; `1` when there is neither. */
  where(filter: BoundFilter | null, folderUuid: string | null): CompiledSql {
    const parts: string[] = [];
    const params: SqlParam[] = [];
    if (folderUuid !== null) {
      parts.push(`x.folder_uuid IN ${folderSubtreeSql(1)}`);
      params.push(folderUuid);
    }
    if (filter !== null) {
      const compiled = compileFilter(filter, this.columns);
      parts.push(compiled.sql);
      params.push(...compiled.params);
    }
    return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
  }

  /** Decides how a filter runs, from exact match counts capped at the threshold. */
  plan(filter: BoundFilter | null, folderUuid: string | null): QueryPlan {
    const indexedItems = this.#statement<[], number>('SELECT count(*) FROM item_index').pluck().get() ?? 0;
    const threshold = Math.max(MIN_THRESHOLD, Math.floor(indexedItems / 16));
    const plan: QueryPlan = { strategy: 'all', index: null, indexedItems, threshold, candidates: [] };
    if (filter === null && folderUuid === null) return plan;
    const candidates: { field: string; op: string; index: string; sql: CompiledSql }[] = [];
    if (folderUuid !== null) {
      candidates.push({
        field: '$folder',
        op: 'in',
        index: 'item_index_by_folder',
        sql: { sql: `x.folder_uuid IN ${folderSubtreeSql(1)}`, params: [folderUuid] },
      });
    }
    for (const { atom, negated } of filter === null ? [] : topConjuncts(filter)) {
      const index = negated ? null : this.#atomIndex(atom);
      const sql = index === null ? null : compileAtom(atom, this.columns);
      if (index !== null && sql !== null) {
        candidates.push({ field: fieldName(atom), op: atom.kind, index, sql });
      }
    }
    let best: { index: string; rows: number } | null = null;
    for (const candidate of candidates) {
      const rows =
        this.#statement<SqlParam[], number>(
          `SELECT count(*) FROM (SELECT 1 FROM item_index x INDEXED BY ${candidate.index} WHERE ${candidate.sql.sql} LIMIT ${threshold + 1})`,
        )
          .pluck()
          .get(...candidate.sql.params) ?? 0;
      plan.candidates.push({
        field: candidate.field,
        op: candidate.op,
        index: candidate.index,
        rows,
        capped: rows > threshold,
      });
      if (rows <= threshold && (best === null || rows < best.rows)) best = { index: candidate.index, rows };
    }
    if (best !== null) {
      plan.strategy = 'index';
      plan.index = best.index;
    } else if (hasSelectiveWords(filter)) {
      plan.strategy = 'auto';
    } else {
      plan.strategy = 'scan';
      // A filter on one indexed column alone is counted from that index, never the rows.
      plan.index = folderUuid === null && filter !== null ? this.#soleIndex(filter) : null;
    }
    return plan;
  }

  count(where: CompiledSql, plan: QueryPlan): number {
    if (where.sql === '1')
      return this.#statement<[], number>('SELECT count(*) FROM item_index').pluck().get() ?? 0;
    return (
      this.#statement<SqlParam[], number>(
        `SELECT count(*) FROM item_index x ${countHint(plan)} WHERE ${where.sql}`,
      )
        .pluck()
        .get(...where.params) ?? 0
    );
  }

  /** One page of matches in sort order, plus the total when asked. */
  page(query: IndexQuery): IndexPage & { plan: QueryPlan } {
    const plan = this.plan(query.filter, query.folderUuid);
    const where = this.where(query.filter, query.folderUuid);
    const order = query.sort.map((s) => ({ expr: this.#sortExpr(s.field), desc: s.desc }));
    const conditions = [where.sql];
    const params = [...where.params];
    if (query.after !== null) {
      if (query.after.values.length !== order.length) {
        throw new MetaindexError('invalid_argument', 'pageToken belongs to a query with another sort');
      }
      const after = afterCondition(order, query.after);
      conditions.push(after.sql);
      params.push(...after.params);
    }
    const orderBy = [
      ...order.flatMap((o) => [`(${o.expr} IS NULL)`, `${o.expr}${o.desc ? ' DESC' : ''}`]),
      'x.uuid',
    ].join(', ');
    const select = ['x.uuid', ...order.map((o) => o.expr)];
    const limit = query.pageSize + 1;

    let total: number | null = null;
    let rows: unknown[][];
    if (plan.strategy === 'index' && query.count && query.after === null) {
      // Few matches, found through one index: count them and take the page in one pass.
      rows = this.#statement<SqlParam[], unknown[]>(
        `SELECT ${select.join(', ')}, count(*) OVER () FROM item_index x ${hint(plan)} WHERE ${where.sql}
         ORDER BY ${orderBy} LIMIT ${limit}`,
      )
        .raw()
        .all(...params);
      total = rows.length === 0 ? 0 : (rows[0]?.at(-1) as number);
      rows = rows.map((row) => row.slice(0, -1));
    } else {
      total = query.count ? this.count(where, plan) : null;
      rows = this.#statement<SqlParam[], unknown[]>(
        `SELECT ${select.join(', ')} FROM item_index x ${this.#pageHint(plan, order.length > 0, total, query.pageSize)}
         WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy} LIMIT ${limit}`,
      )
        .raw()
        .all(...params);
    }
    const more = rows.length > query.pageSize;
    const served = more ? rows.slice(0, query.pageSize) : rows;
    const uuids = served.map((row) => row[0] as string);
    const last = served.at(-1);
    const next =
      more && last !== undefined
        ? { uuid: last[0] as string, values: last.slice(1) as (number | string | null)[] }
        : null;
    return { uuids, next, total, plan };
  }

  /**
   * How the page statement reads the index table. Without a sort, a filter that matches
   * often enough walks the uuid index and stops at a full page (about pageSize / share
   * rows read); one that matches rarely is cheaper to scan once and sort.
   */
  #pageHint(plan: QueryPlan, sorted: boolean, total: number | null, pageSize: number): string {
    if (sorted || (plan.strategy !== 'scan' && plan.strategy !== 'all')) return hint(plan);
    const rare = plan.strategy === 'scan' && total !== null && total < 8 * (pageSize + 1);
    return rare ? 'NOT INDEXED' : 'INDEXED BY item_index_by_uuid';
  }

  /** Uuids of the matches after `after`, ascending (for walking a whole match set). */
  matchingUuids(filter: BoundFilter | null, after: string | null, limit: number): string[] {
    const plan = this.plan(filter, null);
    const where = this.where(filter, null);
    const conditions = [where.sql];
    const params = [...where.params];
    if (after !== null) {
      conditions.push('x.uuid > ?');
      params.push(after);
    }
    const pageHint =
      plan.strategy === 'index' || plan.strategy === 'auto' ? hint(plan) : 'INDEXED BY item_index_by_uuid';
    return this.#statement<SqlParam[], string>(
      `SELECT x.uuid FROM item_index x ${pageHint} WHERE ${conditions.join(' AND ')} ORDER BY x.uuid LIMIT ${limit}`,
    )
      .pluck()
      .all(...params);
  }

  /** Value counts and histograms over the matches. */
  facets(
    filter: BoundFilter | null,
    folderUuid: string | null,
    requests: readonly FacetRequest[],
  ): {
    total: number;
    facets: FacetCounts[];
  } {
    const plan = this.plan(filter, folderUuid);
    const where = this.where(filter, folderUuid);
    if (where.sql !== '1') {
      const onePass = this.#facetsInOnePass(where, plan, requests);
      if (onePass !== null) return onePass;
    }
    const total = this.count(where, plan);
    const facets = requests.map((request): FacetCounts => {
      const columns = this.columns(request.field);
      if (columns === null) {
        return request.kind === 'values'
          ? { kind: 'values', counts: [] }
          : { kind: 'histogram', buckets: [] };
      }
      const unfiltered = where.sql === '1';
      const facetHint = unfiltered && columns.index !== null ? `INDEXED BY ${columns.index}` : hint(plan);
      const v = columns.value;
      const domain = this.#valueDomain(request.field);
      if (request.kind === 'values' && unfiltered && columns.index !== null && domain !== null) {
        // A known, small set of values (enum options, true/false): one index range count
        // each, rather than grouping every entry of the index.
        const countOf = this.#statement<SqlParam[], number>(
          `SELECT count(*) FROM item_index x INDEXED BY ${columns.index} WHERE ${v} = ?`,
        ).pluck();
        const counts = domain
          .map((value) => ({ value, count: countOf.get(value) ?? 0 }))
          .filter((c) => c.count > 0)
          .sort(
            (a, b) =>
              b.count - a.count ||
              compareFieldValues(typeof a.value === 'number' ? 'number' : 'string', a.value, b.value),
          )
          .slice(0, request.top);
        return { kind: 'values', counts };
      }
      if (request.kind === 'values') {
        const rows = this.#statement<SqlParam[], [number | string, number]>(
          `SELECT ${v}, count(*) AS n FROM item_index x ${facetHint}
           WHERE ${where.sql} AND ${v} IS NOT NULL GROUP BY ${v} ORDER BY n DESC, ${v} LIMIT ${request.top}`,
        )
          .raw()
          .all(...where.params);
        return { kind: 'values', counts: rows.map(([value, count]) => ({ value, count })) };
      }
      return {
        kind: 'histogram',
        buckets: this.#histogram(v, where, facetHint, request.buckets, unfiltered),
      };
    });
    return { total, facets };
  }

  /**
   * Every facet of a filter that matches few enough items, from one read of the
   * matching rows: one scan instead of one per facet. The counting is core's facet
   * evaluator, so it agrees with the SQL path by construction.
   */
  #facetsInOnePass(
    where: CompiledSql,
    plan: QueryPlan,
    requests: readonly FacetRequest[],
  ): { total: number; facets: FacetCounts[] } | null {
    const columns = requests.map((request) => this.columns(request.field));
    const read = [...new Set(columns.flatMap((c) => (c === null ? [] : [c.value])))];
    const lists = read.map((): (number | string | null)[] => []);
    // The rows read are the matches: their number is the total, so no separate count.
    // Past the limit, stop and let the per-facet statements do it.
    const rows = this.#statement<SqlParam[], (number | string | null)[]>(
      `SELECT ${['1', ...read].join(', ')} FROM item_index x ${hint(plan)} WHERE ${where.sql}
       LIMIT ${this.#onePassFacetLimit + 1}`,
    )
      .raw()
      .iterate(...where.params);
    let total = 0;
    for (const row of rows) {
      total++;
      for (let i = 0; i < lists.length; i++)
        (lists[i] as (number | string | null)[]).push(row[i + 1] ?? null);
    }
    if (total > this.#onePassFacetLimit) return null;
    const values = new Map(read.map((column, i) => [column, lists[i] ?? []]));
    const facets = requests.map((request, i): FacetCounts => {
      const column = columns[i];
      const list = column === null || column === undefined ? [] : (values.get(column.value) ?? []);
      if (request.kind === 'values') {
        // Booleans are 0/1 here, so they rank numerically: false before true, as in SQL.
        const domain = typeof list.find((v) => v !== null) === 'number' ? 'number' : 'string';
        const counts = countValues(list, domain, request.top).map(({ value, count }) => ({
          value: value as number | string,
          count,
        }));
        return { kind: 'values', counts };
      }
      return { kind: 'histogram', buckets: histogram(list as (number | null)[], request.buckets) };
    });
    return { total, facets };
  }

  /** SQLite's own account of how a query runs, for explain. */
  sqlitePlan(query: IndexQuery, plan: QueryPlan): { count: string[]; page: string[] } {
    const where = this.where(query.filter, query.folderUuid);
    const explain = (sql: string): string[] =>
      this.#db
        .prepare<SqlParam[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...where.params)
        .map((row) => row.detail);
    const orderBy = [
      ...query.sort.flatMap((s) => {
        const expr = this.#sortExpr(s.field);
        return [`(${expr} IS NULL)`, `${expr}${s.desc ? ' DESC' : ''}`];
      }),
      'x.uuid',
    ].join(', ');
    return {
      count: explain(`SELECT count(*) FROM item_index x ${countHint(plan)} WHERE ${where.sql}`),
      page: explain(
        `SELECT x.uuid FROM item_index x ${hint(plan)} WHERE ${where.sql} ORDER BY ${orderBy} LIMIT ${query.pageSize + 1}`,
      ),
    };
  }

  /** How many stored values of `key` would not fit `entry`, with examples. */
  castPreview(key: string, entry: LiveTypeObject, exampleLimit: number): CastPreview {
    const derived = deriveKey(key, entry);
    const rows = this.#db
      .prepare<[string], { uuid: string; type: string; value: unknown }>(
        `SELECT i.uuid AS uuid, j.type AS type, j.value AS value
         FROM items i, json_each(i.client_metadata) j WHERE j.key = ? AND j.type <> 'null'`,
      )
      .iterate(key);
    const preview: CastPreview = { itemsWithValue: 0, wouldNotFit: 0, examples: [] };
    for (const row of rows) {
      preview.itemsWithValue++;
      const value = jsonEachValue(row.type, row.value);
      if (indexValue(derived, value) !== null) continue;
      preview.wouldNotFit++;
      if (preview.examples.length < exampleLimit) preview.examples.push({ uuid: row.uuid, value });
    }
    return preview;
  }

  // --- internals ---

  #histogram(
    v: string,
    where: CompiledSql,
    facetHint: string,
    buckets: number,
    unfiltered: boolean,
  ): { from: number; to: number; count: number }[] {
    // Unfiltered, min and max are each one index lookup; together in one statement
    // SQLite would walk the whole index instead.
    const extreme = (fn: 'min' | 'max'): number | null =>
      this.#statement<SqlParam[], number | null>(
        unfiltered
          ? `SELECT ${fn}(${v}) FROM item_index x ${facetHint}`
          : `SELECT ${fn}(${v}) FROM item_index x ${facetHint} WHERE ${where.sql} AND ${v} IS NOT NULL`,
      )
        .pluck()
        .get(...(unfiltered ? [] : where.params)) ?? null;
    const [min, max] = [extreme('min'), extreme('max')];
    if (min === null || max === null) return [];
    const edges = histogramEdges(min, max, buckets);
    if (edges.length === 2) {
      const count = this.#statement<SqlParam[], number>(
        `SELECT count(*) FROM item_index x ${facetHint} WHERE ${where.sql} AND ${v} IS NOT NULL`,
      )
        .pluck()
        .get(...where.params);
      return [{ from: min, to: max, count: count ?? 0 }];
    }
    const result = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1] as number, count: 0 }));
    if (unfiltered) {
      // Each bucket is one index range count: no row is read.
      const rangeCount = this.#statement<SqlParam[], number>(
        `SELECT count(*) FROM item_index x ${facetHint} WHERE ${v} >= ? AND ${v} < ?`,
      ).pluck();
      const lastCount = this.#statement<SqlParam[], number>(
        `SELECT count(*) FROM item_index x ${facetHint} WHERE ${v} >= ? AND ${v} <= ?`,
      ).pluck();
      result.forEach((bucket, i) => {
        const isLast = i === result.length - 1;
        bucket.count = (isLast ? lastCount : rangeCount).get(bucket.from, bucket.to) ?? 0;
      });
      return result;
    }
    // One pass: the bucket of a value is the last edge it reaches.
    const cases = edges
      .slice(1, -1)
      .map((_, i) => `WHEN ${v} < ? THEN ${i}`)
      .join(' ');
    const rows = this.#statement<SqlParam[], [number, number]>(
      `SELECT CASE ${cases} ELSE ${result.length - 1} END AS b, count(*) FROM item_index x ${facetHint}
       WHERE ${where.sql} AND ${v} IS NOT NULL GROUP BY b`,
    )
      .raw()
      .all(...edges.slice(1, -1), ...where.params);
    for (const [b, count] of rows) {
      const bucket = result[b];
      if (bucket !== undefined) bucket.count = count;
    }
    return result;
  }

  /** The index of the one column every atom of the filter reads, if there is exactly one. */
  #soleIndex(filter: BoundFilter): string | null {
    const indexes = new Set<string | null>();
    const walk = (node: BoundFilter): void => {
      if (isBoundAtom(node)) {
        if (node.kind === 'never') return;
        if (node.kind === 'member' || node.kind === 'matches') {
          indexes.add(null);
          return;
        }
        const columns = this.columns(node.field);
        // contains/startswith read the folded copy, which the index does not hold.
        const folded = (node.kind === 'contains' || node.kind === 'startswith') && columns?.folded != null;
        indexes.add(folded ? null : (columns?.index ?? null));
      } else if ('not' in node) walk(node.not);
      else for (const child of 'and' in node ? node.and : node.or) walk(child);
    };
    walk(filter);
    const [only] = indexes;
    return indexes.size === 1 && only !== undefined ? only : null;
  }

  /** The few values a field can hold, when known: enum options (distinct), or 0 and 1. */
  #valueDomain(field: ValueField): (string | number)[] | null {
    if (field.kind !== 'key') return null;
    const derived = this.#slots.get(field.key)?.derived;
    if (derived === null || derived === undefined) return null;
    if (derived.kind === 'boolean') return [0, 1];
    return derived.options === undefined || derived.options.length > 64
      ? null
      : [...new Set(derived.options)];
  }

  #sortExpr(field: ValueField): string {
    const columns = this.columns(field);
    return columns === null ? 'NULL' : columns.value;
  }

  #atomIndex(atom: BoundAtom): string | null {
    if (atom.kind === 'member')
      return atom.field === '$folder' && !atom.negated ? 'item_index_by_folder' : null;
    if (
      atom.kind === 'never' ||
      atom.kind === 'contains' ||
      atom.kind === 'startswith' ||
      atom.kind === 'matches'
    ) {
      return null;
    }
    if (atom.kind === 'in' && atom.negated) return null;
    if (atom.kind === 'compare' && atom.op === 'ne') return null;
    return this.columns(atom.field)?.index ?? null;
  }

  #reindexWhere(condition: string, params: SqlParam[]): number {
    const rows = this.#db
      .prepare<SqlParam[], IndexedItemRow>(
        `SELECT i.uuid, i.folder_uuid, i.name, i.item_type, i.created_at, i.last_edited_at, i.client_metadata
         FROM items i WHERE ${condition}`,
      )
      .all(...params);
    const batch: IndexedItem[] = rows.map((row) => ({
      uuid: row.uuid,
      folderUuid: row.folder_uuid,
      name: row.name,
      itemType: row.item_type,
      createdAt: row.created_at,
      lastEditedAt: row.last_edited_at,
      clientMetadata: row.client_metadata,
    }));
    this.indexItems(batch, false, true);
    return batch.length;
  }

  #storedSlots(): Map<string, SlotRow> {
    const rows = this.#db.prepare<[], SlotRow>('SELECT key, slot, signature FROM index_slots').all();
    return new Map(rows.map((row) => [row.key, row]));
  }

  #tableColumns(): Set<string> {
    return new Set(
      this.#db
        .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('item_index')")
        .all()
        .map((row) => row.name),
    );
  }

  #ensureColumns(slot: number, derived: DerivedKey): void {
    if (!this.#columns.has(`k${slot}`)) {
      this.#db.exec(`ALTER TABLE item_index ADD COLUMN k${slot}`);
      this.#columns.add(`k${slot}`);
    }
    if (derived.folded && !this.#columns.has(`f${slot}`)) {
      this.#db.exec(`ALTER TABLE item_index ADD COLUMN f${slot} TEXT`);
      this.#columns.add(`f${slot}`);
    }
    if (derived.indexed)
      this.#db.exec(`CREATE INDEX IF NOT EXISTS item_index_k${slot} ON item_index (k${slot})`);
  }

  #loadSlots(schema: SchemaMap): void {
    const stored = this.#storedSlots();
    this.#columns = this.#tableColumns();
    this.#slots = new Map();
    this.#live = [];
    for (const [key, row] of stored) {
      const entry = schema.get(key);
      const live = entry !== undefined && !isTombstone(entry) && row.signature !== null;
      const derived = live ? deriveKey(key, entry) : null;
      // A column derived with another signature (another process is mid-change) holds
      // nothing trustworthy for this schema: treat the key as valueless until it lands.
      const usable = derived !== null && derived.signature === row.signature ? derived : null;
      this.#slots.set(key, { slot: row.slot, derived: usable });
      if (usable !== null) this.#live.push({ slot: row.slot, derived: usable });
    }
    this.#live.sort((a, b) => a.slot - b.slot);
    this.#insert = undefined;
    this.#statements.clear();
  }

  #indexColumns(): string[] {
    const columns = [...FIXED_COLUMNS];
    for (const { slot, derived } of this.#live) {
      columns.push(`k${slot}`);
      if (derived.folded) columns.push(`f${slot}`);
    }
    return columns;
  }

  /** Inserts one index row with its id first. No RETURNING: it made inserts twice as slow. */
  #insertStatement(): Database.Statement<SqlParam[]> {
    if (this.#insert !== undefined) return this.#insert;
    const columns = ['id', ...this.#indexColumns()];
    this.#insert = this.#db.prepare<SqlParam[]>(
      `INSERT INTO item_index (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    return this.#insert;
  }

  #statement<P extends unknown[] = SqlParam[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      // Statements vary with the filter's shape; keep the cache bounded.
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }
}

interface IndexedItemRow {
  uuid: string;
  folder_uuid: string;
  name: string;
  item_type: string;
  created_at: string;
  last_edited_at: string;
  client_metadata: string;
}

const fieldName = (atom: BoundAtom): string => {
  if (atom.kind === 'never') return atom.key;
  if (atom.kind === 'member') return atom.field;
  return atom.field.kind === 'key' ? atom.field.key : atom.field.name;
};

/** How the count reads: like the query, except a one-column scan counts from that column's index. */
function countHint(plan: QueryPlan): string {
  return plan.strategy === 'scan' && plan.index !== null ? `INDEXED BY ${plan.index}` : hint(plan);
}

function hint(plan: QueryPlan): string {
  switch (plan.strategy) {
    case 'index':
      return `INDEXED BY ${plan.index ?? 'item_index_by_uuid'}`;
    case 'scan':
      return 'NOT INDEXED';
    default:
      return '';
  }
}

/** The keyset condition "after this row" for a sort with NULLs last in both directions. */
function afterCondition(order: { expr: string; desc: boolean }[], cursor: QueryCursor): CompiledSql {
  const params: SqlParam[] = [];
  const build = (i: number): string => {
    const o = order[i];
    if (o === undefined) {
      params.push(cursor.uuid);
      return 'x.uuid > ?';
    }
    const value = cursor.values[i] ?? null;
    if (value === null) {
      const rest = build(i + 1);
      return `(${o.expr} IS NULL AND ${rest})`;
    }
    params.push(value);
    const beyond = `${o.expr} ${o.desc ? '<' : '>'} ?`;
    params.push(value);
    const equal = `${o.expr} = ?`;
    const rest = build(i + 1);
    return `(${o.expr} IS NULL OR ${beyond} OR (${equal} AND ${rest}))`;
  };
  const sql = build(0);
  return { sql, params };
}

/** Rebuilds a JSON value from json_each's type and SQL value. */
function jsonEachValue(type: string, value: unknown): unknown {
  switch (type) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'object':
    case 'array':
      return JSON.parse(value as string) as unknown;
    default:
      return value;
  }
}
