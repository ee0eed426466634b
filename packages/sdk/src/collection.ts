/**
 * Index collections: static sets of items under one top-level folder, as Encord's
 * `index/collections` endpoints keep them, plus metaindex's extensions (a collection's
 * owner, size and source preset; add/remove-preset-items jobs one can wait for; diffs).
 *
 * A collection's membership is static: an item stays in it whatever happens to its
 * metadata, until it is removed (or deleted). To follow a filter, use a preset.
 */
import {
  startDatasetJob,
  toDatasetBody,
  toProjectBody,
  type DatasetJob,
  type ToDatasetOptions,
  type ToProjectOptions,
} from './dataset-job.js';
import { AuthorisationError, UnknownError } from './errors.js';
import { toIndexItem, type IndexItem } from './item-query.js';
import type { Page, Transport } from './transport.js';

/** The most item uuids one add-items or remove-items request carries (the server's limit). */
export const COLLECTION_ITEMS_PER_REQUEST = 10_000;

interface SignalOption {
  signal?: AbortSignal;
}

/** A collection as Encord's endpoints answer it. */
interface CollectionWire {
  uuid: string;
  topLevelFolderUuid: string;
  name: string;
  description?: string | null;
  createdAt?: string | null;
  lastEditedAt?: string | null;
}

/** A collection member; `clientMetadata` is null unless `includeClientMetadata` was asked. */
export type CollectionItem = Omit<IndexItem, 'clientMetadata'> & {
  clientMetadata: Record<string, unknown> | null;
};

export interface CollectionListItemsOptions extends SignalOption {
  /** Fetch each item's clientMetadata (default false: it is null). */
  includeClientMetadata?: boolean;
  /** Items per request, 1–1000 (server default 100). */
  pageSize?: number;
}

export interface CollectionListOptions extends SignalOption {
  /** Only collections under this top-level folder. */
  topLevelFolderUuid?: string;
  /** Only these collections (ANDed with the folder); an empty list lists nothing. */
  collectionUuids?: readonly string[];
  /** Collections per request, 1–1000 (server default 100). */
  pageSize?: number;
}

/** The answer of add-items and remove-items. */
export interface CollectionItemsResult {
  /**
   * The uuids that could not be added (not in the collection's folder tree, or no such
   * item) or removed (no such item), each once, in request order. The others were done.
   */
  failedItems: string[];
}

/** metaindex's view of a collection (`GET /api/collections/{u}`). */
export interface CollectionInfo {
  uuid: string;
  topLevelFolderUuid: string;
  name: string;
  description: string;
  createdAt: string;
  lastEditedAt: string;
  owner: string;
  /** The preset it was frozen from, or null. */
  sourcePresetUuid: string | null;
  /** Its snapshot number among that preset's freezes (1, 2, …), or null. */
  sourceVersion: number | null;
  itemCount: number;
}

/** A background add/remove-preset-items job as the server records it. */
export interface CollectionJobRecord {
  uuid: string;
  collectionUuid: string;
  presetUuid: string;
  kind: 'add' | 'remove';
  /** `DONE` and `ERROR` are final. */
  status: 'PENDING' | 'DONE' | 'ERROR';
  /** Preset matches handled so far. */
  processed: number;
  /** Memberships actually added (or removed); items already in (or not in) the collection do not count. */
  changed: number;
  /** Why the job failed, when it did. */
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One page of a diff: up to `pageSize` of each list, with the counts of the whole diff. */
export interface CollectionDiffPage {
  added: string[];
  removed: string[];
  addedCount: number;
  removedCount: number;
  nextPageToken: string | null;
}

/** Two collections compared: `added` is in this one and not in the other, `removed` the reverse. */
export interface CollectionDiff {
  added: string[];
  removed: string[];
  addedCount: number;
  removedCount: number;
}

export interface CollectionDiffOptions extends SignalOption {
  /** Uuids of each list per request, 1–1000 (server default 100). */
  pageSize?: number;
}

const LONG_POLL_SECONDS = 55;

/**
 * A background add/remove-preset-items job. The job runs on the server whether or not
 * anyone waits for it; `wait()` long-polls `GET /api/collection-jobs/{job}`.
 */
export class CollectionJob {
  readonly #transport: Transport;
  readonly uuid: string;
  readonly collectionUuid: string;
  readonly kind: 'add' | 'remove';

