/**
 * Datasets, data rows, projects, ontologies and dataset jobs on PostgreSQL: the
 * DATASET_METHODS part of the Engine interface (pg-parts.ts). It mirrors
 * sqlite-engine.ts (and sqlite-dataset-jobs.ts) method by method, so both engines give
 * the same results, orders and errors.
 *
 * Where PostgreSQL differs from SQLite:
 * - SQLite runs every write with the database's single write lock held, so a check
 *   followed by a write can never be overtaken. Several PostgreSQL servers write at
 *   once under READ COMMITTED, so a method that checks rows and then writes locks the
 *   rows its check relies on (`FOR KEY SHARE`: "do not delete this"; `FOR NO KEY
 *   UPDATE` on a dataset or project: "one linker or ontology setter at a time"), and
 *   inserts that could collide use ON CONFLICT DO NOTHING and look again, so a
 *   concurrent writer yields the same errors SQLite gives.
 * - Case-insensitive searches compare the stored `title_folded` column (JavaScript's
 *   toLowerCase, what SQLite's registered `casefold` calls) with the search text folded
 *   in JavaScript: PostgreSQL's lower() depends on the database's locale.
 * - Lists travel as one array parameter (`= ANY($1::text[])`, `unnest(...)`), so a
 *   link of 100,000 items is a handful of statements, not one per row.
 */
import { MetaindexError } from '@metaindex/core';
import type {
  AttachDatasetsResult,
  CreateProjectResult,
  DataRowFilter,
  DatasetJobRecord,
  DatasetUpdate,
  DuplicatesBehaviour,
  LinkCollectionBatchResult,
  LinkItemsResult,
  ListTitledQuery,
  OntologyUpdate,
  Page,
  ProjectDataRow,
  ProjectDataRowsQuery,
  SetProjectOntologyResult,
} from '../engine.js';
import type {
  DataRowRecord,
  DataRowWithItem,
  DatasetRecord,
  ItemRecord,
  OntologyRecord,
  ProjectRecord,
} from '../records.js';
import {
  createdAtPage,
  keysetPage,
  newDataHashes,
  planLinks,
  requirePageSize,
  uniqueMatching,
} from '../engine-helpers.js';
import {
  DATA_ROW_COLUMNS,
  DATASET_COLUMNS,
  DATASET_JOB_COLUMNS,
  ONTOLOGY_COLUMNS,
  PROJECT_COLUMNS,
  dataRowFromRow,
  datasetFromRow,
  datasetJobFromRow,
  datasetJobToRow,
  itemFromRow,
  joinedFromRow,
  ontologyFromRow,
  projectFromRow,
  type DataRowRow,
  type DatasetJobRow,
  type DatasetRow,
  type ItemRow,
  type JoinedRow,
  type OntologyRow,
  type ProjectRow,
} from '../table-rows.js';
import { rows, type PgClient, type PgDatabase } from './pg-database.js';
import type { DatasetMethods } from './pg-parts.js';
import { foldCase, ITEM_SELECT } from './pg-rows.js';

// --- rows: the tables' rows and their mappers to records are in ../table-rows.ts ---

type CountRow = { item_uuid: string; n: number };

/** `alias.a, alias.b, …` (or unqualified without an alias) for a SELECT list. */
const selectList = (columns: readonly string[], alias?: string): string =>
  columns.map((column) => (alias === undefined ? column : `${alias}.${column}`)).join(', ');

const DATASET_SELECT = selectList(DATASET_COLUMNS);
const PROJECT_SELECT = selectList(PROJECT_COLUMNS);
const DATA_ROW_SELECT = selectList(DATA_ROW_COLUMNS);
const ONTOLOGY_SELECT = selectList(ONTOLOGY_COLUMNS);

/**
 * Data rows (`source`, aliased `r`: the table or a subquery with its columns) joined
 * with their items (`items`, unaliased: ITEM_SELECT names it). The row's columns are
 * prefixed so they do not clash with the item's.
 */
const joinedRowsFrom = (source: string): string => `SELECT
  r.data_hash AS row_data_hash, r.dataset_uuid AS row_dataset_uuid, r.item_uuid AS row_item_uuid,
  r.title AS row_title, r.created_at AS row_created_at, r.last_edited_at AS row_last_edited_at,
  ${ITEM_SELECT}
FROM ${source} AS r JOIN items ON items.uuid = r.item_uuid`;

const JOINED_ROWS = joinedRowsFrom('data_rows');

/**
 * Every folder at or below $1 (UNION, not UNION ALL, so even a cycle terminates).
 * The parameter needs COLLATE "C": a recursive CTE's column must have one collation,
 * and folders.uuid has "C".
 */
