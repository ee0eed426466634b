/**
 * Rows of the tables both storage engines keep, and the one place they become
 * records. The SQLite engine (sqlite/), the PostgreSQL engine (postgres/) and
 * `metaindex migrate` (migrate-sqlite-to-postgres.ts) all read their rows through
 * these: the tables have the same columns, in the same order, on both engines.
 *
 * The row types are type aliases, not interfaces, so a row type is assignable to a
 * string-keyed record (what PostgreSQL's `rows<R>()` asks for). What each engine
 * adds stays with it: SQLite's record-to-row mappers for its named parameters, and
 * PostgreSQL's `*_folded` search columns and positional values (postgres/pg-rows.ts).
 */
import type {
  CollectionJobKind,
  CollectionJobRecord,
  CollectionJobStatus,
  CollectionRecord,
  DatasetJobMode,
  DatasetJobRecord,
  DatasetJobStatus,
  PresetRecord,
} from './engine.js';
import type {
  DataRowRecord,
  DataRowWithItem,
  DatasetRecord,
  FolderRecord,
  ItemRecord,
  ItemType,
  OntologyRecord,
  ProjectRecord,
  StorageLocation,
  UserRecord,
  UserRole,
} from './records.js';

// --- users, folders and items ---

export type UserRow = {
  email: string;
  role: UserRole;
  public_key_hex: string;
  created_at: string;
};

export type FolderRow = {
  uuid: string;
  parent_uuid: string | null;
  name: string;
  description: string;
  client_metadata: string | null;
  owner: string;
  created_at: string;
  last_edited_at: string;
};

export type ItemRow = {
  uuid: string;
  folder_uuid: string;
  item_type: ItemType;
  name: string;
  description: string;
  client_metadata: string;
  owner: string;
  created_at: string;
  last_edited_at: string;
  storage_location: StorageLocation;
  url: string | null;
  blob_key: string | null;
  integration_hash: string | null;
  /** SQLite has no booleans and stores 0 or 1; PostgreSQL's column is a boolean. */
  is_placeholder: number | boolean;
  file_size: number | null;
  mime_type: string | null;
  duration: number | null;
  fps: number | null;
  height: number | null;
  width: number | null;
  frame_count: number | null;
  dicom_instance_uid: string | null;
  dicom_study_uid: string | null;
  dicom_series_uid: string | null;
  audio_sample_rate: number | null;
  audio_bit_depth: number | null;
  audio_codec: string | null;
  audio_num_channels: number | null;
};

export const USER_COLUMNS = [
  'email',
  'role',
  'public_key_hex',
  'created_at',
] as const satisfies readonly (keyof UserRow)[];

/** The items table's columns, in table order. */
export const ITEM_COLUMNS = [
  'uuid',
  'folder_uuid',
  'item_type',
  'name',
  'description',
  'client_metadata',
  'owner',
  'created_at',
  'last_edited_at',
  'storage_location',
  'url',
  'blob_key',
  'integration_hash',
  'is_placeholder',
  'file_size',
  'mime_type',
  'duration',
  'fps',
  'height',
  'width',
  'frame_count',
  'dicom_instance_uid',
  'dicom_study_uid',
  'dicom_series_uid',
  'audio_sample_rate',
  'audio_bit_depth',
  'audio_codec',
  'audio_num_channels',
] as const satisfies readonly (keyof ItemRow)[];

export const FOLDER_COLUMNS = [
  'uuid',
  'parent_uuid',
  'name',
  'description',
  'client_metadata',
  'owner',
  'created_at',
  'last_edited_at',
] as const satisfies readonly (keyof FolderRow)[];

export const userFromRow = (row: UserRow): UserRecord => ({
  email: row.email,
  role: row.role,
  publicKeyHex: row.public_key_hex,
  createdAt: row.created_at,
});

export const folderFromRow = (row: FolderRow): FolderRecord => ({
  uuid: row.uuid,
  parentUuid: row.parent_uuid,
  name: row.name,
  description: row.description,
  clientMetadata: row.client_metadata,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
});

