/**
 * Rows as PostgreSQL returns them, and the one place they become records. Every
 * PostgreSQL store module reads folders and items through these.
 */
import type {
  FolderRecord,
  ItemRecord,
  ItemType,
  StorageLocation,
  UserRecord,
  UserRole,
} from '../records.js';

export interface UserRow {
  email: string;
  role: UserRole;
  public_key_hex: string;
  created_at: string;
}

export interface FolderRow {
  uuid: string;
  parent_uuid: string | null;
  name: string;
  description: string;
  client_metadata: string | null;
  owner: string;
  created_at: string;
  last_edited_at: string;
}

export interface ItemRow {
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
  is_placeholder: boolean;
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
}

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

/** What an INSERT writes: the columns above and the folded name that searches read. */
export const ITEM_INSERT_COLUMNS = [...ITEM_COLUMNS, 'name_folded'] as const;

/** `items.uuid, items.folder_uuid, …` for a SELECT that joins items to other tables. */
export const ITEM_SELECT = ITEM_COLUMNS.map((column) => `items.${column}`).join(', ');

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

/** What an INSERT writes: the columns above and the folded name that searches read. */
export const FOLDER_INSERT_COLUMNS = [...FOLDER_COLUMNS, 'name_folded'] as const;

/**
 * How searches fold case: JavaScript's toLowerCase (what SQLite calls), stored in
 * `*_folded` columns because PostgreSQL's lower() depends on the database's locale.
 */
export const foldCase = (text: string): string => text.toLowerCase();

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

/** A folder's values in FOLDER_INSERT_COLUMNS order. */
export const folderValues = (folder: FolderRecord): unknown[] => [
  folder.uuid,
  folder.parentUuid,
  folder.name,
  folder.description,
  folder.clientMetadata,
  folder.owner,
  folder.createdAt,
  folder.lastEditedAt,
  foldCase(folder.name),
];

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
  isPlaceholder: row.is_placeholder,
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

/** An item's values in ITEM_INSERT_COLUMNS order. */
export const itemValues = (item: ItemRecord): unknown[] => [
  item.uuid,
  item.folderUuid,
  item.itemType,
  item.name,
  item.description,
  item.clientMetadata,
  item.owner,
  item.createdAt,
  item.lastEditedAt,
  item.storageLocation,
  item.url,
  item.blobKey,
  item.integrationHash,
  item.isPlaceholder,
  item.media.fileSize,
  item.media.mimeType,
  item.media.duration,
  item.media.fps,
  item.media.height,
  item.media.width,
  item.media.frameCount,
  item.media.dicomInstanceUid,
  item.media.dicomStudyUid,
  item.media.dicomSeriesUid,
  item.media.audioSampleRate,
  item.media.audioBitDepth,
  item.media.audioCodec,
  item.media.audioNumChannels,
  foldCase(item.name),
];

/** `($1, $2, …), ($29, …)`: placeholders for `rowCount` rows of `width` values. */
export function valuesPlaceholders(rowCount: number, width: number, offset = 0): string {
  const rowsSql: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(`$${offset + r * width + c}`);
    rowsSql.push(`(${cells.join(', ')})`);
  }
  return rowsSql.join(', ');
}
