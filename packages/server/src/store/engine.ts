/**
 * The one storage-engine interface. SQLite (embedded default) and PostgreSQL both
 * implement it and pass the same contract suite (`engine-contract.ts`); nothing
 * engine-specific leaks above it. Every method is one transaction: it happens whole
 * or not at all.
 */
import type { BoundFilter, BoundSort, LiveTypeObject, SchemaMap, ValueField } from '@metaindex/core';
import type {
  DataRowWithItem,
  DatasetRecord,
  FolderRecord,
  ItemRecord,
  ItemType,
  OntologyRecord,
  ProjectRecord,
  StoredSchema,
  UploadJobRecord,
  UserRecord,
  UserRole,
} from './records.js';

export type SortOrder = 'name' | 'createdAt';

/** A keyset position: the sort value and uuid of the last row of the previous page. */
export interface PageCursor {
  value: string;
  uuid: string;
}

export interface Page<T> {
  rows: T[];
  /** Where the next page starts, or null when this was the last one. */
  next: PageCursor | null;
}

export interface ListFoldersQuery {
  /** null lists root folders. */
  parentUuid: string | null;
  /** Also list folders below the children, at any depth. */
  recursive: boolean;
  /** Case-insensitive substring of the name. */
  search: string | null;
  order: SortOrder;
  desc: boolean;
  pageSize: number;
  after: PageCursor | null;
}

export interface ListItemsQuery {
  folderUuid: string;
  /** Also list items of subfolders, at any depth. */
  recursive: boolean;
  /** Case-insensitive substring of the name. */
  search: string | null;
  /** Empty means every type. */
  itemTypes: readonly ItemType[];
  /** true: only items that back a data row; false: only items that back none; null: both. */
  inDataset?: boolean | null;
  order: SortOrder;
  desc: boolean;
  pageSize: number;
  after: PageCursor | null;
}

/** A change to one item. Omitted fields stay as they are. */
export interface ItemUpdate {
  uuid: string;
  name?: string;
  description?: string;
  /** The new whole clientMetadata, as JSON text. */
  clientMetadata?: string;
  lastEditedAt: string;
}

export interface ItemWrite {
  insert: readonly ItemRecord[];
  update: readonly ItemUpdate[];
}

export type ItemWriteResult =
  | { ok: true; items: ItemRecord[] }
  | { ok: false; reason: 'schema-changed' }
  /** Updates or rewrites named items that do not exist; nothing was written. */
  | { ok: false; reason: 'missing'; uuids: string[] }
  /** Inserts reuse existing uuids; nothing was written. */
  | { ok: false; reason: 'duplicate'; uuids: string[] };

export interface FolderUpdate {
  uuid: string;
  name?: string;
  description?: string;
  clientMetadata?: string | null;
  lastEditedAt: string;
}

/**
 * Computes an item's new clientMetadata from its current one inside the write
 * transaction (merge patches). Returns the new JSON text, or throws a MetaindexError
 * to abort the whole transaction.
 */
export type MetadataRewrite = (uuid: string, current: string) => string;

export interface Engine {
  readonly kind: 'sqlite' | 'postgres';
  close(): Promise<void>;

  // --- metadata schema (one per organisation) ---
  getSchema(): Promise<StoredSchema>;
  /**
   * Replaces the schema if its version is still `expectedVersion` (compare-and-set);
   * returns the new version, or null when another writer got there first.
   */
  replaceSchema(expectedVersion: number, schema: SchemaMap, at: string): Promise<number | null>;

  // --- users and their keys ---
  addUser(user: UserRecord): Promise<void>;
  listUsers(): Promise<UserRecord[]>;
  /** Returns whether a user was removed. */
  removeUser(email: string): Promise<boolean>;
  findUserByKey(publicKeyHex: string): Promise<UserRecord | null>;
  findUserByEmail(email: string): Promise<UserRecord | null>;
  setUserRole(email: string, role: UserRole): Promise<boolean>;