const SUBTREE_CTE = `WITH RECURSIVE subtree (uuid) AS (
  SELECT $1::text COLLATE "C"
  UNION
  SELECT f.uuid FROM folders AS f JOIN subtree AS s ON f.parent_uuid = s.uuid
)`;

const DATASET_JOB_SELECT = selectList(DATASET_JOB_COLUMNS);
/** Every column but the key, for an upsert that replaces the whole record. */
const DATASET_JOB_REPLACED = DATASET_JOB_COLUMNS.filter((column) => column !== 'uuid')
  .map((column) => `${column} = excluded.${column}`)
  .join(', ');

/**
 * One batch of a collection linked into a dataset ($1), in one statement: collection
 * $2's next $4 members after item uuid $3 ('' sorts before every uuid), in uuid order
 * (one range of collection_items' primary key); those that have no row in the dataset
 * yet get one, made as linkItems makes rows (hash from $6 in order, the item's name as
 * title, $5 as both instants). The items are locked FOR KEY SHARE, so an item deleted
 * meanwhile is skipped (no longer a member) instead of failing the row's foreign key.
 * Answers the members looked at, the rows added and the last member of the batch
 * (NULL when there was none: the walk is over).
 */
const LINK_COLLECTION_BATCH = `WITH batch AS (
    SELECT item_uuid FROM collection_items
    WHERE collection_uuid = $2 AND item_uuid > $3
    ORDER BY item_uuid LIMIT $4
  ),
  members AS (
    SELECT items.uuid, items.name, items.name_folded FROM items
    WHERE items.uuid IN (SELECT item_uuid FROM batch)
    FOR KEY SHARE
  ),
  fresh AS (
    SELECT m.uuid, m.name, m.name_folded, row_number() OVER (ORDER BY m.uuid) AS n
    FROM members AS m
    WHERE NOT EXISTS (SELECT 1 FROM data_rows AS r WHERE r.item_uuid = m.uuid AND r.dataset_uuid = $1)
  ),
  added AS (
    INSERT INTO data_rows (data_hash, dataset_uuid, item_uuid, title, title_folded, created_at, last_edited_at)
    SELECT h.data_hash, $1, f.uuid, f.name, f.name_folded, $5, $5
    FROM fresh AS f JOIN unnest($6::text[]) WITH ORDINALITY AS h (data_hash, n) ON h.n = f.n
    ORDER BY f.uuid
    RETURNING 1
  )
  SELECT
    (SELECT count(*) FROM members) AS processed,
    (SELECT count(*) FROM added) AS added,
    (SELECT max(item_uuid) FROM batch) AS last`;

/** Collects positional parameters while a statement is assembled: `p(value)` gives `$n`. */
function parameters(): { values: unknown[]; p: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    p: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * Whether a LIKE pattern ends in a backslash that escapes nothing. SQLite's LIKE
 * then matches no string at all; PostgreSQL's raises "LIKE pattern must not end with
 * escape character" (on some inputs), so such a pattern is answered as no match
 * without asking PostgreSQL.
 */
function endsInLoneEscape(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      if (i === pattern.length - 1) return true;
      i++; // the escaped character
    }
  }
  return false;
}

/** The listDataRows statement for a combination of filters, ANDed, in (created_at, data_hash) order. */
function dataRowsQuery(datasetUuid: string, filter: DataRowFilter): { sql: string; values: unknown[] } {
  const { values, p } = parameters();
  const where = [`r.dataset_uuid = ${p(datasetUuid)}`];
  if (filter.titleEq !== undefined) where.push(`r.title = ${p(filter.titleEq)}`);
  if (filter.titleLike !== undefined) {
    // Both sides folded by the same JS function (the stored title_folded and the
    // pattern folded here): case-insensitive beyond ASCII, as on SQLite.
    where.push(
      endsInLoneEscape(filter.titleLike)
        ? 'false'
        : `r.title_folded LIKE ${p(foldCase(filter.titleLike))} ESCAPE '\\'`,
    );
  }
  if (filter.createdBefore !== undefined) where.push(`r.created_at < ${p(filter.createdBefore)}`);
  if (filter.createdAfter !== undefined) where.push(`r.created_at > ${p(filter.createdAfter)}`);
  if (filter.itemTypes !== undefined && filter.itemTypes.length > 0) {
    where.push(`items.item_type = ANY(${p(filter.itemTypes)}::text[])`);
  }
  if (filter.dataHashes !== undefined && filter.dataHashes.length > 0) {
    where.push(`r.data_hash = ANY(${p(filter.dataHashes)}::text[])`);
  }
  const sql = `${JOINED_ROWS}\nWHERE ${where.join(' AND ')}\nORDER BY r.created_at, r.data_hash`;
  return { sql, values };
}

