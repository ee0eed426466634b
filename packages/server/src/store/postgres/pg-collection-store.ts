/**
 * Index collections, filter presets and collection jobs on PostgreSQL: the
 * PostgreSQL twin of sqlite-collections.ts, method by method, with the same results,
 * orders and error texts. Each method is one transaction (`db.tx`) or one statement.
 *
 * Membership lives in `collection_items` (primary key (collection, item)), so a
 * collection's items in uuid order are one index range. Every uuid column is
 * COLLATE "C", so uuid comparisons and orders are bytewise, as on SQLite.
 *
 * Where PostgreSQL differs from SQLite:
 * - SQLite runs one writer at a time; here other processes write concurrently. Writes
 *   that depend on a row read earlier lock it (FOR KEY SHARE, the lock a foreign key
 *   check takes), and the races left (two creations of one uuid, a folder deleted
 *   between check and insert) are turned into the same errors the checks give.
 * - Membership changes are set-based: one INSERT … SELECT … FROM unnest($n::text[])
 *   (or one DELETE) for the whole list, however long, instead of a statement per item.
 * - Reads of several statements (listing members, diffs) run in one REPEATABLE READ
 *   transaction, so they see one snapshot as SQLite's deferred transaction does.
 */
import { MetaindexError } from '@metaindex/core';
import type {
  CollectionDiffPage,
  CollectionDiffQuery,
  CollectionJobRecord,
  CollectionMembershipResult,
  CollectionRecord,
  CollectionUpdate,
  DiffPosition,
  ListCollectionsQuery,
  ListPresetsQuery,
  NewCollectionOptions,
  Page,
  PresetRecord,
  PresetUpdate,
  UuidPage,
} from '../engine.js';
import type { ItemRecord } from '../records.js';
import { createdAtPage, distinct, requirePageSize } from '../engine-helpers.js';
import {
  COLLECTION_COLUMNS,
  JOB_COLUMNS,
  PRESET_COLUMNS,
  collectionFromRow,
  itemFromRow,
  jobFromRow,
  presetFromRow,
  type CollectionRow,
  type ItemRow,
  type JobRow,
  type PresetRow,
} from '../table-rows.js';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  rows,
  type PgClient,
  type PgDatabase,
  type PgRow,
} from './pg-database.js';
import type { CollectionMethods } from './pg-parts.js';
import { ITEM_SELECT } from './pg-rows.js';

const COLLECTION_SELECT = COLLECTION_COLUMNS.join(', ');
const PRESET_SELECT = PRESET_COLUMNS.join(', ');
const JOB_SELECT = JOB_COLUMNS.join(', ');

/** `$1, $2, …, $n` for an INSERT of `columns`. */
const placeholders = (columns: readonly string[]) => columns.map((_, i) => `$${i + 1}`).join(', ');

/** A collection's values in COLLECTION_COLUMNS order. */
const collectionValues = (c: CollectionRecord): unknown[] => [
  c.uuid,
  c.topLevelFolderUuid,
  c.name,
  c.description,
  c.createdAt,
  c.lastEditedAt,
  c.sourcePresetUuid,
  c.sourceVersion,
  c.owner,
];

/** A preset's values in PRESET_COLUMNS order. */
const presetValues = (p: PresetRecord): unknown[] => [
  p.uuid,
  p.topLevelFolderUuid,
  p.name,
  p.description,
  p.presetJson,
  p.createdAt,
  p.lastUpdatedAt,
  p.owner,
  p.freezeCount,
];

/** A job's values in JOB_COLUMNS order. */
const jobValues = (job: CollectionJobRecord): unknown[] => [
  job.uuid,
  job.collectionUuid,
  job.presetUuid,
  job.kind,
  job.status,
  job.processed,
  job.changed,
  job.error,
  job.createdAt,
  job.updatedAt,
];

const collectionConflict = (uuid: string) =>
  new MetaindexError('conflict', `a collection with uuid ${uuid} already exists`, { uuid });
const presetConflict = (uuid: string) =>
  new MetaindexError('conflict', `a preset with uuid ${uuid} already exists`, { uuid });