  // --- folders ---
  createFolder(folder: FolderRecord): Promise<void>;
  getFolder(uuid: string): Promise<FolderRecord | null>;
  /** The folder and its ancestors, root first. Empty when the folder does not exist. */
  getFolderPath(uuid: string): Promise<FolderRecord[]>;
  listFolders(query: ListFoldersQuery): Promise<Page<FolderRecord>>;
  /** Applies every update or none; returns the updated folders in order, or null if any is missing. */
  updateFolders(updates: readonly FolderUpdate[]): Promise<FolderRecord[] | null>;
  /** Deletes a folder with everything below it; returns whether it existed. */
  deleteFolder(uuid: string): Promise<boolean>;

  // --- items ---
  /**
   * Inserts new items and applies updates to existing ones, all or nothing, and only
   * if the schema is still at `schemaVersion` (so no write is validated against a
   * stale schema). Returns the updated items in the order of `update`.
   */
  writeItems(write: ItemWrite, schemaVersion: number): Promise<ItemWriteResult>;
  /**
   * Rewrites the clientMetadata of the given items from their current values (merge
   * patches), in one transaction, if the schema is still at `schemaVersion`.
   * Returns the items in the order asked.
   */
  rewriteItemMetadata(
    uuids: readonly string[],
    rewrite: MetadataRewrite,
    lastEditedAt: string,
    schemaVersion: number,
  ): Promise<ItemWriteResult>;
  /** The items in the order asked; null where an item does not exist. */
  getItems(uuids: readonly string[]): Promise<(ItemRecord | null)[]>;
  /** Items of a folder (not its subfolders) with one of these URLs, keyed by URL (for skipDuplicateUrls). */
  findItemsByUrl(folderUuid: string, urls: readonly string[]): Promise<Map<string, ItemRecord>>;
  listItems(query: ListItemsQuery): Promise<Page<ItemRecord>>;
  deleteItems(uuids: readonly string[]): Promise<number>;

  // --- upload jobs ---
  saveJob(job: UploadJobRecord): Promise<void>;
  getJob(uuid: string): Promise<UploadJobRecord | null>;

  // --- datasets ---
  // A data row references its backing item and never copies it: every read of a row
  // joins the item as it is now, so metadata written through the item, a collection
  // or a row is one value seen everywhere at once.
  //
  // Deleting an item that backs data rows is refused: `deleteItems` and `deleteFolder`
  // reject with a MetaindexError 'conflict' naming the items (nothing is deleted).
  // `itemsBackingRows`/`itemsBackingRowsInFolder` let the service say so up front;
  // `forceDeleteItems`/`forceDeleteFolder` delete the rows too, for an explicit force.

  /**
   * Creates a dataset. Rejects with 'conflict' when the uuid is taken or the backing
   * folder already backs another dataset, and 'not_found' when the backing folder
   * does not exist.
   */
  createDataset(dataset: DatasetRecord): Promise<void>;
  getDataset(uuid: string): Promise<DatasetRecord | null>;
  /** Datasets in (createdAt, uuid) order, keyset paged; `search` matches titles. */
  listDatasets(query: ListTitledQuery): Promise<Page<DatasetRecord>>;
  /** Changes a dataset's title/description; null when it does not exist. */
  updateDataset(update: DatasetUpdate): Promise<DatasetRecord | null>;
  /**
   * Deletes a dataset with its data rows and project attachments. Never touches the
   * backing items, their metadata or the backing folder. Returns whether it existed.
   */
  deleteDataset(uuid: string): Promise<boolean>;
  /** For each folder that backs a dataset, that dataset's uuid (folder `syncedDatasetHash`). */
  findDatasetsByBackingFolder(folderUuids: readonly string[]): Promise<Map<string, string>>;

