/**
 * The PostgreSQL store of the metadata schema, users, folders, items and upload jobs:
 * the CORE_METHODS part of the Engine interface (pg-parts.ts). It mirrors the SQLite
 * engine (sqlite-engine.ts) method by method, with the same results, orders and
 * errors; the comments say where PostgreSQL needs another way to get there.
 *
 * Every method is one statement or one transaction (`db.tx`). Unlike SQLite, several
 * server processes write at once, so the writes lock what they read before deciding
 * on it: the schema row (FOR SHARE by item writes, FOR UPDATE by schema replaces) and
 * the items they update (FOR UPDATE, in uuid order so two writers never deadlock).
 * Item writes keep the item index current in the same transaction (PgIndexMaintenance).
 */
import { MetaindexError, type SchemaMap } from '@metaindex/core';
import type {
  FolderUpdate,
  ItemUpdate,
  ItemWrite,
  ItemWriteResult,
  ListFoldersQuery,
  ListItemsQuery,
  MetadataRewrite,
  Page,
  PageCursor,
  SortOrder,
} from '../engine.js';
import type {
  FolderRecord,
  ItemRecord,
  StoredSchema,
  UploadJobRecord,
  UserRecord,
  UserRole,
} from '../records.js';
import {
  backedItemsConflict,
  duplicatesWithin,
  requirePageSize,
  sortedPage,
  uniqueMatching,
} from '../engine-helpers.js';
import { schemaFromStoredJson, schemaToStoredJson } from '../stored-schema.js';
import {
  FOLDER_COLUMNS,
  ITEM_COLUMNS,
  USER_COLUMNS,
  folderFromRow,
  itemFromRow,
  userFromRow,
  type FolderRow,
  type ItemRow,
  type UserRow,
} from '../table-rows.js';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  rows,
  type PgClient,
  type PgDatabase,
  type PgRow,
} from './pg-database.js';
import type { CoreMethods, PgIndexMaintenance, SchemaAt } from './pg-parts.js';
import { ITEM_INSERT_COLUMNS, folderValues, foldCase, itemValues } from './pg-rows.js';

const ITEM_LIST = ITEM_COLUMNS.join(', ');
const FOLDER_LIST = FOLDER_COLUMNS.join(', ');
const USER_LIST = USER_COLUMNS.join(', ');

/**
 * The PostgreSQL type of each inserted item column: inserts send one array per column
 * and `unnest` them back into rows, so a batch of any size is one statement with 29
 * parameters (a multi-row VALUES list would need 29 per item, and chunking).
 */
const ITEM_COLUMN_TYPES: Record<(typeof ITEM_INSERT_COLUMNS)[number], string> = {
  uuid: 'text',
  folder_uuid: 'text',
  item_type: 'text',
  name: 'text',
  description: 'text',
  client_metadata: 'text',
  owner: 'text',
  created_at: 'text',
  last_edited_at: 'text',
  storage_location: 'text',
  url: 'text',
  blob_key: 'text',
  integration_hash: 'text',
  is_placeholder: 'boolean',
  file_size: 'bigint',
  mime_type: 'text',
  duration: 'double precision',
  fps: 'double precision',
  height: 'bigint',
  width: 'bigint',
  frame_count: 'bigint',
  dicom_instance_uid: 'text',
  dicom_study_uid: 'text',
  dicom_series_uid: 'text',
  audio_sample_rate: 'bigint',
  audio_bit_depth: 'bigint',
  audio_codec: 'text',
  audio_num_channels: 'bigint',
  name_folded: 'text',
};

/** Inserts items, skipping uuids that exist (returned rows say which were written). */
const INSERT_ITEMS = `INSERT INTO items (${ITEM_INSERT_COLUMNS.join(', ')})
  SELECT * FROM unnest(${ITEM_INSERT_COLUMNS.map((column, i) => `$${i + 1}::${ITEM_COLUMN_TYPES[column]}[]`).join(', ')})
  ON CONFLICT (uuid) DO NOTHING
  RETURNING uuid`;

