/**
 * Dataset jobs on SQLite (migration 7): their records, and linking a collection's
 * members into a dataset one batch at a time (`linkCollectionBatch`). `SqliteEngine`
 * delegates these methods here. Like the rest of the engine, each method is one
 * transaction, run to completion synchronously.
 *
 * A batch is the next `limit` members in item uuid order: one range of the
 * `collection_items` primary key. It is linked with two statements whatever its size:
 * one counts the batch and the members already in the dataset, one inserts the rest
 * (INSERT … SELECT). The write lock is held throughout, so nothing changes between them.
 */
import type Database from 'better-sqlite3';
import type { DatasetJobRecord, LinkCollectionBatchResult } from '../engine.js';
import { newDataHashes } from '../engine-helpers.js';
import {
  DATA_ROW_COLUMNS,
  DATASET_JOB_COLUMNS,
  datasetJobFromRow,
  datasetJobToRow,
  type DatasetJobRow,
} from '../table-rows.js';

const settle = <T>(work: () => T): Promise<T> =>
  new Promise((resolve) => {
    resolve(work());
  });

interface BatchParams {
  dataset: string;
  collection: string;
  /** Members strictly after this item uuid; '' sorts before every uuid. */
  after: string;
  limit: number;
}

/** The batch: the next @limit members after @after, in item uuid order (one primary-key range). */
const BATCH = `SELECT item_uuid FROM collection_items
  WHERE collection_uuid = @collection AND item_uuid > @after
  ORDER BY item_uuid LIMIT @limit`;

/** Whether member `b` already has a row in @dataset (the data_rows_by_item index answers it). */
const HELD = `EXISTS (SELECT 1 FROM data_rows AS r WHERE r.item_uuid = b.item_uuid AND r.dataset_uuid = @dataset)`;

function prepare(db: Database.Database) {
  const values = DATASET_JOB_COLUMNS.map((column) => `@${column}`).join(', ');
  const replaced = DATASET_JOB_COLUMNS.filter((column) => column !== 'uuid')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
  return {
    saveJob: db.prepare<DatasetJobRow, never>(
      `INSERT INTO dataset_jobs (${DATASET_JOB_COLUMNS.join(', ')}) VALUES (${values})
       ON CONFLICT (uuid) DO UPDATE SET ${replaced}`,
    ),
    job: db.prepare<[string], DatasetJobRow>('SELECT * FROM dataset_jobs WHERE uuid = ?'),
    datasetExists: db.prepare<[string], number>('SELECT 1 FROM datasets WHERE uuid = ?').pluck(),
    collectionExists: db.prepare<[string], number>('SELECT 1 FROM collections WHERE uuid = ?').pluck(),

    // How many members the batch holds, its last one, and how many already have a row.
    batchCounts: db.prepare<BatchParams, { processed: number; last: string | null; already_there: number }>(
      `WITH batch AS (${BATCH})
       SELECT count(*) AS processed, max(b.item_uuid) AS last, coalesce(sum(${HELD}), 0) AS already_there
       FROM batch AS b`,
    ),
    // The batch's members without a row, numbered in uuid order, each given the
    // hash of the same number (@hashes ascends, so hashes ascend in member order).
    // MATERIALIZED: SQLite then builds an automatic index on `n`, so each member finds
    // its hash with one seek instead of scanning the whole array (50 s → 0.5 s for
    // 100,000 members).
    linkBatch: db.prepare<BatchParams & { hashes: string; at: string }, never>(
      `WITH batch AS (${BATCH}),
       fresh AS (
         SELECT b.item_uuid, row_number() OVER (ORDER BY b.item_uuid) AS n
         FROM batch AS b WHERE NOT ${HELD}
       ),
       hashes AS MATERIALIZED (SELECT key + 1 AS n, value AS data_hash FROM json_each(@hashes))
       INSERT INTO data_rows (${DATA_ROW_COLUMNS.join(', ')})
       SELECT h.data_hash, @dataset, f.item_uuid, i.name, @at, @at
       FROM fresh AS f JOIN hashes AS h ON h.n = f.n JOIN items AS i ON i.uuid = f.item_uuid`,
    ),
  };
}

type Statements = ReturnType<typeof prepare>;

/** The dataset-job half of the SQLite engine. */
export class SqliteDatasetJobs {
  readonly #db: Database.Database;
  readonly #sql: Statements;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = prepare(db);
  }

  saveDatasetJob(job: DatasetJobRecord): Promise<void> {
    return settle(() => {
      this.#sql.saveJob.run(datasetJobToRow(job));
    });
  }

  getDatasetJob(uuid: string): Promise<DatasetJobRecord | null> {
    return settle(() => {
      const row = this.#sql.job.get(uuid);
      return row === undefined ? null : datasetJobFromRow(row);
    });
  }

  linkCollectionBatch(
    datasetUuid: string,
    collectionUuid: string,
    afterItemUuid: string | null,
    limit: number,
    at: string,
  ): Promise<LinkCollectionBatchResult> {
    // IMMEDIATE: the write lock up front, so the counts and the insert see the same rows.
    return settle(() =>
      this.#db
        .transaction((): LinkCollectionBatchResult => {
          if (this.#sql.datasetExists.get(datasetUuid) === undefined) {
            return { ok: false, reason: 'missing-dataset' };
          }
          if (this.#sql.collectionExists.get(collectionUuid) === undefined) {
            return { ok: false, reason: 'missing-collection' };
          }
          const batch: BatchParams = {
            dataset: datasetUuid,
            collection: collectionUuid,
            after: afterItemUuid ?? '',
            limit,
          };
          const counts = this.#sql.batchCounts.get(batch);
          const processed = counts?.processed ?? 0;
          const alreadyThere = counts?.already_there ?? 0;
          const fresh = processed - alreadyThere;
          const added =
            fresh === 0
              ? 0
              : this.#sql.linkBatch.run({ ...batch, hashes: JSON.stringify(newDataHashes(fresh)), at })
                  .changes;
          return { ok: true, processed, added, alreadyThere, last: counts?.last ?? null };
        })
        .immediate(),
    );
  }
}