  /**
   * Links storage items into a dataset as data rows, all or nothing. `rows` has one
   * entry per requested uuid, in request order: the new row, or with SKIP the row the
   * item already had (its oldest). SKIP: an item already in the dataset (or listed
   * twice) is not linked again. FAIL: if any item is already in the dataset or listed
   * more than once, nothing is written ('already-linked' names them). DUPLICATE: a
   * new row for every uuid asked. New rows take the item's name as title and `at` as
   * createdAt/lastEditedAt; the rows of one call sort (and list) in request order.
   * Missing items are reported before duplicates; nothing is written either way.
   */
  linkItems(
    datasetUuid: string,
    itemUuids: readonly string[],
    behaviour: DuplicatesBehaviour,
    at: string,
  ): Promise<LinkItemsResult>;
  /**
   * A dataset's rows joined with their items, in (row createdAt, dataHash) order; the
   * filters are ANDed. Empty when the dataset does not exist. One indexed query.
   */
  listDataRows(datasetUuid: string, filter: DataRowFilter): Promise<DataRowWithItem[]>;
  /** The rows in the order asked, null where a data hash does not exist. */
  getDataRows(dataHashes: readonly string[]): Promise<(DataRowWithItem | null)[]>;
  /** Sets a row's own title; null when the row does not exist. */
  updateDataRowTitle(dataHash: string, title: string, at: string): Promise<DataRowWithItem | null>;
  /**
   * Removes these rows from the dataset (hashes of other datasets are ignored); the
   * items and their metadata stay. Returns how many rows were removed.
   */
  unlinkRows(datasetUuid: string, dataHashes: readonly string[]): Promise<number>;
  /** Items among these that back at least one data row, with their row counts. */
  itemsBackingRows(itemUuids: readonly string[]): Promise<Map<string, number>>;
  /** Items at any depth below a folder (itself included) that back data rows, with counts. */
  itemsBackingRowsInFolder(folderUuid: string): Promise<Map<string, number>>;
  /** Every distinct uuid asked, with its number of data rows (0 when none: `backedDataUnitsCount`). */
  countRowsForItems(itemUuids: readonly string[]): Promise<Map<string, number>>;
  /**
   * Deletes the items and, with them, every data row they back (in any dataset), in
   * one transaction: the explicit, forced delete.
   */
  forceDeleteItems(itemUuids: readonly string[]): Promise<{ items: number; rows: number }>;
  /** `deleteFolder`, removing the data rows backed by the items below it first, atomically. */
  forceDeleteFolder(uuid: string): Promise<{ deleted: boolean; rows: number }>;

  // --- projects ---

  /**
   * Creates a project with these datasets attached, all or nothing. Rejects with
   * 'conflict' when the uuid is taken.
   */
  createProject(project: ProjectRecord, datasetUuids: readonly string[]): Promise<CreateProjectResult>;
  getProject(uuid: string): Promise<ProjectRecord | null>;
  /** Projects in (createdAt, uuid) order, keyset paged; `search` matches titles. */
  listProjects(query: ListTitledQuery): Promise<Page<ProjectRecord>>;
  /** Attaches datasets, all or nothing; already attached ones count as done. */
  attachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<AttachDatasetsResult>;
  /** Detaches datasets (never deletes them); returns how many were attached. */
  detachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<number>;
  /** The attached datasets in (createdAt, uuid) order; empty when the project does not exist. */
  listProjectDatasets(projectUuid: string): Promise<DatasetRecord[]>;
  /**
   * The rows of every attached dataset, joined with their items, in (row createdAt,
   * dataHash) order, keyset paged (the cursor is that pair): rows linked or unlinked
   * between pages never shift the others.
   */
  listProjectDataRows(projectUuid: string, query: ProjectDataRowsQuery): Promise<Page<ProjectDataRow>>;
  /** Deletes a project and its attachments, never the datasets or items; whether it existed. */
  deleteProject(uuid: string): Promise<boolean>;
}

// --- datasets and projects ---

/** What `linkItems` does with an item that is already in the dataset (Encord's DuplicatesBehavior). */
export type DuplicatesBehaviour = 'SKIP' | 'FAIL' | 'DUPLICATE';

