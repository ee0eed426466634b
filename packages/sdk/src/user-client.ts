/**
 * The entry point, shaped like Encord's `EncordUserClient`: one object per server and key,
 * from which schemas, folders, items, datasets, collections, presets and queries are read.
 * Every method takes an optional `{ signal }` (an AbortSignal) last.
 */
import { Bundle, type BundleOptions } from './bundle.js';
import { Collection, createCollection, listCollections, type CollectionListOptions } from './collection.js';
import { loadEd25519Seed, type SshKeySource } from './credentials.js';
import {
  createDataset,
  Dataset,
  DatasetAccessSettings,
  type CreateDatasetOptions,
  type CreatedDataset,
} from './dataset.js';
import { DatasetJob } from './dataset-job.js';
import {
  createFilterPreset,
  createPresetFromFilter,
  FilterPreset,
  listPresets,
  type FilterPresetJson,
  type PresetFromFilterOptions,
  type PresetListOptions,
} from './filter-preset.js';
import {
  explainQuery,
  ItemQuery,
  queryFacets,
  type ExplainResult,
  type FacetRequest,
  type FacetsOptions,
  type FacetsResult,
  type FilterInput,
  type QueryOptions,
} from './item-query.js';
import {
  getClientMetadataSchema,
  MetadataSchema,
  setClientMetadataSchemaFromDict,
} from './metadata-schema.js';
import {
  createStorageFolder,
  getStorageItems,
  listStorageFolders,
  StorageFolder,
  StorageItem,
  type CreateFolderOptions,
  type FolderListOptions,
} from './storage.js';
import { BearerCredentials, Ed25519Credentials, Transport, type RetryOptions } from './transport.js';

/** Connection settings shared by every way of creating a client. */
export interface ConnectionOptions {
  /** The server's base URL. Default: `METAINDEX_URL` from the environment, else `http://127.0.0.1:8080`. */
  domain?: string;
  retry?: RetryOptions;
  /** Per-attempt timeout in milliseconds (default 180,000). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** Appended to the User-Agent header. */
  userAgentSuffix?: string;
}

export interface Signal {
  signal?: AbortSignal;
}

const DEFAULT_DOMAIN = 'http://127.0.0.1:8080';

function defaultDomain(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const fromEnv = env?.METAINDEX_URL;
  return fromEnv === undefined || fromEnv === '' ? DEFAULT_DOMAIN : fromEnv;
}

function transportOptions(options: ConnectionOptions) {
  return {
    domain: options.domain ?? defaultDomain(),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.userAgentSuffix === undefined ? {} : { userAgentSuffix: options.userAgentSuffix }),
  };
}

export class EncordUserClient {
  /** The connection every object read through this client keeps using. */
  readonly transport: Transport;

  private constructor(transport: Transport) {
    this.transport = transport;
  }

  /**
   * Authenticates with an OpenSSH Ed25519 private key (passphrase-protected ones too, with
   * `password`). Key sources, first found wins: `sshPrivateKeyPath`, `sshPrivateKey`,
   * `ENCORD_SSH_KEY_FILE`, `ENCORD_SSH_KEY`. A key of another type is an InvalidArgumentsError.
   */
  static async createWithSshPrivateKey(
    options: SshKeySource & ConnectionOptions = {},
  ): Promise<EncordUserClient> {
    const seed = await loadEd25519Seed(options);
    return new EncordUserClient(
      new Transport({ ...transportOptions(options), credentials: new Ed25519Credentials(seed) }),
    );
  }

  /** Authenticates every request with a bearer token (see `getBearerToken`). */
  static createWithBearerToken(token: string, options: ConnectionOptions = {}): EncordUserClient {
    return new EncordUserClient(
      new Transport({ ...transportOptions(options), credentials: new BearerCredentials(token) }),
    );
  }

  /** A bearer token for this key (valid for one hour), for processes that should not hold the key. */
  async getBearerToken(options: Signal = {}): Promise<string> {
    const answer = await this.transport.call<{ token: string }>('GET', 'user/bearer-token', options);
    return answer.token;
  }

  // --- metadata schema ---

  /** The organisation's metadata schema, read now; edit it and `save()`. */
  metadataSchema(options: Signal = {}): Promise<MetadataSchema> {
    return MetadataSchema.load(this.transport, options);
  }

  /** Replaces the schema from a legacy flat `{key: typeName}` map (deprecated form; prefer `metadataSchema()`). */
  setClientMetadataSchemaFromDict(
    schema: Readonly<Record<string, string>>,
    options: Signal = {},
  ): Promise<void> {
    return setClientMetadataSchemaFromDict(this.transport, schema, options);
  }

  /** The schema in the legacy flat form `{key: typeName}`, or null when there is none. */
  getClientMetadataSchema(options: Signal = {}): Promise<Record<string, string> | null> {
    return getClientMetadataSchema(this.transport, options);
  }

