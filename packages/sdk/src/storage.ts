/**
 * Storage folders and items: the Encord storage calls (`storage/folders…`,
 * `storage/items…`), uploads through signed URLs and registration jobs, and metaindex's
 * merge-patch extension for item metadata.
 */
import { compileMetadataValidator, type MetadataProblem } from '@metaindex/core';
import type { Bundle } from './bundle.js';
import { AbortedError, EncordError, InvalidArgumentsError, UnknownError } from './errors.js';
import type { Page, QueryParams, Transport } from './transport.js';

/** A clientMetadata document: any JSON object. */
export type ClientMetadata = Record<string, unknown>;

export type StorageItemType =
  | 'video'
  | 'image'
  | 'group'
  | 'imageGroup'
  | 'imageSequence'
  | 'dicomFile'
  | 'dicomSeries'
  | 'audio'
  | 'nifti'
  | 'plainText'
  | 'pdf'
  | 'scene';

/** Sort orders of storage listings. */
export type FoldersSortBy = 'name' | 'createdAt';

/**
 * A StorageItem as the server sends it. `clientMetadata` is JSON text on the Encord
 * endpoints and an object on metaindex's /api endpoints; both are accepted.
 */
export interface StorageItemWire {
  uuid: string;
  parent: string;
  itemType: StorageItemType;
  name: string;
  description?: string;
  clientMetadata: string | ClientMetadata;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  isTombstone?: boolean;
  isPlaceholder?: boolean;
  backedDataUnitsCount: number;
  storageLocation: string;
  integrationHash: string | null;
  url: string | null;
  signedUrl: string | null;
  fileSize: number | null;
  mimeType: string | null;
  duration: number | null;
  fps: number | null;
  height: number | null;
  width: number | null;
  dicomInstanceUid: string | null;
  dicomStudyUid: string | null;
  dicomSeriesUid: string | null;
  frameCount: number | null;
  audioSampleRate: number | null;
  audioBitDepth: number | null;
  audioCodec: string | null;
  audioNumChannels: number | null;
}

/** One ancestor in a folder's `pathToRoot`, root first. */
export interface FolderPathElement {
  uuid: string;
  parentUuid: string | null;
  name: string;
  syncedDatasetHash: string | null;
}

/** A StorageFolder as the server sends it (`clientMetadata` is JSON text or null). */
export interface StorageFolderWire {
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
  pathToRoot: FolderPathElement[];
}

/** What one item patch sends (`PATCH storage/folders/{f}/items/{u}` and each entry of patch-bulk). */
export interface StorageItemPatch {
  name?: string;
  description?: string;
  /** Replaces the item's whole clientMetadata object. */
  clientMetadata?: ClientMetadata;
}

