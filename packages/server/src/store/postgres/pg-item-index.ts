/**
 * The PostgreSQL item index, the counterpart of sqlite-item-index.ts: one row per item
 * in `item_index` with a typed column per schema key (`k<slot>`, and `f<slot>` for the
 * case-folded copy of a string), derived exactly as on SQLite (index-derivation.ts),
 * plus `words text[]` behind a GIN index for `matches`. Filters compile to SQL in
 * pg-filter-sql.ts.
 *
 * Writes happen inside the writer's transaction (PgIndexMaintenance): an item write
 * upserts the items' rows, a schema change adds columns (ALTER TABLE inside the
 * transaction: PostgreSQL's DDL is transactional) and derives again the values of the
 * keys that changed. Reads run in one REPEATABLE READ transaction, so a total, its page
 * and the items are one snapshot.
 *
 * Several server processes share the database, so each keeps the column layout it last
 * read keyed by a token in `index_state` that every schema change of the index
 * replaces; a read compares tokens in the statement that starts its snapshot.
 *
 * Column types: numbers are double precision, datetimes (epoch ms) bigint, booleans
 * boolean (embedding/geospatial presence: true), strings text COLLATE "C" (code-point
 * order, as SQLite's BINARY). NULL is "no value". A column's type follows its key's
 * type: when a key changes to a type stored differently, its column is dropped and
 * added again (both are catalogue changes; rewriting a column's type would rewrite the
 * whole table). A dropped column still counts towards PostgreSQL's limit of 1,600
 * columns per table, so each such change uses up one or two.
 *
 * Planning: unlike SQLite, PostgreSQL plans each statement from column statistics
 * and combines b-tree indexes itself (BitmapAnd/BitmapOr), so queries carry no hints;
 * SQLite's own plan is computed for explain only (see #plan for the measurement).
 */
import { randomUUID } from 'node:crypto';
import {
  compareFieldValues,
  histogramEdges,
  isBoundAtom,
  isTombstone,
  MetaindexError,
  type BoundAtom,
  type BoundFilter,
  type BoundLiteral,
  type BoundSort,
  type LiveTypeObject,
  type SchemaMap,
  type ValueField,
} from '@metaindex/core';
import type {
  CastPreview,
  FacetCounts,
  FacetRequest,
  IndexQuery,
  ItemQueryPage,
  QueryCursor,
  QueryPlan,
} from '../engine.js';
import {
  deriveKey,
  foldedValue,
  indexValue,
  parseMetadata,
  valueWordTokens,
  type DerivedKey,
  type IndexValue,
} from '../index-derivation.js';
import type { ItemRecord } from '../records.js';
import { schemaFromStoredJson } from '../stored-schema.js';
import { rows, type PgClient, type PgDatabase } from './pg-database.js';
import {
  builtinColumns,
  compileAtom,
  compileFilter,
  decodeText,
  encodeText,
  folderSubtreeSql,
  prefixExpr,
  SqlParams,
  type FieldColumns,
  type PgColumnType,
} from './pg-filter-sql.js';
import { hasSelectiveWords, topConjuncts } from '../filter-conjuncts.js';
import type { IndexMethods, PgIndexMaintenance, SchemaAt } from './pg-parts.js';
import { ITEM_SELECT, itemFromRow, type ItemRow } from './pg-rows.js';

/** What the index reads of an item. */
type IndexedItemRow = {
  uuid: string;
  folder_uuid: string;
  name: string;
  item_type: string;
  created_at: string;
  last_edited_at: string;
  client_metadata: string;
};

type IndexedItem = Pick<
  ItemRecord,
  'uuid' | 'folderUuid' | 'name' | 'itemType' | 'createdAt' | 'lastEditedAt' | 'clientMetadata'
>;

type SlotRow = {
  key: string;
  slot: number;
  signature: string | null;
};

/** A column an index row is written with: its name and PostgreSQL type. */
interface WriteColumn {
  name: string;
  type: string;
}

/** The index's columns as one schema version and one index token describe them. */
interface Layout {
  token: string;
  version: number;
  /** Every key with a slot; `derived` null when the key has no trustworthy values. */
  slots: Map<string, { slot: number; derived: DerivedKey | null }>;
  /** Live keys with values, in slot order. */
  live: { slot: number; derived: DerivedKey }[];
  /** The columns written per row, in order (uuid first, words last). */
  write: WriteColumn[];
  /** The upsert of rows in `write` order, built once per layout. */
  upsertSql: string;
}

const FIXED_COLUMNS: readonly WriteColumn[] = [
  { name: 'uuid', type: 'text' },
  { name: 'folder_uuid', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'name_folded', type: 'text' },
  { name: 'item_type', type: 'text' },
  { name: 'created_ms', type: 'bigint' },
  { name: 'edited_ms', type: 'bigint' },
];

/** Items are derived and written this many at a time. */
const WRITE_SLICE = 2000;

/** At most this many ms of planning per candidate atom: its count stops at the threshold. */
const MIN_THRESHOLD = 1000;

/** Where each kind of value lives. */
export function columnType(derived: DerivedKey): PgColumnType {
  switch (derived.kind) {
    case 'number':
      return derived.type === 'datetime' ? 'bigint' : 'double precision';
    case 'boolean':
    case 'presence':
      return 'boolean';
    default:
      return 'text';
  }
}

/** A derived value as its column holds it. */
function columnValue(derived: DerivedKey, value: IndexValue): unknown {
  if (value === null) return null;
  if (derived.kind === 'boolean' || derived.kind === 'presence') return value === 1;
  return typeof value === 'string' ? encodeText(value) : value;
}

/** A column value read back as SQLite returns it: booleans 0/1, text unescaped. */
function readValue(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return decodeText(value);
  return value as number;
}

export class PgItemIndex implements IndexMethods, PgIndexMaintenance {
  readonly #db: PgDatabase;
  #layout: Layout | null = null;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  // --- maintenance (inside the writer's transaction) ---