const missingFolder = (folder: string) =>
  new MetaindexError('not_found', `folder ${folder} does not exist`, { folderUuid: folder });

/**
 * One statement per combination of filters: (created_at, uuid) order, keyset paged,
 * one row more than the page to tell whether another page follows.
 */
function listStatement(
  table: 'collections' | 'presets',
  columns: string,
  query: ListCollectionsQuery,
): { text: string; params: unknown[] } {
  requirePageSize(query.pageSize);
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.uuids !== null) where.push(`uuid = ANY(${param(query.uuids)}::text[])`);
  if (query.topLevelFolderUuid !== null)
    where.push(`top_level_folder_uuid = ${param(query.topLevelFolderUuid)}`);
  if (query.after !== null) {
    // Both columns are COLLATE "C": the row comparison is bytewise, like SQLite's.
    where.push(`(created_at, uuid) > (${param(query.after.value)}, ${param(query.after.uuid)})`);
  }
  const text = [
    `SELECT ${columns} FROM ${table}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    'ORDER BY created_at, uuid',
    `LIMIT ${param(query.pageSize + 1)}`,
  ].join('\n');
  return { text, params };
}

/**
 * Adds the listed items ($3, distinct) that exist and lie in $2's folder tree to
 * collection $1, added at $4, in one statement. Returns how many memberships were
 * new and which listed uuids were not eligible, in list order.
 *
 * The subtree's first row is cast to COLLATE "C": a recursive CTE's column must
 * have the same collation in both terms, and folders.uuid is "C". Eligible items
 * are locked FOR KEY SHARE so an item deleted meanwhile is skipped rather than
 * failing the membership's foreign key; they are inserted in uuid order so two
 * concurrent adds take their locks in the same order.
 */
const ADD_MEMBERS = `WITH RECURSIVE subtree (uuid) AS (
    SELECT $2::text COLLATE "C"
    UNION
    SELECT f.uuid FROM folders AS f JOIN subtree AS s ON f.parent_uuid = s.uuid
  ),
  wanted AS (
    SELECT w.uuid, w.n FROM unnest($3::text[]) WITH ORDINALITY AS w (uuid, n)
  ),
  eligible AS (
    SELECT items.uuid FROM wanted JOIN items ON items.uuid = wanted.uuid
    WHERE items.folder_uuid IN (SELECT uuid FROM subtree)
    FOR KEY SHARE OF items
  ),
  added AS (
    INSERT INTO collection_items (collection_uuid, item_uuid, added_at)
    SELECT $1, uuid, $4 FROM eligible ORDER BY uuid
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT
    (SELECT count(*) FROM added) AS changed,
    ARRAY(
      SELECT wanted.uuid FROM wanted
      WHERE NOT EXISTS (SELECT 1 FROM eligible WHERE eligible.uuid = wanted.uuid)
      ORDER BY wanted.n
    ) AS failed`;

/**
 * Removes collection $1's memberships of the listed items ($2, distinct) in one
 * statement. Returns how many were removed and which listed uuids are not items,
 * in list order (non-members that exist are no failure).
 */
const REMOVE_MEMBERS = `WITH wanted AS (
    SELECT w.uuid, w.n FROM unnest($2::text[]) WITH ORDINALITY AS w (uuid, n)
  ),
  removed AS (
    DELETE FROM collection_items AS m
    WHERE m.collection_uuid = $1 AND m.item_uuid IN (SELECT uuid FROM wanted)
    RETURNING 1
  )
  SELECT
    (SELECT count(*) FROM removed) AS changed,
    ARRAY(
      SELECT wanted.uuid FROM wanted
      WHERE NOT EXISTS (SELECT 1 FROM items WHERE items.uuid = wanted.uuid)
      ORDER BY wanted.n
    ) AS failed`;

/** Members of $1 that are not members of $2, after uuid $3. */
const ONLY_IN = `FROM collection_items AS a
  WHERE a.collection_uuid = $1 AND a.item_uuid > $3
    AND NOT EXISTS (
      SELECT 1 FROM collection_items AS b WHERE b.collection_uuid = $2 AND b.item_uuid = a.item_uuid
    )`;

interface MembershipRow extends PgRow {
  changed: number;
  failed: string[];
}

export class PgCollectionStore implements CollectionMethods {
  constructor(private readonly db: PgDatabase) {}

  // --- collections ---

  createCollection(
    collection: CollectionRecord,
    options: NewCollectionOptions = {},
  ): Promise<{ collection: CollectionRecord; itemCount: number }> {
    return this.db.tx(async (client) => {
      if ((await this.#collection(client, collection.uuid)) !== null)
        throw collectionConflict(collection.uuid);
      const folder = collection.topLevelFolderUuid;
      // Locked so the folder cannot be deleted before the collection row refers to it.
      const found = await rows(client, 'SELECT 1 FROM folders WHERE uuid = $1 FOR KEY SHARE', [folder]);
      if (found.length === 0) throw missingFolder(folder);
      let stored = collection;
      if (options.fromPreset !== undefined) {
        const preset = options.fromPreset;
        // The UPDATE locks the preset row: concurrent freezes get consecutive versions.
        const bumped = await rows<{ freeze_count: number }>(
          client,
          'UPDATE presets SET freeze_count = freeze_count + 1 WHERE uuid = $1 RETURNING freeze_count',
          [preset],
        );
        const version = bumped[0]?.freeze_count;
        if (version === undefined) {
          throw new MetaindexError('not_found', `preset ${preset} does not exist`, { presetUuid: preset });
        }
        stored = {
          ...collection,
          name: options.nameForVersion?.(version) ?? collection.name,
          sourcePresetUuid: preset,
          sourceVersion: version,
        };
      }
      try {
        await client.query(
          `INSERT INTO collections (${COLLECTION_SELECT}) VALUES (${placeholders(COLLECTION_COLUMNS)})`,
          collectionValues(stored),
        );
      } catch (error) {
        // Another transaction created the same uuid after our check.
        if (isUniqueViolation(error)) throw collectionConflict(stored.uuid);
        throw error;
      }
      const itemUuids = distinct(options.itemUuids ?? []);
      let itemCount = 0;
      if (itemUuids.length > 0) {
        const [result] = await rows<MembershipRow>(client, ADD_MEMBERS, [
          stored.uuid,
          folder,
          itemUuids,
          stored.createdAt,
        ]);
        itemCount = result?.changed ?? 0;
      }
      return { collection: stored, itemCount };
    });
  }

  async getCollection(uuid: string): Promise<CollectionRecord | null> {
    const [row] = await this.db.query<CollectionRow>(
      `SELECT ${COLLECTION_SELECT} FROM collections WHERE uuid = $1`,
      [uuid],
    );
    return row === undefined ? null : collectionFromRow(row);
  }

  async listCollections(query: ListCollectionsQuery): Promise<Page<CollectionRecord>> {
    const { text, params } = listStatement('collections', COLLECTION_SELECT, query);
    const found = await this.db.query<CollectionRow>(text, params);
    return createdAtPage(found, query.pageSize, collectionFromRow);
  }

  async updateCollection(update: CollectionUpdate): Promise<CollectionRecord | null> {
    const [row] = await this.db.query<CollectionRow>(
      `UPDATE collections SET
         name = coalesce($2, name),
         description = coalesce($3, description),
         last_edited_at = $4
       WHERE uuid = $1
       RETURNING ${COLLECTION_SELECT}`,
      [update.uuid, update.name ?? null, update.description ?? null, update.lastEditedAt],
    );
    return row === undefined ? null : collectionFromRow(row);
  }

  async deleteCollection(uuid: string): Promise<boolean> {
    // ON DELETE CASCADE removes its memberships; the items stay.
    const found = await this.db.query('DELETE FROM collections WHERE uuid = $1 RETURNING 1', [uuid]);
    return found.length > 0;
  }

  addCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
    at: string,
  ): Promise<CollectionMembershipResult> {
    return this.db.tx(async (client): Promise<CollectionMembershipResult> => {
      // Locked so the collection cannot be deleted before its new memberships refer to it.
      const [collection] = await rows<{ top_level_folder_uuid: string }>(
        client,
        'SELECT top_level_folder_uuid FROM collections WHERE uuid = $1 FOR KEY SHARE',
        [collectionUuid],
      );
      if (collection === undefined) return { ok: false, reason: 'missing-collection' };
      const [result] = await rows<MembershipRow>(client, ADD_MEMBERS, [
        collectionUuid,
        collection.top_level_folder_uuid,
        distinct(itemUuids),
        at,
      ]);
      return { ok: true, changed: result?.changed ?? 0, failed: result?.failed ?? [] };
    });
  }

  removeCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
  ): Promise<CollectionMembershipResult> {
    return this.db.tx(async (client): Promise<CollectionMembershipResult> => {
      if ((await this.#collection(client, collectionUuid)) === null) {
        return { ok: false, reason: 'missing-collection' };
      }
      const [result] = await rows<MembershipRow>(client, REMOVE_MEMBERS, [
        collectionUuid,
        distinct(itemUuids),
      ]);
      return { ok: true, changed: result?.changed ?? 0, failed: result?.failed ?? [] };
    });
  }

  async listCollectionItems(
    collectionUuid: string,
    query: { pageSize: number; after: string | null },
  ): Promise<UuidPage<ItemRecord> | null> {
    requirePageSize(query.pageSize);
    return await this.#snapshot(async (client) => {
      if ((await this.#collection(client, collectionUuid)) === null) return null;
      // '' sorts before every uuid: the first page.
      const found = await rows<ItemRow & PgRow>(
        client,
        `SELECT ${ITEM_SELECT} FROM collection_items AS m JOIN items ON items.uuid = m.item_uuid
         WHERE m.collection_uuid = $1 AND m.item_uuid > $2
         ORDER BY m.item_uuid LIMIT $3`,
        [collectionUuid, query.after ?? '', query.pageSize + 1],
      );
      const items = found.slice(0, query.pageSize).map(itemFromRow);
      const last = items[items.length - 1];
      return { rows: items, next: found.length > query.pageSize && last !== undefined ? last.uuid : null };
    });
  }

  async countCollectionItems(collectionUuids: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map(collectionUuids.map((uuid) => [uuid, 0]));
    const found = await this.db.query<{ collection_uuid: string; n: number }>(
      `SELECT collection_uuid, count(*) AS n FROM collection_items
       WHERE collection_uuid = ANY($1::text[])
       GROUP BY collection_uuid`,
      [distinct(collectionUuids)],
    );
    for (const row of found) counts.set(row.collection_uuid, row.n);
    return counts;
  }

  async diffCollections(
    collectionUuid: string,
    againstUuid: string,
    query: CollectionDiffQuery,
  ): Promise<CollectionDiffPage | null> {
    requirePageSize(query.pageSize);
    return await this.#snapshot(async (client): Promise<CollectionDiffPage | null> => {
      if ((await this.#collection(client, collectionUuid)) === null) return null;
      if ((await this.#collection(client, againstUuid)) === null) return null;
      const side = async (a: string, b: string, position: DiffPosition) => {
        if (position === 'end') return { uuids: [], next: 'end' as const };
        const after = position === 'start' ? '' : position.after;
        const found = await rows<{ item_uuid: string }>(
          client,
          `SELECT a.item_uuid ${ONLY_IN} ORDER BY a.item_uuid LIMIT $4`,
          [a, b, after, query.pageSize + 1],
        );
        const uuids = found.slice(0, query.pageSize).map((row) => row.item_uuid);
        const last = uuids[uuids.length - 1];
        const next: DiffPosition =
          found.length > query.pageSize && last !== undefined ? { after: last } : 'end';
        return { uuids, next };
      };
      const count = async (a: string, b: string) => {
        const [row] = await rows<{ n: number }>(client, `SELECT count(*) AS n ${ONLY_IN}`, [a, b, '']);
        return row?.n ?? 0;
      };
      const added = await side(collectionUuid, againstUuid, query.added);
      const removed = await side(againstUuid, collectionUuid, query.removed);
      return {
        added: added.uuids,
        removed: removed.uuids,
        addedCount: await count(collectionUuid, againstUuid),
        removedCount: await count(againstUuid, collectionUuid),
        nextAdded: added.next,
        nextRemoved: removed.next,
      };
    });
  }

  // --- presets ---

  createPreset(preset: PresetRecord): Promise<void> {
    return this.db.tx(async (client) => {
      const taken = await rows(client, 'SELECT 1 FROM presets WHERE uuid = $1', [preset.uuid]);
      if (taken.length > 0) throw presetConflict(preset.uuid);
      const folder = preset.topLevelFolderUuid;
      if (folder !== null) {
        const found = await rows(client, 'SELECT 1 FROM folders WHERE uuid = $1', [folder]);
        if (found.length === 0) throw missingFolder(folder);
      }
      try {
        await client.query(
          `INSERT INTO presets (${PRESET_SELECT}) VALUES (${placeholders(PRESET_COLUMNS)})`,
          presetValues(preset),
        );
      } catch (error) {
        // The same uuid created, or the folder deleted, by another transaction after our checks.
        if (isUniqueViolation(error)) throw presetConflict(preset.uuid);
        if (folder !== null && isForeignKeyViolation(error)) throw missingFolder(folder);
        throw error;
      }
    });
  }

  async getPreset(uuid: string): Promise<PresetRecord | null> {
    const [row] = await this.db.query<PresetRow>(`SELECT ${PRESET_SELECT} FROM presets WHERE uuid = $1`, [
      uuid,
    ]);
    return row === undefined ? null : presetFromRow(row);
  }

  async listPresets(query: ListPresetsQuery): Promise<Page<PresetRecord>> {
    const { text, params } = listStatement('presets', PRESET_SELECT, query);
    const found = await this.db.query<PresetRow>(text, params);
    return createdAtPage(found, query.pageSize, presetFromRow);
  }

  async updatePreset(update: PresetUpdate): Promise<PresetRecord | null> {
    const [row] = await this.db.query<PresetRow>(
      `UPDATE presets SET
         name = coalesce($2, name),
         description = coalesce($3, description),
         preset_json = coalesce($4, preset_json),
         last_updated_at = $5
       WHERE uuid = $1
       RETURNING ${PRESET_SELECT}`,
      [
        update.uuid,
        update.name ?? null,
        update.description ?? null,
        update.presetJson ?? null,
        update.lastUpdatedAt,
      ],
    );
    return row === undefined ? null : presetFromRow(row);
  }

  async deletePreset(uuid: string): Promise<boolean> {
    const found = await this.db.query('DELETE FROM presets WHERE uuid = $1 RETURNING 1', [uuid]);
    return found.length > 0;
  }

  // --- jobs ---

  async saveCollectionJob(job: CollectionJobRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO collection_jobs (${JOB_SELECT}) VALUES (${placeholders(JOB_COLUMNS)})
       ON CONFLICT (uuid) DO UPDATE SET
         status = excluded.status, processed = excluded.processed, changed = excluded.changed,
         error = excluded.error, updated_at = excluded.updated_at`,
      jobValues(job),
    );
  }

  async getCollectionJob(uuid: string): Promise<CollectionJobRecord | null> {
    const [row] = await this.db.query<JobRow>(`SELECT ${JOB_SELECT} FROM collection_jobs WHERE uuid = $1`, [
      uuid,
    ]);
    return row === undefined ? null : jobFromRow(row);
  }

  // --- helpers ---

  async #collection(client: PgClient, uuid: string): Promise<CollectionRow | null> {
    const [row] = await rows<CollectionRow>(
      client,
      `SELECT ${COLLECTION_SELECT} FROM collections WHERE uuid = $1`,
      [uuid],
    );
    return row ?? null;
  }

  /**
   * Several reads from one snapshot. READ COMMITTED (what `tx` begins) gives each
   * statement its own; SET TRANSACTION, before the first query, makes it one.
   */
  #snapshot<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    return this.db.tx(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return work(client);
    });
  }
}
