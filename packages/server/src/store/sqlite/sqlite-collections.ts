/**
 * Index collections, filter presets and collection jobs on SQLite (migration 5).
 * `SqliteEngine` delegates its collection methods here. Like the rest of the engine,
 * each method is one transaction, run to completion synchronously.
 *
 * Membership lives in `collection_items` (WITHOUT ROWID, primary key (collection,
 * item)), so a collection's items, in uuid order, are one index range; the query
 * compiler joins the same table for the `$collection` filter field.
 */
import { MetaindexError } from '@metaindex/core';
import type Database from 'better-sqlite3';
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
  jobFromRow,
  presetFromRow,
  type CollectionRow,
  type JobRow,
  type PresetRow,
} from '../table-rows.js';

const collectionToRow = (c: CollectionRecord): CollectionRow => ({
  uuid: c.uuid,
  top_level_folder_uuid: c.topLevelFolderUuid,
  name: c.name,
  description: c.description,
  created_at: c.createdAt,
  last_edited_at: c.lastEditedAt,
  source_preset_uuid: c.sourcePresetUuid,
  source_version: c.sourceVersion,
  owner: c.owner,
});

const presetToRow = (p: PresetRecord): PresetRow => ({
  uuid: p.uuid,
  top_level_folder_uuid: p.topLevelFolderUuid,
  name: p.name,
  description: p.description,
  preset_json: p.presetJson,
  created_at: p.createdAt,
  last_updated_at: p.lastUpdatedAt,
  owner: p.owner,
  freeze_count: p.freezeCount,
});

const jobToRow = (job: CollectionJobRecord): JobRow => ({
  uuid: job.uuid,
  collection_uuid: job.collectionUuid,
  preset_uuid: job.presetUuid,
  kind: job.kind,
  status: job.status,
  processed: job.processed,
  changed: job.changed,
  error: job.error,
  created_at: job.createdAt,
  updated_at: job.updatedAt,
});

/** uuids travel as one JSON array parameter; longer lists are cut into chunks this long. */
const CHUNK = 10_000;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

const settle = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });

interface ListParams {
  limit: number;
  uuids?: string;
  folder?: string;
  afterValue?: string;
  afterUuid?: string;
}