interface SignalOption {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------
// local checks

// Validating against an empty schema applies exactly the rules that need no schema (the
// document is a JSON object; the reserved `keyframes` key holds distinct frame numbers),
// so a local rejection is always one the server would make too.
const schemaFreeValidator = compileMetadataValidator(new Map());

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The JSON the server would receive for `value` (a deep copy), or an InvalidArgumentsError. */
// JSON.stringify answers undefined for undefined, a function or a symbol; its type says string.
const encodeJson: (value: unknown) => string | undefined = JSON.stringify;

function asJson(value: unknown, what: string): unknown {
  let text: string | undefined;
  try {
    text = encodeJson(value);
  } catch (error) {
    throw new InvalidArgumentsError(`${what} cannot be sent as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** Checks one item's new clientMetadata as the server would, with the server's message. */
function checkedItemMetadata(itemUuid: string, metadata: unknown): ClientMetadata {
  const wire = asJson(metadata, 'clientMetadata');
  const result = schemaFreeValidator.validate(wire);
  if (!result.ok) throw metadataRejection(itemUuid, result.problems);
  return wire as ClientMetadata;
}

function metadataRejection(item: string, problems: MetadataProblem[]): InvalidArgumentsError {
  const details = problems.map((p) => `${p.message} [${p.rule}]`).join('; ');
  return new InvalidArgumentsError(
    `clientMetadata rejected, nothing was written: 1 item has invalid metadata: item ${item}: ${details}`,
    { code: 'invalid_argument', details: { items: [{ item, problems }] } },
  );
}

function checkedFolderMetadata(metadata: unknown): ClientMetadata {
  const wire = asJson(metadata, 'clientMetadata');
  if (!isPlainObject(wire)) {
    throw new InvalidArgumentsError('clientMetadata must be a JSON object', { code: 'invalid_argument' });
  }
  return wire;
}

function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new InvalidArgumentsError('pageSize should be between 1 and 1000');
  }
}

function abortedError(signal: AbortSignal): AbortedError {
  const reason: unknown = signal.reason;
  return new AbortedError(
    reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'The call was aborted.',
    { cause: reason },
  );
}

function parseMetadataText(text: string, what: string): ClientMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnknownError(`${what}: clientMetadata is not JSON text: ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
  if (!isPlainObject(parsed)) throw new UnknownError(`${what}: clientMetadata is not a JSON object`);
  return parsed;
}

/**
 * A paged listing, wrapping each result. Each `for await` walks it from the first page
 * (so the same listing can be iterated again); an abort stops it between items too.
 */
function pagedObjects<W, T>(
  pages: () => AsyncIterable<W>,
  signal: AbortSignal | undefined,
  wrap: (wire: W) => T,
): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const wire of pages()) {
        if (signal?.aborted === true) throw abortedError(signal);
        yield wrap(wire);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------
// items

export interface StorageItemChanges {
  name?: string;
  description?: string;
  /** The item's new clientMetadata; it **replaces** the whole object (see `mergeMetadata` to merge). */
  clientMetadata?: ClientMetadata;
}

/**
 * One storage item: its file's facts and its `clientMetadata`. Read with
 * `userClient.getStorageItem(uuid)`, `getStorageItems`, or a folder's `listItems`.
 */
export class StorageItem {
  readonly #transport: Transport;
  #wire!: StorageItemWire;
  #metadata: ClientMetadata | undefined;

  /** Wraps a StorageItem the server sent (SDK modules use this; users read items through the client). */
  constructor(transport: Transport, wire: StorageItemWire) {
    this.#transport = transport;
    this.#replace(wire);
  }

  /** Reads one item (`GET storage/items/{uuid}`); `signUrl` adds a download URL. */
  static async get(
    transport: Transport,
    uuid: string,
    options: SignalOption & { signUrl?: boolean } = {},
  ): Promise<StorageItem> {
    const wire = await transport.call<StorageItemWire>('GET', `storage/items/${encodeURIComponent(uuid)}`, {
      query: { signUrl: options.signUrl ?? false },
      signal: options.signal,
    });
    return new StorageItem(transport, wire);
  }

  #replace(wire: StorageItemWire): void {
    this.#wire = { ...wire };
    this.#metadata = isPlainObject(wire.clientMetadata) ? structuredClone(wire.clientMetadata) : undefined;
  }

  get uuid(): string {
    return this.#wire.uuid;
  }
  /** The uuid of the folder the item is in. */
  get parent(): string {
    return this.#wire.parent;
  }
  get itemType(): StorageItemType {
    return this.#wire.itemType;
  }
  get name(): string {
    return this.#wire.name;
  }
  get description(): string {
    return this.#wire.description ?? '';
  }
  get owner(): string {
    return this.#wire.owner;
  }
  /** ISO-8601 text, as the server sent it. */
  get createdAt(): string {
    return this.#wire.createdAt;
  }
  /** ISO-8601 text, as the server sent it. */
  get lastEditedAt(): string {
    return this.#wire.lastEditedAt;
  }
  get createdAtDate(): Date {
    return new Date(this.#wire.createdAt);
  }
  get lastEditedAtDate(): Date {
    return new Date(this.#wire.lastEditedAt);
  }
  get isTombstone(): boolean {
    return this.#wire.isTombstone ?? false;
  }
  get isPlaceholder(): boolean {
    return this.#wire.isPlaceholder ?? false;
  }
  /** How many dataset rows this item backs. */
  get backedDataUnitsCount(): number {
    return this.#wire.backedDataUnitsCount;
  }
  get storageLocation(): string {
    return this.#wire.storageLocation;
  }
  get integrationHash(): string | null {
    return this.#wire.integrationHash;
  }
  get url(): string | null {
    return this.#wire.url;
  }
  /** A download URL, when the item was read with `signUrl`/`getSignedUrls`. */
  get signedUrl(): string | null {
    return this.#wire.signedUrl;
  }
  get fileSize(): number | null {
    return this.#wire.fileSize;
  }
  get mimeType(): string | null {
    return this.#wire.mimeType;
  }
  get duration(): number | null {
    return this.#wire.duration;
  }
  get fps(): number | null {
    return this.#wire.fps;
  }
  get height(): number | null {
    return this.#wire.height;
  }
  get width(): number | null {
    return this.#wire.width;
  }
  get frameCount(): number | null {
    return this.#wire.frameCount;
  }
  get dicomInstanceUid(): string | null {
    return this.#wire.dicomInstanceUid;
  }
  get dicomStudyUid(): string | null {
    return this.#wire.dicomStudyUid;
  }
  get dicomSeriesUid(): string | null {
    return this.#wire.dicomSeriesUid;
  }
  get audioSampleRate(): number | null {
    return this.#wire.audioSampleRate;
  }
  get audioBitDepth(): number | null {
    return this.#wire.audioBitDepth;
  }
  get audioCodec(): string | null {
    return this.#wire.audioCodec;
  }
  get audioNumChannels(): number | null {
    return this.#wire.audioNumChannels;
  }

  /**
   * The item's clientMetadata as a new deep copy on every read: change it freely, then
   * pass it to `update`. Changing the copy changes nothing else.
   */
  get clientMetadata(): ClientMetadata {
    if (this.#metadata === undefined) {
      const raw = this.#wire.clientMetadata;
      this.#metadata = typeof raw === 'string' ? parseMetadataText(raw, `item ${this.uuid}`) : {};
    }
    return structuredClone(this.#metadata);
  }

  /**
   * Changes the item's name, description and/or clientMetadata. `clientMetadata`
   * **replaces** the whole object. Without a bundle it is sent now (`PATCH
   * storage/folders/{parent}/items/{uuid}`) and the server's answer becomes this object's
   * state; with `{ bundle }` it is queued, and this object is refreshed when the bundle is
   * executed. Nothing given: no request. The schema-free metadata rules (a JSON object; a
   * valid `keyframes` list) are checked first, with the server's message.
   */
  async update(
    changes: StorageItemChanges,
    options: SignalOption & { bundle?: Bundle | undefined } = {},
  ): Promise<void> {
    const patch: StorageItemPatch = {};
    if (changes.name !== undefined) patch.name = changes.name;
    if (changes.description !== undefined) {
      patch.description = changes.description;
    }
    if (changes.clientMetadata !== undefined) {
      patch.clientMetadata = checkedItemMetadata(this.uuid, changes.clientMetadata);
    }
    if (Object.keys(patch).length === 0) return;
    if (options.bundle !== undefined) {
      options.bundle.queueItemPatch(this.#transport, this.uuid, patch, this, (wire) => {
        this.#replace(wire);
      });
      return;
    }
    const wire = await this.#transport.call<StorageItemWire>(
      'PATCH',
      `storage/folders/${this.parent}/items/${this.uuid}`,
      { body: patch, signal: options.signal },
    );
    this.#replace(wire);
  }

  /**
   * Merges `patch` into the stored clientMetadata on the server (metaindex's `PATCH
   * /api/items/{uuid}/metadata`, an RFC 7396 merge patch): keys in `patch` are set,
   * nested objects merge, `null` removes a key, other keys stay. No read-modify-write and
   * no lost update between writers. The server's answer becomes this object's state.
   */
  async mergeMetadata(patch: ClientMetadata, options: SignalOption = {}): Promise<void> {
    const wire = asJson(patch, 'the merge patch');
    if (!isPlainObject(wire)) {
      throw new InvalidArgumentsError('the merge patch must be a JSON object', { code: 'invalid_argument' });
    }
    const answer = await this.#transport.call<StorageItemWire>('PATCH', `/api/items/${this.uuid}/metadata`, {
      body: wire,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      signal: options.signal,
    });
    this.#replace(answer);
  }

  /** Re-reads the item from the server (`signUrl` adds a download URL). */
  async refetchData(options: SignalOption & { signUrl?: boolean } = {}): Promise<void> {
    const fresh = await StorageItem.get(this.#transport, this.uuid, options);
    this.#replace(fresh.#wire);
  }

  /** The item as the wire shape, with `clientMetadata` as an object (a copy). */
  toJSON(): Omit<StorageItemWire, 'clientMetadata'> & { clientMetadata: ClientMetadata } {
    return { ...this.#wire, clientMetadata: this.clientMetadata };
  }
}

// ---------------------------------------------------------------------------------------
// folders

export interface ItemListOptions extends SignalOption {
  /** Only items whose name contains this text (case-insensitive). */
  search?: string;
  isInDataset?: boolean;
  itemTypes?: readonly StorageItemType[];
  /** Default `name`. */
  order?: FoldersSortBy;
  desc?: boolean;
  /** Items per request (default 100; the server allows 1–1000). */
  pageSize?: number;
  /** Adds a download URL to every item. */
  getSignedUrls?: boolean;
}

export interface UploadOptions extends SignalOption {
  /** The item's name; default: the file's name (for a path or a File), else the server's default. */
  title?: string;
  clientMetadata?: ClientMetadata;
  /** The Content-Type sent with the bytes; default: a Blob's type, the file extension's type, or sniffed. */
  mimeType?: string;
}

/** One file to register by URL (`registerItems`). Other fields (`imageMetadata`, …) are sent as given. */
export interface RegisterItemEntry {
  objectUrl: string;
  title?: string;
  /** Default `{}`. */
  clientMetadata?: ClientMetadata;
  /** Default: the list's type (`IMAGE` for `images`, …). */
  externalFileType?: string;
  [field: string]: unknown;
}

/** What `registerItems` registers; lists left out are sent empty. */
export interface DataUploadItems {
  images?: RegisterItemEntry[];
  videos?: RegisterItemEntry[];
  audio?: RegisterItemEntry[];
  text?: RegisterItemEntry[];
  pdf?: RegisterItemEntry[];
  nifti?: RegisterItemEntry[];
  imageGroups?: Record<string, unknown>[];
  imageGroupsFromItems?: Record<string, unknown>[];
  dicomSeries?: Record<string, unknown>[];
  skipDuplicateUrls?: boolean;
  upsertMetadata?: boolean;
}

export interface RegisterOptions extends SignalOption {
  /** Register the good units and report the bad ones (default false: any bad unit fails the whole job). */
  ignoreErrors?: boolean;
  /** Do not register a URL already registered in the folder (its existing item is reported instead). */
  skipDuplicateUrls?: boolean;
  /** With `skipDuplicateUrls`: replace the existing item's metadata with the new one. */
  upsertMetadata?: boolean;
}

export interface UnitError {
  objectUrls: string[];
  error: string;
  subtaskUuid: string;
  actionDescription: string;
}

/** A registration job as the server reports it. */
export interface UploadJobStatus {
  status: 'PENDING' | 'DONE' | 'ERROR' | 'CANCELLED';
  itemsWithNames: { itemUuid: string; name: string }[];
  errors: string[];
  unitsPendingCount: number;
  unitsDoneCount: number;
  unitsErrorCount: number;
  unitsCancelledCount: number;
  unitErrors: UnitError[];
  fileName: string | null;
}

export interface RegisterResult {
  jobUuid: string;
  /** `DONE`, or `ERROR`/`CANCELLED`: check it (with `ignoreErrors` false, ERROR means nothing was registered). */
  status: UploadJobStatus['status'];
  items: { itemUuid: string; name: string }[];
  errors: string[];
  unitErrors: UnitError[];
}

/** An upload or registration job that ended in ERROR or CANCELLED; `job` is the server's report. */
export class UploadJobError extends EncordError {
  readonly jobUuid: string;
  readonly job: UploadJobStatus;

  constructor(message: string, jobUuid: string, job: UploadJobStatus) {
    super(message, { details: job });
    this.jobUuid = jobUuid;
    this.job = job;
  }
}

/** A file to upload: a path (read with node:fs), bytes, or a Blob/File. */
export type UploadSource = string | Uint8Array | Blob;

interface UploadKind {
  label: string;
  itemType: StorageItemType;
  list: keyof typeof EMPTY_DATA_ITEM_LISTS;
  externalFileType: string;
  mediaField: string | undefined;
  fallbackMime: string;
}

const UPLOAD_KINDS = {
  image: {
    label: 'image',
    itemType: 'image',
    list: 'images',
    externalFileType: 'IMAGE',
    mediaField: 'imageMetadata',
    fallbackMime: 'application/octet-stream',
  },
  video: {
    label: 'video',
    itemType: 'video',
    list: 'videos',
    externalFileType: 'VIDEO',
    mediaField: 'videoMetadata',
    fallbackMime: 'application/octet-stream',
  },
  audio: {
    label: 'audio file',
    itemType: 'audio',
    list: 'audio',
    externalFileType: 'AUDIO',
    mediaField: 'audioMetadata',
    fallbackMime: 'application/octet-stream',
  },
  text: {
    label: 'text file',
    itemType: 'plainText',
    list: 'text',
    externalFileType: 'PLAIN_TEXT',
    mediaField: undefined,
    fallbackMime: 'text/plain',
  },
  pdf: {
    label: 'PDF',
    itemType: 'pdf',
    list: 'pdf',
    externalFileType: 'PDF',
    mediaField: undefined,
    fallbackMime: 'application/pdf',
  },
} as const satisfies Record<string, UploadKind>;

// In the order the Encord SDK sends them.
const EMPTY_DATA_ITEM_LISTS = {
  videos: [],
  imageGroups: [],
  dicomSeries: [],
  images: [],
  imageGroupsFromItems: [],
  audio: [],
  nifti: [],
  text: [],
  pdf: [],
} as const;

const EXTERNAL_FILE_TYPES: Record<keyof typeof EMPTY_DATA_ITEM_LISTS, string> = {
  videos: 'VIDEO',
  imageGroups: 'IMG_GROUP',
  dicomSeries: 'DICOM',
  images: 'IMAGE',
  imageGroupsFromItems: 'IMG_GROUP_FROM_ITEMS',
  audio: 'AUDIO',
  nifti: 'NIFTI',
  text: 'PLAIN_TEXT',
  pdf: 'PDF',
};

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  avif: 'image/avif',
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  pdf: 'application/pdf',
};

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function mimeFromName(name: string | undefined): string | undefined {
  const dot = name?.lastIndexOf('.') ?? -1;
  if (name === undefined || dot < 0) return undefined;
  return MIME_BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  return prefix.every((b, i) => bytes[at + i] === b);
}

function mimeFromBytes(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) {
    return 'image/webp';
  }
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  return undefined;
}

/** Width and height of a PNG, GIF or baseline/progressive JPEG, read from its header. */
function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) && bytes.length >= 24) {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) && bytes.length >= 10) {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (startsWith(bytes, [0xff, 0xd8])) {
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1] ?? 0;
      const length = view.getUint16(at + 2);
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
      at += 2 + length;
    }
  }
  return undefined;
}