/** Items among these (each once, in the order given) that back rows, with their row counts. */
async function backingCounts(client: PgClient, itemUuids: readonly string[]): Promise<Map<string, number>> {
  const counted = await rows<CountRow>(
    client,
    `SELECT item_uuid, count(*) AS n FROM data_rows WHERE item_uuid = ANY($1::text[]) GROUP BY item_uuid`,
    [itemUuids],
  );
  const counts = new Map(counted.map((row) => [row.item_uuid, row.n]));
  return new Map(
    [...new Set(itemUuids)].flatMap((uuid) => {
      const n = counts.get(uuid);
      return n === undefined ? [] : [[uuid, n] as const];
    }),
  );
}

/** Items at any depth below a folder (itself included) that back rows, by item uuid. */
async function backingCountsInFolder(client: PgClient, folderUuid: string): Promise<Map<string, number>> {
  const counted = await rows<CountRow>(
    client,
    `${SUBTREE_CTE}
     SELECT r.item_uuid, count(*) AS n
     FROM items AS i JOIN data_rows AS r ON r.item_uuid = i.uuid
     WHERE i.folder_uuid IN (SELECT uuid FROM subtree)
     GROUP BY r.item_uuid ORDER BY r.item_uuid`,
    [folderUuid],
  );
  return new Map(counted.map((row) => [row.item_uuid, row.n]));
}

export class PgDatasetStore implements DatasetMethods {
  constructor(private readonly db: PgDatabase) {}

  // --- datasets ---

  async createDataset(dataset: DatasetRecord): Promise<void> {
    await this.db.tx(async (client) => {
      await this.#refuseUncreatableDataset(client, dataset);
      // ON CONFLICT DO NOTHING: a dataset with this uuid or folder committed by another
      // writer since the checks above is answered by the same checks, run again.
      const inserted = await rows(
        client,
        `INSERT INTO datasets (${DATASET_SELECT}, title_folded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING RETURNING uuid`,
        [
          dataset.uuid,
          dataset.title,
          dataset.description,
          dataset.backingFolderUuid,
          dataset.owner,
          dataset.createdAt,
          dataset.lastEditedAt,
          foldCase(dataset.title),
        ],
      );
      if (inserted.length === 0) {
        await this.#refuseUncreatableDataset(client, dataset);
        throw datasetTaken(dataset.uuid);
      }
    });
  }

  async getDataset(uuid: string): Promise<DatasetRecord | null> {
    const [row] = await this.db.query<DatasetRow>(`SELECT ${DATASET_SELECT} FROM datasets WHERE uuid = $1`, [
      uuid,
    ]);
    return row === undefined ? null : datasetFromRow(row);
  }

  listDatasets(query: ListTitledQuery): Promise<Page<DatasetRecord>> {
    return this.#titledPage('datasets', DATASET_COLUMNS, query, datasetFromRow);
  }

  async updateDataset(update: DatasetUpdate): Promise<DatasetRecord | null> {
    const title = update.title ?? null;
    const [row] = await this.db.query<DatasetRow>(
      `UPDATE datasets SET
         title = coalesce($2, title),
         title_folded = coalesce($3, title_folded),
         description = coalesce($4, description),
         last_edited_at = $5
       WHERE uuid = $1
       RETURNING ${DATASET_SELECT}`,
      [
        update.uuid,
        title,
        title === null ? null : foldCase(title),
        update.description ?? null,
        update.lastEditedAt,
      ],
    );
    return row === undefined ? null : datasetFromRow(row);
  }

  async deleteDataset(uuid: string): Promise<boolean> {
    // ON DELETE CASCADE removes its rows and project attachments; items are untouched.
    const result = await this.db.pool.query('DELETE FROM datasets WHERE uuid = $1', [uuid]);
    return (result.rowCount ?? 0) > 0;
  }

  async findDatasetsByBackingFolder(folderUuids: readonly string[]): Promise<Map<string, string>> {
    // In folder uuid order, the order SQLite's unique-index lookups give.
    const found = await this.db.query<{ uuid: string; backing_folder_uuid: string }>(
      `SELECT uuid, backing_folder_uuid FROM datasets
       WHERE backing_folder_uuid = ANY($1::text[]) ORDER BY backing_folder_uuid`,
      [folderUuids],
    );
    return new Map(found.map((row) => [row.backing_folder_uuid, row.uuid]));
  }

  // --- data rows ---