/** One statement shape per combination of filters: (created_at, uuid) order, keyset paged. */
function listSql(table: 'collections' | 'presets', query: ListCollectionsQuery): string {
  const where: string[] = [];
  if (query.uuids !== null) where.push('uuid IN (SELECT value FROM json_each(@uuids))');
  if (query.topLevelFolderUuid !== null) where.push('top_level_folder_uuid = @folder');
  if (query.after !== null) where.push('(created_at, uuid) > (@afterValue, @afterUuid)');
  return [
    `SELECT * FROM ${table}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    'ORDER BY created_at, uuid',
    'LIMIT @limit',
  ].join('\n');
}

function listParams(query: ListCollectionsQuery): ListParams {
  requirePageSize(query.pageSize);
  const params: ListParams = { limit: query.pageSize + 1 };
  if (query.uuids !== null) params.uuids = JSON.stringify(query.uuids);
  if (query.topLevelFolderUuid !== null) params.folder = query.topLevelFolderUuid;
  if (query.after !== null) {
    params.afterValue = query.after.value;
    params.afterUuid = query.after.uuid;
  }
  return params;
}

/** Every folder at or below @root. */
const SUBTREE = `WITH RECURSIVE subtree (uuid) AS (
  SELECT @root
  UNION
  SELECT f.uuid FROM folders AS f JOIN subtree AS s ON f.parent_uuid = s.uuid
)`;

/** Members of @a that are not members of @b, after a uuid: an index range with a probe per row. */
const ONLY_IN = `FROM collection_items AS a
  WHERE a.collection_uuid = @a AND a.item_uuid > @after
    AND NOT EXISTS (
      SELECT 1 FROM collection_items AS b WHERE b.collection_uuid = @b AND b.item_uuid = a.item_uuid
    )`;

function prepare<ItemRow>(db: Database.Database) {
  const values = (columns: readonly string[]) => columns.map((c) => `@${c}`).join(', ');
  return {
    collection: db.prepare<[string], CollectionRow>('SELECT * FROM collections WHERE uuid = ?'),
    insertCollection: db.prepare<CollectionRow, never>(
      `INSERT INTO collections (${COLLECTION_COLUMNS.join(', ')}) VALUES (${values(COLLECTION_COLUMNS)})`,
    ),
    updateCollection: db.prepare<
      { uuid: string; name: string | null; description: string | null; at: string },
      never
    >(
      `UPDATE collections SET
         name = coalesce(@name, name),
         description = coalesce(@description, description),
         last_edited_at = @at
       WHERE uuid = @uuid`,
    ),
    deleteCollection: db.prepare<[string], never>('DELETE FROM collections WHERE uuid = ?'),
    folderExists: db.prepare<[string], number>('SELECT 1 FROM folders WHERE uuid = ?').pluck(),
    bumpFreezeCount: db.prepare<[string], never>(
      'UPDATE presets SET freeze_count = freeze_count + 1 WHERE uuid = ?',
    ),
    freezeCount: db.prepare<[string], number>('SELECT freeze_count FROM presets WHERE uuid = ?').pluck(),

    // The listed items that exist and lie in @root's folder tree.
    itemsInTree: db
      .prepare<{ root: string; list: string }, string>(
        `${SUBTREE}
         SELECT i.uuid FROM items AS i
         WHERE i.uuid IN (SELECT value FROM json_each(@list))
           AND i.folder_uuid IN (SELECT uuid FROM subtree)`,
      )
      .pluck(),
    existingItems: db
      .prepare<{ list: string }, string>(
        'SELECT uuid FROM items WHERE uuid IN (SELECT value FROM json_each(@list))',
      )
      .pluck(),
    addMember: db.prepare<[string, string, string], never>(
      'INSERT OR IGNORE INTO collection_items (collection_uuid, item_uuid, added_at) VALUES (?, ?, ?)',
    ),
    removeMember: db.prepare<[string, string], never>(
      'DELETE FROM collection_items WHERE collection_uuid = ? AND item_uuid = ?',
    ),
    memberItems: db.prepare<{ collection: string; after: string; limit: number }, ItemRow>(
      `SELECT i.* FROM collection_items AS m CROSS JOIN items AS i ON i.uuid = m.item_uuid
       WHERE m.collection_uuid = @collection AND m.item_uuid > @after
       ORDER BY m.item_uuid LIMIT @limit`,
    ),
    memberCounts: db.prepare<{ list: string }, { collection_uuid: string; n: number }>(
      `SELECT collection_uuid, count(*) AS n FROM collection_items
       WHERE collection_uuid IN (SELECT value FROM json_each(@list))
       GROUP BY collection_uuid`,
    ),
    onlyIn: db
      .prepare<{ a: string; b: string; after: string; limit: number }, string>(
        `SELECT a.item_uuid ${ONLY_IN} ORDER BY a.item_uuid LIMIT @limit`,
      )
      .pluck(),
    countOnlyIn: db
      .prepare<{ a: string; b: string; after: string }, number>(`SELECT count(*) ${ONLY_IN}`)
      .pluck(),

    preset: db.prepare<[string], PresetRow>('SELECT * FROM presets WHERE uuid = ?'),
    insertPreset: db.prepare<PresetRow, never>(
      `INSERT INTO presets (${PRESET_COLUMNS.join(', ')}) VALUES (${values(PRESET_COLUMNS)})`,
    ),
    updatePreset: db.prepare<
      { uuid: string; name: string | null; description: string | null; json: string | null; at: string },
      never
    >(
      `UPDATE presets SET
         name = coalesce(@name, name),
         description = coalesce(@description, description),
         preset_json = coalesce(@json, preset_json),
         last_updated_at = @at
       WHERE uuid = @uuid`,
    ),
    deletePreset: db.prepare<[string], never>('DELETE FROM presets WHERE uuid = ?'),

    saveJob: db.prepare<JobRow, never>(
      `INSERT INTO collection_jobs (${JOB_COLUMNS.join(', ')}) VALUES (${values(JOB_COLUMNS)})
       ON CONFLICT (uuid) DO UPDATE SET
         status = excluded.status, processed = excluded.processed, changed = excluded.changed,
         error = excluded.error, updated_at = excluded.updated_at`,
    ),
    job: db.prepare<[string], JobRow>('SELECT * FROM collection_jobs WHERE uuid = ?'),
  };
}

type Statements<ItemRow> = ReturnType<typeof prepare<ItemRow>>;

/**
 * The collection, preset and job half of the SQLite engine. `ItemRow` is the engine's
 * raw item row and `itemFromRow` turns it into a record, so items are read in the same
 * transaction as the memberships that list them.
 */
export class SqliteCollections<ItemRow> {
  readonly #db: Database.Database;
  readonly #sql: Statements<ItemRow>;
  readonly #itemFromRow: (row: ItemRow) => ItemRecord;
  readonly #collectionLists = new Map<string, Database.Statement<[ListParams], CollectionRow>>();
  readonly #presetLists = new Map<string, Database.Statement<[ListParams], PresetRow>>();

  constructor(db: Database.Database, itemFromRow: (row: ItemRow) => ItemRecord) {
    this.#db = db;
    this.#sql = prepare<ItemRow>(db);
    this.#itemFromRow = itemFromRow;
  }

  // --- collections ---

  createCollection(
    collection: CollectionRecord,
    options: NewCollectionOptions = {},
  ): Promise<{ collection: CollectionRecord; itemCount: number }> {
    return this.#write(() => {
      if (this.#sql.collection.get(collection.uuid) !== undefined) {
        throw new MetaindexError('conflict', `a collection with uuid ${collection.uuid} already exists`, {
          uuid: collection.uuid,
        });
      }
      const folder = collection.topLevelFolderUuid;
      if (this.#sql.folderExists.get(folder) === undefined) {
        throw new MetaindexError('not_found', `folder ${folder} does not exist`, { folderUuid: folder });
      }
      let stored = collection;
      if (options.fromPreset !== undefined) {
        const preset = options.fromPreset;
        if (this.#sql.bumpFreezeCount.run(preset).changes === 0) {
          throw new MetaindexError('not_found', `preset ${preset} does not exist`, { presetUuid: preset });
        }
        const version = this.#sql.freezeCount.get(preset) ?? 0;
        stored = {
          ...collection,
          name: options.nameForVersion?.(version) ?? collection.name,
          sourcePresetUuid: preset,
          sourceVersion: version,
        };
      }
      this.#sql.insertCollection.run(collectionToRow(stored));
      let itemCount = 0;
      for (const chunk of chunks(distinct(options.itemUuids ?? []))) {
        for (const uuid of this.#sql.itemsInTree.all({ root: folder, list: JSON.stringify(chunk) })) {
          itemCount += this.#sql.addMember.run(stored.uuid, uuid, stored.createdAt).changes;
        }
      }
      return { collection: stored, itemCount };
    });
  }

  getCollection(uuid: string): Promise<CollectionRecord | null> {
    return settle(() => {
      const row = this.#sql.collection.get(uuid);
      return row === undefined ? null : collectionFromRow(row);
    });
  }

  listCollections(query: ListCollectionsQuery): Promise<Page<CollectionRecord>> {
    return settle(() => {
      const params = listParams(query);
      const rows = this.#statement(this.#collectionLists, listSql('collections', query)).all(params);
      return createdAtPage(rows, query.pageSize, collectionFromRow);
    });
  }

  updateCollection(update: CollectionUpdate): Promise<CollectionRecord | null> {
    return this.#write(() => {
      const changed = this.#sql.updateCollection.run({
        uuid: update.uuid,
        name: update.name ?? null,
        description: update.description ?? null,
        at: update.lastEditedAt,
      }).changes;
      const row = changed > 0 ? this.#sql.collection.get(update.uuid) : undefined;
      return row === undefined ? null : collectionFromRow(row);
    });
  }

  deleteCollection(uuid: string): Promise<boolean> {
    // ON DELETE CASCADE removes its memberships; the items stay.
    return this.#write(() => this.#sql.deleteCollection.run(uuid).changes > 0);
  }

  addCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
    at: string,
  ): Promise<CollectionMembershipResult> {
    return this.#write((): CollectionMembershipResult => {
      const collection = this.#sql.collection.get(collectionUuid);
      if (collection === undefined) return { ok: false, reason: 'missing-collection' };
      const eligible = new Set<string>();
      for (const chunk of chunks(distinct(itemUuids))) {
        const list = JSON.stringify(chunk);
        for (const uuid of this.#sql.itemsInTree.all({ root: collection.top_level_folder_uuid, list }))
          eligible.add(uuid);
      }
      let changed = 0;
      for (const uuid of eligible) changed += this.#sql.addMember.run(collectionUuid, uuid, at).changes;
      return { ok: true, changed, failed: distinct(itemUuids).filter((uuid) => !eligible.has(uuid)) };
    });
  }

  removeCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
  ): Promise<CollectionMembershipResult> {
    return this.#write((): CollectionMembershipResult => {
      if (this.#sql.collection.get(collectionUuid) === undefined)
        return { ok: false, reason: 'missing-collection' };
      const existing = new Set<string>();
      for (const chunk of chunks(distinct(itemUuids))) {
        for (const uuid of this.#sql.existingItems.all({ list: JSON.stringify(chunk) })) existing.add(uuid);
      }
      let changed = 0;
      for (const uuid of existing) changed += this.#sql.removeMember.run(collectionUuid, uuid).changes;
      return { ok: true, changed, failed: distinct(itemUuids).filter((uuid) => !existing.has(uuid)) };
    });
  }

  listCollectionItems(
    collectionUuid: string,
    query: { pageSize: number; after: string | null },
  ): Promise<UuidPage<ItemRecord> | null> {
    return this.#read(() => {
      requirePageSize(query.pageSize);
      if (this.#sql.collection.get(collectionUuid) === undefined) return null;
      // '' sorts before every uuid: the first page.
      const rows = this.#sql.memberItems.all({
        collection: collectionUuid,
        after: query.after ?? '',
        limit: query.pageSize + 1,
      });
      const items = rows.slice(0, query.pageSize).map(this.#itemFromRow);
      const last = items[items.length - 1];
      return { rows: items, next: rows.length > query.pageSize && last !== undefined ? last.uuid : null };
    });
  }

  countCollectionItems(collectionUuids: readonly string[]): Promise<Map<string, number>> {
    return settle(() => {
      const counts = new Map(collectionUuids.map((uuid) => [uuid, 0]));
      for (const row of this.#sql.memberCounts.all({ list: JSON.stringify(distinct(collectionUuids)) }))
        counts.set(row.collection_uuid, row.n);
      return counts;
    });
  }

  diffCollections(
    collectionUuid: string,
    againstUuid: string,
    query: CollectionDiffQuery,
  ): Promise<CollectionDiffPage | null> {
    return this.#read((): CollectionDiffPage | null => {
      requirePageSize(query.pageSize);
      if (this.#sql.collection.get(collectionUuid) === undefined) return null;
      if (this.#sql.collection.get(againstUuid) === undefined) return null;
      const side = (a: string, b: string, position: DiffPosition) => {
        if (position === 'end') return { uuids: [], next: 'end' as const };
        const after = position === 'start' ? '' : position.after;
        const rows = this.#sql.onlyIn.all({ a, b, after, limit: query.pageSize + 1 });
        const uuids = rows.slice(0, query.pageSize);
        const last = uuids[uuids.length - 1];
        const next: DiffPosition =
          rows.length > query.pageSize && last !== undefined ? { after: last } : 'end';
        return { uuids, next };
      };
      const added = side(collectionUuid, againstUuid, query.added);
      const removed = side(againstUuid, collectionUuid, query.removed);
      return {
        added: added.uuids,
        removed: removed.uuids,
        addedCount: this.#sql.countOnlyIn.get({ a: collectionUuid, b: againstUuid, after: '' }) ?? 0,
        removedCount: this.#sql.countOnlyIn.get({ a: againstUuid, b: collectionUuid, after: '' }) ?? 0,
        nextAdded: added.next,
        nextRemoved: removed.next,
      };
    });
  }

  // --- presets ---

  createPreset(preset: PresetRecord): Promise<void> {
    return this.#write(() => {
      if (this.#sql.preset.get(preset.uuid) !== undefined) {
        throw new MetaindexError('conflict', `a preset with uuid ${preset.uuid} already exists`, {
          uuid: preset.uuid,
        });
      }
      const folder = preset.topLevelFolderUuid;
      if (folder !== null && this.#sql.folderExists.get(folder) === undefined) {
        throw new MetaindexError('not_found', `folder ${folder} does not exist`, { folderUuid: folder });
      }
      this.#sql.insertPreset.run(presetToRow(preset));
    });
  }

  getPreset(uuid: string): Promise<PresetRecord | null> {
    return settle(() => {
      const row = this.#sql.preset.get(uuid);
      return row === undefined ? null : presetFromRow(row);
    });
  }

  listPresets(query: ListPresetsQuery): Promise<Page<PresetRecord>> {
    return settle(() => {
      const params = listParams(query);
      const rows = this.#statement(this.#presetLists, listSql('presets', query)).all(params);
      return createdAtPage(rows, query.pageSize, presetFromRow);
    });
  }

  updatePreset(update: PresetUpdate): Promise<PresetRecord | null> {
    return this.#write(() => {
      const changed = this.#sql.updatePreset.run({
        uuid: update.uuid,
        name: update.name ?? null,
        description: update.description ?? null,
        json: update.presetJson ?? null,
        at: update.lastUpdatedAt,
      }).changes;
      const row = changed > 0 ? this.#sql.preset.get(update.uuid) : undefined;
      return row === undefined ? null : presetFromRow(row);
    });
  }

  deletePreset(uuid: string): Promise<boolean> {
    return this.#write(() => this.#sql.deletePreset.run(uuid).changes > 0);
  }

  // --- jobs ---

  saveCollectionJob(job: CollectionJobRecord): Promise<void> {
    return settle(() => {
      this.#sql.saveJob.run(jobToRow(job));
    });
  }

  getCollectionJob(uuid: string): Promise<CollectionJobRecord | null> {
    return settle(() => {
      const row = this.#sql.job.get(uuid);
      return row === undefined ? null : jobFromRow(row);
    });
  }

  // --- helpers ---

  /** A read-then-write as one IMMEDIATE transaction (the write lock up front). */
  #write<T>(work: () => T): Promise<T> {
    return settle(() => this.#db.transaction(work).immediate());
  }

  /** Several reads from one snapshot. */
  #read<T>(work: () => T): Promise<T> {
    return settle(() => this.#db.transaction(work).deferred());
  }

  #statement<Row>(
    cache: Map<string, Database.Statement<[ListParams], Row>>,
    sql: string,
  ): Database.Statement<[ListParams], Row> {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare<[ListParams], Row>(sql);
      cache.set(sql, statement);
    }
    return statement;
  }
}
