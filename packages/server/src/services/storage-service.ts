import { applyMergePatch, InvalidArgumentError, MetaindexError, normaliseUuid } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import type {
  Engine,
  FolderUpdate,
  ItemUpdate,
  ItemWrite,
  ItemWriteResult,
  ListFoldersQuery,
  ListItemsQuery,
  Page,
} from '../store/engine.js';
import type { FolderRecord, ItemRecord } from '../store/records.js';
import { checkItemMetadata, metadataRejection, type ItemProblems } from './metadata-check.js';
import type { SchemaService, VersionedValidator } from './schema-service.js';

/** Who is asking. */
export interface Actor {
  email: string;
  role: 'admin' | 'member';
}

export const MAX_BULK_PATCHES = 10_000;
const MAX_SCHEMA_RETRIES = 5;

export interface NewFolder {
  name: string;
  description: string;
  parentUuid: string | null;
  /** JSON text of an object, or null. */
  clientMetadata: string | null;
}

export interface FolderPatch {
  uuid: string;
  name?: string;
  description?: string;
  /** JSON text of an object, or null to clear it. */
  clientMetadata?: string | null;
}

export interface ItemPatch {
  uuid: string;
  name?: string;
  description?: string;
  /** The new whole clientMetadata object (replaces the stored one). */
  clientMetadata?: unknown;
}

const notFound = (what: string, details?: unknown): MetaindexError =>
  new MetaindexError('not_found', what, details);
/** The 404 for items that do not exist; `details.missing` lists them for clients that split a bulk write. */
const itemsMissing = (uuids: readonly string[]): MetaindexError =>
  notFound(`items do not exist: ${uuids.join(', ')}`, { missing: uuids });

/** A name given in a patch must not be blank (leaving it out keeps the old one). */
/** Longest item or folder name, in UTF-8 bytes (as S3 object keys): every engine can index it. */
export const MAX_NAME_BYTES = 1024;

/** Why a name cannot be stored, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'a name cannot be empty';
  if (name.includes('\u0000')) return 'a name cannot contain the character U+0000';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `a name can be at most ${MAX_NAME_BYTES} bytes of UTF-8, got ${bytes}`;
  return null;
}

function requireName(name: string | undefined, what: string): void {
  const problem = name === undefined ? null : nameProblem(name);
  if (problem !== null) throw new InvalidArgumentError(`${what}: ${problem}`);
}

/** A uuid parameter from a URL or body: canonical lowercase, or a 400 naming the field. */
export function requireUuid(value: unknown, field: string): string {
  const uuid = typeof value === 'string' ? normaliseUuid(value) : undefined;
  if (uuid === undefined)
    throw new InvalidArgumentError(`${field} must be a UUID, got ${JSON.stringify(value)}`);
  return uuid;
}

/**
 * Folders and items, with every metadata write validated against the current schema.
 * Bulk writes are all-or-nothing and report every bad item.
 */
