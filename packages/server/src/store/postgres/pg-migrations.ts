/**
 * The PostgreSQL schema as an ordered list of migrations, applied on start. Migration
 * N (1-based) is `PG_MIGRATIONS[N - 1]`; `schema_migrations` records which ones ran.
 * Never edit a migration that has shipped: append a new one.
 *
 * The tables mirror the SQLite ones (sqlite-migrations.ts) so that both engines give
 * the same answers byte for byte and `metaindex migrate` can copy table by table:
 * instants stay ISO-8601 text exactly as written, and every column that is compared
 * or sorted is `COLLATE "C"` (code-point order, whatever the database's locale).
 * Searches are case-insensitive the way JavaScript's toLowerCase() folds (SQLite
 * calls it as a function); PostgreSQL's lower() depends on the locale, so searched
 * names and titles keep a `*_folded` copy written by metaindex (never NULL).
 */
import { MetaindexError } from '@metaindex/core';
import type { PgClient, PgDatabase } from './pg-database.js';
import { PG_ITEM_INDEX_DDL } from './pg-item-index-ddl.js';

export const PG_MIGRATIONS: readonly string[] = [
  // 1: schema, users, folders, items, jobs, datasets, projects, ontologies,
  // collections and presets.
  `
  -- One row (id = 1) once a schema was saved. schema_json is a JSON array of
  -- [key, type] pairs: a JSON object would move integer-like keys to the front.
  CREATE TABLE metadata_schema (
    id integer PRIMARY KEY CHECK (id = 1),
    version integer NOT NULL,
    schema_json text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );

  CREATE TABLE users (
    email text COLLATE "C" PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('admin', 'member')),
    public_key_hex text NOT NULL UNIQUE,
    created_at text NOT NULL
  );

  CREATE TABLE folders (
    uuid text COLLATE "C" PRIMARY KEY,
    parent_uuid text COLLATE "C" REFERENCES folders (uuid) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    name_folded text NOT NULL,
    description text NOT NULL,
    client_metadata text,
    owner text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL
  );
  CREATE INDEX folders_by_name ON folders (parent_uuid, name, uuid);
  CREATE INDEX folders_by_created_at ON folders (parent_uuid, created_at, uuid);

  CREATE TABLE items (
    uuid text COLLATE "C" PRIMARY KEY,
    folder_uuid text COLLATE "C" NOT NULL REFERENCES folders (uuid) ON DELETE CASCADE,
    item_type text NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_folded text NOT NULL,
    description text NOT NULL,
    client_metadata text NOT NULL,
    owner text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL,
    storage_location text NOT NULL,
    url text COLLATE "C",
    blob_key text,
    integration_hash text,
    is_placeholder boolean NOT NULL,
    file_size bigint,
    mime_type text,
    duration double precision,
    fps double precision,
    height bigint,
    width bigint,
    frame_count bigint,
    dicom_instance_uid text,
    dicom_study_uid text,
    dicom_series_uid text,
    audio_sample_rate bigint,
    audio_bit_depth bigint,
    audio_codec text,
    audio_num_channels bigint
  );
  CREATE INDEX items_by_name ON items (folder_uuid, name, uuid);
  CREATE INDEX items_by_created_at ON items (folder_uuid, created_at, uuid);
  CREATE INDEX items_by_url ON items (folder_uuid, url);

  CREATE TABLE upload_jobs (
    uuid text COLLATE "C" PRIMARY KEY,
    folder_uuid text COLLATE "C" NOT NULL,
    record_json text NOT NULL,
    updated_at text NOT NULL
  );

  -- A folder backs at most one dataset; deleting it leaves the dataset unmirrored.
  CREATE TABLE datasets (
    uuid text COLLATE "C" PRIMARY KEY,
    title text COLLATE "C" NOT NULL,
    title_folded text NOT NULL,
    description text NOT NULL,
    backing_folder_uuid text COLLATE "C" UNIQUE REFERENCES folders (uuid) ON DELETE SET NULL,
    owner text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL
  );
  CREATE INDEX datasets_by_created_at ON datasets (created_at, uuid);

  -- A row references its item and copies none of it: metadata lives on the item only.
  -- RESTRICT: an item that backs rows cannot be deleted (nor its folder) until the
  -- rows are gone.
  CREATE TABLE data_rows (
    data_hash text COLLATE "C" PRIMARY KEY,
    dataset_uuid text COLLATE "C" NOT NULL REFERENCES datasets (uuid) ON DELETE CASCADE,
    item_uuid text COLLATE "C" NOT NULL REFERENCES items (uuid) ON DELETE RESTRICT,
    title text COLLATE "C" NOT NULL,
    title_folded text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL
  );
  CREATE INDEX data_rows_by_dataset ON data_rows (dataset_uuid, created_at, data_hash);
  CREATE INDEX data_rows_by_item ON data_rows (item_uuid, dataset_uuid);

  CREATE TABLE projects (
    uuid text COLLATE "C" PRIMARY KEY,
    title text COLLATE "C" NOT NULL,
    title_folded text NOT NULL,
    description text NOT NULL,
    owner text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL
  );
  CREATE INDEX projects_by_created_at ON projects (created_at, uuid);

  CREATE TABLE project_datasets (
    project_uuid text COLLATE "C" NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    dataset_uuid text COLLATE "C" NOT NULL REFERENCES datasets (uuid) ON DELETE CASCADE,
    PRIMARY KEY (project_uuid, dataset_uuid)
  );
  CREATE INDEX project_datasets_by_dataset ON project_datasets (dataset_uuid);

  -- editor_json is the ontology structure object exactly as written.
  CREATE TABLE ontologies (
    uuid text COLLATE "C" PRIMARY KEY,
    title text COLLATE "C" NOT NULL,
    description text NOT NULL,
    editor_json text NOT NULL,
    owner text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL
  );
  CREATE INDEX ontologies_by_created_at ON ontologies (created_at, uuid);

  -- At most one ontology per project; an ontology in use cannot be deleted.
  CREATE TABLE project_ontologies (
    project_uuid text COLLATE "C" PRIMARY KEY REFERENCES projects (uuid) ON DELETE CASCADE,
    ontology_uuid text COLLATE "C" NOT NULL REFERENCES ontologies (uuid) ON DELETE RESTRICT
  );
  CREATE INDEX project_ontologies_by_ontology ON project_ontologies (ontology_uuid);

  -- A collection lives under one top-level folder and holds items of that folder's
  -- tree only. source_preset_uuid/source_version: the preset a freeze made it from
  -- and which of that preset's snapshots it is. No foreign key: a snapshot keeps
  -- naming its preset after the preset is deleted.
  CREATE TABLE collections (
    uuid text COLLATE "C" PRIMARY KEY,
    top_level_folder_uuid text COLLATE "C" NOT NULL REFERENCES folders (uuid) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    description text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_edited_at text NOT NULL,
    source_preset_uuid text COLLATE "C",
    source_version integer,
    owner text NOT NULL
  );
  CREATE INDEX collections_by_created_at ON collections (created_at, uuid);
  CREATE INDEX collections_by_folder ON collections (top_level_folder_uuid, created_at, uuid);

  -- Deleting an item removes it from every collection.
  CREATE TABLE collection_items (
    collection_uuid text COLLATE "C" NOT NULL REFERENCES collections (uuid) ON DELETE CASCADE,
    item_uuid text COLLATE "C" NOT NULL REFERENCES items (uuid) ON DELETE CASCADE,
    added_at text NOT NULL,
    PRIMARY KEY (collection_uuid, item_uuid)
  );
  CREATE INDEX collection_items_by_item ON collection_items (item_uuid);

  -- preset_json is the preset document exactly as sent; freeze_count is how many
  -- snapshots were frozen from it.
  CREATE TABLE presets (
    uuid text COLLATE "C" PRIMARY KEY,
    top_level_folder_uuid text COLLATE "C" REFERENCES folders (uuid) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    description text NOT NULL,
    preset_json text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    last_updated_at text NOT NULL,
    owner text NOT NULL,
    freeze_count integer NOT NULL DEFAULT 0
  );
  CREATE INDEX presets_by_created_at ON presets (created_at, uuid);
  CREATE INDEX presets_by_folder ON presets (top_level_folder_uuid, created_at, uuid);

  -- Persisted, so any server process can report a job another one runs.
  CREATE TABLE collection_jobs (
    uuid text COLLATE "C" PRIMARY KEY,
    collection_uuid text COLLATE "C" NOT NULL,
    preset_uuid text COLLATE "C" NOT NULL,
    kind text NOT NULL CHECK (kind IN ('add', 'remove')),
    status text NOT NULL CHECK (status IN ('PENDING', 'DONE', 'ERROR')),
    processed bigint NOT NULL,
    changed bigint NOT NULL,
    error text,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  `,

  // 2: the item index that filters, sorts and facets read (see pg-item-index.ts).
  PG_ITEM_INDEX_DDL,

  // 3: jobs that link a collection's members into a dataset (SQLite migration 7).
  `
  -- Persisted, so any server process can report a job another one runs. No foreign
  -- keys: a job's record outlives the collection, dataset or project it names.
  CREATE TABLE dataset_jobs (
    uuid text COLLATE "C" PRIMARY KEY,
    collection_uuid text COLLATE "C" NOT NULL,
    preset_uuid text COLLATE "C",
    dataset_uuid text COLLATE "C" NOT NULL,
    project_uuid text COLLATE "C",
    mode text NOT NULL CHECK (mode IN ('create', 'append-new')),
    status text NOT NULL CHECK (status IN ('PENDING', 'DONE', 'ERROR')),
    total bigint NOT NULL,
    processed bigint NOT NULL,
    added bigint NOT NULL,
    already_there bigint NOT NULL,
    error text,
    created_at text NOT NULL,
    updated_at text NOT NULL
  );
  `,
];