async function readUploadSource(
  source: UploadSource,
): Promise<{ bytes: Uint8Array; name?: string; type?: string }> {
  if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    return { bytes: await readFile(source), name: baseName(source) };
  }
  if (source instanceof Uint8Array) return { bytes: source };
  const name = (source as { name?: unknown }).name;
  return {
    bytes: new Uint8Array(await source.arrayBuffer()),
    ...(typeof name === 'string' && name !== '' ? { name } : {}),
    ...(source.type === '' ? {} : { type: source.type }),
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Long-poll length per request; the server answers after at most 55 s anyway. */
const JOB_POLL_SECONDS = 55;

/**
 * A storage folder. Read with `userClient.getStorageFolder(uuid)`, create with
 * `userClient.createStorageFolder(name)` or `folder.createSubfolder(name)`.
 */
export class StorageFolder {
  readonly #transport: Transport;
  #wire!: StorageFolderWire;

  /** Wraps a StorageFolder the server sent (SDK modules use this; users read folders through the client). */
  constructor(transport: Transport, wire: StorageFolderWire) {
    this.#transport = transport;
    this.#wire = { ...wire };
  }

  /** Reads one folder (`GET storage/folders/{uuid}`). */
  static async get(transport: Transport, uuid: string, options: SignalOption = {}): Promise<StorageFolder> {
    const wire = await transport.call<StorageFolderWire>(
      'GET',
      `storage/folders/${encodeURIComponent(uuid)}`,
      {
        signal: options.signal,
      },
    );
    return new StorageFolder(transport, wire);
  }

  get uuid(): string {
    return this.#wire.uuid;
  }
  /** The parent folder's uuid; null for a top-level folder. */
  get parent(): string | null {
    return this.#wire.parent;
  }
  get name(): string {
    return this.#wire.name;
  }
  get description(): string {
    return this.#wire.description;
  }
  get owner(): string {
    return this.#wire.owner;
  }
  get createdAt(): string {
    return this.#wire.createdAt;
  }
  get lastEditedAt(): string {
    return this.#wire.lastEditedAt;
  }
  get createdAtDate(): Date {
    return new Date(this.#wire.createdAt);
  }
  get lastEditedAtDate(): Date {
    return new Date(this.#wire.lastEditedAt);
  }
  get userRole(): 'admin' | 'user' {
    return this.#wire.userRole;
  }
  /** The dataset this folder backs, if any. */
  get syncedDatasetHash(): string | null {
    return this.#wire.syncedDatasetHash;
  }
  /** The folder's ancestors, root first (a copy). */
  get pathToRoot(): FolderPathElement[] {
    return this.#wire.pathToRoot.map((p) => ({ ...p }));
  }
  /** The folder's own clientMetadata (a new copy on every read), or null when it has none. */
  get clientMetadata(): ClientMetadata | null {
    const raw = this.#wire.clientMetadata;
    return raw === null ? null : parseMetadataText(raw, `folder ${this.uuid}`);
  }

  /**
   * The items directly in this folder, fetched page by page as they are iterated
   * (`GET storage/folders/{uuid}/items`). Default order: by name, ascending. Each
   * `for await` over the result walks the listing again from the start.
   */
  listItems(options: ItemListOptions = {}): AsyncIterable<StorageItem> {
    return this.#items(false, options);
  }

  /**
   * The items in this folder and every folder below it whose name contains `search`
   * and/or whose type is in `itemTypes` (at least one is required). `pageSize` must be
   * 1–1000. Both are checked now, before anything is sent.
   */
  findItems(options: ItemListOptions): AsyncIterable<StorageItem> {
    checkPageSize(options.pageSize ?? 100);
    if ((options.search === undefined || options.search === '') && (options.itemTypes ?? []).length === 0) {
      throw new InvalidArgumentsError("At least one of 'search' or 'itemTypes' must be provided.");
    }
    return this.#items(true, options);
  }

  #items(recursive: boolean, options: ItemListOptions): AsyncIterable<StorageItem> {
    const transport = this.#transport;
    const query: QueryParams = {
      search: options.search,
      isRecursive: recursive,
      isInDataset: options.isInDataset,
      itemTypes: options.itemTypes,
      order: options.order ?? 'name',
      desc: options.desc ?? false,
      pageSize: options.pageSize ?? 100,
      signUrls: options.getSignedUrls ?? false,
    };
    return pagedObjects(
      () => transport.paged<StorageItemWire>(`storage/folders/${this.uuid}/items`, query, options.signal),
      options.signal,
      (wire) => new StorageItem(transport, wire),
    );
  }

  /** The folders directly below this one (`GET storage/folders/{uuid}/folders`). */
  listSubfolders(options: Omit<FolderListOptions, 'isRecursive'> = {}): AsyncIterable<StorageFolder> {
    return listFolders(this.#transport, `storage/folders/${this.uuid}/folders`, options);
  }

  /** Uploads an image file and registers it; answers the new item's uuid. */
  uploadImage(file: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.#upload(UPLOAD_KINDS.image, file, options);
  }
  /** Uploads a video file and registers it; answers the new item's uuid. */
  uploadVideo(file: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.#upload(UPLOAD_KINDS.video, file, options);
  }
  /** Uploads an audio file and registers it; answers the new item's uuid. */
  uploadAudio(file: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.#upload(UPLOAD_KINDS.audio, file, options);
  }
  /** Uploads a plain-text file and registers it; answers the new item's uuid. */
  uploadText(file: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.#upload(UPLOAD_KINDS.text, file, options);
  }
  /** Uploads a PDF and registers it; answers the new item's uuid. */
  uploadPdf(file: UploadSource, options: UploadOptions = {}): Promise<string> {
    return this.#upload(UPLOAD_KINDS.pdf, file, options);
  }

  /**
   * The Encord upload: a signed URL for one slot, an unsigned PUT of the bytes to it,
   * a registration job naming the slot's item uuid, and a long poll of that job.
   */
  async #upload(kind: UploadKind, file: UploadSource, options: UploadOptions): Promise<string> {
    const { signal } = options;
    const source = await readUploadSource(file);
    const mimeType =
      options.mimeType ??
      source.type ??
      mimeFromName(source.name) ??
      mimeFromBytes(source.bytes) ??
      kind.fallbackMime;
    const slots = await this.#transport.call<
      Page<{ itemUuid: string; objectKey: string; signedUrl: string }>
    >('POST', `storage/folders/${this.uuid}/upload-signed-urls`, {
      body: { itemType: kind.itemType, count: 1 },
      signal,
    });
    const slot = slots.results[0];
    if (slot === undefined) throw new UnknownError('The server answered no upload URL');
    await this.#transport.putSignedUrl(slot.signedUrl, source.bytes, {
      headers: { 'Content-Type': mimeType, 'Cache-Control': 'max-age=86400' },
      signal,
    });
    const entry: Record<string, unknown> = {
      objectUrl: slot.objectKey,
      ...((options.title ?? source.name) === undefined ? {} : { title: options.title ?? source.name }),
      clientMetadata: options.clientMetadata ?? {},
      externalFileType: kind.externalFileType,
      placeholderItemUuid: slot.itemUuid,
    };
    if (kind.mediaField !== undefined) {
      entry[kind.mediaField] = {
        mimeType,
        fileSize: source.bytes.byteLength,
        ...(kind.itemType === 'image' ? imageSize(source.bytes) : undefined),
      };
    }
    const { jobUuid, job } = await this.#runJob(
      {
        dataItems: {
          ...EMPTY_DATA_ITEM_LISTS,
          [kind.list]: [entry],
          skipDuplicateUrls: false,
          upsertMetadata: false,
        },
        ignoreErrors: false,
      },
      signal,
    );
    const itemUuid = job.itemsWithNames[0]?.itemUuid;
    if (job.status !== 'DONE' || itemUuid === undefined) {
      const reasons = [...job.errors, ...job.unitErrors.map((u) => u.error)];
      throw new UploadJobError(
        `Could not register ${kind.label}, the job ended ${job.status}${reasons.length === 0 ? '' : `, errors occurred: ${[...new Set(reasons)].join('; ')}`}`,
        jobUuid,
        job,
      );
    }
    return itemUuid;
  }

  async #runJob(
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ jobUuid: string; job: UploadJobStatus }> {
    const jobUuid = await this.#transport.call<string>(
      'POST',
      `storage/folders/${this.uuid}/data-upload-jobs`,
      {
        body,
        signal,
        allowRetries: false,
      },
    );
    if (typeof jobUuid !== 'string') throw new UnknownError('The registration job answered no job uuid');
    for (;;) {
      const started = Date.now();
      const job = await this.#transport.call<UploadJobStatus>(
        'GET',
        `storage/folders/${this.uuid}/data-upload-jobs/${jobUuid}`,
        { query: { timeoutSeconds: JOB_POLL_SECONDS }, signal },
      );
      if (job.status !== 'PENDING') return { jobUuid, job };
      // A server that answers PENDING at once (no long poll) is asked again a second later.
      if (Date.now() - started < 1000) await sleep(1000, signal);
    }
  }

  /**
   * Registers files by URL (`objectUrl`) with their metadata in one job, waits for it, and
   * answers what it did. Lists left out are sent empty; each entry's `clientMetadata`
   * defaults to `{}` and its `externalFileType` to its list's. The result's `status` says
   * whether it worked: with `ignoreErrors` false (the default) any bad unit makes it
   * `ERROR` and registers nothing; `unitErrors` names each bad unit and why.
   */
  async registerItems(dataItems: DataUploadItems, options: RegisterOptions = {}): Promise<RegisterResult> {
    const payload: Record<string, unknown> = {};
    for (const list of Object.keys(EMPTY_DATA_ITEM_LISTS) as (keyof typeof EMPTY_DATA_ITEM_LISTS)[]) {
      const entries: readonly Record<string, unknown>[] = dataItems[list] ?? [];
      payload[list] = entries.map((entry) => ({
        ...entry,
        clientMetadata: entry.clientMetadata ?? {},
        externalFileType: entry.externalFileType ?? EXTERNAL_FILE_TYPES[list],
      }));
    }
    payload.skipDuplicateUrls = options.skipDuplicateUrls ?? dataItems.skipDuplicateUrls ?? false;
    payload.upsertMetadata = options.upsertMetadata ?? dataItems.upsertMetadata ?? false;
    const { jobUuid, job } = await this.#runJob(
      { dataItems: payload, ignoreErrors: options.ignoreErrors ?? false },
      options.signal,
    );
    return {
      jobUuid,
      status: job.status,
      items: job.itemsWithNames,
      errors: job.errors,
      unitErrors: job.unitErrors,
    };
  }

  /** Creates a folder inside this one. */
  createSubfolder(
    name: string,
    options: Omit<CreateFolderOptions, 'parentFolder'> = {},
  ): Promise<StorageFolder> {
    return createStorageFolder(this.#transport, name, { ...options, parentFolder: this.uuid });
  }

  /**
   * Changes the folder's name, description and/or clientMetadata (which replaces the
   * folder's whole object); the answer becomes this object's state. Nothing given: no request.
   */
  async update(
    changes: { name?: string; description?: string; clientMetadata?: ClientMetadata },
    options: SignalOption = {},
  ): Promise<void> {
    const patch: Record<string, unknown> = {};
    if (changes.name !== undefined) patch.name = changes.name;
    if (changes.description !== undefined) patch.description = changes.description;
    if (changes.clientMetadata !== undefined) {
      patch.clientMetadata = checkedFolderMetadata(changes.clientMetadata);
    }
    if (Object.keys(patch).length === 0) return;
    this.#wire = await this.#transport.call<StorageFolderWire>('PATCH', `storage/folders/${this.uuid}`, {
      body: patch,
      signal: options.signal,
    });
  }

  /**
   * Deletes the folder and everything below it. The server refuses (409, naming them)
   * while its items back dataset rows, unless `force` (a metaindex extension), which
   * deletes those rows too.
   */
  async delete(options: SignalOption & { force?: boolean } = {}): Promise<void> {
    await this.#transport.call('DELETE', `storage/folders/${this.uuid}`, {
      query: { force: options.force === true ? true : undefined },
      signal: options.signal,
    });
  }

  /** Re-reads the folder from the server. */
  async refetchData(options: SignalOption = {}): Promise<void> {
    const fresh = await StorageFolder.get(this.#transport, this.uuid, options);
    this.#wire = fresh.#wire;
  }

  /** The folder as the wire shape (a copy). */
  toJSON(): StorageFolderWire {
    return { ...this.#wire, pathToRoot: this.pathToRoot };
  }
}

// ---------------------------------------------------------------------------------------
// client-level calls

export interface CreateFolderOptions extends SignalOption {
  description?: string;
  /** The folder's own metadata (any JSON object). */
  clientMetadata?: ClientMetadata;
  /** The parent folder (or its uuid); default: a top-level folder. */
  parentFolder?: StorageFolder | string;
}

export interface FolderListOptions extends SignalOption {
  /** Only folders whose name contains this text (case-insensitive). */
  search?: string;
  /** Every folder at any depth (`storage/search/folders`) instead of the top-level ones. */
  isRecursive?: boolean;
  /** Default `name`. */
  order?: FoldersSortBy;
  desc?: boolean;
  /** Folders per request: 1–1000, default 100. */
  pageSize?: number;
}

/**
 * Creates a folder (`POST storage/folders`, not retried, since it is not idempotent).
 * `clientMetadata` travels as JSON text, as the Encord SDK sends it.
 */
export async function createStorageFolder(
  transport: Transport,
  name: string,
  options: CreateFolderOptions = {},
): Promise<StorageFolder> {
  const body: Record<string, unknown> = { name };
  if (options.description !== undefined) body.description = options.description;
  if (options.clientMetadata !== undefined) {
    body.clientMetadata = JSON.stringify(checkedFolderMetadata(options.clientMetadata));
  }
  if (options.parentFolder !== undefined) {
    body.parent = typeof options.parentFolder === 'string' ? options.parentFolder : options.parentFolder.uuid;
  }
  const wire = await transport.call<StorageFolderWire>('POST', 'storage/folders', {
    body,
    signal: options.signal,
    allowRetries: false,
  });
  return new StorageFolder(transport, wire);
}

function listFolders(
  transport: Transport,
  path: string,
  options: FolderListOptions,
): AsyncIterable<StorageFolder> {
  const pageSize = options.pageSize ?? 100;
  checkPageSize(pageSize);
  const query: QueryParams = {
    search: options.search,
    order: options.order ?? 'name',
    desc: options.desc ?? false,
    pageSize,
  };
  return pagedObjects(
    () => transport.paged<StorageFolderWire>(path, query, options.signal),
    options.signal,
    (wire) => new StorageFolder(transport, wire),
  );
}

/**
 * Lists top-level folders (`GET storage/folders`), or with `isRecursive` every folder at
 * any depth (`GET storage/search/folders`), optionally only those whose name contains
 * `search`, page by page as they are iterated. `pageSize` is checked now.
 */
export function listStorageFolders(
  transport: Transport,
  options: FolderListOptions = {},
): AsyncIterable<StorageFolder> {
  return listFolders(
    transport,
    options.isRecursive === true ? 'storage/search/folders' : 'storage/folders',
    options,
  );
}

/** get-bulk requests carry at most this many uuids, to keep each answer bounded. */
const GET_BULK_CHUNK = 10_000;

/**
 * Reads several items (`POST storage/items/get-bulk`), in the order asked. Any unknown
 * uuid is a ResourceNotFoundError naming it. More than 10,000 uuids go in several requests.
 */
export async function getStorageItems(
  transport: Transport,
  uuids: readonly string[],
  options: SignalOption & { signUrls?: boolean } = {},
): Promise<StorageItem[]> {
  const items: StorageItem[] = [];
  for (let start = 0; start < uuids.length; start += GET_BULK_CHUNK) {
    const page = await transport.call<Page<StorageItemWire>>('POST', 'storage/items/get-bulk', {
      body: { itemUuids: uuids.slice(start, start + GET_BULK_CHUNK), signUrls: options.signUrls ?? false },
      signal: options.signal,
    });
    for (const wire of page.results) items.push(new StorageItem(transport, wire));
  }
  return items;
}