  constructor(transport: Transport, uuid: string, collectionUuid: string, kind: 'add' | 'remove') {
    this.#transport = transport;
    this.uuid = uuid;
    this.collectionUuid = collectionUuid;
    this.kind = kind;
  }

  /** The job's record now, without waiting. */
  status(options: SignalOption = {}): Promise<CollectionJobRecord> {
    return this.#poll(0, options.signal);
  }

  /**
   * Waits until the job is `DONE` or `ERROR` and answers its final record (an `ERROR` record
   * says why in `error`; nothing is thrown for it). With `timeoutSeconds`, answers the record
   * as it is then, still `PENDING`, if the job has not ended by that time. Default: no limit.
   */
  async wait(options: SignalOption & { timeoutSeconds?: number } = {}): Promise<CollectionJobRecord> {
    const deadline =
      options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      const record = await this.#poll(Math.min(LONG_POLL_SECONDS, left), options.signal);
      if (record.status !== 'PENDING' || Date.now() >= deadline) return record;
    }
  }

  #poll(timeoutSeconds: number, signal: AbortSignal | undefined): Promise<CollectionJobRecord> {
    return this.#transport.call<CollectionJobRecord>('GET', `/api/collection-jobs/${this.uuid}`, {
      query: { timeoutSeconds },
      signal,
    });
  }
}