/**
 * Any fixed 64-bit number that names metaindex's migration lock: every process that
 * starts on the same database takes it, so two servers starting at once apply each
 * migration exactly once.
 */
const MIGRATION_LOCK = 0x6d65_7461_696e_64n;

/**
 * Brings the database up to the latest migration in one transaction (PostgreSQL's
 * DDL is transactional, so a crash half-way leaves the database as it was).
 * Running it again is a no-op.
 */
export async function applyPgMigrations(
  db: PgDatabase,
  migrations: readonly string[] = PG_MIGRATIONS,
): Promise<number> {
  return db.tx(async (client: PgClient) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      applied_at text NOT NULL
    )`);
    const result = await client.query<{ applied: number }>(
      'SELECT coalesce(max(version), 0)::integer AS applied FROM schema_migrations',
    );
    const applied = result.rows[0]?.applied ?? 0;
    if (applied > migrations.length) {
      throw new MetaindexError(
        'internal',
        `the database is at migration ${applied}, but this metaindex knows only ${migrations.length}: upgrade metaindex`,
      );
    }
    const at = new Date().toISOString();
    for (const [index, sql] of migrations.entries()) {
      const version = index + 1;
      if (version <= applied) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        version,
        at,
      ]);
    }
    return migrations.length;
  });
}