/**
 * Applies one merged update per item. A NULL field was not given and keeps its value
 * (name, description and client_metadata are never NULL themselves).
 */
const UPDATE_ITEMS = `UPDATE items AS i SET
    name = coalesce(v.name, i.name),
    name_folded = coalesce(v.name_folded, i.name_folded),
    description = coalesce(v.description, i.description),
    client_metadata = coalesce(v.client_metadata, i.client_metadata),
    last_edited_at = v.last_edited_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS v (uuid, name, name_folded, description, client_metadata, last_edited_at)
  WHERE i.uuid = v.uuid`;

/** The items asked, locked for this transaction; uuid order, so concurrent writers lock alike. */
const LOCK_ITEMS = `SELECT ${ITEM_LIST} FROM items WHERE uuid = ANY($1::text[]) ORDER BY uuid FOR UPDATE`;

/**
 * Names the advisory lock that serialises the very first schema save with item
 * writes: before that save there is no schema row for a writer to lock FOR SHARE.
 */
const FIRST_SCHEMA_LOCK = 0x6d69_7363_6865_6d61n.toString();

/** A never-saved schema: version 0, no keys. */
const NO_SCHEMA: SchemaAt = { schema: new Map(), version: 0 };

// --- list queries: keyset paging on (sort value, uuid) ---

const SORT_COLUMN: Record<SortOrder, 'name' | 'created_at'> = { name: 'name', createdAt: 'created_at' };

/** Positional parameters of one statement, numbered as they are added. */
class Params {
  readonly values: unknown[] = [];