function presetUuidOf(preset: { readonly uuid: string } | string): string {
  return typeof preset === 'string' ? preset : preset.uuid;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * An Index collection. Its fields are as read (`get`, `listCollections`) and are refreshed
 * by `update()` and `info()`.
 */
export class Collection {
  readonly #transport: Transport;
  readonly uuid: string;
  readonly topLevelFolderUuid: string;
  #name: string;
  #description: string;
  #createdAt: string | null;
  #lastEditedAt: string | null;

  private constructor(transport: Transport, wire: CollectionWire) {
    this.#transport = transport;
    this.uuid = wire.uuid;
    this.topLevelFolderUuid = wire.topLevelFolderUuid;
    this.#name = wire.name;
    this.#description = wire.description ?? '';
    this.#createdAt = wire.createdAt ?? null;
    this.#lastEditedAt = wire.lastEditedAt ?? null;
  }

  /** @internal Builds a collection from a wire object (a listing row, a freeze's answer). */
  static fromWire(transport: Transport, wire: CollectionWire): Collection {
    return new Collection(transport, wire);
  }

  /** Reads a collection; one that does not exist (or is not visible) is an AuthorisationError, as Encord says it. */
  static async get(transport: Transport, uuid: string, options: SignalOption = {}): Promise<Collection> {
    const page = await transport.call<Page<CollectionWire>>('GET', 'index/collections', {
      query: { uuids: [uuid] },
      signal: options.signal,
    });
    const [wire] = page.results;
    if (wire === undefined) throw new AuthorisationError('No collection found');
    return new Collection(transport, wire);
  }

  get name(): string {
    return this.#name;
  }

  get description(): string {
    return this.#description;
  }

  get createdAt(): string | null {
    return this.#createdAt;
  }

  get lastEditedAt(): string | null {
    return this.#lastEditedAt;
  }

  /** The members, in item-uuid order, fetched a page at a time as they are iterated. */
  async *listItems(options: CollectionListItemsOptions = {}): AsyncGenerator<CollectionItem> {
    const include = options.includeClientMetadata === true;
    const pages = this.#transport.paged<Record<string, unknown>>(
      `index/collections/${this.uuid}/accessible-items`,
      { includeClientMetadata: include, pageSize: options.pageSize },
      options.signal,
    );
    for await (const wire of pages) {
      const item: CollectionItem = toIndexItem(wire);
      if (!include) item.clientMetadata = null;
      yield item;
    }
  }

  /**
   * Adds items. Above 10,000 uuids the list is sent in requests of 10,000, each its own
   * transaction: if a later request fails, the earlier ones stay done.
   */
  addItems(itemUuids: readonly string[], options: SignalOption = {}): Promise<CollectionItemsResult> {
    return this.#changeItems('add-items', itemUuids, options.signal);
  }

  /** Removes items (chunked as `addItems`). Removing an item that is not a member is no failure. */
  removeItems(itemUuids: readonly string[], options: SignalOption = {}): Promise<CollectionItemsResult> {
    return this.#changeItems('remove-items', itemUuids, options.signal);
  }

  /**
   * Adds a preset's current matches within this collection's folder tree, in the
   * background; answers the job at once (`await (await c.addPresetItems(p)).wait()`).
   */
  addPresetItems(
    preset: { readonly uuid: string } | string,
    options: SignalOption = {},
  ): Promise<CollectionJob> {
    return this.#presetJob('add', presetUuidOf(preset), options.signal);
  }

  /** Removes a preset's current matches from this collection, in the background (see `addPresetItems`). */
  removePresetItems(
    preset: { readonly uuid: string } | string,
    options: SignalOption = {},
  ): Promise<CollectionJob> {
    return this.#presetJob('remove', presetUuidOf(preset), options.signal);
  }

  /**
   * Links the collection's items into a dataset as data rows (references: a row's metadata
   * is its item's, also after later edits) in a job on the server. With `title`, a new
   * dataset is made; with `datasetHash`, only the members not yet in that dataset are added
   * (mode `append-new`). Answers the finished job (`datasetHash`, `added`, `alreadyThere`);
   * with `wait: false`, the job as soon as it is started (`await job.wait()`). A job that
   * fails throws `DatasetJobError`; a missing title is an InvalidArgumentsError, an unknown
   * collection or dataset a ResourceNotFoundError.
   */
  toDataset(options: ToDatasetOptions): Promise<DatasetJob> {
    return startDatasetJob(
      this.#transport,
      `/api/collections/${this.uuid}/dataset`,
      toDatasetBody(options),
      options,
    );
  }

  /**
   * Does what `toDataset` does (the dataset titled `datasetTitle`), then attaches the dataset
   * to a new project titled `title`, or to the existing project `projectHash`. The job's
   * `projectHash` names the project.
   */
  toProject(options: ToProjectOptions): Promise<DatasetJob> {
    return startDatasetJob(
      this.#transport,
      `/api/collections/${this.uuid}/project`,
      toProjectBody(options),
      options,
    );
  }

  /** Renames or re-describes the collection; the fields given change, and this object is refreshed. */
  async update(changes: { name?: string; description?: string } & SignalOption = {}): Promise<this> {
    const body: Record<string, string> = {};
    if (changes.name !== undefined) body.name = changes.name;
    if (changes.description !== undefined) body.description = changes.description;
    const wire = await this.#transport.call<CollectionWire>('PATCH', `index/collections/${this.uuid}`, {
      body,
      signal: changes.signal,
    });
    this.#refresh(wire);
    return this;
  }

  /** metaindex's view: owner, item count, and the preset and version it was frozen from. Refreshes this object. */
  async info(options: SignalOption = {}): Promise<CollectionInfo> {
    const info = await this.#transport.call<CollectionInfo>('GET', `/api/collections/${this.uuid}`, {
      signal: options.signal,
    });
    this.#refresh(info);
    return info;
  }

  /**
   * Compares this collection with `other`, reading every page: `added` holds the items in
   * this one and not in `other`, `removed` those in `other` and not in this one, each in
   * uuid order. For very large diffs, walk `diffPages()` instead.
   */
  async diff(other: Collection | string, options: CollectionDiffOptions = {}): Promise<CollectionDiff> {
    const result: CollectionDiff = { added: [], removed: [], addedCount: 0, removedCount: 0 };
    for await (const page of this.diffPages(other, options)) {
      result.added.push(...page.added);
      result.removed.push(...page.removed);
      result.addedCount = page.addedCount;
      result.removedCount = page.removedCount;
    }
    return result;
  }

  /** The diff with `other` a page at a time (`GET /api/collections/{u}/diff`). */
  async *diffPages(
    other: Collection | string,
    options: CollectionDiffOptions = {},
  ): AsyncGenerator<CollectionDiffPage> {
    const against = typeof other === 'string' ? other : other.uuid;
    let pageToken: string | undefined;
    do {
      const page = await this.#transport.call<CollectionDiffPage>(
        'GET',
        `/api/collections/${this.uuid}/diff`,
        {
          query: { against, pageSize: options.pageSize, pageToken },
          signal: options.signal,
        },
      );
      yield page;
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
  }

  /** Deletes the collection (its memberships, never the items). */
  async delete(options: SignalOption = {}): Promise<void> {
    await this.#transport.call('DELETE', `index/collections/${this.uuid}`, { signal: options.signal });
  }

  #refresh(wire: Partial<CollectionWire>): void {
    if (typeof wire.name === 'string') this.#name = wire.name;
    if (typeof wire.description === 'string') this.#description = wire.description;
    if (typeof wire.createdAt === 'string') this.#createdAt = wire.createdAt;
    if (typeof wire.lastEditedAt === 'string') this.#lastEditedAt = wire.lastEditedAt;
  }

  async #changeItems(
    action: 'add-items' | 'remove-items',
    itemUuids: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<CollectionItemsResult> {
    const failedItems: string[] = [];
    for (const chunk of chunks(itemUuids, COLLECTION_ITEMS_PER_REQUEST)) {
      const answer = await this.#transport.call<CollectionItemsResult>(
        'POST',
        `index/collections/${this.uuid}/${action}`,
        { body: { itemUuids: chunk }, signal },
      );
      failedItems.push(...answer.failedItems);
    }
    return { failedItems };
  }

  async #presetJob(
    kind: 'add' | 'remove',
    presetUuid: string,
    signal: AbortSignal | undefined,
  ): Promise<CollectionJob> {
    const answer = await this.#transport.call<{ jobUuid?: unknown } | null>(
      'POST',
      `index/collections/${this.uuid}/${kind}-preset-items`,
      { body: { presetUuid }, signal, allowRetries: false },
    );
    const jobUuid = answer?.jobUuid;
    if (typeof jobUuid !== 'string') {
      throw new UnknownError(
        `${kind}-preset-items answered no jobUuid: the server runs the job but it cannot be followed`,
      );
    }
    return new CollectionJob(this.#transport, jobUuid, this.uuid, kind);
  }
}

/** Creates a collection under a top-level folder (Encord's call: the new uuid, then a read). */
export async function createCollection(
  transport: Transport,
  topLevelFolderUuid: string,
  name: string,
  options: SignalOption & { description?: string } = {},
): Promise<Collection> {
  const uuid = await transport.call<string>('POST', 'index/collections', {
    query: { topLevelFolderUuid },
    body: { name, description: options.description ?? '' },
    signal: options.signal,
    allowRetries: false,
  });
  if (typeof uuid !== 'string') throw new UnknownError('index/collections answered no collection uuid');
  return Collection.get(transport, uuid, options);
}

/** The collections matching the options, in creation order, fetched a page at a time. */
export async function* listCollections(
  transport: Transport,
  options: CollectionListOptions = {},
): AsyncGenerator<Collection> {
  // The query string drops an empty list, which would list every collection.
  if (options.collectionUuids?.length === 0) return;
  const rows = transport.paged<CollectionWire>(
    'index/collections',
    {
      topLevelFolderUuid: options.topLevelFolderUuid,
      uuids: options.collectionUuids,
      pageSize: options.pageSize,
    },
    options.signal,
  );
  for await (const wire of rows) yield Collection.fromWire(transport, wire);
}