  linkItems(
    datasetUuid: string,
    itemUuids: readonly string[],
    behaviour: DuplicatesBehaviour,
    at: string,
  ): Promise<LinkItemsResult> {
    return this.db.tx(async (client): Promise<LinkItemsResult> => {
      // FOR NO KEY UPDATE: links into one dataset take turns (as every SQLite write
      // does), so SKIP and FAIL see the rows a concurrent link just made. Rows'
      // foreign-key checks (FOR KEY SHARE) do not conflict with it.
      const dataset = await rows(client, 'SELECT 1 FROM datasets WHERE uuid = $1 FOR NO KEY UPDATE', [
        datasetUuid,
      ]);
      if (dataset.length === 0) return { ok: false, reason: 'missing-dataset' };

      // FOR KEY SHARE: the items read here cannot be deleted before this commits.
      const items = new Map<string, ItemRecord>();
      const found = await rows<ItemRow>(
        client,
        `SELECT ${ITEM_SELECT} FROM items WHERE uuid = ANY($1::text[]) FOR KEY SHARE`,
        [itemUuids],
      );
      for (const row of found) items.set(row.uuid, itemFromRow(row));
      const missing = uniqueMatching(itemUuids, (uuid) => !items.has(uuid));
      if (missing.length > 0) return { ok: false, reason: 'missing-items', uuids: missing };

      // The oldest row each item already has in this dataset (DUPLICATE needs none).
      const held = new Map<string, DataRowRecord>();
      if (behaviour !== 'DUPLICATE') {
        const existing = await rows<DataRowRow>(
          client,
          `SELECT ${DATA_ROW_SELECT} FROM data_rows
           WHERE dataset_uuid = $1 AND item_uuid = ANY($2::text[])
           ORDER BY created_at, data_hash`,
          [datasetUuid, itemUuids],
        );
        for (const row of existing)
          if (!held.has(row.item_uuid)) held.set(row.item_uuid, dataRowFromRow(row));
      }
      const plan = planLinks(datasetUuid, itemUuids, behaviour, at, items, held);
      if (!plan.ok) return plan;
      const { fresh } = plan;
      // Every new row in one statement, whatever their number.
      if (fresh.length > 0) {
        await client.query(
          `INSERT INTO data_rows (data_hash, dataset_uuid, item_uuid, title, title_folded, created_at, last_edited_at)
           SELECT u.data_hash, $1, u.item_uuid, u.title, u.title_folded, $2, $2
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u (data_hash, item_uuid, title, title_folded)`,
          [
            datasetUuid,
            at,
            fresh.map((row) => row.dataHash),
            fresh.map((row) => row.itemUuid),
            fresh.map((row) => row.title),
            fresh.map((row) => foldCase(row.title)),
          ],
        );
      }
      return { ok: true, rows: plan.rows };
    });
  }

  async listDataRows(datasetUuid: string, filter: DataRowFilter): Promise<DataRowWithItem[]> {
    const { sql, values } = dataRowsQuery(datasetUuid, filter);
    const found = await this.db.query<JoinedRow>(sql, values);
    return found.map(joinedFromRow);
  }

  async getDataRows(dataHashes: readonly string[]): Promise<(DataRowWithItem | null)[]> {
    const found = await this.db.query<JoinedRow>(`${JOINED_ROWS} WHERE r.data_hash = ANY($1::text[])`, [
      dataHashes,
    ]);
    const byHash = new Map(found.map((row) => [row.row_data_hash, joinedFromRow(row)]));
    return dataHashes.map((hash) => byHash.get(hash) ?? null);
  }

  updateDataRowTitle(dataHash: string, title: string, at: string): Promise<DataRowWithItem | null> {
    return this.db.tx(async (client) => {
      const updated = await client.query(
        'UPDATE data_rows SET title = $1, title_folded = $2, last_edited_at = $3 WHERE data_hash = $4',
        [title, foldCase(title), at, dataHash],
      );
      if ((updated.rowCount ?? 0) === 0) return null;
      const [row] = await rows<JoinedRow>(client, `${JOINED_ROWS} WHERE r.data_hash = $1`, [dataHash]);
      return row === undefined ? null : joinedFromRow(row);
    });
  }

  async unlinkRows(datasetUuid: string, dataHashes: readonly string[]): Promise<number> {
    const result = await this.db.pool.query(
      'DELETE FROM data_rows WHERE dataset_uuid = $1 AND data_hash = ANY($2::text[])',
      [datasetUuid, dataHashes],
    );
    return result.rowCount ?? 0;
  }

  itemsBackingRows(itemUuids: readonly string[]): Promise<Map<string, number>> {
    return this.db.tx((client) => backingCounts(client, itemUuids));
  }

  itemsBackingRowsInFolder(folderUuid: string): Promise<Map<string, number>> {
    return this.db.tx((client) => backingCountsInFolder(client, folderUuid));
  }

  async countRowsForItems(itemUuids: readonly string[]): Promise<Map<string, number>> {
    const counts = await this.itemsBackingRows(itemUuids);
    return new Map([...new Set(itemUuids)].map((uuid) => [uuid, counts.get(uuid) ?? 0]));
  }

