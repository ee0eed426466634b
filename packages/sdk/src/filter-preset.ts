/**
 * Index filter presets: saved filters, evaluated whenever they are used. Encord's
 * `index/presets` endpoints store Encord preset documents (`{local_filters,
 * global_filters}`); metaindex's `/api/presets` also makes presets from its filter
 * language, evaluates them and freezes their matches into collections.
 */
import { AuthorisationError, UnknownError } from './errors.js';
import { Collection } from './collection.js';
import {
  presetToDatasetBody,
  startDatasetJob,
  type DatasetJob,
  type PresetToDatasetOptions,
} from './dataset-job.js';
import { ItemQuery, type FilterInput, type QueryOptions } from './item-query.js';
import type { Page, Transport } from './transport.js';

/** The nil uuid: Encord's "no folder" (`local_filters` key for filters that apply everywhere). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface SignalOption {
  signal?: AbortSignal;
}

/**
 * An Encord Index preset document (snake_case keys, stored as sent). Each filter element
 * is `{key, include, values, type}` (see docs/filter-language.md for what each type means).
 */
export interface FilterPresetJson {
  /** Filters by folder uuid, applying inside that folder's tree; default `{<nil uuid>: {filters: []}}`. */
  local_filters?: Record<string, { filters: unknown[] }>;
  global_filters: { filters: unknown[] };
  /** metaindex's addition: a filter (text or AST) ANDed last, for filters Encord's elements cannot express. */
  metaindex_filter?: FilterInput | null;
}

export interface PresetFromFilterOptions extends SignalOption {
  description?: string;
  /** Scope the preset to this top-level folder's tree (default: no folder). */
  topLevelFolderUuid?: string;
}

export interface PresetListOptions extends SignalOption {
  /** Only presets of this top-level folder. */
  topLevelFolderUuid?: string;
  /** Only these presets (ANDed with the folder); an empty list lists nothing. */
  presetUuids?: readonly string[];
  /** Presets per request, 1–1000 (server default 100). */
  pageSize?: number;
}

/** metaindex's view of a preset (`GET /api/presets/{u}`). */
export interface PresetInfo {
  uuid: string;
  name: string;
  description: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** The folder whose tree the preset selects from, or null (everywhere). */
  topLevelFolderUuid: string | null;
  owner: string;
  /** How many snapshots (`freeze()`) were taken; the next is version `freezeCount + 1`. */
  freezeCount: number;
  /** What the preset means, in the filter language; null when it matches every item. */
  filter: string | null;
  filterPresetJson: FilterPresetJson;
}

export interface FreezeOptions extends SignalOption {
  /** Default `"<preset name> v<N>"`. */
  name?: string;
  description?: string;
  /** Where the collection lives (default: the preset's own folder; required for a preset without one). */
  topLevelFolderUuid?: string;
}

interface PresetWire {
  uuid: string;
  name: string;
  description?: string | null;
  createdAt?: string | null;
  lastUpdatedAt?: string | null;
}

/** The document as sent: Encord's SDK fills in the default local filters. */
function presetDocument(json: FilterPresetJson): Record<string, unknown> {
  const document: Record<string, unknown> = {
    local_filters: json.local_filters ?? { [NIL_UUID]: { filters: [] } },
    global_filters: json.global_filters,
  };
  if (json.metaindex_filter !== undefined) document.metaindex_filter = json.metaindex_filter;
  return document;
}

/** A saved filter. Its fields are as read, and refreshed by `update()` and `info()`. */
export class FilterPreset {
  readonly #transport: Transport;
  readonly uuid: string;
  #name: string;
  #description: string;
  #createdAt: string | null;
  #lastUpdatedAt: string | null;

  private constructor(transport: Transport, wire: PresetWire) {
    this.#transport = transport;
    this.uuid = wire.uuid;
    this.#name = wire.name;
    this.#description = wire.description ?? '';
    this.#createdAt = wire.createdAt ?? null;
    this.#lastUpdatedAt = wire.lastUpdatedAt ?? null;
  }

  /** @internal Builds a preset from a wire object. */
  static fromWire(transport: Transport, wire: PresetWire): FilterPreset {
    return new FilterPreset(transport, wire);
  }