  /** Adds a value; returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Every folder at or below `root` (UNION, not UNION ALL, so even a cycle terminates).
 * The root parameter takes the column's collation: PostgreSQL refuses a recursive
 * query whose column changes collation between its two terms.
 */
const subtreeCte = (root: string): string => `WITH RECURSIVE subtree (uuid) AS (
  SELECT ${root}::text COLLATE "C"
  UNION
  SELECT f.uuid FROM folders AS f JOIN subtree AS s ON f.parent_uuid = s.uuid
)`;

interface ListShape {
  table: 'folders' | 'items';
  columns: string;
  /** SQL conditions, ANDed; they may read `subtree` when `subtreeRoot` is set. */
  where: string[];
  /** The placeholder of the subtree's root folder, or null for no subtree. */
  subtreeRoot: string | null;
  order: SortOrder;
  desc: boolean;
  after: PageCursor | null;
  pageSize: number;
}

/**
 * One page in (sort value, uuid) order, fetched with LIMIT pageSize + 1 (the extra
 * row only says whether a next page exists). The keyset condition `(value, uuid) >
 * cursor` instead of OFFSET means rows inserted, renamed or deleted elsewhere between
 * two page requests never shift the pages. The sorted columns are COLLATE "C", so
 * names compare by code point, as SQLite's BINARY does.
 */
function listSql(shape: ListShape, params: Params): string {
  const column = SORT_COLUMN[shape.order];
  const direction = shape.desc ? 'DESC' : 'ASC';
  const where = [...shape.where];
  if (shape.after !== null) {
    const value = params.add(shape.after.value);
    const uuid = params.add(shape.after.uuid);
    where.push(`(${column}, uuid) ${shape.desc ? '<' : '>'} (${value}, ${uuid})`);
  }
  return [
    shape.subtreeRoot === null ? '' : subtreeCte(shape.subtreeRoot),
    `SELECT ${shape.columns} FROM ${shape.table}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    `ORDER BY ${column} ${direction}, uuid ${direction}`,
    `LIMIT ${params.add(shape.pageSize + 1)}`,
  ].join('\n');
}

/**
 * Case-insensitive substring match against the stored folded name, the search folded
 * the same way in JavaScript. strpos() takes the needle literally, so `%` and `_`
 * need no escaping (LIKE would).
 */
const searchCondition = (search: string, params: Params): string =>
  `strpos(name_folded, ${params.add(foldCase(search))}) > 0`;

/** `rows[i][c]` as `columns[c][i]`: one array per column, for `unnest`. */
function transpose(rowsOfValues: readonly unknown[][], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rowsOfValues.length));
  for (const [r, row] of rowsOfValues.entries()) {
    for (let c = 0; c < width; c++) (columns[c] as unknown[])[r] = row[c];
  }
  return columns;
}

/**
 * Thrown inside a write transaction to roll it back and answer `result` instead: a
 * refused write must leave nothing behind, and on PostgreSQL the inserts that find a
 * duplicate have already run when we learn of it.
 */
class Refused extends Error {
  constructor(readonly result: ItemWriteResult) {
    super('item write refused');
  }
}

interface Counted extends PgRow {
  item_uuid: string;
  n: number;
}

export class PgCoreStore implements CoreMethods {
  /** The last schema read or written: versions are never reused, so it is valid until the version moves. */
  #schema: SchemaAt = NO_SCHEMA;

  constructor(
    private readonly db: PgDatabase,
    private readonly index: PgIndexMaintenance,
  ) {}

  // --- metadata schema ---

  async getSchema(): Promise<StoredSchema> {
    const known = this.#schema;
    const [row] = await this.db.query<{
      version: number;
      schema_json: string | null;
      created_at: string;
      updated_at: string;
    }>(
      `SELECT version, created_at, updated_at,
         CASE WHEN version = $1 THEN NULL ELSE schema_json END AS schema_json
       FROM metadata_schema WHERE id = 1`,
      [known.version],
    );
    if (row === undefined) return { version: 0, schema: new Map(), createdAt: null, updatedAt: null };
    return {
      version: row.version,
      schema: this.#schemaAt(known, row.version, row.schema_json).schema,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async replaceSchema(expectedVersion: number, schema: SchemaMap, at: string): Promise<number | null> {
    const json = schemaToStoredJson(schema);
    const version = await this.db.tx(async (client) => {
      // FOR UPDATE waits for item writes holding the row FOR SHARE, and makes them wait.
      const lockedVersion = async () =>
        (
          await rows<{ version: number }>(
            client,
            'SELECT version FROM metadata_schema WHERE id = 1 FOR UPDATE',
          )
        )[0]?.version;
      let current = await lockedVersion();
      if (current === undefined) {
        // No row to lock yet: the advisory lock stands in for it (see #schemaForWrite),
        // and makes a second first save wait and then find the row.
        await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [FIRST_SCHEMA_LOCK]);
        current = await lockedVersion();
      }
      if ((current ?? 0) !== expectedVersion) return null;
      const next = expectedVersion + 1;
      if (current === undefined) {
        await client.query(
          `INSERT INTO metadata_schema (id, version, schema_json, created_at, updated_at)
           VALUES (1, $1, $2, $3, $3)`,
          [next, json, at],
        );
      } else {
        await client.query(
          'UPDATE metadata_schema SET version = $1, schema_json = $2, updated_at = $3 WHERE id = 1',
          [next, json, at],
        );
      }
      // New keys get columns, and values of keys whose type changed are derived again,
      // in this transaction: no query ever sees an index of another schema.
      await this.index.applySchema(client, { schema, version: next });
      return next;
    });
    // Cached only once committed, and as read back from its JSON like any other process would.
    if (version !== null) this.#schemaAt(this.#schema, version, json);
    return version;
  }

  // --- users ---

  addUser(user: UserRecord): Promise<void> {
    return this.#addUser(user, true);
  }

  async #addUser(user: UserRecord, retry: boolean): Promise<void> {
    try {
      await this.db.tx(async (client) => {
        const [sameEmail] = await rows(client, 'SELECT 1 FROM users WHERE email = $1', [user.email]);
        if (sameEmail !== undefined) {
          throw new MetaindexError('conflict', `a user with email ${user.email} already exists`, {
            email: user.email,
          });
        }
        const [owner] = await rows<{ email: string }>(
          client,
          'SELECT email FROM users WHERE public_key_hex = $1',
          [user.publicKeyHex],
        );
        if (owner !== undefined) {
          throw new MetaindexError(
            'conflict',
            `public key ${user.publicKeyHex} already belongs to ${owner.email}`,
            {
              publicKeyHex: user.publicKeyHex,
            },
          );
        }
        await client.query(`INSERT INTO users (${USER_LIST}) VALUES ($1, $2, $3, $4)`, [
          user.email,
          user.role,
          user.publicKeyHex,
          user.createdAt,
        ]);
      });
    } catch (error) {
      // Another process added the same email or key after our checks: run them again,
      // now that its row is committed, to report the conflict as SQLite does.
      if (retry && isUniqueViolation(error)) return this.#addUser(user, false);
      throw error;
    }
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.query<UserRow>(`SELECT ${USER_LIST} FROM users ORDER BY email`)).map(userFromRow);
  }

  async removeUser(email: string): Promise<boolean> {
    const result = await this.db.pool.query('DELETE FROM users WHERE email = $1', [email]);
    return (result.rowCount ?? 0) > 0;
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const [row] = await this.db.query<UserRow>(`SELECT ${USER_LIST} FROM users WHERE email = $1`, [email]);
    return row === undefined ? null : userFromRow(row);
  }

  async findUserByKey(publicKeyHex: string): Promise<UserRecord | null> {
    const [row] = await this.db.query<UserRow>(`SELECT ${USER_LIST} FROM users WHERE public_key_hex = $1`, [
      publicKeyHex,
    ]);
    return row === undefined ? null : userFromRow(row);
  }

  async setUserRole(email: string, role: UserRole): Promise<boolean> {
    const result = await this.db.pool.query('UPDATE users SET role = $1 WHERE email = $2', [role, email]);
    return (result.rowCount ?? 0) > 0;
  }

  // --- folders ---

  async createFolder(folder: FolderRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO folders (${FOLDER_LIST}, name_folded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      folderValues(folder),
    );
  }

  async getFolder(uuid: string): Promise<FolderRecord | null> {
    const [row] = await this.db.query<FolderRow>(`SELECT ${FOLDER_LIST} FROM folders WHERE uuid = $1`, [
      uuid,
    ]);
    return row === undefined ? null : folderFromRow(row);
  }

  async getFolderPath(uuid: string): Promise<FolderRecord[]> {
    const found = await this.db.query<FolderRow>(
      `WITH RECURSIVE path (uuid, depth) AS (
         SELECT uuid, 0 FROM folders WHERE uuid = $1
         UNION ALL
         SELECT f.parent_uuid, p.depth + 1 FROM folders AS f JOIN path AS p ON f.uuid = p.uuid
         WHERE f.parent_uuid IS NOT NULL
       )
       SELECT ${FOLDER_COLUMNS.map((column) => `folders.${column}`).join(', ')}
       FROM path JOIN folders USING (uuid) ORDER BY path.depth DESC`,
      [uuid],
    );
    return found.map(folderFromRow);
  }

  async listFolders(query: ListFoldersQuery): Promise<Page<FolderRecord>> {
    requirePageSize(query.pageSize);
    const params = new Params();
    const where: string[] = [];
    let subtreeRoot: string | null = null;
    if (query.parentUuid === null) {
      // Recursive from the top is every folder: no scope condition at all.
      if (!query.recursive) where.push('parent_uuid IS NULL');
    } else if (query.recursive) {
      subtreeRoot = params.add(query.parentUuid);
      where.push('parent_uuid IN (SELECT uuid FROM subtree)');
    } else {
      where.push(`parent_uuid = ${params.add(query.parentUuid)}`);
    }
    if (query.search !== null) where.push(searchCondition(query.search, params));
    const { order, desc, after, pageSize } = query;
    const sql = listSql(
      { table: 'folders', columns: FOLDER_LIST, where, subtreeRoot, order, desc, after, pageSize },
      params,
    );
    const found = await this.db.query<FolderRow>(sql, params.values);
    return sortedPage(found, pageSize, order, folderFromRow);
  }

  async updateFolders(updates: readonly FolderUpdate[]): Promise<FolderRecord[] | null> {
    const uuids = updates.map((u) => u.uuid);
    return this.db.tx(async (client) => {
      const locked = await rows<FolderRow>(
        client,
        `SELECT ${FOLDER_LIST} FROM folders WHERE uuid = ANY($1::text[]) ORDER BY uuid FOR UPDATE`,
        [[...new Set(uuids)]],
      );
      const current = new Map(locked.map((row) => [row.uuid, folderFromRow(row)]));
      if (uuids.some((uuid) => !current.has(uuid))) return null;
      // Applied in order, as SQLite's one UPDATE per entry: a folder named twice ends
      // with the later values. Each folder is then written once, whole.
      for (const u of updates) {
        const before = current.get(u.uuid) as FolderRecord;
        current.set(u.uuid, {
          ...before,
          name: u.name ?? before.name,
          description: u.description ?? before.description,
          clientMetadata: u.clientMetadata === undefined ? before.clientMetadata : u.clientMetadata,
          lastEditedAt: u.lastEditedAt,
        });
      }
      const written = [...current.values()];
      if (written.length > 0) {
        await client.query(
          `UPDATE folders AS f SET
             name = v.name, name_folded = v.name_folded, description = v.description,
             client_metadata = v.client_metadata, last_edited_at = v.last_edited_at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             AS v (uuid, name, name_folded, description, client_metadata, last_edited_at)
           WHERE f.uuid = v.uuid`,
          [
            written.map((f) => f.uuid),
            written.map((f) => f.name),
            written.map((f) => foldCase(f.name)),
            written.map((f) => f.description),
            written.map((f) => f.clientMetadata),
            written.map((f) => f.lastEditedAt),
          ],
        );
      }
      return uuids.map((uuid) => current.get(uuid) as FolderRecord);
    });
  }

  deleteFolder(uuid: string): Promise<boolean> {
    // ON DELETE CASCADE removes the subfolders and every item below, in this statement;
    // ON DELETE RESTRICT on data_rows refuses it all if any of those items backs a row.
    return this.db.tx((client) =>
      this.#refusingBackedItems(
        client,
        async () => ((await client.query('DELETE FROM folders WHERE uuid = $1', [uuid])).rowCount ?? 0) > 0,
        () => this.#backingCountsInFolder(client, uuid),
        `cannot delete folder ${uuid}: items below it back data rows`,
      ),
    );
  }

  // --- items ---

  async writeItems(write: ItemWrite, schemaVersion: number): Promise<ItemWriteResult> {
    const inserts = write.insert.map((item) => item.uuid);
    const updates = write.update.map((u) => u.uuid);
    try {
      return await this.db.tx(async (client): Promise<ItemWriteResult> => {
        const schema = await this.#schemaForWrite(client);
        if (schema.version !== schemaVersion) return { ok: false, reason: 'schema-changed' };
        // The items to update, read once and locked: they prove the items exist, and
        // the answer is built from them, so nothing is read back after the update.
        const current =
          updates.length === 0 ? new Map<string, ItemRecord>() : await this.#lockItems(client, updates);
        // Inserts skip existing uuids instead of failing, so one statement tells which
        // exist (even ones another process inserted a moment ago); a duplicate then
        // rolls everything back. Duplicates are reported before missing updates.
        const written =
          write.insert.length === 0 ? new Set<string>() : await this.#insertItems(client, write.insert);
        const repeated = duplicatesWithin(inserts);
        const duplicate = uniqueMatching(inserts, (uuid) => !written.has(uuid) || repeated.has(uuid));
        if (duplicate.length > 0) throw new Refused({ ok: false, reason: 'duplicate', uuids: duplicate });
        const missing = uniqueMatching(updates, (uuid) => !current.has(uuid));
        if (missing.length > 0) throw new Refused({ ok: false, reason: 'missing', uuids: missing });

        if (write.update.length > 0) await this.#updateItems(client, write.update, current);
        const updated = updates.map((uuid) => current.get(uuid) as ItemRecord);
        const changed = [...write.insert, ...uniqueItems(updated)];
        if (changed.length > 0) await this.index.indexItems(client, changed, schema);
        return { ok: true, items: updated };
      });
    } catch (error) {
      if (error instanceof Refused) return error.result;
      throw error;
    }
  }

  async rewriteItemMetadata(
    uuids: readonly string[],
    rewrite: MetadataRewrite,
    lastEditedAt: string,
    schemaVersion: number,
  ): Promise<ItemWriteResult> {
    // A throwing rewrite rolls the transaction back and its error propagates as is.
    return this.db.tx(async (client): Promise<ItemWriteResult> => {
      const schema = await this.#schemaForWrite(client);
      if (schema.version !== schemaVersion) return { ok: false, reason: 'schema-changed' };
      const current =
        uuids.length === 0 ? new Map<string, ItemRecord>() : await this.#lockItems(client, uuids);
      const missing = uniqueMatching(uuids, (uuid) => !current.has(uuid));
      if (missing.length > 0) return { ok: false, reason: 'missing', uuids: missing };

      for (const uuid of uuids) {
        // A uuid asked twice is rewritten from its first rewrite.
        const before = current.get(uuid) as ItemRecord;
        current.set(uuid, { ...before, clientMetadata: rewrite(uuid, before.clientMetadata), lastEditedAt });
      }
      const changed = [...current.values()];
      if (changed.length > 0) {
        await client.query(
          `UPDATE items AS i SET client_metadata = v.client_metadata, last_edited_at = $3
           FROM unnest($1::text[], $2::text[]) AS v (uuid, client_metadata)
           WHERE i.uuid = v.uuid`,
          [changed.map((item) => item.uuid), changed.map((item) => item.clientMetadata), lastEditedAt],
        );
        await this.index.indexItems(client, changed, schema);
      }
      return { ok: true, items: uuids.map((uuid) => current.get(uuid) as ItemRecord) };
    });
  }

  async getItems(uuids: readonly string[]): Promise<(ItemRecord | null)[]> {
    if (uuids.length === 0) return [];
    const found = await this.db.query<ItemRow>(
      `SELECT ${ITEM_LIST} FROM items WHERE uuid = ANY($1::text[])`,
      [[...new Set(uuids)]],
    );
    const byUuid = new Map(found.map((row) => [row.uuid, itemFromRow(row)]));
    return uuids.map((uuid) => byUuid.get(uuid) ?? null);
  }

  async findItemsByUrl(folderUuid: string, urls: readonly string[]): Promise<Map<string, ItemRecord>> {
    if (urls.length === 0) return new Map();
    // Several items of a folder may share a URL: the first registered one (oldest
    // createdAt, then lowest uuid) wins. In URL order, as SQLite reads them off its
    // (folder_uuid, url) index.
    const found = await this.db.query<ItemRow>(
      `SELECT DISTINCT ON (url) ${ITEM_LIST} FROM items
       WHERE folder_uuid = $1 AND url = ANY($2::text[])
       ORDER BY url, created_at, uuid`,
      [folderUuid, [...new Set(urls)]],
    );
    return new Map(found.map((row) => [row.url as string, itemFromRow(row)]));
  }

  async listItems(query: ListItemsQuery): Promise<Page<ItemRecord>> {
    requirePageSize(query.pageSize);
    const params = new Params();
    const root = params.add(query.folderUuid);
    const where = [query.recursive ? 'folder_uuid IN (SELECT uuid FROM subtree)' : `folder_uuid = ${root}`];
    if (query.search !== null) where.push(searchCondition(query.search, params));
    if (query.itemTypes.length > 0) where.push(`item_type = ANY(${params.add(query.itemTypes)}::text[])`);
    if (query.inDataset === true || query.inDataset === false) {
      const backs = 'EXISTS (SELECT 1 FROM data_rows WHERE data_rows.item_uuid = items.uuid)';
      where.push(query.inDataset ? backs : `NOT ${backs}`);
    }
    const { order, desc, after, pageSize } = query;
    const subtreeRoot = query.recursive ? root : null;
    const sql = listSql(
      { table: 'items', columns: ITEM_LIST, where, subtreeRoot, order, desc, after, pageSize },
      params,
    );
    const found = await this.db.query<ItemRow>(sql, params.values);
    return sortedPage(found, pageSize, order, itemFromRow);
  }

  async deleteItems(uuids: readonly string[]): Promise<number> {
    if (uuids.length === 0) return 0;
    const list = [...new Set(uuids)];
    return this.db.tx((client) =>
      this.#refusingBackedItems(
        client,
        async () =>
          (await client.query('DELETE FROM items WHERE uuid = ANY($1::text[])', [list])).rowCount ?? 0,
        () => this.#backingCounts(client, list),
        'cannot delete items that back data rows',
      ),
    );
  }

  // --- upload jobs ---

  async saveJob(job: UploadJobRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO upload_jobs (uuid, folder_uuid, record_json, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (uuid) DO UPDATE SET
         folder_uuid = excluded.folder_uuid, record_json = excluded.record_json, updated_at = excluded.updated_at`,
      [job.uuid, job.folderUuid, JSON.stringify(job), job.updatedAt],
    );
  }

