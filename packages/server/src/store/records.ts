/**
 * What the store keeps, engine-neutral. Timestamps are ISO 8601 UTC strings with
 * millisecond precision (`2024-05-01T12:30:00.000Z`), which sort as text; uuids are
 * lowercase canonical strings; clientMetadata is JSON text exactly as written.
 */
import { ITEM_TYPE_NAMES, type SchemaMap } from '@metaindex/core';

/** Every item type; core's filter binding checks `$type` literals against the same list. */
export const ITEM_TYPES = ITEM_TYPE_NAMES;
export type ItemType = (typeof ITEM_TYPES)[number];

export const STORAGE_LOCATIONS = [
  'encord',
  'gcp',
  's3',
  'azure',
  'openTelekom',
  'directAccess',
  's3Compatible',
] as const;
export type StorageLocation = (typeof STORAGE_LOCATIONS)[number];

export type UserRole = 'admin' | 'member';

export interface UserRecord {
  email: string;
  role: UserRole;
  /** Raw Ed25519 public key, 64 lowercase hex characters: the `keyid` of signed requests. */
  publicKeyHex: string;
  createdAt: string;
}

export interface StoredSchema {
  /** 0 when no schema was ever saved; +1 on every save. */
  version: number;
  schema: SchemaMap;
  /** When the schema was first saved and last replaced; null when never saved. */
  createdAt: string | null;
  updatedAt: string | null;
}

export interface FolderRecord {
  uuid: string;
  parentUuid: string | null;
  name: string;
  description: string;
  /** JSON text, or null when the folder has none. */
  clientMetadata: string | null;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
}

/** Facts about an item's file; every field may be unknown (null). */
export interface MediaInfo {
  fileSize: number | null;
  mimeType: string | null;
  duration: number | null;
  fps: number | null;
  height: number | null;
  width: number | null;
  frameCount: number | null;
  dicomInstanceUid: string | null;
  dicomStudyUid: string | null;
  dicomSeriesUid: string | null;
  audioSampleRate: number | null;
  audioBitDepth: number | null;
  audioCodec: string | null;
  audioNumChannels: number | null;
}

export interface ItemRecord {
  uuid: string;
  folderUuid: string;
  itemType: ItemType;
  name: string;
  description: string;
  /** JSON text of the item's clientMetadata object, exactly as written (`{}` when empty). */
  clientMetadata: string;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  storageLocation: StorageLocation;
  /** The registered object URL (external data), or null for blobs stored by metaindex. */
  url: string | null;
  /** Key of the blob metaindex stores for an uploaded file, or null. */
  blobKey: string | null;
  integrationHash: string | null;
  isPlaceholder: boolean;
  media: MediaInfo;
}

export const EMPTY_MEDIA: Readonly<MediaInfo> = Object.freeze({
  fileSize: null,
  mimeType: null,
  duration: null,
  fps: null,
  height: null,
  width: null,
  frameCount: null,
  dicomInstanceUid: null,
  dicomStudyUid: null,
  dicomSeriesUid: null,
  audioSampleRate: null,
  audioBitDepth: null,
  audioCodec: null,
  audioNumChannels: null,
});

export type JobStatus = 'PENDING' | 'DONE' | 'ERROR' | 'CANCELLED';

/** An upload/registration job, as its poller sees it. */
export interface UploadJobRecord {
  uuid: string;
  folderUuid: string;
  status: JobStatus;
  itemsWithNames: { itemUuid: string; name: string }[];
  errors: string[];
  unitsPendingCount: number;
  unitsDoneCount: number;
  unitsErrorCount: number;
  unitsCancelledCount: number;
  unitErrors: { objectUrls: string[]; error: string; subtaskUuid: string; actionDescription: string }[];
  fileName: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A dataset (Encord's `dataset_hash` is its uuid). It holds data rows, each backed by
 * one storage item; a mirror dataset also has a backing folder whose items mirror
 * its rows (kept in step by the service; the store only records the folder).
 */
export interface DatasetRecord {
  uuid: string;
  title: string;
  description: string;
  /** The folder mirroring this dataset, or null. Becomes null if that folder is deleted. */
  backingFolderUuid: string | null;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
}

/**
 * One data unit of a dataset. It holds no metadata of its own: its clientMetadata
 * (and file facts) are always those of its backing item, read through a join.
 */
export interface DataRowRecord {
  /** Encord's `data_hash`: a uuid. */
  dataHash: string;
  datasetUuid: string;
  /** The backing storage item (`backing_item_uuid`). */
  itemUuid: string;
  /** `data_title`: the item's name when linked, then the row's own. */
  title: string;
  createdAt: string;
  lastEditedAt: string;
}

/** A data row read together with its backing item, as it is now. */
export interface DataRowWithItem {
  row: DataRowRecord;
  item: ItemRecord;
}

/** A project: attached datasets (many-to-many) whose rows are its data units. */
export interface ProjectRecord {
  uuid: string;
  title: string;
  description: string;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
}

/**
 * An ontology (Encord's `ontology_hash` is its uuid). metaindex keeps no labels: it
 * stores the editor structure as sent so the SDK can load projects that point at it.
 */
export interface OntologyRecord {
  uuid: string;
  title: string;
  description: string;
  /** JSON text of the editor (ontology structure) object, exactly as written. */
  editor: string;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
}