  forceDeleteItems(itemUuids: readonly string[]): Promise<{ items: number; rows: number }> {
    return this.db.tx(async (client) => {
      // Locked first (in uuid order, so two deletes cannot deadlock): no link can add
      // a row for these items between the two deletes below.
      await client.query('SELECT 1 FROM items WHERE uuid = ANY($1::text[]) ORDER BY uuid FOR UPDATE', [
        itemUuids,
      ]);
      const deletedRows = await client.query('DELETE FROM data_rows WHERE item_uuid = ANY($1::text[])', [
        itemUuids,
      ]);
      const deletedItems = await client.query('DELETE FROM items WHERE uuid = ANY($1::text[])', [itemUuids]);
      return { items: deletedItems.rowCount ?? 0, rows: deletedRows.rowCount ?? 0 };
    });
  }

  forceDeleteFolder(uuid: string): Promise<{ deleted: boolean; rows: number }> {
    return this.db.tx(async (client) => {
      // Locked first: the folders of the tree (no item or subfolder can be added to
      // them), then their items (no link can add a row for one), so the folder's
      // delete below never meets a row made after the rows were deleted.
      await client.query(
        `${SUBTREE_CTE}
         SELECT 1 FROM folders WHERE uuid IN (SELECT uuid FROM subtree) ORDER BY uuid FOR UPDATE`,
        [uuid],
      );
      await client.query(
        `${SUBTREE_CTE}
         SELECT 1 FROM items WHERE folder_uuid IN (SELECT uuid FROM subtree) ORDER BY uuid FOR UPDATE`,
        [uuid],
      );
      const deletedRows = await client.query(
        `${SUBTREE_CTE}
         DELETE FROM data_rows WHERE item_uuid IN
           (SELECT uuid FROM items WHERE folder_uuid IN (SELECT uuid FROM subtree))`,
        [uuid],
      );
      // ON DELETE CASCADE removes the subfolders and every item below.
      const deleted = await client.query('DELETE FROM folders WHERE uuid = $1', [uuid]);
      return { deleted: (deleted.rowCount ?? 0) > 0, rows: deletedRows.rowCount ?? 0 };
    });
  }

  // --- dataset jobs: a collection's members linked into a dataset, batch by batch ---

  async saveDatasetJob(job: DatasetJobRecord): Promise<void> {
    const row = datasetJobToRow(job);
    await this.db.query(
      `INSERT INTO dataset_jobs (${DATASET_JOB_SELECT})
       VALUES (${DATASET_JOB_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (uuid) DO UPDATE SET ${DATASET_JOB_REPLACED}`,
      DATASET_JOB_COLUMNS.map((column) => row[column]),
    );
  }

  async getDatasetJob(uuid: string): Promise<DatasetJobRecord | null> {
    const [row] = await this.db.query<DatasetJobRow>(
      `SELECT ${DATASET_JOB_SELECT} FROM dataset_jobs WHERE uuid = $1`,
      [uuid],
    );
    return row === undefined ? null : datasetJobFromRow(row);
  }

  linkCollectionBatch(
    datasetUuid: string,
    collectionUuid: string,
    afterItemUuid: string | null,
    limit: number,
    at: string,
  ): Promise<LinkCollectionBatchResult> {
    return this.db.tx(async (client): Promise<LinkCollectionBatchResult> => {
      // FOR NO KEY UPDATE, as linkItems takes it: links into one dataset take turns,
      // so "already there" counts the rows a concurrent link just made.
      const dataset = await rows(client, 'SELECT 1 FROM datasets WHERE uuid = $1 FOR NO KEY UPDATE', [
        datasetUuid,
      ]);
      if (dataset.length === 0) return { ok: false, reason: 'missing-dataset' };
      const collection = await rows(client, 'SELECT 1 FROM collections WHERE uuid = $1 FOR KEY SHARE', [
        collectionUuid,
      ]);
      if (collection.length === 0) return { ok: false, reason: 'missing-collection' };
      // One statement, so one snapshot: the batch cannot shift between counting and
      // inserting. It takes `limit` hashes; the members to link use the first ones.
      const [result] = await rows<{ processed: number; added: number; last: string | null }>(
        client,
        LINK_COLLECTION_BATCH,
        [datasetUuid, collectionUuid, afterItemUuid ?? '', limit, at, newDataHashes(limit)],
      );
      const processed = result?.processed ?? 0;
      const added = result?.added ?? 0;
      return { ok: true, processed, added, alreadyThere: processed - added, last: result?.last ?? null };
    });
  }

  // --- projects ---