  async getJob(uuid: string): Promise<UploadJobRecord | null> {
    const [row] = await this.db.query<{ record_json: string }>(
      'SELECT record_json FROM upload_jobs WHERE uuid = $1',
      [uuid],
    );
    // Written by saveJob from an UploadJobRecord, so it parses back to one.
    return row === undefined ? null : (JSON.parse(row.record_json) as UploadJobRecord);
  }

  // --- helpers ---

  /**
   * The schema an item write is checked against, its row locked FOR SHARE until the
   * transaction ends: a concurrent replaceSchema waits for the write (and the write
   * for it), so no item is ever indexed with a schema that is no longer current.
   * The JSON is only sent when the version differs from the cached one.
   */
  async #schemaForWrite(client: PgClient): Promise<SchemaAt> {
    const known = this.#schema;
    const read = async () =>
      (
        await rows<{ version: number; schema_json: string | null }>(
          client,
          `SELECT version, CASE WHEN version = $1 THEN NULL ELSE schema_json END AS schema_json
           FROM metadata_schema WHERE id = 1 FOR SHARE`,
          [known.version],
        )
      )[0];
    let row = await read();
    if (row === undefined) {
      // Never saved: there is no row to lock. The shared advisory lock makes a first
      // save (which takes it exclusively) wait for this write, or this write wait for
      // it and then see its row.
      await client.query('SELECT pg_advisory_xact_lock_shared($1::bigint)', [FIRST_SCHEMA_LOCK]);
      row = await read();
      if (row === undefined) return NO_SCHEMA;
    }
    return this.#schemaAt(known, row.version, row.schema_json);
  }

  /**
   * The schema at `version`: `known` (the cache entry the query was sent with) when
   * the query left the JSON out because the versions matched, else parsed from `json`
   * and cached, unless the cache meanwhile holds a newer version.
   */
  #schemaAt(known: SchemaAt, version: number, json: string | null): SchemaAt {
    if (json === null) {
      if (version === known.version) return known;
      throw new MetaindexError('internal', `the metadata schema at version ${version} was not read`);
    }
    const parsed: SchemaAt = { schema: schemaFromStoredJson(json), version };
    if (version > this.#schema.version) this.#schema = parsed;
    return parsed;
  }

  /** The items among these that exist, locked FOR UPDATE (in uuid order), by uuid. */
  async #lockItems(client: PgClient, uuids: readonly string[]): Promise<Map<string, ItemRecord>> {
    const locked = await rows<ItemRow>(client, LOCK_ITEMS, [[...new Set(uuids)]]);
    return new Map(locked.map((row) => [row.uuid, itemFromRow(row)]));
  }

  /** Inserts the items whose uuid is free; returns the uuids written. */
  async #insertItems(client: PgClient, items: readonly ItemRecord[]): Promise<Set<string>> {
    const columns = transpose(items.map(itemValues), ITEM_INSERT_COLUMNS.length);
    const inserted = await rows<{ uuid: string }>(client, INSERT_ITEMS, columns);
    return new Set(inserted.map((row) => row.uuid));
  }

  /**
   * Applies the updates to the locked `current` items (in place, as SQLite's one
   * UPDATE per entry would) and writes each item once: only the fields some update
   * gave, so a rename never rewrites the metadata text.
   */
  async #updateItems(
    client: PgClient,
    updates: readonly ItemUpdate[],
    current: Map<string, ItemRecord>,
  ): Promise<void> {
    const merged = new Map<string, { name?: string; description?: string; clientMetadata?: string }>();
    for (const u of updates) {
      const before = current.get(u.uuid) as ItemRecord;
      current.set(u.uuid, {
        ...before,
        name: u.name ?? before.name,
        description: u.description ?? before.description,
        clientMetadata: u.clientMetadata ?? before.clientMetadata,
        lastEditedAt: u.lastEditedAt,
      });
      const given = merged.get(u.uuid) ?? {};
      if (u.name !== undefined) given.name = u.name;
      if (u.description !== undefined) given.description = u.description;
      if (u.clientMetadata !== undefined) given.clientMetadata = u.clientMetadata;
      merged.set(u.uuid, given);
    }
    const entries = [...merged];
    await client.query(UPDATE_ITEMS, [
      entries.map(([uuid]) => uuid),
      entries.map(([, given]) => given.name ?? null),
      entries.map(([, given]) => (given.name === undefined ? null : foldCase(given.name))),
      entries.map(([, given]) => given.description ?? null),
      entries.map(([, given]) => given.clientMetadata ?? null),
      entries.map(([uuid]) => (current.get(uuid) as ItemRecord).lastEditedAt),
    ]);
  }

  /**
   * Runs a delete; when ON DELETE RESTRICT refuses it because items back data rows,
   * rejects with a 'conflict' naming those items instead of PostgreSQL's anonymous
   * foreign key error. The savepoint keeps the transaction usable for that lookup (a
   * failed statement aborts a PostgreSQL transaction), and the lookup happens only on
   * the refusal, so a concurrent link between a check and the delete is reported too.
   */
  async #refusingBackedItems<T>(
    client: PgClient,
    work: () => Promise<T>,
    backing: () => Promise<Map<string, number>>,
    what: string,
  ): Promise<T> {
    await client.query('SAVEPOINT before_delete');
    try {
      return await work();
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT before_delete');
      const counts = await backing();
      // Another table's constraint: not ours to explain.
      if (counts.size === 0) throw error;
      throw backedItemsConflict(what, counts);
    }
  }

  /** Items among these (each once, in the order given) that back rows, with counts. */
  async #backingCounts(client: PgClient, itemUuids: readonly string[]): Promise<Map<string, number>> {
    const found = await rows<Counted>(
      client,
      'SELECT item_uuid, count(*) AS n FROM data_rows WHERE item_uuid = ANY($1::text[]) GROUP BY item_uuid',
      [itemUuids],
    );
    const counts = new Map(found.map((row) => [row.item_uuid, row.n]));
    return new Map(
      [...new Set(itemUuids)].flatMap((uuid) => {
        const n = counts.get(uuid);
        return n === undefined ? [] : [[uuid, n] as const];
      }),
    );
  }

  async #backingCountsInFolder(client: PgClient, folderUuid: string): Promise<Map<string, number>> {
    const found = await rows<Counted>(
      client,
      `${subtreeCte('$1')}
       SELECT r.item_uuid, count(*) AS n
       FROM items AS i JOIN data_rows AS r ON r.item_uuid = i.uuid
       WHERE i.folder_uuid IN (SELECT uuid FROM subtree)
       GROUP BY r.item_uuid ORDER BY r.item_uuid`,
      [folderUuid],
    );
    return new Map(found.map((row) => [row.item_uuid, row.n]));
  }
}

/** Each item once (the last state of a uuid listed twice), first-seen order. */
function uniqueItems(items: readonly ItemRecord[]): ItemRecord[] {
  return [...new Map(items.map((item) => [item.uuid, item])).values()];
}