  async indexItems(client: PgClient, items: readonly ItemRecord[], schema: SchemaAt): Promise<void> {
    if (items.length === 0) return;
    const layout = await this.#writeLayout(client, schema);
    // A uuid written twice in one write is indexed as last written (one upsert may
    // not touch a row twice).
    const last = new Map<string, IndexedItem>();
    for (const item of items) {
      last.delete(item.uuid);
      last.set(item.uuid, item);
    }
    await this.#writeRows(client, layout, [...last.values()]);
  }

  async applySchema(client: PgClient, schema: SchemaAt): Promise<void> {
    const changed = await this.#applyColumns(client, schema.schema);
    if (changed.length === 0) return;
    const layout = await this.#loadLayout(client, schema.schema, schema.version);
    await this.#forEachItemBatch(client, changed, async (batch) => {
      const holding = batch.filter((item) => {
        const metadata = parseMetadata(item.clientMetadata);
        return changed.some((key) => Object.hasOwn(metadata, key));
      });
      await this.#writeRows(client, layout, holding);
    });
  }

  async rebuild(client: PgClient, schema: SchemaAt): Promise<number> {
    await this.#applyColumns(client, schema.schema, true);
    const layout = await this.#loadLayout(client, schema.schema, schema.version);
    await client.query('TRUNCATE item_index');
    let count = 0;
    await this.#forEachItemBatch(client, null, async (batch) => {
      await this.#writeRows(client, layout, batch);
      count += batch.length;
    });
    // Fresh statistics for the planner: the table was just filled from nothing.
    await client.query('ANALYZE item_index');
    return count;
  }

  /**
   * Brings the columns in line with a schema: new keys get columns (and an index),
   * keys whose type changed get a column of the new type when it is stored differently,
   * deleted keys lose their signature. Returns the keys whose values must be derived
   * again. Replaces the index token, so every process reads the new layout.
   */
  async #applyColumns(client: PgClient, schema: SchemaMap, everything = false): Promise<string[]> {
    // A layout read inside this transaction must never outlive it: forget it.
    this.#layout = null;
    const stored = new Map(
      (await rows<SlotRow>(client, 'SELECT key, slot, signature FROM index_slots')).map((r) => [r.key, r]),
    );
    const columns = await tableColumns(client);
    const indexes = await tableIndexes(client);
    let next = Math.max(0, ...[...stored.values()].map((s) => s.slot)) + 1;
    const changed: string[] = [];
    const setSignature = async (key: string, slot: number, signature: string | null) => {
      await client.query(
        `INSERT INTO index_slots (key, slot, signature) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET signature = EXCLUDED.signature`,
        [key, slot, signature],
      );
    };
    for (const [key, had] of stored) {
      // A key gone from the schema altogether counts as deleted.
      if (!schema.has(key) && had.signature !== null) {
        await setSignature(key, had.slot, null);
        changed.push(key);
      }
    }
    for (const [key, entry] of schema) {
      const had = stored.get(key);
      if (isTombstone(entry)) {
        if (had !== undefined && had.signature !== null) {
          await setSignature(key, had.slot, null);
          changed.push(key);
        }
        continue;
      }
      const derived = deriveKey(key, entry);
      const slot = had?.slot ?? next++;
      const recreated = await ensureColumns(client, columns, indexes, slot, derived);
      if (everything || recreated || had?.signature !== derived.signature) {
        await setSignature(key, slot, derived.signature);
        changed.push(key);
      }
    }
    await client.query('UPDATE index_state SET token = $1 WHERE id = 1', [randomUUID()]);
    return changed;
  }

  /**
   * Calls `work` with every item (in uuid order, a batch at a time) whose metadata may
   * hold one of `keys` (null: every item). The SQL only narrows: `work` checks.
   */
  async #forEachItemBatch(
    client: PgClient,
    keys: readonly string[] | null,
    work: (batch: IndexedItem[]) => Promise<void>,
  ): Promise<void> {
    const patterns = keys === null ? null : metadataKeyPatterns(keys);
    for (let after = ''; ;) {
      const params: unknown[] = [after];
      if (patterns !== null) params.push(patterns);
      const batch = await rows<IndexedItemRow>(
        client,
        `SELECT uuid, folder_uuid, name, item_type, created_at, last_edited_at, client_metadata
         FROM items WHERE uuid > $1::text
         ${patterns === null ? '' : 'AND EXISTS (SELECT 1 FROM unnest($2::text[]) p WHERE strpos(client_metadata, p) > 0)'}
         ORDER BY uuid LIMIT ${WRITE_SLICE}`,
        params,
      );
      const lastRow = batch.at(-1);
      if (lastRow === undefined) return;
      after = lastRow.uuid;
      await work(
        batch.map((row) => ({
          uuid: row.uuid,
          folderUuid: row.folder_uuid,
          name: row.name,
          itemType: row.item_type as ItemRecord['itemType'],
          createdAt: row.created_at,
          lastEditedAt: row.last_edited_at,
          clientMetadata: row.client_metadata,
        })),
      );
    }
  }

  /** Upserts the index rows of these items (distinct uuids), a slice at a time. */
  async #writeRows(client: PgClient, layout: Layout, items: readonly IndexedItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += WRITE_SLICE) {
      const slice = items.slice(start, start + WRITE_SLICE);
      // One array per column: unnest turns them into rows, so a statement has as many
      // parameters as columns however many rows it writes.
      const arrays: unknown[][] = layout.write.map(() => new Array<unknown>(slice.length));
      slice.forEach((item, r) => {
        deriveRow(layout, item).forEach((value, c) => {
          (arrays[c] as unknown[])[r] = value;
        });
      });
      await client.query(layout.upsertSql, arrays);
    }
  }

  /** The layout for writing with the schema the writer checked (`schema.version`). */
  async #writeLayout(client: PgClient, schema: SchemaAt): Promise<Layout> {
    const [state] = await rows<{ token: string }>(client, 'SELECT token FROM index_state WHERE id = 1');
    const cached = this.#layout;
    if (cached !== null && cached.token === state?.token && cached.version === schema.version) return cached;
    return this.#loadLayout(client, schema.schema, schema.version);
  }

  /** Reads the slots and columns as this transaction sees them. */
  async #loadLayout(client: PgClient, schema: SchemaMap, version: number): Promise<Layout> {
    const [state] = await rows<{ token: string }>(client, 'SELECT token FROM index_state WHERE id = 1');
    const stored = await rows<SlotRow>(client, 'SELECT key, slot, signature FROM index_slots ORDER BY slot');
    const columns = await tableColumns(client);
    const slots: Layout['slots'] = new Map();
    const live: Layout['live'] = [];
    const write: WriteColumn[] = [...FIXED_COLUMNS];
    for (const row of stored) {
      const entry = schema.get(row.key);
      const derived = entry === undefined || isTombstone(entry) ? null : deriveKey(row.key, entry);
      // Values are trustworthy only when derived with this very type into a column of
      // its type (anything else is a layout another schema left).
      const usable =
        derived !== null &&
        row.signature === derived.signature &&
        columns.get(`k${row.slot}`) === columnType(derived) &&
        (!derived.folded || columns.has(`f${row.slot}`))
          ? derived
          : null;
      slots.set(row.key, { slot: row.slot, derived: usable });
      if (usable !== null) live.push({ slot: row.slot, derived: usable });
      // Every slot column is written, NULL where the key has no value, so a row never
      // keeps a value of a type its key no longer has.
      for (const name of [`k${row.slot}`, `f${row.slot}`]) {
        const type = columns.get(name);
        if (type !== undefined) write.push({ name, type });
      }
    }
    write.push({ name: 'words', type: 'text' });
    const layout: Layout = {
      token: state?.token ?? '',
      version,
      slots,
      live,
      write,
      upsertSql: upsertSql(write),
    };
    this.#layout = layout;
    return layout;
  }

  // --- reads ---

  /** Runs `work` in one read-only snapshot with the layout of the schema it sees. */
  #read<T>(
    work: (client: PgClient, layout: Layout, columns: Resolver, table: TableStats) => Promise<T>,
  ): Promise<T> {
    return this.#db.tx(async (client) => {
      // The lock comes before the first snapshot: a schema change that alters the
      // table either committed before it (and the snapshot sees it whole) or waits.
      // JIT compilation costs tens of ms, more than these statements ever run.
      await client.query(
        `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
         SET LOCAL jit = off;
         LOCK TABLE item_index IN ACCESS SHARE MODE`,
      );
      const [state] = await rows<{ token: string; version: number } & TableStats>(
        client,
        `SELECT t.token, coalesce(s.version, 0) AS version, c.reltuples::bigint AS estimate,
           c.relallvisible::double precision / greatest(c.relpages, 1) AS visible
         FROM index_state t LEFT JOIN metadata_schema s ON s.id = 1
           CROSS JOIN pg_class c WHERE t.id = 1 AND c.oid = 'item_index'::regclass`,
      );
      let layout = this.#layout;
      if (layout === null || layout.token !== state?.token || layout.version !== state.version) {
        const [schemaRow] = await rows<{ schema_json: string }>(
          client,
          'SELECT schema_json FROM metadata_schema WHERE id = 1',
        );
        const schema = schemaRow === undefined ? new Map() : schemaFromStoredJson(schemaRow.schema_json);
        layout = await this.#loadLayout(client, schema, state?.version ?? 0);
      }
      return work(client, layout, resolver(layout), {
        estimate: state?.estimate ?? -1,
        visible: state?.visible ?? 0,
      });
    });
  }

  queryItems(query: IndexQuery): Promise<ItemQueryPage> {
    return this.#read(async (client, _layout, columns, { estimate }) => {
      const order = query.sort.map((s) => ({ c: columns(s.field), desc: s.desc }));
      if (query.after !== null && query.after.values.length !== order.length) {
        throw new MetaindexError('invalid_argument', 'pageToken belongs to a query with another sort');
      }
      // PostgreSQL plans the statements itself (see #plan for why no hint is given).
      const indexedItems = Math.max(0, estimate);
      const plan: QueryPlan = {
        strategy: 'auto',
        index: null,
        indexedItems,
        threshold: Math.max(MIN_THRESHOLD, Math.floor(indexedItems / 16)),
        candidates: [],
      };
      const total = query.count ? await this.#count(client, columns, query.filter, query.folderUuid) : null;
      const page = pageSql(columns, query);
      const found = await rows(client, page.sql, page.params);
      const more = found.length > query.pageSize;
      const served = more ? found.slice(0, query.pageSize) : found;
      const last = served.at(-1);
      const next: QueryCursor | null =
        more && last !== undefined
          ? { uuid: last['uuid'] as string, values: order.map((_, i) => readValue(last[`s${i}`])) }
          : null;
      const items = await itemsInOrder(
        client,
        served.map((row) => row['uuid'] as string),
      );
      return { items, next, total, plan };
    });
  }

  matchingItemUuids(filter: BoundFilter | null, after: string | null, limit: number): Promise<string[]> {
    return this.#read(async (client, _layout, columns) => {
      const params = new SqlParams();
      const conditions = [where(columns, filter, null, params)];
      if (after !== null) conditions.push(`x.uuid > ${params.add(after, 'text')}`);
      const found = await rows<{ uuid: string }>(
        client,
        `SELECT x.uuid FROM item_index x WHERE ${conditions.join(' AND ')} ORDER BY x.uuid LIMIT ${limit}`,
        params.values,
      );
      return found.map((row) => row.uuid);
    });
  }

  facetItems(
    filter: BoundFilter | null,
    folderUuid: string | null,
    requests: readonly FacetRequest[],
  ): Promise<{ total: number; facets: FacetCounts[] }> {
    return this.#read((client, layout, columns, table) =>
      facetCounts(
        client,
        columns,
        // Index-only counts read the rows too where the visibility map (kept by VACUUM)
        // is not set: then one scan of the rows is cheaper.
        table.visible >= 0.9 ? (field) => valueDomain(layout, field) : null,
        filter,
        folderUuid,
        requests,
      ),
    );
  }

  explainItemQuery(query: IndexQuery): Promise<{ plan: QueryPlan; engine: Record<string, string[]> }> {
    return this.#read(async (client, _layout, columns) => {
      const plan = await this.#plan(client, columns, query.filter, query.folderUuid);
      const explain = async (sql: string, params: unknown[]): Promise<string[]> =>
        (await rows<{ 'QUERY PLAN': string }>(client, `EXPLAIN ${sql}`, params)).map(
          (row) => row['QUERY PLAN'],
        );
      const countParams = new SqlParams();
      const countWhere = where(columns, query.filter, query.folderUuid, countParams);
      const page = pageSql(columns, { ...query, after: null });
      return {
        plan,
        engine: {
          count: await explain(`SELECT count(*) FROM item_index x WHERE ${countWhere}`, countParams.values),
          page: await explain(page.sql, page.params),
        },
      };
    });
  }

  async castPreview(key: string, entry: LiveTypeObject, exampleLimit: number): Promise<CastPreview> {
    const derived = deriveKey(key, entry);
    const preview: CastPreview = { itemsWithValue: 0, wouldNotFit: 0, examples: [] };
    // One snapshot over every batch; items in uuid order.
    await this.#db.tx(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      await this.#forEachItemBatch(client, [key], (batch) => {
        for (const item of batch) {
          const metadata = parseMetadata(item.clientMetadata);
          if (!Object.hasOwn(metadata, key)) continue;
          const value = metadata[key];
          if (value === null || value === undefined) continue;
          preview.itemsWithValue++;
          if (indexValue(derived, value) !== null) continue;
          preview.wouldNotFit++;
          if (preview.examples.length < exampleLimit) preview.examples.push({ uuid: item.uuid, value });
        }
        return Promise.resolve();
      });
    });
    return preview;
  }

  // --- planning ---

  async #count(
    client: PgClient,
    columns: Resolver,
    filter: BoundFilter | null,
    folderUuid: string | null,
  ): Promise<number> {
    const params = new SqlParams();
    const condition = where(columns, filter, folderUuid, params);
    const [row] = await rows<{ n: number }>(
      client,
      `SELECT count(*) AS n FROM item_index x WHERE ${condition}`,
      params.values,
    );
    return row?.n ?? 0;
  }

  /**
   * How a filter would run by SQLite's rule (exact match counts of the indexed
   * conjuncts, capped at the threshold), for explain: the same plan SQLite reports for
   * the same items.
   *
   * Queries do not use it. Measured at 100,000 items, running this plan (an exact
   * count of the table plus a capped count per candidate) and handing it to PostgreSQL
   * as a hint (enable_seqscan = off) made queries about twice as slow, with and without
   * column statistics: PostgreSQL's own planner, which combines several b-tree indexes
   * with BitmapAnd, chooses as well without the extra statements.
   */
  async #plan(
    client: PgClient,
    columns: Resolver,
    filter: BoundFilter | null,
    folderUuid: string | null,
  ): Promise<QueryPlan> {
    const [all] = await rows<{ n: number }>(client, 'SELECT count(*) AS n FROM item_index');
    const indexedItems = all?.n ?? 0;
    const threshold = Math.max(MIN_THRESHOLD, Math.floor(indexedItems / 16));
    const plan: QueryPlan = { strategy: 'all', index: null, indexedItems, threshold, candidates: [] };
    if (filter === null && folderUuid === null) return plan;
    const candidates: { field: string; op: string; index: string; sql: string; params: SqlParams }[] = [];
    if (folderUuid !== null) {
      const params = new SqlParams();
      const sql = `x.folder_uuid IN ${folderSubtreeSql(params.add([folderUuid], 'text[]'))}`;
      candidates.push({ field: '$folder', op: 'in', index: 'item_index_by_folder', sql, params });
    }
    for (const { atom, negated } of filter === null ? [] : topConjuncts(filter)) {
      const index = negated ? null : atomIndex(columns, atom);
      if (index === null) continue;
      const params = new SqlParams();
      const sql = compileAtom(atom, columns, params);
      if (sql !== null) candidates.push({ field: fieldName(atom), op: atom.kind, index, sql, params });
    }
    let best: { index: string; rows: number } | null = null;
    for (const candidate of candidates) {
      const [counted] = await rows<{ n: number }>(
        client,
        `SELECT count(*) AS n FROM (SELECT 1 FROM item_index x WHERE ${candidate.sql} LIMIT ${threshold + 1}) s`,
        candidate.params.values,
      );
      const n = counted?.n ?? 0;
      plan.candidates.push({
        field: candidate.field,
        op: candidate.op,
        index: candidate.index,
        rows: n,
        capped: n > threshold,
      });
      if (n <= threshold && (best === null || n < best.rows)) best = { index: candidate.index, rows: n };
    }
    if (best !== null) {
      plan.strategy = 'index';
      plan.index = best.index;
    } else if (hasSelectiveWords(filter)) {
      plan.strategy = 'auto';
    } else {
      plan.strategy = 'scan';
      plan.index = folderUuid === null && filter !== null ? soleIndex(columns, filter) : null;
    }
    return plan;
  }
}