  // --- storage ---

  createStorageFolder(name: string, options: CreateFolderOptions = {}): Promise<StorageFolder> {
    return createStorageFolder(this.transport, name, options);
  }

  getStorageFolder(uuid: string, options: Signal = {}): Promise<StorageFolder> {
    return StorageFolder.get(this.transport, uuid, options);
  }

  /** Top-level folders (or, with `search`/`isRecursive`, every folder whose name matches). */
  listStorageFolders(options: FolderListOptions = {}): AsyncIterable<StorageFolder> {
    return listStorageFolders(this.transport, options);
  }

  getStorageItem(uuid: string, options: Signal & { signUrl?: boolean } = {}): Promise<StorageItem> {
    return StorageItem.get(this.transport, uuid, options);
  }

  /** Several items in one request, in the order asked. */
  getStorageItems(
    uuids: readonly string[],
    options: Signal & { signUrls?: boolean } = {},
  ): Promise<StorageItem[]> {
    return getStorageItems(this.transport, uuids, options);
  }

  /**
   * Runs `work` with a new bundle and sends it when `work` succeeds; when `work` throws,
   * nothing is sent and the error propagates.
   */
  async withBundle<T>(
    work: (bundle: Bundle) => Promise<T> | T,
    options: BundleOptions & Signal = {},
  ): Promise<T> {
    const bundle = new Bundle(options.size === undefined ? {} : { size: options.size });
    const result = await work(bundle);
    await bundle.execute(options.signal === undefined ? {} : { signal: options.signal });
    return result;
  }

  // --- datasets ---

  createDataset(title: string, options: CreateDatasetOptions = {}): Promise<CreatedDataset> {
    return createDataset(this.transport, title, options);
  }

  getDataset(
    datasetHash: string,
    options: Signal & { accessSettings?: DatasetAccessSettings } = {},
  ): Promise<Dataset> {
    return Dataset.get(this.transport, datasetHash, options);
  }

  /**
   * A job that links a collection into a dataset, by its uuid, as it is now (see
   * `collection.toDataset`); `await job.wait()` follows it to the end.
   */
  getDatasetJob(uuid: string, options: Signal = {}): Promise<DatasetJob> {
    return DatasetJob.get(this.transport, uuid, options);
  }

  // --- Index: collections, presets, queries ---

  createCollection(
    topLevelFolderUuid: string,
    name: string,
    options: Signal & { description?: string } = {},
  ): Promise<Collection> {
    return createCollection(this.transport, topLevelFolderUuid, name, options);
  }

  getCollection(uuid: string, options: Signal = {}): Promise<Collection> {
    return Collection.get(this.transport, uuid, options);
  }

  listCollections(options: CollectionListOptions = {}): AsyncIterable<Collection> {
    return listCollections(this.transport, options);
  }

  async deleteCollection(uuid: string, options: Signal = {}): Promise<void> {
    await this.transport.call('DELETE', `index/collections/${uuid}`, options);
  }

  /** Creates a preset from an Encord preset document (`{local_filters, global_filters}`). */
  createPreset(
    name: string,
    filterPresetJson: FilterPresetJson,
    options: Signal & { description?: string } = {},
  ): Promise<FilterPreset> {
    return createFilterPreset(this.transport, name, filterPresetJson, options);
  }

  /** Creates a preset from a metaindex filter (text such as `weather = "rain" and speed > 3`, or its AST). */
  createPresetFromFilter(
    name: string,
    filter: FilterInput,
    options: PresetFromFilterOptions = {},
  ): Promise<FilterPreset> {
    return createPresetFromFilter(this.transport, name, filter, options);
  }

  getFilterPreset(uuid: string, options: Signal = {}): Promise<FilterPreset> {
    return FilterPreset.get(this.transport, uuid, options);
  }

  listPresets(options: PresetListOptions = {}): AsyncIterable<FilterPreset> {
    return listPresets(this.transport, options);
  }

  async deletePreset(uuid: string, options: Signal = {}): Promise<void> {
    await this.transport.call('DELETE', `index/presets/${uuid}`, options);
  }

  /**
   * The items matching a filter (text or AST; null or omitted: every item), in `sort`
   * order, fetched page by page as it is iterated.
   */
  queryItems(filter?: FilterInput | null, options: QueryOptions = {}): ItemQuery {
    return new ItemQuery(this.transport, filter ?? null, options);
  }

  facets(facets: readonly FacetRequest[], options: FacetsOptions = {}): Promise<FacetsResult> {
    return queryFacets(this.transport, facets, options);
  }

  explain(filter?: FilterInput | null, options: QueryOptions = {}): Promise<ExplainResult> {
    return explainQuery(this.transport, filter ?? null, options);
  }
}