export const itemFromRow = (row: ItemRow): ItemRecord => ({
  uuid: row.uuid,
  folderUuid: row.folder_uuid,
  itemType: row.item_type,
  name: row.name,
  description: row.description,
  clientMetadata: row.client_metadata,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
  storageLocation: row.storage_location,
  url: row.url,
  blobKey: row.blob_key,
  integrationHash: row.integration_hash,
  isPlaceholder: row.is_placeholder === 1 || row.is_placeholder === true,
  media: {
    fileSize: row.file_size,
    mimeType: row.mime_type,
    duration: row.duration,
    fps: row.fps,
    height: row.height,
    width: row.width,
    frameCount: row.frame_count,
    dicomInstanceUid: row.dicom_instance_uid,
    dicomStudyUid: row.dicom_study_uid,
    dicomSeriesUid: row.dicom_series_uid,
    audioSampleRate: row.audio_sample_rate,
    audioBitDepth: row.audio_bit_depth,
    audioCodec: row.audio_codec,
    audioNumChannels: row.audio_num_channels,
  },
});

// --- datasets, data rows and projects ---

export type DatasetRow = {
  uuid: string;
  title: string;
  description: string;
  backing_folder_uuid: string | null;
  owner: string;
  created_at: string;
  last_edited_at: string;
};

export type ProjectRow = {
  uuid: string;
  title: string;
  description: string;
  owner: string;
  created_at: string;
  last_edited_at: string;
};

export type DataRowRow = {
  data_hash: string;
  dataset_uuid: string;
  item_uuid: string;
  title: string;
  created_at: string;
  last_edited_at: string;
};

/** A data row joined with its item: the row's columns as `row_*`, then the item's own. */
export type JoinedRow = ItemRow & {
  row_data_hash: string;
  row_dataset_uuid: string;
  row_item_uuid: string;
  row_title: string;
  row_created_at: string;
  row_last_edited_at: string;
};

// The columns each record reads (on PostgreSQL, without the `*_folded` copies only searches use).
export const DATASET_COLUMNS = [
  'uuid',
  'title',
  'description',
  'backing_folder_uuid',
  'owner',
  'created_at',
  'last_edited_at',
] as const satisfies readonly (keyof DatasetRow)[];

export const PROJECT_COLUMNS = [
  'uuid',
  'title',
  'description',
  'owner',
  'created_at',
  'last_edited_at',
] as const satisfies readonly (keyof ProjectRow)[];

export const DATA_ROW_COLUMNS = [
  'data_hash',
  'dataset_uuid',
  'item_uuid',
  'title',
  'created_at',
  'last_edited_at',
] as const satisfies readonly (keyof DataRowRow)[];

export const datasetFromRow = (row: DatasetRow): DatasetRecord => ({
  uuid: row.uuid,
  title: row.title,
  description: row.description,
  backingFolderUuid: row.backing_folder_uuid,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
});

export const projectFromRow = (row: ProjectRow): ProjectRecord => ({
  uuid: row.uuid,
  title: row.title,
  description: row.description,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
});

export const dataRowFromRow = (row: DataRowRow): DataRowRecord => ({
  dataHash: row.data_hash,
  datasetUuid: row.dataset_uuid,
  itemUuid: row.item_uuid,
  title: row.title,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
});

export const joinedFromRow = (joined: JoinedRow): DataRowWithItem => ({
  row: {
    dataHash: joined.row_data_hash,
    datasetUuid: joined.row_dataset_uuid,
    itemUuid: joined.row_item_uuid,
    title: joined.row_title,
    createdAt: joined.row_created_at,
    lastEditedAt: joined.row_last_edited_at,
  },
  item: itemFromRow(joined),
});

// --- ontologies ---

export type OntologyRow = {
  uuid: string;
  title: string;
  description: string;
  editor_json: string;
  owner: string;
  created_at: string;
  last_edited_at: string;
};

export const ONTOLOGY_COLUMNS = [
  'uuid',
  'title',
  'description',
  'editor_json',
  'owner',
  'created_at',
  'last_edited_at',
] as const satisfies readonly (keyof OntologyRow)[];

export const ontologyFromRow = (row: OntologyRow): OntologyRecord => ({
  uuid: row.uuid,
  title: row.title,
  description: row.description,
  editor: row.editor_json,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
});

// --- collections, presets and collection jobs ---

export type CollectionRow = {
  uuid: string;
  top_level_folder_uuid: string;
  name: string;
  description: string;
  created_at: string;
  last_edited_at: string;
  source_preset_uuid: string | null;
  source_version: number | null;
  owner: string;
};

