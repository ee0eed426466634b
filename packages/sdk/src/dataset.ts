/**
 * Datasets and data rows over the v1 RPC calls, as Encord's SDK makes them.
 *
 * A data row stores no metadata of its own: its `clientMetadata` **is** its backing storage
 * item's, read when the row was read. Writing it through `DataRow.save()` is an item write
 * (validated against the schema like any other), seen at once through
 * `GET storage/items/{u}`, every dataset linking the item and every query.
 */
import { InvalidArgumentsError, UnknownError } from './errors.js';
import type { Transport } from './transport.js';

/** What a dataset read includes; `fetchClientMetadata` (default false) adds each row's metadata. */
export class DatasetAccessSettings {
  readonly fetchClientMetadata: boolean;
  constructor(options: { fetchClientMetadata?: boolean } = {}) {
    this.fetchClientMetadata = options.fetchClientMetadata ?? false;
  }
}

interface SignalOption {
  signal?: AbortSignal;
}

/** A DataRow as the v1 calls answer it (snake_case). */
interface DataRowWire {
  data_hash: string;
  data_title: string;
  data_type: string;
  created_at: string;
  last_edited_at: string;
  width: number | null;
  height: number | null;
  file_link: string | null;
  file_size: number | null;
  file_type: string | null;
  storage_location: number;
  frames_per_second: number | null;
  duration: number | null;
  client_metadata?: Record<string, unknown> | null;
  backing_item_uuid?: string | null;
  signed_url?: string | null;
  is_optimised_image_group?: boolean | null;
}

interface DatasetWire {
  dataset_hash: string;
  title: string;
  description: string;
  dataset_type: string;
  backing_folder_uuid: string | null;
  data_rows: DataRowWire[];
}

export type DuplicatesBehavior = 'SKIP' | 'FAIL' | 'DUPLICATE';

export interface CreateDatasetOptions extends SignalOption {
  description?: string;
  /** Also create a top-level storage folder, named after the dataset, that backs it (default false). */
  createBackingFolder?: boolean;
}

/** The answer of `createDataset`. */
export interface CreatedDataset {
  datasetHash: string;
  /** The folder created with `createBackingFolder`, else null. */
  backingFolderUuid: string | null;
}