// --- the layout ---

type Resolver = (field: ValueField) => FieldColumns | null;

/** What pg_class says of item_index (as of the last VACUUM or ANALYZE). */
type TableStats = {
  /** Estimated rows; -1 before the table was first analyzed. */
  estimate: number;
  /** The share of pages all-visible, whose index entries an index-only scan trusts. */
  visible: number;
};

/** The columns of a field under a layout, or null when the index holds no values for it. */
function resolver(layout: Layout): Resolver {
  return (field) => {
    if (field.kind === 'builtin') return builtinColumns(field.name);
    const slot = layout.slots.get(field.key);
    if (slot === undefined || slot.derived === null) return null;
    const { derived } = slot;
    return {
      value: `x.k${slot.slot}`,
      type: columnType(derived),
      folded: derived.folded ? `x.f${slot.slot}` : null,
      index: derived.indexed ? `item_index_k${slot.slot}` : null,
      prefixed: indexShape(derived) === 'prefix',
      wordSlot: derived.words ? slot.slot : null,
    };
  };
}

/** The columns of item_index (not dropped ones) and their types. */
async function tableColumns(client: PgClient): Promise<Map<string, string>> {
  const found = await rows<{ name: string; type: string }>(
    client,
    `SELECT attname::text AS name, format_type(atttypid, NULL) AS type FROM pg_attribute
     WHERE attrelid = 'item_index'::regclass AND attnum > 0 AND NOT attisdropped`,
  );
  return new Map(found.map((row) => [row.name, row.type]));
}