export class StorageService {
  constructor(
    private readonly engine: Engine,
    private readonly schemas: SchemaService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // --- folders ---

  async createFolder(actor: Actor, input: NewFolder): Promise<FolderRecord> {
    if (input.name.trim() === '') throw new InvalidArgumentError('a folder needs a non-empty name');
    requireName(input.name, 'folder');
    if (input.parentUuid !== null && (await this.engine.getFolder(input.parentUuid)) === null) {
      throw notFound(`parent folder ${input.parentUuid} does not exist`);
    }
    const at = this.now().toISOString();
    const folder: FolderRecord = {
      uuid: randomUUID(),
      parentUuid: input.parentUuid,
      name: input.name,
      description: input.description,
      clientMetadata: input.clientMetadata,
      owner: actor.email,
      createdAt: at,
      lastEditedAt: at,
    };
    await this.engine.createFolder(folder);
    return folder;
  }

  async getFolder(uuid: string): Promise<{ folder: FolderRecord; path: FolderRecord[] }> {
    const path = await this.engine.getFolderPath(uuid);
    const folder = path[path.length - 1];
    if (folder === undefined) throw notFound(`folder ${uuid} does not exist`);
    return { folder, path };
  }

  async listFolders(query: ListFoldersQuery): Promise<Page<FolderRecord>> {
    if (query.parentUuid !== null) await this.getFolder(query.parentUuid);
    return this.engine.listFolders(query);
  }

  /** The dataset each of these folders backs, if any (folder uuid → dataset uuid). */
  syncedDatasets(folderUuids: readonly string[]): Promise<Map<string, string>> {
    return this.engine.findDatasetsByBackingFolder(folderUuids);
  }

  async updateFolders(patches: readonly FolderPatch[]): Promise<FolderRecord[]> {
    for (const p of patches) requireName(p.name, `folder ${p.uuid}`);
    const at = this.now().toISOString();
    const updates: FolderUpdate[] = patches.map((p) => ({ ...p, lastEditedAt: at }));
    const updated = await this.engine.updateFolders(updates);
    if (updated === null) {
      const found = await Promise.all(patches.map((p) => this.engine.getFolder(p.uuid)));
      const missing = patches.filter((_, i) => found[i] === null).map((p) => p.uuid);
      throw notFound(`folders do not exist: ${missing.join(', ')}`);
    }
    return updated;
  }

  /**
   * Deletes a folder with everything below it. Refused (409, naming the items) while
   * items below it back data rows, unless `force`, which removes those rows too.
   */
  async deleteFolder(uuid: string, options: { force?: boolean } = {}): Promise<void> {
    const deleted =
      options.force === true
        ? (await this.engine.forceDeleteFolder(uuid)).deleted
        : await this.engine.deleteFolder(uuid);
    if (!deleted) throw notFound(`folder ${uuid} does not exist`);
  }

  // --- items ---

  async getItem(uuid: string): Promise<ItemRecord> {
    const [item] = await this.engine.getItems([uuid]);
    if (item === null || item === undefined) throw notFound(`item ${uuid} does not exist`);
    return item;
  }

  /** Items in the order asked; a 404 naming every missing one. */
  async getItems(uuids: readonly string[]): Promise<ItemRecord[]> {
    const items = await this.engine.getItems(uuids);
    const missing = uuids.filter((_, i) => items[i] === null);
    if (missing.length > 0) throw itemsMissing(missing);
    return items as ItemRecord[];
  }

  /**
   * Deletes items (and their uploaded files stay until the folder goes). Refused (409,
   * naming the items) while any backs data rows, unless `force`, which removes those
   * rows too. Unknown uuids are a 404 and nothing is deleted.
   */
  async deleteItems(
    uuids: readonly string[],
    options: { force?: boolean } = {},
  ): Promise<{ items: number; rows: number }> {
    await this.getItems(uuids);
    if (options.force === true) return this.engine.forceDeleteItems(uuids);
    return { items: await this.engine.deleteItems(uuids), rows: 0 };
  }

  /** How many data rows each item backs (0 when none). */
  backedDataUnitCounts(uuids: readonly string[]): Promise<Map<string, number>> {
    return this.engine.countRowsForItems(uuids);
  }

  async listItems(query: ListItemsQuery): Promise<Page<ItemRecord>> {
    await this.getFolder(query.folderUuid);
    return this.engine.listItems(query);
  }

  /**
   * Applies item patches (clientMetadata replaces the whole object), all or nothing.
   * With `folderUuid`, every item must be in that folder.
   */
  async patchItems(patches: readonly ItemPatch[], folderUuid?: string): Promise<ItemRecord[]> {
    if (patches.length > MAX_BULK_PATCHES) {
      throw new MetaindexError(
        'payload_too_large',
        `at most ${MAX_BULK_PATCHES} item patches per request, got ${patches.length}`,
      );
    }
    for (const p of patches) requireName(p.name, `item ${p.uuid}`);
    if (folderUuid !== undefined) {
      const items = await this.getItems(patches.map((p) => p.uuid));
      const outside = items.filter((item) => item.folderUuid !== folderUuid);
      if (outside.length > 0) throw notFound(`item ${outside[0]?.uuid ?? ''} is not in folder ${folderUuid}`);
    }
    return this.#writeValidated((validator) => {
      const at = this.now().toISOString();
      const bad: ItemProblems[] = [];
      const update: ItemUpdate[] = patches.map((p) => {
        const u: ItemUpdate = { uuid: p.uuid, lastEditedAt: at };
        if (p.name !== undefined) u.name = p.name;
        if (p.description !== undefined) u.description = p.description;
        if (p.clientMetadata !== undefined) {
          const text = checkItemMetadata(validator.validator, p.uuid, p.clientMetadata, bad);
          if (text !== undefined) u.clientMetadata = text;
        }
        return u;
      });
      if (bad.length > 0) throw metadataRejection(bad);
      return { write: { insert: [], update }, version: validator.version };
    });
  }

  /** Merges RFC 7396 merge patches into the items' stored clientMetadata, all or nothing. */
  async mergeItemMetadata(patches: ReadonlyMap<string, unknown>): Promise<ItemRecord[]> {
    if (patches.size > MAX_BULK_PATCHES) {
      throw new MetaindexError(
        'payload_too_large',
        `at most ${MAX_BULK_PATCHES} merge patches per request, got ${patches.size}`,
      );
    }
    for (const [uuid, patch] of patches) {
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
        throw new InvalidArgumentError(`item ${uuid}: a metadata merge patch must be a JSON object`);
      }
    }
    const uuids = [...patches.keys()];
    for (let attempt = 0; attempt < MAX_SCHEMA_RETRIES; attempt++) {
      const validator =
        attempt === 0 ? await this.schemas.validator() : await this.schemas.refreshValidator();
      const bad: ItemProblems[] = [];
      let seen = 0;
      const result = await this.engine.rewriteItemMetadata(
        uuids,
        (uuid, current) => {
          const merged = applyMergePatch(JSON.parse(current) as unknown, patches.get(uuid));
          const text = checkItemMetadata(validator.validator, uuid, merged, bad);
          // Every item is checked before anything is rejected, so the error lists
          // every bad item; throwing rolls the whole transaction back.
          if (++seen === uuids.length && bad.length > 0) throw metadataRejection(bad);
          return text ?? current;
        },
        this.now().toISOString(),
        validator.version,
      );
      const items = this.#settle(result);
      if (items !== undefined) return items;
    }
    throw new MetaindexError('conflict', 'the metadata schema kept changing during the write; try again');
  }

  /** Runs a validated write, re-validating if the schema changed underneath it. */
  async #writeValidated(
    prepare: (validator: VersionedValidator) => { write: ItemWrite; version: number },
  ): Promise<ItemRecord[]> {
    for (let attempt = 0; attempt < MAX_SCHEMA_RETRIES; attempt++) {
      const validator =
        attempt === 0 ? await this.schemas.validator() : await this.schemas.refreshValidator();
      let prepared: { write: ItemWrite; version: number };
      try {
        prepared = prepare(validator);
      } catch (error) {
        // The cached schema may be older than one that now allows these values:
        // reject only what the current schema rejects.
        if (attempt === 0 && (await this.schemas.isStale(validator))) continue;
        throw error;
      }
      const items = this.#settle(await this.engine.writeItems(prepared.write, prepared.version));
      if (items !== undefined) return items;
    }
    throw new MetaindexError('conflict', 'the metadata schema kept changing during the write; try again');
  }

  /** The written items, undefined when the schema changed (retry), or the error to raise. */
  #settle(result: ItemWriteResult): ItemRecord[] | undefined {
    if (result.ok) return result.items;
    switch (result.reason) {
      case 'schema-changed':
        return undefined;
      case 'missing':
        throw itemsMissing(result.uuids);
      case 'duplicate':
        throw new MetaindexError('conflict', `items already exist: ${result.uuids.join(', ')}`);
    }
  }
}
