/**
 * The one storage-engine interface. SQLite (embedded default) and PostgreSQL both
 * implement it and pass the same contract suite (`engine-contract.ts`); nothing
 * engine-specific leaks above it. Every method is one transaction: it happens whole
 * or not at all.
 */
import type { SchemaMap } from '@metaindex/core';
import type {
  FolderRecord,
  ItemRecord,
  ItemType,
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
}