/** The definitions of item_index's indexes, by name. */
async function tableIndexes(client: PgClient): Promise<Map<string, string>> {
  const found = await rows<{ name: string; definition: string }>(
    client,
    `SELECT indexname::text AS name, indexdef AS definition FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename = 'item_index'`,
  );
  return new Map(found.map((row) => [row.name, row.definition]));
}

/** Text values of at most this many bytes (escaped) fit a b-tree entry whole. */
const SHORT_TEXT_BYTES = 2048;

/**
 * How a key's column is indexed: not at all (long text, presence), on the value, or on
 * its first TEXT_PREFIX characters when a value may be too long for a b-tree entry.
 */
function indexShape(derived: DerivedKey): 'plain' | 'prefix' | null {
  if (!derived.indexed) return null;
  if (columnType(derived) !== 'text') return 'plain';
  if (derived.type === 'uuid') return 'plain';
  if (derived.options !== undefined) {
    const short = derived.options.every((o) => Buffer.byteLength(encodeText(o)) <= SHORT_TEXT_BYTES);
    return short ? 'plain' : 'prefix';
  }
  // A legacy varchar's own limit, in characters of at most 4 bytes.
  const entry = JSON.parse(derived.signature) as LiveTypeObject;
  return entry.ty === 'varchar' && entry.max_length * 4 <= SHORT_TEXT_BYTES ? 'plain' : 'prefix';
}