/** Filters of `Dataset.listDataRows`, ANDed. */
export interface DataRowListOptions extends SignalOption {
  /** Exact title. */
  titleEq?: string;
  /** SQL LIKE pattern (`%`, `_`), case-insensitive. */
  titleLike?: string;
  /** ISO 8601 date-times (no zone means UTC), or Dates. */
  createdBefore?: string | Date;
  createdAfter?: string | Date;
  /** `IMAGE`, `VIDEO`, `IMG_GROUP`, `DICOM`, … */
  dataTypes?: readonly string[];
  /** Only these rows; an empty list matches nothing. */
  dataHashes?: readonly string[];
  /** Fetch the rows' metadata (default: the dataset's access settings). */
  fetchClientMetadata?: boolean;
}

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A JSON copy: what the server will store (undefined dropped, Dates as ISO strings). */
function jsonCopy(value: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

type DirtyField = 'client_metadata' | 'title';

/**
 * One data unit of a dataset. Read-only fields mirror the v1 DataRow; `clientMetadata` and
 * `title` can be set locally and sent with `save()`.
 */
export class DataRow {
  readonly #transport: Transport;
  readonly #datasetHash: string;
  #wire: DataRowWire;
  /** The metadata as read or set (a private JSON copy), null when not fetched. */
  #metadata: JsonObject | null;
  /** The frozen copy the getter answers, made on first read after a change. */
  #frozen: Readonly<JsonObject> | null = null;
  #title: string;
  /** Dirty fields, each with the generation of its last local change. */
  readonly #dirty = new Map<DirtyField, number>();
  #generation = 0;

  /** @internal Rows are made by `Dataset` from what the server answers. */
  constructor(transport: Transport, datasetHash: string, wire: DataRowWire) {
    this.#transport = transport;
    this.#datasetHash = datasetHash;
    this.#wire = wire;
    this.#metadata = wire.client_metadata ?? null;
    this.#title = wire.data_title;
  }

  /** The data hash (Encord's `uid`). */
  get uid(): string {
    return this.#wire.data_hash;
  }

  get dataHash(): string {
    return this.#wire.data_hash;
  }

  /** The dataset this row was read through. */
  get datasetHash(): string {
    return this.#datasetHash;
  }

  get title(): string {
    return this.#title;
  }

  /** Sets the title locally; `save()` sends it. */
  set title(value: string) {
    if (typeof value !== 'string') throw new InvalidArgumentsError('title must be a string');
    this.#title = value;
    this.#markDirty('title');
  }

  /** `IMAGE`, `VIDEO`, `IMG_GROUP`, … */
  get dataType(): string {
    return this.#wire.data_type;
  }

  get createdAt(): string {
    return this.#wire.created_at;
  }

  get lastEditedAt(): string {
    return this.#wire.last_edited_at;
  }

  /** The storage item holding the file and the metadata. */
  get backingItemUuid(): string | null {
    return this.#wire.backing_item_uuid ?? null;
  }

  get width(): number | null {
    return this.#wire.width;
  }

  get height(): number | null {
    return this.#wire.height;
  }

  get fileLink(): string | null {
    return this.#wire.file_link;
  }

  get fileSize(): number | null {
    return this.#wire.file_size;
  }

  get fileType(): string | null {
    return this.#wire.file_type;
  }

  /** Encord's integer storage location (0: CORD_STORAGE, 1: AWS, 2: GCP, 3: AZURE, 4: S3_COMPATIBLE). */
  get storageLocation(): number {
    return this.#wire.storage_location;
  }

  get framesPerSecond(): number | null {
    return this.#wire.frames_per_second;
  }

  get duration(): number | null {
    return this.#wire.duration;
  }

  /** A download URL, when asked for with `refetchData({ signedUrl: true })`. */
  get signedUrl(): string | null {
    return this.#wire.signed_url ?? null;
  }

  get isOptimisedImageGroup(): boolean | null {
    return this.#wire.is_optimised_image_group ?? null;
  }

  /**
   * The backing item's metadata as a frozen deep copy (editing it throws in strict mode),
   * or null when it was not fetched (`DatasetAccessSettings({ fetchClientMetadata: true })`).
   * To change it, assign a new object and `save()`.
   */
  // eslint-disable-next-line @typescript-eslint/related-getter-setter-pairs -- null means "not fetched": only an object can be set and saved
  get clientMetadata(): Readonly<JsonObject> | null {
    if (this.#metadata === null) return null;
    this.#frozen ??= deepFreeze(jsonCopy(this.#metadata));
    return this.#frozen;
  }

  /**
   * Replaces the whole metadata object locally (a JSON copy is kept, so later changes to
   * `value` do not leak in) and marks it for `save()`.
   */
  set clientMetadata(value: Readonly<JsonObject>) {
    if (!isPlainObject(value)) throw new InvalidArgumentsError('clientMetadata must be a plain JSON object');
    this.#metadata = jsonCopy(value);
    this.#frozen = null;
    this.#markDirty('client_metadata');
  }

  /** The fields set locally and not yet saved (`client_metadata`, `title`). */
  get dirtyFields(): readonly string[] {
    return [...this.#dirty.keys()];
  }

  /**
   * Sends the dirty fields (v1 `datarow` POST; with none, `{}`), checks that the server
   * updated exactly those (else an UnknownError naming both sets), and refreshes the row
   * from the answer. A value the schema rejects is an InvalidArgumentsError naming the
   * item, key and rule; nothing is written then, and the fields stay dirty.
   */
  async save(options: SignalOption = {}): Promise<void> {
    const sent = new Map(this.#dirty);
    const payload: JsonObject = {};
    if (sent.has('client_metadata') && this.#metadata !== null) payload.client_metadata = this.#metadata;
    if (sent.has('title')) payload.title = this.#title;
    const answer = await this.#transport.rpc<{ data_row: DataRowWire; updated_fields: unknown }>(
      'datarow',
      'POST',
      this.dataHash,
      payload,
      { resourceType: 'dataset', resourceId: this.#datasetHash, signal: options.signal },
    );
    const requested = Object.keys(payload).sort();
    const updated = Array.isArray(answer.updated_fields)
      ? answer.updated_fields.filter((f): f is string => typeof f === 'string').sort()
      : [];
    if (requested.length !== updated.length || requested.some((f, i) => f !== updated[i])) {
      throw new UnknownError(
        `The actually updated fields [${updated.join(', ')}] do not match the fields that are requested for update [${requested.join(', ')}].`,
      );
    }
    // Fields set again while the save was under way stay dirty with their newer values.
    for (const [field, generation] of sent) {
      if (this.#dirty.get(field) === generation) this.#dirty.delete(field);
    }
    this.#apply(answer.data_row);
  }

  /**
   * Reads the row again (v1 `datarow` GET), discarding unsaved local changes.
   * `clientMetadata` defaults to whether this row has its metadata now.
   */
  async refetchData(
    options: SignalOption & { signedUrl?: boolean; clientMetadata?: boolean } = {},
  ): Promise<void> {
    const wire = await this.#transport.rpc<DataRowWire>(
      'datarow',
      'GET',
      this.dataHash,
      {
        additional_data: {
          signed_url: options.signedUrl ?? false,
          images_data_fetch_options: null,
          client_metadata: options.clientMetadata ?? this.#metadata !== null,
        },
      },
      { resourceType: 'dataset', resourceId: this.#datasetHash, signal: options.signal },
    );
    this.#dirty.clear();
    this.#apply(wire);
  }

  /** @internal Replaces the row's state with a newer read, keeping dirty local fields. */
  _replace(wire: DataRowWire): void {
    this.#apply(wire);
  }

  #markDirty(field: DirtyField): void {
    this.#generation += 1;
    this.#dirty.set(field, this.#generation);
  }

  #apply(wire: DataRowWire): void {
    this.#wire = wire;
    if (!this.#dirty.has('title')) this.#title = wire.data_title;
    if (!this.#dirty.has('client_metadata')) {
      this.#metadata = wire.client_metadata ?? null;
      this.#frozen = null;
    }
  }
}

const isoOf = (value: string | Date | undefined): string | undefined =>
  value instanceof Date ? value.toISOString() : value;

/**
 * A dataset and its rows, read with `get` (v1 `dataset` GET). `dataRows` is the list as last
 * read; `refetchData()` and `setAccessSettings()` read it again.
 */
export class Dataset {
  readonly #transport: Transport;
  #accessSettings: DatasetAccessSettings;
  #wire: DatasetWire;
  #rows: DataRow[];

  private constructor(transport: Transport, accessSettings: DatasetAccessSettings, wire: DatasetWire) {
    this.#transport = transport;
    this.#accessSettings = accessSettings;
    this.#wire = wire;
    this.#rows = wire.data_rows.map((row) => new DataRow(transport, wire.dataset_hash, row));
  }

  /** Reads a dataset and its rows (with their metadata when `accessSettings.fetchClientMetadata`). */
  static async get(
    transport: Transport,
    datasetHash: string,
    options: SignalOption & { accessSettings?: DatasetAccessSettings } = {},
  ): Promise<Dataset> {
    const settings = options.accessSettings ?? new DatasetAccessSettings();
    const wire = await Dataset.#read(transport, datasetHash, settings, options.signal);
    return new Dataset(transport, settings, wire);
  }

  static #read(
    transport: Transport,
    datasetHash: string,
    settings: DatasetAccessSettings,
    signal: AbortSignal | undefined,
  ): Promise<DatasetWire> {
    return transport.rpc<DatasetWire>(
      'dataset',
      'GET',
      null,
      { dataset_access_settings: { fetch_client_metadata: settings.fetchClientMetadata } },
      { resourceType: 'dataset', resourceId: datasetHash, signal },
    );
  }

  get datasetHash(): string {
    return this.#wire.dataset_hash;
  }

  get title(): string {
    return this.#wire.title;
  }

  get description(): string {
    return this.#wire.description;
  }

  /** Always `CORD_STORAGE` on metaindex. */
  get datasetType(): string {
    return this.#wire.dataset_type;
  }

  /** The storage folder backing the dataset (`createBackingFolder`), or null. */
  get backingFolderUuid(): string | null {
    return this.#wire.backing_folder_uuid;
  }

  get accessSettings(): DatasetAccessSettings {
    return this.#accessSettings;
  }

  /** The rows as last read (a copy of the list; the rows themselves are live objects). */
  get dataRows(): DataRow[] {
    return [...this.#rows];
  }

  /** Changes what reads include and, unless `refetchData: false`, reads the dataset again. */
  async setAccessSettings(
    settings: DatasetAccessSettings,
    options: SignalOption & { refetchData?: boolean } = {},
  ): Promise<void> {
    this.#accessSettings = settings;
    if (options.refetchData ?? true) await this.refetchData(options);
  }

  /**
   * Reads the dataset and its rows again. Rows already held are updated in place (their
   * unsaved local changes are kept); new rows are added, and rows gone are dropped.
   */
  async refetchData(options: SignalOption = {}): Promise<void> {
    const wire = await Dataset.#read(this.#transport, this.datasetHash, this.#accessSettings, options.signal);
    this.#wire = wire;
    this.#rows = this.#merge(wire.data_rows);
  }

  /**
   * Links storage items into the dataset as rows (v1 `datasetlinkitems`), answering a row
   * per uuid (in order): with `SKIP` (default) an item already linked answers its existing
   * row; with `FAIL` nothing is linked if any is (a ConflictError naming them); with
   * `DUPLICATE` a new row is made each time. New rows are appended to `dataRows`; with
   * `fetchClientMetadata`, one more call reads their metadata.
   */
  async linkItems(
    itemUuids: readonly string[],
    options: SignalOption & { duplicatesBehavior?: DuplicatesBehavior } = {},
  ): Promise<DataRow[]> {
    let linked = await this.#transport.rpc<DataRowWire[]>(
      'datasetlinkitems',
      'POST',
      this.datasetHash,
      { item_uuids: itemUuids, duplicates_behavior: options.duplicatesBehavior ?? 'SKIP' },
      { resourceType: 'dataset', resourceId: this.datasetHash, signal: options.signal },
    );
    if (this.#accessSettings.fetchClientMetadata && linked.length > 0) {
      const hashes = [...new Set(linked.map((row) => row.data_hash))];
      const withMetadata = new Map(
        (
          await this.#listRowWires({ dataHashes: hashes, fetchClientMetadata: true, signal: options.signal })
        ).map((row) => [row.data_hash, row]),
      );
      linked = linked.map((row) => withMetadata.get(row.data_hash) ?? row);
    }
    const rows = this.#merge(linked);
    const known = new Set(this.#rows);
    for (const row of rows) {
      if (!known.has(row)) {
        this.#rows.push(row);
        known.add(row);
      }
    }
    return rows;
  }

  /**
   * The rows matching the filters, read now (v1 `datarows` GET). Rows this dataset already
   * holds are updated in place and answered as the same objects; `dataRows` is not changed
   * otherwise.
   */
  async listDataRows(options: DataRowListOptions = {}): Promise<DataRow[]> {
    const wires = await this.#listRowWires(options);
    return this.#merge(wires);
  }

  async #listRowWires(options: DataRowListOptions): Promise<DataRowWire[]> {
    const payload: JsonObject = {
      dataset_access_settings: {
        fetch_client_metadata: options.fetchClientMetadata ?? this.#accessSettings.fetchClientMetadata,
      },
    };
    if (options.titleEq !== undefined) payload.title_eq = options.titleEq;
    if (options.titleLike !== undefined) payload.title_like = options.titleLike;
    if (options.createdBefore !== undefined) payload.created_before = isoOf(options.createdBefore);
    if (options.createdAfter !== undefined) payload.created_after = isoOf(options.createdAfter);
    if (options.dataTypes !== undefined) payload.data_types = options.dataTypes;
    if (options.dataHashes !== undefined) payload.data_hashes = options.dataHashes;
    return this.#transport.rpc<DataRowWire[]>('datarows', 'GET', null, payload, {
      resourceType: 'dataset',
      resourceId: this.datasetHash,
      signal: options.signal,
    });
  }

  /**
   * Row objects for wire rows: a row already held (by data hash) is updated and reused, any
   * other is new.
   */
  #merge(wires: readonly DataRowWire[]): DataRow[] {
    const byHash = new Map(this.#rows.map((row) => [row.dataHash, row]));
    return wires.map((wire) => {
      const existing = byHash.get(wire.data_hash);
      if (existing === undefined) {
        const row = new DataRow(this.#transport, this.datasetHash, wire);
        byHash.set(wire.data_hash, row);
        return row;
      }
      existing._replace(wire);
      return existing;
    });
  }
}

/** Creates a dataset (v2 `POST datasets`, not retried). */
export async function createDataset(
  transport: Transport,
  title: string,
  options: CreateDatasetOptions = {},
): Promise<CreatedDataset> {
  const answer = await transport.call<{ datasetUuid?: unknown; backingFolderUuid?: unknown }>(
    'POST',
    'datasets',
    {
      body: {
        title,
        description: options.description ?? '',
        createBackingFolder: options.createBackingFolder ?? false,
        legacyCall: false,
      },
      signal: options.signal,
      allowRetries: false,
    },
  );
  if (typeof answer.datasetUuid !== 'string') throw new UnknownError('POST datasets answered no datasetUuid');
  return {
    datasetHash: answer.datasetUuid,
    backingFolderUuid: typeof answer.backingFolderUuid === 'string' ? answer.backingFolderUuid : null,
  };
}
