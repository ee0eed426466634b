/**
 * Records ⇄ the Encord wire shapes (camelCase DTOs, clientMetadata as JSON text).
 * Every key the official SDK's models require is always present.
 */
import type { FolderRecord, ItemRecord, MediaInfo } from '../store/records.js';
import type { Actor, StorageService } from '../services/storage-service.js';
import type { UploadService } from '../services/upload-service.js';

/** The StorageItem wire shape: the item's own fields, then every media field (nullable). */
export type StorageItemDto = {
  uuid: string;
  parent: string;
  itemType: string;
  name: string;
  description: string;
  clientMetadata: string;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  isTombstone: boolean;
  isPlaceholder: boolean;
  backedDataUnitsCount: number;
  storageLocation: string;
  integrationHash: string | null;
  url: string | null;
  signedUrl: string | null;
} & MediaInfo;

export function toStorageItemDto(
  item: ItemRecord,
  signedUrl: string | null,
  backedDataUnitsCount: number,
): StorageItemDto {
  return {
    uuid: item.uuid,
    parent: item.folderUuid,
    itemType: item.itemType,
    name: item.name,
    description: item.description,
    clientMetadata: item.clientMetadata,
    owner: item.owner,
    createdAt: item.createdAt,
    lastEditedAt: item.lastEditedAt,
    isTombstone: false,
    isPlaceholder: item.isPlaceholder,
    backedDataUnitsCount,
    storageLocation: item.storageLocation,
    integrationHash: item.integrationHash,
    url: item.url,
    signedUrl,
    ...item.media,
  };
}

export interface StorageFolderDto {
  uuid: string;
  parent: string | null;
  name: string;
  description: string;
  clientMetadata: string | null;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  userRole: 'admin' | 'user';
  syncedDatasetHash: string | null;
  pathToRoot: { uuid: string; parentUuid: string | null; name: string; syncedDatasetHash: string | null }[];
}

/**
 * `pathToRoot` lists the folder's ancestors, root first, without the folder itself.
 * `userRole` is admin for organisation admins and for the folder's owner.
 * `syncedDatasetHash` is the dataset a folder backs (`synced`: folder → dataset).
 */
export function toStorageFolderDto(
  folder: FolderRecord,
  path: readonly FolderRecord[],
  actor: Actor,
  synced: ReadonlyMap<string, string>,
): StorageFolderDto {
  return {
    uuid: folder.uuid,
    parent: folder.parentUuid,
    name: folder.name,
    description: folder.description,
    clientMetadata: folder.clientMetadata,
    owner: folder.owner,
    createdAt: folder.createdAt,
    lastEditedAt: folder.lastEditedAt,
    userRole: actor.role === 'admin' || folder.owner === actor.email ? 'admin' : 'user',
    syncedDatasetHash: synced.get(folder.uuid) ?? null,
    pathToRoot: path
      .filter((f) => f.uuid !== folder.uuid)
      .map((f) => ({
        uuid: f.uuid,
        parentUuid: f.parentUuid,
        name: f.name,
        syncedDatasetHash: synced.get(f.uuid) ?? null,
      })),
  };
}

/**
 * StorageItems for a response: how many data rows each backs (one query for all),
 * and, when asked, a working download URL.
 */
export async function storageItemDtos(
  items: readonly ItemRecord[],
  services: { storage: StorageService; uploads: UploadService },
  sign: boolean,
): Promise<StorageItemDto[]> {
  const counts = await services.storage.backedDataUnitCounts(items.map((i) => i.uuid));
  return items.map((item) =>
    toStorageItemDto(item, sign ? services.uploads.downloadUrl(item) : null, counts.get(item.uuid) ?? 0),
  );
}