/**
 * Makes the columns and index of a slot fit a key's derivation. Returns whether the
 * value column was (re)created, which leaves it without values.
 */
async function ensureColumns(
  client: PgClient,
  columns: Map<string, string>,
  indexes: Map<string, string>,
  slot: number,
  derived: DerivedKey,
): Promise<boolean> {
  const type = columnType(derived);
  const k = `k${slot}`;
  const had = columns.get(k);
  let created = false;
  if (had !== type) {
    // A column of another type: dropped (its index with it) and added again.
    if (had !== undefined) await client.query(`ALTER TABLE item_index DROP COLUMN ${k}`);
    indexes.delete(`item_index_${k}`);
    await client.query(
      `ALTER TABLE item_index ADD COLUMN ${k} ${type}${type === 'text' ? ' COLLATE "C"' : ''}`,
    );
    columns.set(k, type);
    created = true;
  }
  if (derived.folded && !columns.has(`f${slot}`)) {
    await client.query(`ALTER TABLE item_index ADD COLUMN f${slot} text COLLATE "C"`);
    columns.set(`f${slot}`, 'text');
  }
  const name = `item_index_${k}`;
  const shape = indexShape(derived);
  const existing = indexes.get(name);
  // An index of the other shape is replaced (a column whose values may now be long
  // must not keep an index that cannot hold them).
  if (existing !== undefined && (shape === null || existing.includes('left') !== (shape === 'prefix'))) {
    await client.query(`DROP INDEX ${name}`);
    indexes.delete(name);
  }
  if (shape !== null && !indexes.has(name)) {
    const expr = shape === 'prefix' ? prefixExpr(k) : k;
    await client.query(`CREATE INDEX ${name} ON item_index (${expr})`);
    indexes.set(name, expr);
  }
  return created;
}

/** `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` for rows of these columns. */
function upsertSql(write: readonly WriteColumn[]): string {
  const names = write.map((c) => c.name);
  const values = write.map((c) => (c.name === 'words' ? `string_to_array(v.words, ' ')` : `v.${c.name}`));
  const arrays = write.map((c, i) => `$${i + 1}::${c.type}[]`);
  const rest = names.slice(1);
  // An unchanged row is left alone: no new row version, no index entries.
  return `INSERT INTO item_index AS x (${names.join(', ')})
    SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS v (${names.join(', ')})
    ON CONFLICT (uuid) DO UPDATE SET ${rest.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
    WHERE (${rest.map((n) => `x.${n}`).join(', ')}) IS DISTINCT FROM (${rest.map((n) => `EXCLUDED.${n}`).join(', ')})`;
}

/** An item's index row in `layout.write` order; words space-separated. */
function deriveRow(layout: Layout, item: IndexedItem): unknown[] {
  const metadata = parseMetadata(item.clientMetadata);
  const values = new Map<string, unknown>();
  let words = '';
  for (const { slot, derived } of layout.live) {
    const raw = Object.hasOwn(metadata, derived.key) ? metadata[derived.key] : undefined;
    const value = indexValue(derived, raw);
    values.set(`k${slot}`, columnValue(derived, value));
    if (derived.folded) {
      const folded = foldedValue(value);
      values.set(`f${slot}`, folded === null ? null : encodeText(folded));
    }
    if (derived.words && typeof value === 'string') {
      for (const token of valueWordTokens(slot, value)) words = words === '' ? token : `${words} ${token}`;
    }
  }
  const folded = foldedValue(item.name);
  const row: unknown[] = [
    item.uuid,
    item.folderUuid,
    encodeText(item.name),
    folded === null ? null : encodeText(folded),
    item.itemType,
    Date.parse(item.createdAt),
    Date.parse(item.lastEditedAt),
  ];
  for (let i = FIXED_COLUMNS.length; i < layout.write.length - 1; i++) {
    row.push(values.get((layout.write[i] as WriteColumn).name) ?? null);
  }
  row.push(words);
  return row;
}

/**
 * Substrings that any JSON text holding one of these keys contains: the key as
 * JSON.stringify writes it, or, since JSON may escape any character, a `\u` or `\/`
 * escape (and any backslash for a key that needs escaping). Rows without any are
 * certain not to hold the keys.
 */
function metadataKeyPatterns(keys: readonly string[]): string[] {
  const patterns = new Set(['\\u', '\\/']);
  for (const key of keys) {
    const quoted = JSON.stringify(key);
    patterns.add(quoted === `"${key}"` ? quoted : '\\');
  }
  return [...patterns];
}