  createProject(project: ProjectRecord, datasetUuids: readonly string[]): Promise<CreateProjectResult> {
    return this.db.tx(async (client): Promise<CreateProjectResult> => {
      const taken = await rows(client, 'SELECT 1 FROM projects WHERE uuid = $1', [project.uuid]);
      if (taken.length > 0) throw projectTaken(project.uuid);
      const missing = await this.#missingDatasets(client, datasetUuids);
      if (missing.length > 0) return { ok: false, reason: 'missing-datasets', uuids: missing };
      const inserted = await rows(
        client,
        `INSERT INTO projects (${PROJECT_SELECT}, title_folded) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (uuid) DO NOTHING RETURNING uuid`,
        [
          project.uuid,
          project.title,
          project.description,
          project.owner,
          project.createdAt,
          project.lastEditedAt,
          foldCase(project.title),
        ],
      );
      // Another writer created it since the check above.
      if (inserted.length === 0) throw projectTaken(project.uuid);
      await attach(client, project.uuid, datasetUuids);
      return { ok: true };
    });
  }

  async getProject(uuid: string): Promise<ProjectRecord | null> {
    const [row] = await this.db.query<ProjectRow>(`SELECT ${PROJECT_SELECT} FROM projects WHERE uuid = $1`, [
      uuid,
    ]);
    return row === undefined ? null : projectFromRow(row);
  }

  listProjects(query: ListTitledQuery): Promise<Page<ProjectRecord>> {
    return this.#titledPage('projects', PROJECT_COLUMNS, query, projectFromRow);
  }

  attachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<AttachDatasetsResult> {
    return this.db.tx(async (client): Promise<AttachDatasetsResult> => {
      const project = await rows(client, 'SELECT 1 FROM projects WHERE uuid = $1 FOR KEY SHARE', [
        projectUuid,
      ]);
      if (project.length === 0) return { ok: false, reason: 'missing-project' };
      const missing = await this.#missingDatasets(client, datasetUuids);
      if (missing.length > 0) return { ok: false, reason: 'missing-datasets', uuids: missing };
      return { ok: true, attached: await attach(client, projectUuid, datasetUuids) };
    });
  }

  async detachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<number> {
    const result = await this.db.pool.query(
      'DELETE FROM project_datasets WHERE project_uuid = $1 AND dataset_uuid = ANY($2::text[])',
      [projectUuid, datasetUuids],
    );
    return result.rowCount ?? 0;
  }

  async listProjectDatasets(projectUuid: string): Promise<DatasetRecord[]> {
    const found = await this.db.query<DatasetRow>(
      `SELECT ${selectList(DATASET_COLUMNS, 'd')}
       FROM project_datasets AS pd JOIN datasets AS d ON d.uuid = pd.dataset_uuid
       WHERE pd.project_uuid = $1 ORDER BY d.created_at, d.uuid`,
      [projectUuid],
    );
    return found.map(datasetFromRow);
  }

  async listProjectDataRows(projectUuid: string, query: ProjectDataRowsQuery): Promise<Page<ProjectDataRow>> {
    const { pageSize, after } = query;
    requirePageSize(pageSize);
    const { values, p } = parameters();
    const project = p(projectUuid);
    const limit = p(pageSize + 1);
    const afterCondition =
      after === null ? '' : `AND (created_at, data_hash) > (${p(after.value)}, ${p(after.uuid)})`;
    // Each attached dataset's next pageSize + 1 rows (an index range seek each, as
    // SQLite does one by one), merged and cut in the same statement: a page costs
    // O(datasets × pageSize) however large the datasets, and reads one snapshot.
    // Items are joined after the cut, so only the rows served look up their item.
    const page = `(
      SELECT next.* FROM project_datasets AS pd
      CROSS JOIN LATERAL (
        SELECT ${DATA_ROW_SELECT} FROM data_rows
        WHERE dataset_uuid = pd.dataset_uuid ${afterCondition}
        ORDER BY created_at, data_hash
        LIMIT ${limit}
      ) AS next
      WHERE pd.project_uuid = ${project}
      ORDER BY next.created_at, next.data_hash
      LIMIT ${limit}
    )`;
    const merged = await this.db.query<JoinedRow>(
      `${joinedRowsFrom(page)}\nORDER BY r.created_at, r.data_hash`,
      values,
    );
    return keysetPage(
      merged,
      pageSize,
      (row) => ({ value: row.row_created_at, uuid: row.row_data_hash }),
      (row): ProjectDataRow => ({ ...joinedFromRow(row), datasetUuid: row.row_dataset_uuid }),
    );
  }

  async deleteProject(uuid: string): Promise<boolean> {
    // ON DELETE CASCADE removes its attachments and ontology link only.
    const result = await this.db.pool.query('DELETE FROM projects WHERE uuid = $1', [uuid]);
    return (result.rowCount ?? 0) > 0;
  }

