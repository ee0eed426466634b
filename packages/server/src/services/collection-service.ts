import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pollJob } from './job-polling.js';
import type {
  CollectionDiffPage,
  CollectionDiffQuery,
  CollectionJobKind,
  CollectionJobRecord,
  CollectionRecord,
  Engine,
  ListCollectionsQuery,
  Page,
  UuidPage,
} from '../store/engine.js';
import type { ItemRecord } from '../store/records.js';
import {
  andFilters,
  folderOrNull,
  inFolder,
  requireTopLevelFolder,
  type PresetService,
} from './preset-service.js';
import type { QueryService } from './query-service.js';
import type { Actor } from './storage-service.js';

/** Most item uuids one add-items or remove-items request may carry. */
export const MAX_COLLECTION_ITEMS_PER_REQUEST = 10_000;
/** A preset's matches are walked (and written) this many at a time. */
export const PRESET_BATCH = 10_000;

const notFound = (what: string, details?: unknown): MetaindexError =>
  new MetaindexError('not_found', what, details);

function requireName(name: string, what: string): void {
  if (name.trim() === '') throw new InvalidArgumentError(`${what}: name cannot be empty`);
}

export interface FreezeOptions {
  name?: string;
  description?: string;
  /** Where the snapshot lives; defaults to the preset's top-level folder. */
  topLevelFolderUuid?: string;
}

/**
 * Index collections: static sets of items under one top-level folder. Items are added
 * and removed explicitly, or as a preset's matches by a background job; a freeze makes
 * a collection holding exactly a preset's matches now (a numbered snapshot), and two
 * collections can be diffed. Membership is static: an item stays in a collection
 * whatever happens to its metadata, until it is removed or deleted.
 */