export type PresetRow = {
  uuid: string;
  top_level_folder_uuid: string | null;
  name: string;
  description: string;
  preset_json: string;
  created_at: string;
  last_updated_at: string;
  owner: string;
  freeze_count: number;
};

export type JobRow = {
  uuid: string;
  collection_uuid: string;
  preset_uuid: string;
  kind: CollectionJobKind;
  status: CollectionJobStatus;
  processed: number;
  changed: number;
  error: string | null;
  created_at: string;
  updated_at: string;
};

export const COLLECTION_COLUMNS = [
  'uuid',
  'top_level_folder_uuid',
  'name',
  'description',
  'created_at',
  'last_edited_at',
  'source_preset_uuid',
  'source_version',
  'owner',
] as const satisfies readonly (keyof CollectionRow)[];

export const PRESET_COLUMNS = [
  'uuid',
  'top_level_folder_uuid',
  'name',
  'description',
  'preset_json',
  'created_at',
  'last_updated_at',
  'owner',
  'freeze_count',
] as const satisfies readonly (keyof PresetRow)[];

export const JOB_COLUMNS = [
  'uuid',
  'collection_uuid',
  'preset_uuid',
  'kind',
  'status',
  'processed',
  'changed',
  'error',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof JobRow)[];

export const collectionFromRow = (row: CollectionRow): CollectionRecord => ({
  uuid: row.uuid,
  topLevelFolderUuid: row.top_level_folder_uuid,
  name: row.name,
  description: row.description,
  owner: row.owner,
  createdAt: row.created_at,
  lastEditedAt: row.last_edited_at,
  sourcePresetUuid: row.source_preset_uuid,
  sourceVersion: row.source_version,
});

export const presetFromRow = (row: PresetRow): PresetRecord => ({
  uuid: row.uuid,
  topLevelFolderUuid: row.top_level_folder_uuid,
  name: row.name,
  description: row.description,
  presetJson: row.preset_json,
  owner: row.owner,
  createdAt: row.created_at,
  lastUpdatedAt: row.last_updated_at,
  freezeCount: row.freeze_count,
});

export const jobFromRow = (row: JobRow): CollectionJobRecord => ({
  uuid: row.uuid,
  collectionUuid: row.collection_uuid,
  presetUuid: row.preset_uuid,
  kind: row.kind,
  status: row.status,
  processed: row.processed,
  changed: row.changed,
  error: row.error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

// --- dataset jobs (a collection's members linked into a dataset) ---

export type DatasetJobRow = {
  uuid: string;
  collection_uuid: string;
  preset_uuid: string | null;
  dataset_uuid: string;
  project_uuid: string | null;
  mode: DatasetJobMode;
  status: DatasetJobStatus;
  total: number;
  processed: number;
  added: number;
  already_there: number;
  error: string | null;
  created_at: string;
  updated_at: string;
};

export const DATASET_JOB_COLUMNS = [
  'uuid',
  'collection_uuid',
  'preset_uuid',
  'dataset_uuid',
  'project_uuid',
  'mode',
  'status',
  'total',
  'processed',
  'added',
  'already_there',
  'error',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DatasetJobRow)[];

/**
 * A job as a row. Unlike the other tables' record-to-row mappers (which each engine
 * keeps), both engines use this one: SQLite binds it as named parameters, PostgreSQL
 * takes its values in DATASET_JOB_COLUMNS order.
 */
export const datasetJobToRow = (job: DatasetJobRecord): DatasetJobRow => ({
  uuid: job.uuid,
  collection_uuid: job.collectionUuid,
  preset_uuid: job.presetUuid,
  dataset_uuid: job.datasetUuid,
  project_uuid: job.projectUuid,
  mode: job.mode,
  status: job.status,
  total: job.total,
  processed: job.processed,
  added: job.added,
  already_there: job.alreadyThere,
  error: job.error,
  created_at: job.createdAt,
  updated_at: job.updatedAt,
});

export const datasetJobFromRow = (row: DatasetJobRow): DatasetJobRecord => ({
  uuid: row.uuid,
  collectionUuid: row.collection_uuid,
  presetUuid: row.preset_uuid,
  datasetUuid: row.dataset_uuid,
  projectUuid: row.project_uuid,
  mode: row.mode,
  status: row.status,
  total: row.total,
  processed: row.processed,
  added: row.added,
  alreadyThere: row.already_there,
  error: row.error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