// --- query SQL ---

/** The WHERE condition of a filter plus folder scope; `true` when there is neither. */
function where(
  columns: Resolver,
  filter: BoundFilter | null,
  folderUuid: string | null,
  params: SqlParams,
): string {
  const parts: string[] = [];
  if (folderUuid !== null)
    parts.push(`x.folder_uuid IN ${folderSubtreeSql(params.add([folderUuid], 'text[]'))}`);
  if (filter !== null) parts.push(compileFilter(filter, columns, params));
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/** ORDER BY terms of one sort entry: missing values last in both directions. */
function sortTerms(c: FieldColumns | null, desc: boolean): string[] {
  if (c === null) return [];
  // Missing values last; a column that is never NULL says plain DESC, which is what
  // walking its ascending index backwards gives.
  const direction = desc ? (c.notNull === true ? 'DESC' : 'DESC NULLS LAST') : 'ASC';
  // A text column's index holds its prefix: ordering by the prefix first (same order)
  // lets PostgreSQL walk that index and sort only within equal prefixes.
  return c.prefixed && c.index !== null
    ? [`${prefixExpr(c.value)} ${direction}`, `${c.value} ${direction}`]
    : [`${c.value} ${direction}`];
}

/** The page statement: matches after the cursor, in sort order, one more than a page. */
function pageSql(columns: Resolver, query: IndexQuery): { sql: string; params: unknown[] } {
  const params = new SqlParams();
  const order = query.sort.map((s: BoundSort) => ({ c: columns(s.field), desc: s.desc }));
  const conditions = [where(columns, query.filter, query.folderUuid, params)];
  if (query.after !== null) conditions.push(afterCondition(order, query.after, params));
  const select = ['x.uuid', ...order.map((o, i) => `${o.c === null ? 'NULL' : o.c.value} AS s${i}`)];
  const orderBy = [...order.flatMap((o) => sortTerms(o.c, o.desc)), 'x.uuid'];
  return {
    sql: `SELECT ${select.join(', ')} FROM item_index x WHERE ${conditions.join(' AND ')}
          ORDER BY ${orderBy.join(', ')} LIMIT ${query.pageSize + 1}`,
    params: params.values,
  };
}

/**
 * The keyset condition "after this row" for a sort with NULLs last in both directions.
 * A cursor value of another kind than its column (a schema change between pages)
 * compares as SQLite compares them: every number before every string.
 */
function afterCondition(
  order: { c: FieldColumns | null; desc: boolean }[],
  cursor: QueryCursor,
  params: SqlParams,
): string {
  const build = (i: number): string => {
    const o = order[i];
    if (o === undefined) return `x.uuid > ${params.add(cursor.uuid, 'text')}`;
    const value = cursor.values[i] ?? null;
    // No column: every row holds NULL here, as the cursor does (or it is past them all).
    if (o.c === null) return value === null ? build(i + 1) : 'false';
    const v = o.c.value;
    if (value === null) return `(${v} IS NULL AND ${build(i + 1)})`;
    const { beyond, equal } = cursorComparison(o.c, value, o.desc, params);
    return `(${v} IS NULL OR ${beyond} OR (${equal} AND ${build(i + 1)}))`;
  };
  return build(0);
}

function cursorComparison(
  c: FieldColumns,
  value: number | string,
  desc: boolean,
  params: SqlParams,
): { beyond: string; equal: string } {
  const op = desc ? '<' : '>';
  const textColumn = c.type === 'text';
  if (textColumn !== (typeof value === 'string')) {
    // The column's values all sort after (text column) or before (number column) this one.
    const after = textColumn !== desc;
    return { beyond: after ? 'true' : 'false', equal: 'false' };
  }
  let left = c.value;
  let param: string;
  if (typeof value === 'string') param = params.add(encodeText(value), 'text');
  else if (c.type === 'boolean' && (value === 0 || value === 1)) param = params.add(value === 1, 'boolean');
  else if (c.type === 'boolean') {
    left = `${c.value}::int::double precision`;
    param = params.add(value, 'double precision');
  } else if (c.type === 'bigint' && !Number.isSafeInteger(value)) {
    left = `${c.value}::double precision`;
    param = params.add(value, 'double precision');
  } else param = params.add(value, c.type);
  return { beyond: `${left} ${op} ${param}`, equal: `${left} = ${param}` };
}

/** The items in the order of the uuids. */
async function itemsInOrder(client: PgClient, uuids: readonly string[]): Promise<ItemRecord[]> {
  if (uuids.length === 0) return [];
  const { rows: found } = await client.query<ItemRow>(
    `SELECT ${ITEM_SELECT} FROM items WHERE items.uuid = ANY($1::text[])`,
    [uuids],
  );
  const byUuid = new Map(found.map((row) => [row.uuid, itemFromRow(row)]));
  return uuids.flatMap((uuid) => {
    const item = byUuid.get(uuid);
    return item === undefined ? [] : [item];
  });
}

// --- facets ---

/** Facet expressions per statement: GROUPING() takes at most 31 arguments. */
const MAX_GROUPING_SETS = 30;

/**
 * Value counts and histograms over the matches, and their number.
 *
 * Over every item (no filter, no folder), what the indexes can count is counted there,
 * as on SQLite: each option of an enum or boolean and each histogram bucket is one
 * index range count (an index-only scan), all in one statement. Not while the table's
 * visibility map is mostly unset (before VACUUM), since every entry would then be
 * checked against its row.
 *
 * The rest is counted in at most two scans of the matches (one statement per facet
 * would read the wide index rows once per facet): first the range of every histogram
 * field (min and max alone, which PostgreSQL answers from the ends of the indexes when
 * it can), then one GROUP BY GROUPING SETS statement counting every value facet, every
 * histogram bucket and the total together.
 *
 * Value counts rank most first, ties in value order, and keep the top ones; histogram
 * edges are core's own (`histogramEdges`) and a value goes to the last edge it reaches,
 * exactly as core's `histogram` puts it.
 */
async function facetCounts(
  client: PgClient,
  columns: Resolver,
  /** The small set of values of a field, to count per value from its index; null: do not. */
  domainOf: ((field: ValueField) => BoundLiteral[] | null) | null,
  filter: BoundFilter | null,
  folderUuid: string | null,
  requests: readonly FacetRequest[],
): Promise<{ total: number; facets: FacetCounts[] }> {
  const resolved = requests.map((request) => ({ request, c: columns(request.field) }));
  const ranges = await histogramRanges(
    client,
    columns,
    filter,
    folderUuid,
    resolved.flatMap(({ request, c }) => (request.kind === 'histogram' && c !== null ? [c.value] : [])),
  );
  const fromIndexes = filter === null && folderUuid === null && domainOf !== null;

  // Over every item: one count per option or bucket, as scalar subqueries of one statement.
  const direct = new SqlParams();
  const counts: string[] = [];
  const countsOf = new Map<
    number,
    { values: BoundLiteral[]; first: number } | { edges: number[]; first: number }
  >();
  if (fromIndexes) {
    const domainFor = domainOf;
    resolved.forEach(({ request, c }, i) => {
      if (c === null || c.index === null) return;
      const first = counts.length;
      if (request.kind === 'values') {
        const domain = domainFor(request.field);
        if (domain === null) return;
        for (const value of domain) {
          const atom: BoundAtom = { kind: 'compare', field: request.field, op: 'eq', value };
          counts.push(compileAtom(atom, columns, direct) ?? 'false');
        }
        countsOf.set(i, { values: domain, first });
        return;
      }
      const range = ranges.get(c.value);
      if (range === undefined) return;
      const edges = histogramEdges(range.min, range.max, request.buckets);
      if (!edges.every(Number.isFinite)) return;
      if (edges.length === 2) counts.push(`${c.value} IS NOT NULL`);
      else {
        edges.slice(0, -1).forEach((from, b) => {
          const to = edges[b + 1] as number;
          const last = b === edges.length - 2;
          counts.push(
            `${c.value} >= ${bound(c, from, direct)}${last ? '' : ` AND ${c.value} < ${bound(c, to, direct)}`}`,
          );
        });
      }
      countsOf.set(i, { edges, first });
    });
  }
  let total = 0;
  let directCounts: number[] = [];
  if (fromIndexes) {
    const [row] = await rows(
      client,
      `SELECT (SELECT count(*) FROM item_index x) AS total
       ${counts.map((condition, j) => `, (SELECT count(*) FROM item_index x WHERE ${condition}) AS c${j}`).join('')}`,
      direct.values,
    );
    total = (row?.['total'] as number | undefined) ?? 0;
    directCounts = counts.map((_, j) => (row?.[`c${j}`] as number | undefined) ?? 0);
  }

  // Everything else: one grouping set per distinct facet expression.
  interface FacetSet {
    /** The expression; takes its parameters when written. */
    sql: (params: SqlParams) => string;
    top: number | null;
  }
  const sets = new Map<string, FacetSet>();
  const setKeys = resolved.map(({ request, c }, i): string | null => {
    if (c === null || countsOf.has(i)) return null;
    if (request.kind === 'values') {
      const key = `values ${c.value}`;
      const top = Math.max(request.top, sets.get(key)?.top ?? 0);
      sets.set(key, { sql: () => c.value, top });
      return key;
    }
    const range = ranges.get(c.value);
    if (range === undefined) return null;
    const key = `histogram ${c.value} ${request.buckets}`;
    const edges = histogramEdges(range.min, range.max, request.buckets);
    sets.set(key, {
      sql: (params) =>
        edges.length === 2
          ? `CASE WHEN ${c.value} IS NOT NULL THEN 0 END`
          : `width_bucket(${c.value}::double precision, ${params.add(edges.slice(1, -1), 'double precision[]')})`,
      top: null,
    });
    return key;
  });
  const keys = [...sets.keys()];
  const counted = new Map<string, { value: unknown; n: number }[]>();
  // Filtered, the total comes from the empty grouping set (or alone, with no sets).
  for (let start = 0; start < keys.length || (start === 0 && !fromIndexes); start += MAX_GROUPING_SETS) {
    const chunk = keys.slice(start, start + MAX_GROUPING_SETS);
    const params = new SqlParams();
    const condition = where(columns, filter, folderUuid, params);
    const exprs = chunk.map((key) => (sets.get(key) as FacetSet).sql(params));
    const tops = chunk.map((key) => sets.get(key)?.top ?? null);
    const found = await groupingSets(client, condition, exprs, tops, params);
    if (!fromIndexes) total = found.total;
    chunk.forEach((key, i) => counted.set(key, found.groups[i] ?? []));
  }

  const facets = resolved.map(({ request, c }, i): FacetCounts => {
    const fromIndex = countsOf.get(i);
    if (request.kind === 'values') {
      if (fromIndex !== undefined && 'values' in fromIndex) {
        const ranked = fromIndex.values
          .map((value, j) => ({
            value: typeof value === 'boolean' ? Number(value) : value,
            count: directCounts[fromIndex.first + j] ?? 0,
          }))
          .filter((entry) => entry.count > 0)
          .sort(
            (a, b) =>
              b.count - a.count ||
              compareFieldValues(typeof a.value === 'number' ? 'number' : 'string', a.value, b.value),
          );
        return { kind: 'values', counts: ranked.slice(0, request.top) };
      }
      const key = setKeys[i];
      const groups = key === null || key === undefined ? [] : (counted.get(key) ?? []);
      return {
        kind: 'values',
        counts: groups
          .slice(0, request.top)
          .map(({ value, n }) => ({ value: readValue(value) as number | string, count: n })),
      };
    }
    const range = c === null ? undefined : ranges.get(c.value);
    if (range === undefined) return { kind: 'histogram', buckets: [] };
    const edges = histogramEdges(range.min, range.max, request.buckets);
    const buckets = edges.slice(0, -1).map((from, b) => ({ from, to: edges[b + 1] as number, count: 0 }));
    if (fromIndex !== undefined && 'edges' in fromIndex) {
      buckets.forEach((bucket, b) => {
        bucket.count = directCounts[fromIndex.first + b] ?? 0;
      });
    } else {
      const key = setKeys[i];
      for (const { value, n } of key === null || key === undefined ? [] : (counted.get(key) ?? [])) {
        const bucket = buckets[value as number];
        if (bucket !== undefined) bucket.count = n;
      }
    }
    return { kind: 'histogram', buckets };
  });
  return { total, facets };
}

/**
 * A histogram edge as a parameter its column's index can use: a bigint column (epoch
 * ms) holds integers, and for an integer k, k >= e and k < e mean k >= ceil(e), k < ceil(e).
 */
function bound(c: FieldColumns, edge: number, params: SqlParams): string {
  return c.type === 'bigint' ? params.add(Math.ceil(edge), 'bigint') : params.add(edge, 'double precision');
}

/** The few values a field can hold, when known: enum options (distinct), or false and true. */
function valueDomain(layout: Layout, field: ValueField): BoundLiteral[] | null {
  if (field.kind !== 'key') return null;
  const derived = layout.slots.get(field.key)?.derived;
  if (derived === null || derived === undefined) return null;
  if (derived.kind === 'boolean') return [false, true];
  return derived.options === undefined || derived.options.length > 64 ? null : [...new Set(derived.options)];
}

/** The min and max of each column over the matches that have a value; absent when none has. */
async function histogramRanges(
  client: PgClient,
  columns: Resolver,
  filter: BoundFilter | null,
  folderUuid: string | null,
  fields: readonly string[],
): Promise<Map<string, { min: number; max: number }>> {
  const distinct = [...new Set(fields)];
  const ranges = new Map<string, { min: number; max: number }>();
  if (distinct.length === 0) return ranges;
  const params = new SqlParams();
  const condition = where(columns, filter, folderUuid, params);
  const [row] = await rows(
    client,
    `SELECT ${distinct.map((v, i) => `min(${v}) AS lo${i}, max(${v}) AS hi${i}`).join(', ')}
     FROM item_index x WHERE ${condition}`,
    params.values,
  );
  distinct.forEach((v, i) => {
    const min = row?.[`lo${i}`];
    const max = row?.[`hi${i}`];
    if (typeof min === 'number' && typeof max === 'number') ranges.set(v, { min, max });
  });
  return ranges;
}

/**
 * Counts the matches per value of each expression (NULL, a missing value, is not
 * counted), most first and ties in value order, at most `tops[i]` per expression (all
 * when null), plus the number of matches.
 */
async function groupingSets(
  client: PgClient,
  condition: string,
  exprs: readonly string[],
  tops: readonly (number | null)[],
  params: SqlParams,
): Promise<{ total: number; groups: { value: unknown; n: number }[][] }> {
  if (exprs.length === 0) {
    const [row] = await rows<{ n: number }>(
      client,
      `SELECT count(*) AS n FROM item_index x WHERE ${condition}`,
      params.values,
    );
    return { total: row?.n ?? 0, groups: [] };
  }
  const grouping = `GROUPING(${exprs.join(', ')})`;
  // GROUPING() sets bit (count - 1 - i) when expression i is not grouped in the row.
  const all = (1 << exprs.length) - 1;
  const maskOf = (i: number) => all & ~(1 << (exprs.length - 1 - i));
  // Within one set, every other expression is NULL: ordering by all of them orders by its own.
  const rank = `row_number() OVER (PARTITION BY ${grouping} ORDER BY count(*) DESC, ${exprs.join(', ')})`;
  const limits = exprs.flatMap((_, i) => {
    const top = tops[i];
    return top === null || top === undefined ? [] : [`WHEN ${maskOf(i)} THEN rn <= ${top}`];
  });
  const found = await rows<Record<string, unknown> & { g: number; n: number }>(
    client,
    `SELECT * FROM (
       SELECT ${grouping} AS g, count(*) AS n, ${exprs.map((e, i) => `${e} AS a${i}`).join(', ')}, ${rank} AS rn
       FROM item_index x WHERE ${condition}
       GROUP BY GROUPING SETS (${exprs.map((e) => `(${e})`).join(', ')}, ())
       HAVING ${exprs.map((e) => `(GROUPING(${e}) = 1 OR ${e} IS NOT NULL)`).join(' AND ')}
     ) s
     ${limits.length === 0 ? '' : `WHERE CASE g ${limits.join(' ')} ELSE true END`}
     ORDER BY g, rn`,
    params.values,
  );
  const groups = exprs.map((): { value: unknown; n: number }[] => []);
  let total = 0;
  for (const row of found) {
    if (row.g === all) {
      total = row.n;
      continue;
    }
    const i = exprs.findIndex((_, j) => maskOf(j) === row.g);
    groups[i]?.push({ value: row[`a${i}`], n: row.n });
  }
  return { total, groups };
}

// --- planning helpers ---

const fieldName = (atom: BoundAtom): string => {
  if (atom.kind === 'never') return atom.key;
  if (atom.kind === 'member') return atom.field;
  return atom.field.kind === 'key' ? atom.field.key : atom.field.name;
};

function atomIndex(columns: Resolver, atom: BoundAtom): string | null {
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
  return columns(atom.field)?.index ?? null;
}

/** The index of the one column every atom of the filter reads, if there is exactly one. */
function soleIndex(columns: Resolver, filter: BoundFilter): string | null {
  const indexes = new Set<string | null>();
  const walk = (node: BoundFilter): void => {
    if (isBoundAtom(node)) {
      if (node.kind === 'never') return;
      if (node.kind === 'member' || node.kind === 'matches') {
        indexes.add(null);
        return;
      }
      const c = columns(node.field);
      // contains/startswith read the folded copy, which the index does not hold.
      const folded = (node.kind === 'contains' || node.kind === 'startswith') && c?.folded != null;
      indexes.add(folded ? null : (c?.index ?? null));
    } else if ('not' in node) walk(node.not);
    else for (const child of 'and' in node ? node.and : node.or) walk(child);
  };
  walk(filter);
  const [only] = indexes;
  return indexes.size === 1 && only !== undefined ? only : null;
}