export type LinkItemsResult =
  | { ok: true; rows: DataRowWithItem[] }
  | { ok: false; reason: 'missing-dataset' }
  /** Items that do not exist, each once in request order; nothing was written. */
  | { ok: false; reason: 'missing-items'; uuids: string[] }
  /** FAIL only: items already in the dataset or asked twice; nothing was written. */
  | { ok: false; reason: 'already-linked'; uuids: string[] };

/** A keyset-paged list in (createdAt, uuid) order. */
export interface ListTitledQuery {
  /** Case-insensitive substring of the title (taken literally: `%` and `_` too). */
  search: string | null;
  pageSize: number;
  after: PageCursor | null;
}

export interface DatasetUpdate {
  uuid: string;
  title?: string;
  description?: string;
  lastEditedAt: string;
}

/**
 * Filters of `listDataRows`, ANDed. Absent (or, for the lists, empty) means no filter.
 * Timestamps compare as the store's ISO strings: the caller normalises them.
 */
export interface DataRowFilter {
  /** Exactly this row title (case-sensitive). */
  titleEq?: string;
  /**
   * A LIKE pattern on the row title, case-insensitive (non-ASCII too): `%` is any run,
   * `_` any one character, and a backslash takes the next character literally.
   */
  titleLike?: string;
  /** Rows created strictly before this instant. */
  createdBefore?: string;
  /** Rows created strictly after this instant. */
  createdAfter?: string;
  /** The backing item's type is one of these. */
  itemTypes?: readonly ItemType[];
  dataHashes?: readonly string[];
}

export interface ProjectDataRowsQuery {
  pageSize: number;
  /** The (row createdAt, dataHash) of the last row of the previous page. */
  after: PageCursor | null;
}

export type ProjectDataRow = DataRowWithItem & { datasetUuid: string };

export type CreateProjectResult = { ok: true } | { ok: false; reason: 'missing-datasets'; uuids: string[] };

export type AttachDatasetsResult =
  | { ok: true; attached: number }
  | { ok: false; reason: 'missing-project' }
  | { ok: false; reason: 'missing-datasets'; uuids: string[] };

// --- ontologies (SQLite migration 3) ---
// Declaration merging adds these to `Engine` without touching the declaration above.

export interface Engine {
  /** Creates an ontology. Rejects with 'conflict' when the uuid is taken. */
  createOntology(ontology: OntologyRecord): Promise<void>;
  getOntology(uuid: string): Promise<OntologyRecord | null>;
  /** Every ontology, in (createdAt, uuid) order. */
  listOntologies(): Promise<OntologyRecord[]>;
  /** Changes an ontology's title/description/editor; null when it does not exist. */
  updateOntology(update: OntologyUpdate): Promise<OntologyRecord | null>;
  /** Points a project at an ontology (replacing any previous link). */
  setProjectOntology(projectUuid: string, ontologyUuid: string): Promise<SetProjectOntologyResult>;
  /** The project's ontology; null when the project does not exist or has none linked. */
  getProjectOntology(projectUuid: string): Promise<OntologyRecord | null>;
  /**
   * The project's ontology or, when it has none linked, `fallback`, inserted and linked
   * in the same transaction. Null when the project does not exist (nothing written).
   */
  ensureProjectOntology(projectUuid: string, fallback: OntologyRecord): Promise<OntologyRecord | null>;
}

export interface OntologyUpdate {
  uuid: string;
  title?: string;
  description?: string;
  /** JSON text of the new editor object. */
  editor?: string;
  lastEditedAt: string;
}

export type SetProjectOntologyResult =
  { ok: true } | { ok: false; reason: 'missing-project' } | { ok: false; reason: 'missing-ontology' };

// --- Index collections, filter presets and their jobs (SQLite migration 5) ---
// Declaration merging adds these to `Engine` without touching the declarations above.

/**
 * A static set of items under one top-level folder. Membership is kept per item;
 * deleting an item removes it from every collection.
 */
export interface CollectionRecord {
  uuid: string;
  topLevelFolderUuid: string;
  name: string;
  description: string;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  /** The preset a freeze made this collection from, or null. Kept after that preset is deleted. */
  sourcePresetUuid: string | null;
  /** Which of that preset's snapshots this is (1, 2, 3…), or null. */
  sourceVersion: number | null;
}

