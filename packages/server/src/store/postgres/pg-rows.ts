/**
 * What the PostgreSQL tables add to the rows both engines share (../table-rows.ts):
 * the `*_folded` columns that case-insensitive searches read, and records as the
 * positional values of an INSERT. Every PostgreSQL store module writes folders and
 * items through these.
 */
import type { FolderRecord, ItemRecord } from '../records.js';
import { FOLDER_COLUMNS, ITEM_COLUMNS } from '../table-rows.js';

// pg-item-index.ts reads items through these.
export { itemFromRow, type ItemRow } from '../table-rows.js';

/** What an INSERT writes: ITEM_COLUMNS and the folded name that searches read. */
export const ITEM_INSERT_COLUMNS = [...ITEM_COLUMNS, 'name_folded'] as const;

/** `items.uuid, items.folder_uuid, …` for a SELECT that joins items to other tables. */
export const ITEM_SELECT = ITEM_COLUMNS.map((column) => `items.${column}`).join(', ');

/** What an INSERT writes: FOLDER_COLUMNS and the folded name that searches read. */
export const FOLDER_INSERT_COLUMNS = [...FOLDER_COLUMNS, 'name_folded'] as const;

/**
 * How searches fold case: JavaScript's toLowerCase (what SQLite calls), stored in
 * `*_folded` columns because PostgreSQL's lower() depends on the database's locale.
 */
export const foldCase = (text: string): string => text.toLowerCase();

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