export class CollectionService {
  readonly #events = new EventEmitter();
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly presets: PresetService,
    private readonly query: Pick<QueryService, 'matchingItemUuids'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#events.setMaxListeners(0);
  }

  async create(
    actor: Actor,
    input: { topLevelFolderUuid: string | null; name: string; description: string },
  ): Promise<CollectionRecord> {
    requireName(input.name, 'a collection');
    const folder = await this.#folderFor(input.topLevelFolderUuid);
    const at = this.now().toISOString();
    const { collection } = await this.engine.createCollection({
      uuid: randomUUID(),
      topLevelFolderUuid: folder,
      name: input.name,
      description: input.description,
      owner: actor.email,
      createdAt: at,
      lastEditedAt: at,
      sourcePresetUuid: null,
      sourceVersion: null,
    });
    return collection;
  }

  async get(uuid: string): Promise<CollectionRecord> {
    const collection = await this.engine.getCollection(uuid);
    if (collection === null) throw notFound(`collection ${uuid} does not exist`, { collectionUuid: uuid });
    return collection;
  }

  list(query: ListCollectionsQuery): Promise<Page<CollectionRecord>> {
    return this.engine.listCollections(query);
  }

  async update(uuid: string, patch: { name?: string; description?: string }): Promise<CollectionRecord> {
    if (patch.name !== undefined) requireName(patch.name, `collection ${uuid}`);
    const updated = await this.engine.updateCollection({
      uuid,
      ...patch,
      lastEditedAt: this.now().toISOString(),
    });
    if (updated === null) throw notFound(`collection ${uuid} does not exist`, { collectionUuid: uuid });
    return updated;
  }

  async delete(uuid: string): Promise<void> {
    if (!(await this.engine.deleteCollection(uuid))) {
      throw notFound(`collection ${uuid} does not exist`, { collectionUuid: uuid });
    }
  }

  /** Adds items; returns those that failed (unknown, or outside the collection's folder tree). */
  addItems(uuid: string, itemUuids: readonly string[]): Promise<string[]> {
    return this.#changeMembers(uuid, itemUuids, 'add');
  }

  /** Removes items; returns those that failed (unknown items; non-members are no failure). */
  removeItems(uuid: string, itemUuids: readonly string[]): Promise<string[]> {
    return this.#changeMembers(uuid, itemUuids, 'remove');
  }

  async listItems(uuid: string, pageSize: number, after: string | null): Promise<UuidPage<ItemRecord>> {
    const page = await this.engine.listCollectionItems(uuid, { pageSize, after });
    if (page === null) throw notFound(`collection ${uuid} does not exist`, { collectionUuid: uuid });
    return page;
  }

  async itemCount(uuid: string): Promise<number> {
    return (await this.engine.countCollectionItems([uuid])).get(uuid) ?? 0;
  }

  /** What is in `uuid` and not in `against` (added), and the reverse (removed). */
  async diff(uuid: string, against: string, query: CollectionDiffQuery): Promise<CollectionDiffPage> {
    const page = await this.engine.diffCollections(uuid, against, query);
    if (page !== null) return page;
    await this.get(uuid);
    await this.get(against);
    throw notFound(`collection ${uuid} or ${against} does not exist`);
  }

  /**
   * Starts adding (or removing) a preset's current matches to (or from) a collection:
   * a background job, persisted, whose uuid comes back at once. Only matches inside
   * the collection's folder tree are considered.
   */
  async startPresetJob(collectionUuid: string, presetUuid: string, kind: CollectionJobKind): Promise<string> {
    const collection = await this.get(collectionUuid);
    const preset = await this.presets.get(presetUuid);
    const filter = andFilters(this.presets.filterOf(preset), inFolder(collection.topLevelFolderUuid));
    const at = this.now().toISOString();
    const job: CollectionJobRecord = {
      uuid: randomUUID(),
      collectionUuid,
      presetUuid,
      kind,
      status: 'PENDING',
      processed: 0,
      changed: 0,
      error: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.engine.saveCollectionJob(job);
    const run = this.#runJob(job, (after) =>
      this.query.matchingItemUuids(filter, { after, limit: PRESET_BATCH }),
    )
      .catch(async (error: unknown) => {
        try {
          await this.#saveJob({ ...(await this.#latest(job)), status: 'ERROR', error: messageOf(error) });
        } catch {
          // The store is gone (shutting down): the job stays PENDING; every batch it
          // wrote is committed and counted.
        }
      })
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
    return job.uuid;
  }

  /** The job, waiting up to `timeoutSeconds` (at most 55 s) for it to leave PENDING. */
  getJob(uuid: string, timeoutSeconds: number): Promise<CollectionJobRecord> {
    return pollJob(
      async () => {
        const job = await this.engine.getCollectionJob(uuid);
        if (job === null) throw notFound(`collection job ${uuid} does not exist`, { jobUuid: uuid });
        return job;
      },
      this.#events,
      `job:${uuid}`,
      timeoutSeconds,
    );
  }

  /**
   * Freezes a preset: a new collection holding exactly the preset's matches now (in
   * the collection's folder tree), numbered as the preset's next version, written in
   * one transaction.
   */
  async freeze(
    actor: Actor,
    presetUuid: string,
    options: FreezeOptions,
  ): Promise<{ collection: CollectionRecord; itemCount: number }> {
    if (options.name !== undefined) requireName(options.name, 'a snapshot');
    const preset = await this.presets.get(presetUuid);
    const given = folderOrNull(options.topLevelFolderUuid ?? null) ?? preset.topLevelFolderUuid;
    if (given === null) {
      throw new InvalidArgumentError(
        `topLevelFolderUuid is required: preset ${presetUuid} has no top-level folder, and a collection lives in one`,
      );
    }
    const folder = await this.#folderFor(given);
    const filter = andFilters(this.presets.filterOf(preset), inFolder(folder));
    const matches: string[] = [];
    for (let after: string | null = null; ;) {
      const batch = await this.query.matchingItemUuids(filter, { after, limit: PRESET_BATCH });
      matches.push(...batch);
      const last = batch[batch.length - 1];
      if (batch.length < PRESET_BATCH || last === undefined) break;
      after = last;
    }
    const at = this.now().toISOString();
    const name = options.name;
    return this.engine.createCollection(
      {
        uuid: randomUUID(),
        topLevelFolderUuid: folder,
        name: name ?? preset.name,
        description: options.description ?? preset.description,
        owner: actor.email,
        createdAt: at,
        lastEditedAt: at,
        sourcePresetUuid: presetUuid,
        sourceVersion: null,
      },
      {
        itemUuids: matches,
        fromPreset: presetUuid,
        ...(name === undefined ? { nameForVersion: (version: number) => `${preset.name} v${version}` } : {}),
      },
    );
  }

  /** Waits for every running job (for shutdown and tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #folderFor(uuid: string | null): Promise<string> {
    const folder = folderOrNull(uuid);
    if (folder === null) {
      throw new InvalidArgumentError(
        'topLevelFolderUuid is required: a collection lives in a top-level folder',
      );
    }
    return (await requireTopLevelFolder(this.engine, folder)).uuid;
  }

  async #changeMembers(
    uuid: string,
    itemUuids: readonly string[],
    kind: CollectionJobKind,
  ): Promise<string[]> {
    if (itemUuids.length > MAX_COLLECTION_ITEMS_PER_REQUEST) {
      throw new MetaindexError(
        'payload_too_large',
        `itemUuids: at most ${MAX_COLLECTION_ITEMS_PER_REQUEST} items per request, got ${itemUuids.length}`,
      );
    }
    const result =
      kind === 'add'
        ? await this.engine.addCollectionItems(uuid, itemUuids, this.now().toISOString())
        : await this.engine.removeCollectionItems(uuid, itemUuids);
    if (!result.ok) throw notFound(`collection ${uuid} does not exist`, { collectionUuid: uuid });
    return result.failed;
  }

  async #runJob(
    job: CollectionJobRecord,
    nextBatch: (after: string | null) => Promise<string[]>,
  ): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // answer the request first
    let current = job;
    for (let after: string | null = null; ;) {
      const batch = await nextBatch(after);
      if (batch.length > 0) {
        const result =
          job.kind === 'add'
            ? await this.engine.addCollectionItems(job.collectionUuid, batch, this.now().toISOString())
            : await this.engine.removeCollectionItems(job.collectionUuid, batch);
        if (!result.ok) throw new Error(`collection ${job.collectionUuid} was deleted while the job ran`);
        current = {
          ...current,
          processed: current.processed + batch.length,
          changed: current.changed + result.changed,
        };
      }
      const last = batch[batch.length - 1];
      if (batch.length < PRESET_BATCH || last === undefined) break;
      await this.#saveJob(current);
      after = last;
    }
    await this.#saveJob({ ...current, status: 'DONE' });
  }

  /** The job as last saved (its progress), or as started. */
  async #latest(job: CollectionJobRecord): Promise<CollectionJobRecord> {
    return (await this.engine.getCollectionJob(job.uuid)) ?? job;
  }

  async #saveJob(job: CollectionJobRecord): Promise<void> {
    await this.engine.saveCollectionJob({ ...job, updatedAt: this.now().toISOString() });
    this.#events.emit(`job:${job.uuid}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