/** A saved filter: the preset document as sent, evaluated when used. */
export interface PresetRecord {
  uuid: string;
  /** The folder whose tree the preset is scoped to, or null for every item. */
  topLevelFolderUuid: string | null;
  name: string;
  description: string;
  /** JSON text of the preset document, as sent. */
  presetJson: string;
  owner: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** How many snapshots were frozen from it: the last `sourceVersion` given out. */
  freezeCount: number;
}

export type CollectionJobKind = 'add' | 'remove';
export type CollectionJobStatus = 'PENDING' | 'DONE' | 'ERROR';

/** Adding or removing a preset's matches to or from a collection, in the background. */
export interface CollectionJobRecord {
  uuid: string;
  collectionUuid: string;
  presetUuid: string;
  kind: CollectionJobKind;
  status: CollectionJobStatus;
  /** Preset matches handled so far. */
  processed: number;
  /** Memberships actually added (or removed) so far. */
  changed: number;
  /** Why the job failed (status ERROR), else null. */
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Collections or presets in (createdAt, uuid) order; the filters are ANDed. */
export interface ListCollectionsQuery {
  /** Only these uuids; null: no such filter (an empty list matches nothing). */
  uuids: readonly string[] | null;
  /** Only those under this top-level folder; null: no such filter. */
  topLevelFolderUuid: string | null;
  pageSize: number;
  after: PageCursor | null;
}

export type ListPresetsQuery = ListCollectionsQuery;

export interface CollectionUpdate {
  uuid: string;
  name?: string;
  description?: string;
  lastEditedAt: string;
}

export interface PresetUpdate {
  uuid: string;
  name?: string;
  description?: string;
  /** JSON text of the new preset document. */
  presetJson?: string;
  lastUpdatedAt: string;
}

export type CollectionMembershipResult =
  | { ok: false; reason: 'missing-collection' }
  | {
      ok: true;
      /** Memberships added (or removed); items already in (or not in) the collection do not count. */
      changed: number;
      /**
       * Each once, in request order. Adding: items that do not exist or lie outside the
       * collection's folder tree. Removing: items that do not exist.
       */
      failed: string[];
    };

/** A page of a list ordered by uuid; `next` is the last uuid served, or null at the end. */
export interface UuidPage<T> {
  rows: T[];
  next: string | null;
}

/** Where one list of a diff resumes. */
export type DiffPosition = 'start' | 'end' | { after: string };

export interface CollectionDiffQuery {
  /** At most this many uuids of each list per page. */
  pageSize: number;
  added: DiffPosition;
  removed: DiffPosition;
}

export interface NewCollectionOptions {
  /** The members to start with (any number; the engine chunks them). */
  itemUuids?: readonly string[];
  /** The preset this collection is a snapshot of. */
  fromPreset?: string;
  /** With `fromPreset`: the collection's name, made from its source version. */
  nameForVersion?: (version: number) => string;
}

export interface CollectionDiffPage {
  /** In the collection but not in the other one, uuid ascending. */
  added: string[];
  /** In the other collection but not in this one, uuid ascending. */
  removed: string[];
  addedCount: number;
  removedCount: number;
  /** Where each list resumes; both 'end' when this was the last page. */
  nextAdded: DiffPosition;
  nextRemoved: DiffPosition;
}

export interface Engine {
  /**
   * Creates a collection, empty or (a freeze) holding `itemUuids`. With
   * `fromPreset`, the preset's freeze count goes up by one and the collection records
   * that preset and the new count as its source version (and, with `nameForVersion`,
   * takes the name made from it); all in one transaction, so a snapshot appears whole
   * or not at all. Items among `itemUuids` that do not exist or lie outside the
   * folder's tree are skipped. Rejects with 'not_found' when the folder (or the
   * preset) does not exist and 'conflict' when the uuid is taken. Returns the stored
   * record and how many items it holds.
   */
  createCollection(
    collection: CollectionRecord,
    options?: NewCollectionOptions,
  ): Promise<{ collection: CollectionRecord; itemCount: number }>;
  getCollection(uuid: string): Promise<CollectionRecord | null>;
  listCollections(query: ListCollectionsQuery): Promise<Page<CollectionRecord>>;
  /** Changes a collection's name/description; null when it does not exist. */
  updateCollection(update: CollectionUpdate): Promise<CollectionRecord | null>;
  /** Deletes a collection and its memberships (never the items); whether it existed. */
  deleteCollection(uuid: string): Promise<boolean>;
  /**
   * Adds items to a collection in one transaction, skipping (and reporting) items
   * that do not exist or are outside the collection's top-level folder tree.
   * Callers send at most 10,000 uuids per call.
   */
  addCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
    at: string,
  ): Promise<CollectionMembershipResult>;
  /** Removes items from a collection in one transaction; unknown items are reported. */
  removeCollectionItems(
    collectionUuid: string,
    itemUuids: readonly string[],
  ): Promise<CollectionMembershipResult>;
  /** A collection's items in uuid order, keyset paged on the uuid; null when it does not exist. */
  listCollectionItems(
    collectionUuid: string,
    query: { pageSize: number; after: string | null },
  ): Promise<UuidPage<ItemRecord> | null>;
  /** How many items each of these collections holds (0 for unknown ones). */
  countCollectionItems(collectionUuids: readonly string[]): Promise<Map<string, number>>;
  /**
   * What is in `collectionUuid` and not in `againstUuid` (added) and the reverse
   * (removed), each keyset paged on the uuid, with both counts. Null when either
   * collection does not exist.
   */
  diffCollections(
    collectionUuid: string,
    againstUuid: string,
    query: CollectionDiffQuery,
  ): Promise<CollectionDiffPage | null>;