  /** Reads a preset; one that does not exist is an AuthorisationError, as Encord says it. */
  static async get(transport: Transport, uuid: string, options: SignalOption = {}): Promise<FilterPreset> {
    const page = await transport.call<Page<PresetWire>>('GET', 'index/presets', {
      query: { uuids: [uuid] },
      signal: options.signal,
    });
    const [wire] = page.results;
    if (wire === undefined) throw new AuthorisationError('Preset not found');
    return new FilterPreset(transport, wire);
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

  get lastUpdatedAt(): string | null {
    return this.#lastUpdatedAt;
  }

  /** The preset document exactly as stored. */
  getFilterPresetJson(options: SignalOption = {}): Promise<FilterPresetJson> {
    return this.#transport.call<FilterPresetJson>('GET', `index/presets/${this.uuid}`, {
      signal: options.signal,
    });
  }

  /** Changes the fields given (a new document is checked like a new preset's); this object is refreshed. */
  async update(
    changes: { name?: string; description?: string; filterPresetJson?: FilterPresetJson } & SignalOption = {},
  ): Promise<this> {
    const body: Record<string, unknown> = {};
    if (changes.name !== undefined) body.name = changes.name;
    if (changes.description !== undefined) body.description = changes.description;
    if (changes.filterPresetJson !== undefined) body.filterPreset = presetDocument(changes.filterPresetJson);
    const wire = await this.#transport.call<PresetWire>('PATCH', `index/presets/${this.uuid}`, {
      body,
      signal: changes.signal,
    });
    this.#refresh(wire);
    return this;
  }

  /** metaindex's view: folder, owner, freeze count, and the filter the preset means. Refreshes this object. */
  async info(options: SignalOption = {}): Promise<PresetInfo> {
    const info = await this.#transport.call<PresetInfo>('GET', `/api/presets/${this.uuid}`, {
      signal: options.signal,
    });
    this.#refresh(info);
    return info;
  }

  /**
   * The preset's matches now, as `queryItems` answers them (`POST /api/presets/{u}/items`);
   * a `filter` here is ANDed with the preset's.
   */
  items(options: QueryOptions & { filter?: FilterInput | null } = {}): ItemQuery {
    const { filter, ...rest } = options;
    return new ItemQuery(this.#transport, filter ?? null, rest, `/api/presets/${this.uuid}/items`);
  }

  /**
   * Snapshots the preset's matches into a new collection, in one transaction. The
   * collection never follows later metadata changes; `info()` on it gives the preset and
   * version (1, 2, …) it came from.
   */
  async freeze(options: FreezeOptions = {}): Promise<Collection> {
    const body: Record<string, string> = {};
    if (options.name !== undefined) body.name = options.name;
    if (options.description !== undefined) body.description = options.description;
    if (options.topLevelFolderUuid !== undefined) body.topLevelFolderUuid = options.topLevelFolderUuid;
    const view = await this.#transport.call<Parameters<typeof Collection.fromWire>[1]>(
      'POST',
      `/api/presets/${this.uuid}/freeze`,
      { body, signal: options.signal, allowRetries: false },
    );
    return Collection.fromWire(this.#transport, view);
  }

  /**
   * Evaluates the preset now and makes a dataset of its matches: they are frozen into a new
   * snapshot collection (as `freeze()` does: in the preset's folder, or `topLevelFolderUuid`),
   * which is then sent as `collection.toDataset()` sends one. The job's `collectionUuid` is
   * that snapshot and its `presetUuid` this preset.
   */
  toDataset(options: PresetToDatasetOptions): Promise<DatasetJob> {
    return startDatasetJob(
      this.#transport,
      `/api/presets/${this.uuid}/dataset`,
      presetToDatasetBody(options),
      options,
    );
  }

  /** Deletes the preset (collections frozen from it stay). */
  async delete(options: SignalOption = {}): Promise<void> {
    await this.#transport.call('DELETE', `index/presets/${this.uuid}`, { signal: options.signal });
  }

  #refresh(wire: Partial<PresetWire>): void {
    if (typeof wire.name === 'string') this.#name = wire.name;
    if (typeof wire.description === 'string') this.#description = wire.description;
    if (typeof wire.createdAt === 'string') this.#createdAt = wire.createdAt;
    if (typeof wire.lastUpdatedAt === 'string') this.#lastUpdatedAt = wire.lastUpdatedAt;
  }
}

/**
 * Creates a preset from an Encord preset document, as Encord's SDK does (no folder: the
 * nil uuid), then reads it. A document of the wrong shape, or whose filters do not fit the
 * schema, is an InvalidArgumentsError naming the path and rule.
 */
export async function createFilterPreset(
  transport: Transport,
  name: string,
  filterPresetJson: FilterPresetJson,
  options: SignalOption & { description?: string; topLevelFolderUuid?: string } = {},
): Promise<FilterPreset> {
  const uuid = await transport.call<string>('POST', 'index/presets', {
    query: { topLevelFolderUuid: options.topLevelFolderUuid ?? NIL_UUID },
    body: {
      name,
      filterPresetJson: presetDocument(filterPresetJson),
      description: options.description ?? '',
    },
    signal: options.signal,
    allowRetries: false,
  });
  if (typeof uuid !== 'string') throw new UnknownError('index/presets answered no preset uuid');
  return FilterPreset.get(transport, uuid, options);
}

/**
 * Creates a preset from a metaindex filter (text or AST) with `POST /api/presets`. It is
 * stored as an Encord document, so Encord clients read it too; a filter Encord's elements
 * cannot express is kept whole in `metaindex_filter`.
 */
export async function createPresetFromFilter(
  transport: Transport,
  name: string,
  filter: FilterInput,
  options: PresetFromFilterOptions = {},
): Promise<FilterPreset> {
  const body: Record<string, unknown> = { name, filter };
  if (options.description !== undefined) body.description = options.description;
  if (options.topLevelFolderUuid !== undefined) body.topLevelFolderUuid = options.topLevelFolderUuid;
  const view = await transport.call<PresetWire>('POST', '/api/presets', {
    body,
    signal: options.signal,
    allowRetries: false,
  });
  return FilterPreset.fromWire(transport, view);
}

/** The presets matching the options, in creation order, fetched a page at a time. */
export async function* listPresets(
  transport: Transport,
  options: PresetListOptions = {},
): AsyncGenerator<FilterPreset> {
  // The query string drops an empty list, which would list every preset.
  if (options.presetUuids?.length === 0) return;
  const rows = transport.paged<PresetWire>(
    'index/presets',
    {
      topLevelFolderUuid: options.topLevelFolderUuid,
      uuids: options.presetUuids,
      pageSize: options.pageSize,
    },
    options.signal,
  );
  for await (const wire of rows) yield FilterPreset.fromWire(transport, wire);
}