  // --- ontologies ---

  async createOntology(ontology: OntologyRecord): Promise<void> {
    // One statement: a taken uuid (committed before or concurrently) inserts nothing.
    const inserted = await this.db.query(
      `INSERT INTO ontologies (${ONTOLOGY_SELECT}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (uuid) DO NOTHING RETURNING uuid`,
      ontologyValues(ontology),
    );
    if (inserted.length === 0) {
      throw new MetaindexError('conflict', `an ontology with uuid ${ontology.uuid} already exists`, {
        uuid: ontology.uuid,
      });
    }
  }

  async getOntology(uuid: string): Promise<OntologyRecord | null> {
    const [row] = await this.db.query<OntologyRow>(
      `SELECT ${ONTOLOGY_SELECT} FROM ontologies WHERE uuid = $1`,
      [uuid],
    );
    return row === undefined ? null : ontologyFromRow(row);
  }

  async listOntologies(): Promise<OntologyRecord[]> {
    const found = await this.db.query<OntologyRow>(
      `SELECT ${ONTOLOGY_SELECT} FROM ontologies ORDER BY created_at, uuid`,
    );
    return found.map(ontologyFromRow);
  }

  async updateOntology(update: OntologyUpdate): Promise<OntologyRecord | null> {
    const [row] = await this.db.query<OntologyRow>(
      `UPDATE ontologies SET
         title = coalesce($2, title),
         description = coalesce($3, description),
         editor_json = coalesce($4, editor_json),
         last_edited_at = $5
       WHERE uuid = $1
       RETURNING ${ONTOLOGY_SELECT}`,
      [
        update.uuid,
        update.title ?? null,
        update.description ?? null,
        update.editor ?? null,
        update.lastEditedAt,
      ],
    );
    return row === undefined ? null : ontologyFromRow(row);
  }

  setProjectOntology(projectUuid: string, ontologyUuid: string): Promise<SetProjectOntologyResult> {
    return this.db.tx(async (client): Promise<SetProjectOntologyResult> => {
      if (!(await lockProject(client, projectUuid))) return { ok: false, reason: 'missing-project' };
      const ontology = await rows(client, 'SELECT 1 FROM ontologies WHERE uuid = $1 FOR KEY SHARE', [
        ontologyUuid,
      ]);
      if (ontology.length === 0) return { ok: false, reason: 'missing-ontology' };
      await linkOntology(client, projectUuid, ontologyUuid);
      return { ok: true };
    });
  }

  async getProjectOntology(projectUuid: string): Promise<OntologyRecord | null> {
    const [row] = await this.db.query<OntologyRow>(
      `SELECT ${selectList(ONTOLOGY_COLUMNS, 'o')}
       FROM project_ontologies AS p JOIN ontologies AS o ON o.uuid = p.ontology_uuid
       WHERE p.project_uuid = $1`,
      [projectUuid],
    );
    return row === undefined ? null : ontologyFromRow(row);
  }

  ensureProjectOntology(projectUuid: string, fallback: OntologyRecord): Promise<OntologyRecord | null> {
    return this.db.tx(async (client) => {
      // The project's lock makes two concurrent ensures take turns: the second sees
      // the link the first made, so a project gets a fallback at most once.
      if (!(await lockProject(client, projectUuid))) return null;
      const [linked] = await rows<OntologyRow>(
        client,
        `SELECT ${selectList(ONTOLOGY_COLUMNS, 'o')}
         FROM project_ontologies AS p JOIN ontologies AS o ON o.uuid = p.ontology_uuid
         WHERE p.project_uuid = $1`,
        [projectUuid],
      );
      if (linked !== undefined) return ontologyFromRow(linked);
      // Inserted unless an ontology with its uuid exists already (then that one is linked).
      await client.query(
        `INSERT INTO ontologies (${ONTOLOGY_SELECT}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (uuid) DO NOTHING`,
        ontologyValues(fallback),
      );
      await linkOntology(client, projectUuid, fallback.uuid);
      const [row] = await rows<OntologyRow>(
        client,
        `SELECT ${ONTOLOGY_SELECT} FROM ontologies WHERE uuid = $1`,
        [fallback.uuid],
      );
      return row === undefined ? null : ontologyFromRow(row);
    });
  }

  // --- helpers ---