  /** Creates a preset. Rejects with 'not_found' when its folder does not exist, 'conflict' when the uuid is taken. */
  createPreset(preset: PresetRecord): Promise<void>;
  getPreset(uuid: string): Promise<PresetRecord | null>;
  listPresets(query: ListPresetsQuery): Promise<Page<PresetRecord>>;
  /** Changes the fields given; null when the preset does not exist. */
  updatePreset(update: PresetUpdate): Promise<PresetRecord | null>;
  /** Deletes a preset (collections frozen from it stay); whether it existed. */
  deletePreset(uuid: string): Promise<boolean>;

  /** Inserts or replaces a collection job record. */
  saveCollectionJob(job: CollectionJobRecord): Promise<void>;
  getCollectionJob(uuid: string): Promise<CollectionJobRecord | null>;
}

// --- the item index: filters, sorts, facets (SQLite migration 4) ---

export interface Engine {
  /** One page of the items matching a bound filter, in sort order, plus the total if asked. */
  queryItems(query: IndexQuery): Promise<ItemQueryPage>;
  /** Uuids of the matches strictly after `after`, ascending, at most `limit`. */
  matchingItemUuids(filter: BoundFilter | null, after: string | null, limit: number): Promise<string[]>;
  /** Value counts and histograms over the matches, and their number. */
  facetItems(
    filter: BoundFilter | null,
    folderUuid: string | null,
    requests: readonly FacetRequest[],
  ): Promise<{ total: number; facets: FacetCounts[] }>;
  /** How a query would run: the plan and the engine's own description of it. */
  explainItemQuery(query: IndexQuery): Promise<{ plan: QueryPlan; engine: Record<string, string[]> }>;
  /** How many stored values of `key` would not fit the type `entry`, with examples. */
  castPreview(key: string, entry: LiveTypeObject, exampleLimit: number): Promise<CastPreview>;
}

export interface ItemQueryPage {
  items: ItemRecord[];
  next: QueryCursor | null;
  total: number | null;
  plan: QueryPlan;
}

/** A keyset position in a sorted query: the sort values and uuid of the last row served. */
export interface QueryCursor {
  values: (number | string | null)[];
  uuid: string;
}

