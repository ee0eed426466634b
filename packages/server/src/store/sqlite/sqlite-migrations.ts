/**
 * The SQLite schema as an ordered list of migrations. Migration N (1-based) is
 * `SQLITE_MIGRATIONS[N - 1]`; `schema_migrations` records which ones ran. Never edit
 * a migration that has shipped: append a new one.
 */
import { MetaindexError } from '@metaindex/core';
import type Database from 'better-sqlite3';

export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: the initial schema.
  `
  -- One row (id = 1) once a schema was saved. schema_json is a JSON array of
  -- [key, type] pairs: a JSON object would move integer-like keys to the front.
  CREATE TABLE metadata_schema (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    schema_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE users (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    public_key_hex TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );

  -- Names compare as BINARY: memcmp of UTF-8, which is code-point order.
  CREATE TABLE folders (
    uuid TEXT PRIMARY KEY,
    parent_uuid TEXT REFERENCES folders (uuid) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    client_metadata TEXT,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL
  );
  CREATE INDEX folders_by_name ON folders (parent_uuid, name, uuid);
  CREATE INDEX folders_by_created_at ON folders (parent_uuid, created_at, uuid);

  CREATE TABLE items (
    uuid TEXT PRIMARY KEY,
    folder_uuid TEXT NOT NULL REFERENCES folders (uuid) ON DELETE CASCADE,
    item_type TEXT NOT NULL,
    name TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    client_metadata TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL,
    storage_location TEXT NOT NULL,
    url TEXT,
    blob_key TEXT,
    integration_hash TEXT,
    is_placeholder INTEGER NOT NULL CHECK (is_placeholder IN (0, 1)),
    file_size INTEGER,
    mime_type TEXT,
    duration REAL,
    fps REAL,
    height INTEGER,
    width INTEGER,
    frame_count INTEGER,
    dicom_instance_uid TEXT,
    dicom_study_uid TEXT,
    dicom_series_uid TEXT,
    audio_sample_rate INTEGER,
    audio_bit_depth INTEGER,
    audio_codec TEXT,
    audio_num_channels INTEGER
  );
  CREATE INDEX items_by_name ON items (folder_uuid, name, uuid);
  CREATE INDEX items_by_created_at ON items (folder_uuid, created_at, uuid);
  CREATE INDEX items_by_url ON items (folder_uuid, url);

  CREATE TABLE upload_jobs (
    uuid TEXT PRIMARY KEY,
    folder_uuid TEXT NOT NULL,
    record_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,

  // 2: datasets, their data rows, and projects.
  `
  -- A folder backs at most one dataset; deleting it leaves the dataset unmirrored.
  CREATE TABLE datasets (
    uuid TEXT PRIMARY KEY,
    title TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    backing_folder_uuid TEXT UNIQUE REFERENCES folders (uuid) ON DELETE SET NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL
  );
  CREATE INDEX datasets_by_created_at ON datasets (created_at, uuid);

  -- A row references its item and copies none of it: metadata lives on the item only.
  -- RESTRICT: an item that backs rows cannot be deleted (nor its folder) until the
  -- rows are gone. The item index also serves that check and row counts per item.
  CREATE TABLE data_rows (
    data_hash TEXT PRIMARY KEY,
    dataset_uuid TEXT NOT NULL REFERENCES datasets (uuid) ON DELETE CASCADE,
    item_uuid TEXT NOT NULL REFERENCES items (uuid) ON DELETE RESTRICT,
    title TEXT NOT NULL COLLATE BINARY,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL
  );
  CREATE INDEX data_rows_by_dataset ON data_rows (dataset_uuid, created_at, data_hash);
  CREATE INDEX data_rows_by_item ON data_rows (item_uuid, dataset_uuid);

  CREATE TABLE projects (
    uuid TEXT PRIMARY KEY,
    title TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL
  );
  CREATE INDEX projects_by_created_at ON projects (created_at, uuid);

  CREATE TABLE project_datasets (
    project_uuid TEXT NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    dataset_uuid TEXT NOT NULL REFERENCES datasets (uuid) ON DELETE CASCADE,
    PRIMARY KEY (project_uuid, dataset_uuid)
  ) WITHOUT ROWID;
  CREATE INDEX project_datasets_by_dataset ON project_datasets (dataset_uuid);
  `,

  // 3: ontologies, and the one ontology each project points at.
  `
  -- editor_json is the ontology structure object exactly as written.
  CREATE TABLE ontologies (
    uuid TEXT PRIMARY KEY,
    title TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    editor_json TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL
  );
  CREATE INDEX ontologies_by_created_at ON ontologies (created_at, uuid);

  -- At most one ontology per project; an ontology in use cannot be deleted.
  CREATE TABLE project_ontologies (
    project_uuid TEXT PRIMARY KEY REFERENCES projects (uuid) ON DELETE CASCADE,
    ontology_uuid TEXT NOT NULL REFERENCES ontologies (uuid) ON DELETE RESTRICT
  ) WITHOUT ROWID;
  CREATE INDEX project_ontologies_by_ontology ON project_ontologies (ontology_uuid);
  `,
];

/**
 * Brings the database up to the latest migration, all in one transaction: a crash
 * half-way leaves the database as it was. Running it again is a no-op.
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly string[] = SQLITE_MIGRATIONS,
): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const currentVersion = db
    .prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations')
    .pluck();
  const record = db.prepare<[number, string], never>(
    'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
  );
  db.transaction(() => {
    const applied = currentVersion.get() ?? 0;
    if (applied > migrations.length) {
      throw new MetaindexError(
        'internal',
        `the database is at migration ${applied}, but this metaindex knows only ${migrations.length}: upgrade metaindex`,
      );
    }
    const at = new Date().toISOString();
    migrations.forEach((sql, index) => {
      const version = index + 1;
      if (version <= applied) return;
      db.exec(sql);
      record.run(version, at);
    });
  }).immediate();
}
