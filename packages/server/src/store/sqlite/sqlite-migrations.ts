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

  // 4: the item index that filters, sorts and facets read (see sqlite-item-index.ts).
  `
  -- One typed column per schema key (k<slot>, plus f<slot>, the case-folded form of
  -- a string when it differs). The columns are added when a key first appears; a slot
  -- is never reused, so a deleted key that is restored finds its column again.
  CREATE TABLE index_slots (
    key TEXT PRIMARY KEY,
    slot INTEGER NOT NULL UNIQUE,
    -- The live type object the column was derived with (JSON), or NULL while the key
    -- is deleted: a different signature means the column must be derived again.
    signature TEXT
  );

  -- One row per item: its built-in fields and, in the slot columns, each metadata
  -- value normalised for comparison (epoch ms, lowercase uuids, 0/1), or NULL when
  -- the item lacks the key or its value does not fit the key's current type.
  CREATE TABLE item_index (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL REFERENCES items (uuid) ON DELETE CASCADE,
    folder_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT,
    item_type TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    edited_ms INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX item_index_by_uuid ON item_index (uuid);
  CREATE INDEX item_index_by_folder ON item_index (folder_uuid);
  CREATE INDEX item_index_by_name ON item_index (name);
  CREATE INDEX item_index_by_created ON item_index (created_ms);

  -- The words of every varchar and text value, each written s<slot>x<word>, so one
  -- full-text table serves every key. Words are split and folded by metaindex
  -- (core textWords), so the ascii tokenizer only has to split on the spaces.
  CREATE VIRTUAL TABLE item_words USING fts5 (
    words, content = '', contentless_delete = 1, tokenize = 'ascii'
  );
  CREATE TRIGGER item_index_forget_words AFTER DELETE ON item_index BEGIN
    DELETE FROM item_words WHERE rowid = old.id;
  END;

  -- Set when the index must be rebuilt from the items (an installation that predates
  -- it); the engine rebuilds on open and clears it.
  CREATE TABLE index_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    needs_rebuild INTEGER NOT NULL
  );
  INSERT INTO index_state (id, needs_rebuild) VALUES (1, 1);
  `,

  // 5: Index collections (static item sets), filter presets (saved filters) and the
  // jobs that add or remove a preset's matches (see sqlite-collections.ts).
  `
  -- A collection lives under one top-level folder and holds items of that folder's
  -- tree only. source_preset_uuid/source_version: the preset a freeze made it from
  -- and which of that preset's snapshots it is (NULL otherwise). No foreign key: a
  -- snapshot keeps naming its preset after the preset is deleted.
  CREATE TABLE collections (
    uuid TEXT PRIMARY KEY,
    top_level_folder_uuid TEXT NOT NULL REFERENCES folders (uuid) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_edited_at TEXT NOT NULL,
    source_preset_uuid TEXT,
    source_version INTEGER,
    owner TEXT NOT NULL
  );
  CREATE INDEX collections_by_created_at ON collections (created_at, uuid);
  CREATE INDEX collections_by_folder ON collections (top_level_folder_uuid, created_at, uuid);

  -- Deleting an item removes it from every collection, so a collection never lists
  -- an item that is gone (all-items and accessible-items are the same set).
  CREATE TABLE collection_items (
    collection_uuid TEXT NOT NULL REFERENCES collections (uuid) ON DELETE CASCADE,
    item_uuid TEXT NOT NULL REFERENCES items (uuid) ON DELETE CASCADE,
    added_at TEXT NOT NULL,
    PRIMARY KEY (collection_uuid, item_uuid)
  ) WITHOUT ROWID;
  CREATE INDEX collection_items_by_item ON collection_items (item_uuid);

  -- preset_json is the preset document exactly as sent; freeze_count is how many
  -- snapshots were frozen from it (the last source_version given out).
  CREATE TABLE presets (
    uuid TEXT PRIMARY KEY,
    top_level_folder_uuid TEXT REFERENCES folders (uuid) ON DELETE CASCADE,
    name TEXT NOT NULL COLLATE BINARY,
    description TEXT NOT NULL,
    preset_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_updated_at TEXT NOT NULL,
    owner TEXT NOT NULL,
    freeze_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX presets_by_created_at ON presets (created_at, uuid);
  CREATE INDEX presets_by_folder ON presets (top_level_folder_uuid, created_at, uuid);

  -- Persisted, so any server process can report a job another one runs.
  CREATE TABLE collection_jobs (
    uuid TEXT PRIMARY KEY,
    collection_uuid TEXT NOT NULL,
    preset_uuid TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('add', 'remove')),
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'DONE', 'ERROR')),
    processed INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,

  // 6: item_words keeps its own copy of each item's words, without positions.
  `
  -- A contentless table with contentless_delete = 1 (migration 4) deletes through
  -- tombstones that every commit rewrites: replacing the words of 1,000 items cost
  -- about 35 ms at each commit, and 70 µs an item at a million items. This table
  -- stores the words it indexes, so a delete finds them itself and is merged away
  -- like an insert. detail = none: matches asks only which items hold every word, so
  -- positions are not kept; columnsize = 0: no per-row sizes either.
  DROP TRIGGER item_index_forget_words;
  DROP TABLE item_words;
  CREATE VIRTUAL TABLE item_words USING fts5 (
    words, tokenize = 'ascii', detail = 'none', columnsize = 0
  );
  CREATE TRIGGER item_index_forget_words AFTER DELETE ON item_index BEGIN
    DELETE FROM item_words WHERE rowid = old.id;
  END;

  -- Set when item_words must be filled again from item_index (this migration); the
  -- engine does it on open and clears it.
  ALTER TABLE index_state ADD COLUMN words_rebuild INTEGER NOT NULL DEFAULT 0;
  UPDATE index_state SET words_rebuild = 1;
  `,

  // 7: jobs that link a collection's members into a dataset (see sqlite-dataset-jobs.ts).
  `
  -- Persisted, so any server process can report a job another one runs. No foreign
  -- keys: a job's record outlives the collection, dataset or project it names.
  CREATE TABLE dataset_jobs (
    uuid TEXT PRIMARY KEY,
    collection_uuid TEXT NOT NULL,
    preset_uuid TEXT,
    dataset_uuid TEXT NOT NULL,
    project_uuid TEXT,
    mode TEXT NOT NULL CHECK (mode IN ('create', 'append-new')),
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'DONE', 'ERROR')),
    total INTEGER NOT NULL,
    processed INTEGER NOT NULL,
    added INTEGER NOT NULL,
    already_there INTEGER NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
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