export interface IndexQuery {
  filter: BoundFilter | null;
  /** Only items in this folder or any folder below it. */
  folderUuid: string | null;
  sort: readonly BoundSort[];
  pageSize: number;
  after: QueryCursor | null;
  count: boolean;
}

export interface IndexPage {
  uuids: string[];
  next: QueryCursor | null;
  total: number | null;
}

export type FacetRequest =
  | { kind: 'values'; field: ValueField; top: number }
  | { kind: 'histogram'; field: ValueField; buckets: number };

export type FacetCounts =
  | { kind: 'values'; counts: { value: number | string; count: number }[] }
  | { kind: 'histogram'; buckets: { from: number; to: number; count: number }[] };

/** How a query runs: `index` reads one index, `scan` reads every row, `auto` leaves it to SQLite. */
export interface QueryPlan {
  strategy: 'index' | 'scan' | 'auto' | 'all';
  index: string | null;
  /** Items in the index. */
  indexedItems: number;
  /** Up to this many matches an index beats a scan. */
  threshold: number;
  /** The candidate atoms and their match counts (capped at threshold + 1). */
  candidates: { field: string; op: string; index: string; rows: number; capped: boolean }[];
}

export interface CastPreview {
  itemsWithValue: number;
  wouldNotFit: number;
  examples: { uuid: string; value: unknown }[];
}

// --- datasets from collections: dataset jobs (SQLite migration 7) ---
// Declaration merging adds these to `Engine` without touching the declarations above.

/** `create`: the collection's members go into a new dataset; `append-new`: into an existing one, skipping members already there. */
export type DatasetJobMode = 'create' | 'append-new';
export type DatasetJobStatus = 'PENDING' | 'DONE' | 'ERROR';

/** Linking a collection's members into a dataset as data rows, in the background. */
export interface DatasetJobRecord {
  uuid: string;
  collectionUuid: string;
  /** The preset whose snapshot the collection is, when the job was started from a preset; else null. */
  presetUuid: string | null;
  datasetUuid: string;
  /** The project the dataset was attached to, when the job was started for one; else null. */
  projectUuid: string | null;
  mode: DatasetJobMode;
  status: DatasetJobStatus;
  /** Members of the collection when the job started. */
  total: number;
  /** Members looked at so far (each one either added or already there). */
  processed: number;
  /** Data rows created so far. */
  added: number;
  /** Members that already had a row in the dataset, so were not linked again. */
  alreadyThere: number;
  /** Why the job failed (status ERROR), else null. */
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export type LinkCollectionBatchResult =
  | { ok: false; reason: 'missing-dataset' | 'missing-collection' }
  | {
      ok: true;
      /** Members of this batch that were looked at: `added + alreadyThere`. */
      processed: number;
      /** Data rows created. */
      added: number;
      /** Members that already had a row in the dataset (not linked again). */
      alreadyThere: number;
      /**
       * The last member (item uuid) this batch covered: the next batch starts after it.
       * Null when the collection has no member after `afterItemUuid`: the walk is over.
       */
      last: string | null;
    };

export interface Engine {
  /** Inserts or replaces a dataset job record. */
  saveDatasetJob(job: DatasetJobRecord): Promise<void>;
  getDatasetJob(uuid: string): Promise<DatasetJobRecord | null>;
  /**
   * Links the next `limit` members of a collection (item uuid order, strictly after
   * `afterItemUuid`; null starts at the beginning) into a dataset, in one transaction
   * and a fixed number of set-based statements whatever `limit` is. A member that
   * already has a row in the dataset is counted in `alreadyThere` and not linked
   * again. New rows are made as `linkItems` makes them: a fresh data hash each, the
   * item's name as title, `at` as createdAt/lastEditedAt; their hashes ascend in
   * member order, so the rows of one batch list in item uuid order.
   */
  linkCollectionBatch(
    datasetUuid: string,
    collectionUuid: string,
    afterItemUuid: string | null,
    limit: number,
    at: string,
  ): Promise<LinkCollectionBatchResult>;
}