  /** createDataset's checks, in SQLite's order: the uuid, the folder, the folder's dataset. */
  async #refuseUncreatableDataset(client: PgClient, dataset: DatasetRecord): Promise<void> {
    const taken = await rows(client, 'SELECT 1 FROM datasets WHERE uuid = $1', [dataset.uuid]);
    if (taken.length > 0) throw datasetTaken(dataset.uuid);
    const folderUuid = dataset.backingFolderUuid;
    if (folderUuid === null) return;
    // FOR KEY SHARE: the folder stays until the dataset that names it is committed.
    const folder = await rows(client, 'SELECT 1 FROM folders WHERE uuid = $1 FOR KEY SHARE', [folderUuid]);
    if (folder.length === 0) {
      throw new MetaindexError('not_found', `backing folder ${folderUuid} does not exist`, { folderUuid });
    }
    const [backed] = await rows<{ uuid: string }>(
      client,
      'SELECT uuid FROM datasets WHERE backing_folder_uuid = $1',
      [folderUuid],
    );
    if (backed !== undefined) {
      throw new MetaindexError('conflict', `folder ${folderUuid} already backs dataset ${backed.uuid}`, {
        folderUuid,
        datasetUuid: backed.uuid,
      });
    }
  }

  /** Datasets among these that do not exist, each once in request order; the others are locked against deletion. */
  async #missingDatasets(client: PgClient, datasetUuids: readonly string[]): Promise<string[]> {
    const found = await rows<{ uuid: string }>(
      client,
      'SELECT uuid FROM datasets WHERE uuid = ANY($1::text[]) ORDER BY uuid FOR KEY SHARE',
      [datasetUuids],
    );
    const existing = new Set(found.map((row) => row.uuid));
    return uniqueMatching(datasetUuids, (uuid) => !existing.has(uuid));
  }

  /** Datasets or projects in (created_at, uuid) order, optionally by title, after a cursor. */
  async #titledPage<Row extends { uuid: string; created_at: string }, T>(
    table: 'datasets' | 'projects',
    columns: readonly (keyof Row & string)[],
    query: ListTitledQuery,
    toRecord: (row: Row) => T,
  ): Promise<Page<T>> {
    requirePageSize(query.pageSize);
    const { values, p } = parameters();
    const where: string[] = [];
    // strpos takes the needle literally, so `%` and `_` need no escaping (as instr on SQLite).
    if (query.search !== null) where.push(`strpos(title_folded, ${p(foldCase(query.search))}) > 0`);
    if (query.after !== null)
      where.push(`(created_at, uuid) > (${p(query.after.value)}, ${p(query.after.uuid)})`);
    const sql = [
      `SELECT ${selectList(columns)} FROM ${table}`,
      where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
      'ORDER BY created_at, uuid',
      `LIMIT ${p(query.pageSize + 1)}`,
    ].join('\n');
    const found = await this.db.query<Row>(sql, values);
    return createdAtPage(found, query.pageSize, toRecord);
  }
}

const datasetTaken = (uuid: string): MetaindexError =>
  new MetaindexError('conflict', `a dataset with uuid ${uuid} already exists`, { uuid });

const projectTaken = (uuid: string): MetaindexError =>
  new MetaindexError('conflict', `a project with uuid ${uuid} already exists`, { uuid });

/** An ontology's values in ONTOLOGY_COLUMNS order. */
const ontologyValues = (ontology: OntologyRecord): unknown[] => [
  ontology.uuid,
  ontology.title,
  ontology.description,
  ontology.editor,
  ontology.owner,
  ontology.createdAt,
  ontology.lastEditedAt,
];

/** Attaches datasets known to exist (each once; already attached ones skipped); returns how many were new. */
async function attach(
  client: PgClient,
  projectUuid: string,
  datasetUuids: readonly string[],
): Promise<number> {
  if (datasetUuids.length === 0) return 0;
  const result = await client.query(
    `INSERT INTO project_datasets (project_uuid, dataset_uuid)
     SELECT DISTINCT $1::text, dataset_uuid FROM unnest($2::text[]) AS u (dataset_uuid)
     ON CONFLICT DO NOTHING`,
    [projectUuid, datasetUuids],
  );
  return result.rowCount ?? 0;
}

/**
 * Whether the project exists, locking it (FOR NO KEY UPDATE) so that ontology links
 * of one project take turns; project_datasets' key checks are not blocked by it.
 */
async function lockProject(client: PgClient, projectUuid: string): Promise<boolean> {
  const found = await rows(client, 'SELECT 1 FROM projects WHERE uuid = $1 FOR NO KEY UPDATE', [projectUuid]);
  return found.length > 0;
}

async function linkOntology(client: PgClient, projectUuid: string, ontologyUuid: string): Promise<void> {
  await client.query(
    `INSERT INTO project_ontologies (project_uuid, ontology_uuid) VALUES ($1, $2)
     ON CONFLICT (project_uuid) DO UPDATE SET ontology_uuid = excluded.ontology_uuid`,
    [projectUuid, ontologyUuid],
  );
}
