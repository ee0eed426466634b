/**
 * The engine of `metaindex items import`: reads a JSONL or CSV file as a stream, turns
 * each record into (item, clientMetadata), validates it locally against the schema with
 * @metaindex/core (the server's own rules), finds the item (by uuid, or by name or
 * objectUrl in a folder, registering unknown objectUrls on request), and writes batches
 * through patch-bulk (replace) or merge-bulk (merge). While one batch is in flight the
 * next one is read, parsed, validated and resolved. After each acknowledged batch its
 * rejected lines are reported and a checkpoint is written, so a killed import resumes
 * where the server last acknowledged (see import-checkpoint.ts).
 *
 * A batch the server still rejects (the schema changed meanwhile, an item was deleted)
 * is split: the items its 400 lists in `details.items` (or its 404 names) are rejected
 * and the rest sent again; any other 400 or 413 is bisected down to the bad line. So the
 * good lines always land, and every bad one is reported once with its line number.
 */
import {
  applyMergePatch,
  compileMetadataValidator,
  MetaindexError,
  normaliseUuid,
  parseSchemaDocument,
  valueTypeName,
  type FilterNode,
  type MetadataProblem,
  type MetadataValidator,
  type SchemaMap,
} from '@metaindex/core';
import { EncordError, type EncordUserClient, type StorageFolder, type Transport } from '@metaindex/sdk';
import { resolve } from 'node:path';
import {
  CheckpointWriter,
  fileIdentity,
  readCheckpoint,
  RejectsFile,
  removeCheckpoint,
  removeStaleTemporaries,
  sameIdentity,
  settingsDifferences,
  type Checkpoint,
  type FileIdentity,
  type ImportCounts,
  type ImportSettings,
} from './import-checkpoint.js';
import {
  CsvSource,
  JsonlSource,
  type RecordSource,
  type SourceChunk,
  type SourceRecord,
} from './import-source.js';

export type MatchBy = 'uuid' | 'name' | 'objectUrl';
export type ImportMode = 'replace' | 'merge';
export type ImportFormat = 'jsonl' | 'csv';
export type RegisterAs = 'image' | 'video' | 'audio' | 'text' | 'pdf';

export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_BATCH_SIZE = 1_000;

export interface ImportOptions {
  file: string;
  format: ImportFormat;
  mode: ImportMode;
  /** Which field identifies the item; default: `uuid`, else `objectUrl`, else `name`, per line. */
  match?: MatchBy;
  /** The folder `name` and `objectUrl` lines are looked up in (its direct items). */
  folder?: string;
  /** Register objectUrl lines that match no item (into `folder`). */
  register: boolean;
  registerAs: RegisterAs;
  batchSize: number;
  checkpointPath: string;
  rejectsPath: string;
  /** Ignore (and replace) an existing checkpoint; start at the first line. */
  restart: boolean;
  /** Aborting stops after the batch in flight; the checkpoint covers it. */
  signal?: AbortSignal;
  /** After each acknowledged batch. */
  onProgress?: (progress: ImportProgress) => void;
  /** Remarks for stderr (resuming, columns typed as text). */
  onNote?: (text: string) => void;
}

export interface ImportProgress {
  offset: number;
  size: number;
  line: number;
  counts: ImportCounts;
  /** Records handled by this run (not counting what a resumed checkpoint covered). */
  runLines: number;
}

export interface ImportResult {
  counts: ImportCounts;
  /** Records handled by this run. */
  runLines: number;
  seconds: number;
  /** Where this run started, when it resumed a checkpoint. */
  resumedFrom: { line: number; offset: number } | null;
  /** The checkpoint said the file was already imported completely; nothing was done. */
  alreadyDone: boolean;
  /** Stopped early through `signal`; rerun to resume. */
  interrupted: boolean;
  /** The last line handled. */
  line: number;
  rejectsPath: string;
  checkpointPath: string;
}

/** One line of the rejects report. */
export interface Reject {
  line: number;
  reason: string;
  key?: string;
}

/** A line read and validated, not yet matched to an item. */
interface ParsedLine {
  line: number;
  by: MatchBy;
  id: string;
  /** The name to register an objectUrl line's item with. */
  title?: string;
  metadata: Record<string, unknown>;
}

interface PatchTarget {
  line: number;
  uuid: string;
  metadata: Record<string, unknown>;
}

interface RegisterTarget {
  line: number;
  url: string;
  title?: string;
  metadata: Record<string, unknown>;
}

type Target = ({ kind: 'patch' } & PatchTarget) | ({ kind: 'register' } & RegisterTarget);

/** A batch read, parsed, validated and matched: ready to send. */
interface PreparedBatch {
  end: number;
  lastLine: number;
  records: number;
  targets: Target[];
  rejects: Reject[];
}

const REGISTER_LISTS: Record<RegisterAs, string> = {
  image: 'images',
  video: 'videos',
  audio: 'audio',
  text: 'text',
  pdf: 'pdf',
};

/** Fields a wrapped JSONL line may have besides its metadata. */
const LINE_FIELDS = new Set(['uuid', 'name', 'objectUrl', 'folder', 'clientMetadata']);
const AUTO_ORDER: readonly MatchBy[] = ['uuid', 'objectUrl', 'name'];
const NAME_QUERY_CHUNK = 1000;

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function problemsReject(line: number, problems: readonly MetadataProblem[]): Reject {
  const reason = problems.map((p) => `${p.message} [${p.rule}]`).join('; ');
  const first = problems[0]?.key;
  return first === undefined || first === '' ? { line, reason } : { line, reason, key: first };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------
// turning records into lines

/** Turns records into validated lines; the format decides how a record reads. */
interface LineReader {
  read(record: SourceRecord): ParsedLine | Reject;
}

function checkedIdentifier(line: number, by: MatchBy, value: unknown): string | Reject {
  if (typeof value !== 'string' || value === '') {
    return {
      line,
      reason: `${by} must be a non-empty string, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    };
  }
  if (by === 'uuid') {
    const uuid = normaliseUuid(value);
    if (uuid === undefined) return { line, reason: `uuid ${JSON.stringify(value)} is not a UUID` };
    return uuid;
  }
  return value;
}

function validated(
  validator: MetadataValidator,
  line: number,
  by: MatchBy,
  id: string,
  metadata: Record<string, unknown>,
  title: string | undefined,
): ParsedLine | Reject {
  const result = validator.validate(metadata);
  if (!result.ok) return problemsReject(line, result.problems);
  return title === undefined ? { line, by, id, metadata } : { line, by, id, title, metadata };
}

/**
 * JSONL. A line is `{"uuid" | "objectUrl" | "name": …, "clientMetadata": {…}}` (also
 * `folder`, ignored, so `items export` output imports as is); with `--match`, a line
 * without `clientMetadata` is a bare object: the match field names the item and every
 * other key is metadata.
 */
class JsonlLineReader implements LineReader {
  constructor(
    private readonly validator: MetadataValidator,
    private readonly match: MatchBy | undefined,
  ) {}

  read(record: SourceRecord): ParsedLine | Reject {
    const { line } = record;
    let value: unknown;
    try {
      value = JSON.parse(record.text);
    } catch (error) {
      return { line, reason: `not JSON: ${(error as Error).message}` };
    }
    if (!isPlainObject(value)) return { line, reason: 'a line must be a JSON object' };
    const wrapped = 'clientMetadata' in value;
    if (!wrapped && this.match === undefined) {
      return {
        line,
        reason:
          'no clientMetadata object: write {"uuid": …, "clientMetadata": {…}}, or pass --match to read bare {"uuid": …, "key": value, …} lines',
      };
    }
    const by = this.match ?? AUTO_ORDER.find((field) => value[field] !== undefined);
    if (by === undefined) return { line, reason: 'no uuid, objectUrl or name to identify the item' };
    const id = checkedIdentifier(line, by, value[by]);
    if (typeof id !== 'string') return id;
    let metadata: Record<string, unknown>;
    if (wrapped) {
      for (const field in value) {
        if (!LINE_FIELDS.has(field)) {
          return {
            line,
            reason: `unknown field ${JSON.stringify(field)}: metadata goes in clientMetadata (fields: uuid, objectUrl, name, folder, clientMetadata)`,
          };
        }
      }
      const md = value.clientMetadata;
      if (!isPlainObject(md)) return { line, reason: 'clientMetadata must be a JSON object' };
      metadata = md;
    } else {
      metadata = { ...value };
      Reflect.deleteProperty(metadata, by);
    }
    const name = value.name;
    const title = by === 'objectUrl' && wrapped && typeof name === 'string' && name !== '' ? name : undefined;
    return validated(this.validator, line, by, id, metadata, title);
  }
}

/** Turns one CSV cell into a value of the column key's type; a string when it is not one (the validator then says why). */
type CellReader = (cell: string) => { value: unknown } | { error: string };

function cellReader(key: string, schema: SchemaMap): CellReader {
  const entry = schema.get(key);
  const type = entry === undefined || entry.ty === 'tombstone' ? undefined : valueTypeName(entry);
  switch (type) {
    case 'number':
      return (cell) => {
        const text = cell.trim();
        const n = Number(text);
        return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && Number.isFinite(n)
          ? { value: n }
          : { value: cell };
      };
    case 'boolean':
      return (cell) => {
        const text = cell.trim().toLowerCase();
        return text === 'true' ? { value: true } : text === 'false' ? { value: false } : { value: cell };
      };
    case 'embedding':
    case 'geospatial':
      return (cell) => {
        try {
          return { value: JSON.parse(cell) as unknown };
        } catch (error) {
          return { error: `key ${JSON.stringify(key)} (${type}) takes JSON: ${(error as Error).message}` };
        }
      };
    default:
      return (cell) => ({ value: cell });
  }
}

/** CSV: a header row, one identifier column, every other column a metadata key. */
class CsvLineReader implements LineReader {
  readonly #by: MatchBy;
  readonly #idColumn: number;
  readonly #columns: { key: string; index: number; read: CellReader }[];
  readonly #width: number;

  constructor(
    private readonly validator: MetadataValidator,
    header: readonly string[],
    schema: SchemaMap,
    match: MatchBy | undefined,
    note: (text: string) => void,
  ) {
    const seen = new Set<string>();
    for (const name of header) {
      if (name === '')
        throw new MetaindexError('invalid_argument', 'the CSV header has an empty column name');
      if (seen.has(name)) {
        throw new MetaindexError(
          'invalid_argument',
          `the CSV header names column ${JSON.stringify(name)} twice`,
        );
      }
      seen.add(name);
    }
    const by = match ?? AUTO_ORDER.find((field) => seen.has(field));
    if (by === undefined || !seen.has(by)) {
      throw new MetaindexError(
        'invalid_argument',
        by === undefined
          ? 'the CSV header has no uuid, objectUrl or name column to identify the items'
          : `the CSV header has no ${by} column (--match ${by})`,
      );
    }
    this.#by = by;
    this.#idColumn = header.indexOf(by);
    this.#width = header.length;
    this.#columns = header.flatMap((key, index) =>
      index === this.#idColumn ? [] : [{ key, index, read: cellReader(key, schema) }],
    );
    const untyped = this.#columns.filter(({ key }) => {
      const entry = schema.get(key);
      return entry === undefined || entry.ty === 'tombstone';
    });
    if (untyped.length > 0) {
      note(
        `note: ${untyped.map(({ key }) => JSON.stringify(key)).join(', ')} ${untyped.length === 1 ? 'is' : 'are'} not live in the schema: imported as text`,
      );
    }
  }

  read(record: SourceRecord): ParsedLine | Reject {
    const { line, fields } = record;
    if (fields.length !== this.#width) {
      return { line, reason: `${plural(fields.length, 'field')}, the header has ${this.#width}` };
    }
    const id = checkedIdentifier(line, this.#by, fields[this.#idColumn]);
    if (typeof id !== 'string') return id;
    const metadata: Record<string, unknown> = {};
    for (const column of this.#columns) {
      const cell = fields[column.index] as string;
      if (cell === '') continue;
      const read = column.read(cell);
      if ('error' in read) return { line, reason: read.error, key: column.key };
      metadata[column.key] = read.value;
    }
    return validated(this.validator, line, this.#by, id, metadata, undefined);
  }
}

// ---------------------------------------------------------------------------------------
// finding items

/** Items of the folder by objectUrl, read once (there is no lookup by URL on the wire). */
async function loadUrlIndex(client: EncordUserClient, folder: string): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>();
  const items = client.transport.paged<{ uuid: string; url: string | null }>(
    `storage/folders/${folder}/items`,
    {
      pageSize: 1000,
      order: 'createdAt',
    },
  );
  for await (const item of items) {
    if (item.url === null) continue;
    const known = index.get(item.url);
    if (known === undefined) index.set(item.url, [item.uuid]);
    else known.push(item.uuid);
  }
  return index;
}

/** The items directly in `folder` with each of `names`. */
async function findByName(
  client: EncordUserClient,
  folder: string,
  names: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (let start = 0; start < names.length; start += NAME_QUERY_CHUNK) {
    const chunk = names.slice(start, start + NAME_QUERY_CHUNK) as [string, ...string[]];
    const filter: FilterNode = { key: '$name', op: 'in', value: chunk };
    for await (const item of client.queryItems(filter, { folder, pageSize: 1000, count: 'none' })) {
      if (item.parent !== folder) continue;
      const known = found.get(item.name);
      if (known === undefined) found.set(item.name, [item.uuid]);
      else known.push(item.uuid);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------
// the import

interface RejectionSplit {
  rejected: Reject[];
  /** What to send again, each part on its own. */
  parts: PatchTarget[][];
}

const ITEMS_MISSING = /items do not exist: (.*)$/;
const UUID_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** How to go on after the server refused a batch; null when the refusal is no line's fault. */
function splitRejection(error: unknown, list: readonly PatchTarget[]): RejectionSplit | null {
  if (!(error instanceof EncordError)) return null;
  const status = error.status;
  if (status === 400) {
    const items = (error.details as { items?: unknown } | undefined)?.items;
    if (Array.isArray(items)) {
      const problems = new Map<string, MetadataProblem[]>();
      for (const entry of items as { item?: unknown; problems?: unknown }[]) {
        if (typeof entry.item === 'string' && Array.isArray(entry.problems)) {
          problems.set(entry.item.toLowerCase(), entry.problems as MetadataProblem[]);
        }
      }
      const bad = list.filter((t) => problems.has(t.uuid));
      if (bad.length > 0) {
        return {
          rejected: bad.map((t) => {
            const reject = problemsReject(t.line, problems.get(t.uuid) ?? []);
            return { ...reject, reason: `rejected by the server: ${reject.reason}` };
          }),
          parts: [list.filter((t) => !problems.has(t.uuid))],
        };
      }
    }
  }
  if (status === 404) {
    const listed = (error.details as { missing?: unknown } | undefined)?.missing;
    const missing = new Set(
      Array.isArray(listed)
        ? listed.filter((u): u is string => typeof u === 'string').map((u) => u.toLowerCase())
        : // a server without details.missing: read the uuids from the message
          (ITEMS_MISSING.exec(error.message)?.[1] ?? '').match(UUID_TEXT)?.map((u) => u.toLowerCase()),
    );
    const bad = list.filter((t) => missing.has(t.uuid));
    if (bad.length > 0) {
      return {
        rejected: bad.map((t) => ({ line: t.line, reason: `no item with uuid ${t.uuid}` })),
        parts: [list.filter((t) => !missing.has(t.uuid))],
      };
    }
  }
  if (status === 400 || status === 404 || status === 413) {
    if (list.length === 1) {
      const only = list[0] as PatchTarget;
      return {
        rejected: [{ line: only.line, reason: `rejected by the server: ${error.message}` }],
        parts: [],
      };
    }
    const half = Math.ceil(list.length / 2);
    return { rejected: [], parts: [list.slice(0, half), list.slice(half)] };
  }
  return null;
}

class Importer {
  readonly counts: ImportCounts;
  #urls: Map<string, string[]> | null = null;
  #urlsLoading: Promise<Map<string, string[]>> | null = null;
  #folderObject: StorageFolder | null = null;

  constructor(
    private readonly client: EncordUserClient,
    private readonly bulk: Transport,
    private readonly options: ImportOptions,
    private readonly reader: LineReader,
    counts: ImportCounts,
  ) {
    this.counts = { ...counts };
  }

  get #folder(): string {
    const folder = this.options.folder;
    if (folder === undefined) throw new Error('unreachable: lines by name or objectUrl need --folder');
    return folder;
  }

  /** The folder's items by objectUrl, listed once (at the first objectUrl line). */
  async #urlIndex(): Promise<Map<string, string[]>> {
    this.#urlsLoading ??= loadUrlIndex(this.client, this.#folder).then((urls) => (this.#urls = urls));
    return this.#urlsLoading;
  }

  /** Parses, validates and matches one chunk of records. */
  async prepare(chunk: SourceChunk): Promise<PreparedBatch> {
    const rejects: Reject[] = [];
    const parsed: ParsedLine[] = [];
    for (const record of chunk.records) {
      const result = this.reader.read(record);
      if ('reason' in result) rejects.push(result);
      else parsed.push(result);
    }
    const needsFolder = parsed.find((p) => p.by !== 'uuid');
    if (needsFolder !== undefined && this.options.folder === undefined) {
      throw new MetaindexError(
        'invalid_argument',
        `line ${needsFolder.line} names its item by ${needsFolder.by}: pass --folder with the folder to look it up in`,
      );
    }
    const names = [...new Set(parsed.filter((p) => p.by === 'name').map((p) => p.id))];
    const byName =
      names.length === 0 ? new Map<string, string[]>() : await findByName(this.client, this.#folder, names);
    const byUrl = parsed.some((p) => p.by === 'objectUrl')
      ? await this.#urlIndex()
      : new Map<string, string[]>();

    const targets: Target[] = [];
    for (const p of parsed) {
      if (p.by === 'uuid') {
        targets.push({ kind: 'patch', line: p.line, uuid: p.id, metadata: p.metadata });
        continue;
      }
      const found = (p.by === 'name' ? byName : byUrl).get(p.id) ?? [];
      const what = `${p.by === 'name' ? 'name' : 'objectUrl'} ${JSON.stringify(p.id)}`;
      if (found.length === 1) {
        targets.push({ kind: 'patch', line: p.line, uuid: found[0] as string, metadata: p.metadata });
      } else if (found.length > 1) {
        const shown = found.slice(0, 5).join(', ') + (found.length > 5 ? ', …' : '');
        rejects.push({
          line: p.line,
          reason: `${what} matches ${found.length} items in folder ${this.#folder} (${shown}): identify the item by uuid`,
        });
      } else if (p.by === 'objectUrl' && this.options.register) {
        targets.push({
          kind: 'register',
          line: p.line,
          url: p.id,
          ...(p.title === undefined ? {} : { title: p.title }),
          metadata: p.metadata,
        });
      } else {
        rejects.push({
          line: p.line,
          reason: `no item with ${what} in folder ${this.#folder}${p.by === 'objectUrl' ? ' (pass --register to register it)' : ''}`,
        });
      }
    }
    return { end: chunk.end, lastLine: chunk.lastLine, records: chunk.records.length, targets, rejects };
  }

  /** Sends a prepared batch; its rejects gain what the server refused. */
  async send(batch: PreparedBatch): Promise<void> {
    // Two lines for one item go in successive requests, so the later one wins (replace)
    // or applies after the earlier one (merge), as if the lines were sent one by one.
    let segment: Target[] = [];
    const seen = new Set<string>();
    for (const target of batch.targets) {
      const key = target.kind === 'patch' ? target.uuid : `url:${target.url}`;
      if (seen.has(key)) {
        await this.#sendSegment(segment, batch.rejects);
        segment = [];
        seen.clear();
      }
      seen.add(key);
      segment.push(target);
    }
    await this.#sendSegment(segment, batch.rejects);
  }

  async #sendSegment(segment: readonly Target[], rejects: Reject[]): Promise<void> {
    const patches: PatchTarget[] = [];
    const registrations: RegisterTarget[] = [];
    for (const target of segment) {
      if (target.kind === 'patch') {
        patches.push(target);
        continue;
      }
      // An earlier batch may have registered this URL since this one was prepared.
      const known = this.#urls?.get(target.url);
      if (known?.length === 1)
        patches.push({ line: target.line, uuid: known[0] as string, metadata: target.metadata });
      else registrations.push(target);
    }
    if (registrations.length > 0) await this.#register(registrations, rejects);
    await this.#writePatches(patches, rejects);
  }

  async #writePatches(list: readonly PatchTarget[], rejects: Reject[]): Promise<void> {
    if (list.length === 0) return;
    try {
      if (this.options.mode === 'replace') {
        const itemPatches: Record<string, { clientMetadata: Record<string, unknown> }> = {};
        for (const t of list) itemPatches[t.uuid] = { clientMetadata: t.metadata };
        await this.bulk.call('PATCH', 'storage/items/patch-bulk', { body: { itemPatches } });
      } else {
        const patches: Record<string, Record<string, unknown>> = {};
        for (const t of list) patches[t.uuid] = t.metadata;
        await this.bulk.call('POST', '/api/items/metadata/merge-bulk', { body: { patches } });
      }
      this.counts.landed += list.length;
    } catch (error) {
      const split = splitRejection(error, list);
      if (split === null) throw error;
      rejects.push(...split.rejected);
      for (const part of split.parts) await this.#writePatches(part, rejects);
    }
  }

  async #register(list: readonly RegisterTarget[], rejects: Reject[]): Promise<void> {
    this.#folderObject ??= await this.client.getStorageFolder(this.#folder);
    const merge = this.options.mode === 'merge';
    const entries = list.map((t) => ({
      objectUrl: t.url,
      ...(t.title === undefined ? {} : { title: t.title }),
      // A new item's metadata is the line's; a merge patch applied to nothing drops its nulls.
      clientMetadata: merge ? (applyMergePatch({}, t.metadata) as Record<string, unknown>) : t.metadata,
    }));
    const result = await this.#folderObject.registerItems(
      { [REGISTER_LISTS[this.options.registerAs]]: entries },
      // skipDuplicateUrls: a URL registered by an earlier (killed) run is not registered
      // twice; upsertMetadata then gives that item this line's metadata.
      { skipDuplicateUrls: true, upsertMetadata: true, ignoreErrors: true },
    );
    const failed = new Map<string, string>();
    for (const unit of result.unitErrors) for (const url of unit.objectUrls) failed.set(url, unit.error);
    const ok = list.filter((t) => !failed.has(t.url));
    if (result.items.length !== ok.length) {
      throw new MetaindexError(
        'internal',
        `registration job ${result.jobUuid} ended ${result.status} with ${result.items.length} items for ${ok.length} good entries: ${result.errors.join('; ')}`,
      );
    }
    const urls = await this.#urlIndex();
    ok.forEach((t, i) => urls.set(t.url, [(result.items[i] as { itemUuid: string }).itemUuid]));
    for (const t of list) {
      const error = failed.get(t.url);
      if (error !== undefined) rejects.push({ line: t.line, reason: `registration failed: ${error}` });
    }
    this.counts.landed += ok.length;
    this.counts.registered += ok.length;
  }
}

async function loadSchema(client: EncordUserClient): Promise<SchemaMap> {
  const schema = await client.metadataSchema();
  const parsed = parseSchemaDocument(schema.toJSON());
  return parsed.schema;
}

function resumeMismatch(
  options: ImportOptions,
  checkpoint: Checkpoint,
  identity: FileIdentity,
): string | null {
  if (!sameIdentity(checkpoint.identity, identity)) {
    const what =
      checkpoint.identity.size !== identity.size
        ? `its size changed (${checkpoint.identity.size} → ${identity.size} bytes)`
        : checkpoint.identity.mtimeMs !== identity.mtimeMs
          ? 'it was modified since'
          : 'its content changed';
    return `the checkpoint ${options.checkpointPath} was written for another version of ${options.file}: ${what}`;
  }
  return null;
}

/**
 * Runs (or resumes) an import. Throws on failures that are no line's fault (connection,
 * auth, bad arguments). Bulk writes go through `bulk` (default: the client's transport).
 */
export async function runImport(
  client: EncordUserClient,
  options: ImportOptions,
  bulk: Transport = client.transport,
): Promise<ImportResult> {
  const note = options.onNote ?? (() => undefined);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_BATCH_SIZE) {
    throw new MetaindexError('invalid_argument', `--batch-size must be from 1 to ${MAX_BATCH_SIZE}`);
  }
  if (options.folder !== undefined) {
    const folder = normaliseUuid(options.folder);
    if (folder === undefined) {
      throw new MetaindexError(
        'invalid_argument',
        `--folder ${JSON.stringify(options.folder)} is not a folder uuid`,
      );
    }
    options = { ...options, folder };
  }
  let identity: FileIdentity;
  try {
    identity = await fileIdentity(options.file);
  } catch (error) {
    throw new MetaindexError('invalid_argument', `Cannot read ${options.file}: ${(error as Error).message}`);
  }
  const settings: ImportSettings = {
    format: options.format,
    mode: options.mode,
    match: options.match ?? null,
    folder: options.folder ?? null,
    register: options.register,
  };
  removeStaleTemporaries(options.checkpointPath);
  if (options.restart) removeCheckpoint(options.checkpointPath);
  const checkpoint = options.restart ? null : readCheckpoint(options.checkpointPath);
  const base = {
    rejectsPath: resolve(options.rejectsPath),
    checkpointPath: resolve(options.checkpointPath),
  };
  if (checkpoint !== null) {
    const mismatch =
      resumeMismatch(options, checkpoint, identity) ??
      (settingsDifferences(checkpoint.settings, settings).length > 0
        ? `the checkpoint ${options.checkpointPath} was written by an import with other options: ${settingsDifferences(checkpoint.settings, settings).join(', ')}`
        : null);
    if (mismatch !== null) {
      throw new MetaindexError(
        'invalid_argument',
        `${mismatch}. Pass --restart to import the file from its first line (or --checkpoint for another checkpoint file).`,
      );
    }
    if (checkpoint.done) {
      return {
        ...base,
        counts: checkpoint.counts,
        runLines: 0,
        seconds: 0,
        resumedFrom: { line: checkpoint.line, offset: checkpoint.offset },
        alreadyDone: true,
        interrupted: false,
        line: checkpoint.line,
      };
    }
  }

  const schema = await loadSchema(client);
  const validator = compileMetadataValidator(schema);
  if (options.folder !== undefined) await client.getStorageFolder(options.folder);

  let source: RecordSource;
  let reader: LineReader;
  let offset = checkpoint?.offset ?? 0;
  let line = checkpoint?.line ?? 0;
  if (options.format === 'csv') {
    const header = await CsvSource.header(options.file);
    if (header === null)
      throw new MetaindexError('invalid_argument', `${options.file} is empty: a CSV file needs a header row`);
    reader = new CsvLineReader(validator, header.fields, schema, options.match, note);
    if (offset < header.end) {
      offset = header.end;
      line = header.line;
    }
    source = CsvSource.open(options.file, offset, line);
  } else {
    reader = new JsonlLineReader(validator, options.match);
    source = await JsonlSource.open(options.file, offset, line);
  }

  const { file: rejectsFile, shorter } = RejectsFile.open(options.rejectsPath, checkpoint?.rejectsBytes ?? 0);
  if (checkpoint !== null) {
    note(
      `Resuming ${options.file} at line ${(checkpoint.line + 1).toLocaleString('en')} (byte ${checkpoint.offset.toLocaleString('en')}): ` +
        `${plural(checkpoint.counts.lines, 'line')} done before, ${plural(checkpoint.counts.rejected, 'rejected line')}`,
    );
    if (shorter)
      note(
        `warning: ${options.rejectsPath} is shorter than the checkpoint says: earlier rejects are missing from it`,
      );
  }

  const importer = new Importer(
    client,
    bulk,
    options,
    reader,
    checkpoint?.counts ?? { lines: 0, landed: 0, registered: 0, rejected: 0 },
  );
  const started = performance.now();
  let runLines = 0;
  let interrupted = false;

  const checkpoints = new CheckpointWriter(options.checkpointPath);
  const save = (done: boolean): void => {
    checkpoints.write({
      version: 1,
      file: resolve(options.file),
      identity,
      settings,
      offset,
      line,
      counts: importer.counts,
      rejectsBytes: rejectsFile.bytes,
      done,
      updatedAt: new Date().toISOString(),
    });
  };
  const prepareNext = async (): Promise<PreparedBatch | null> => {
    const chunk = await source.next(options.batchSize);
    return chunk === null ? null : importer.prepare(chunk);
  };
  const settle = (batch: PreparedBatch): void => {
    batch.rejects.sort((a, b) => a.line - b.line);
    rejectsFile.append(batch.rejects.map((r) => JSON.stringify(r)));
    importer.counts.rejected += batch.rejects.length;
    importer.counts.lines += batch.records;
    runLines += batch.records;
    offset = batch.end;
    line = batch.lastLine;
    save(false);
    options.onProgress?.({ offset, size: identity.size, line, counts: importer.counts, runLines });
  };

  try {
    if (checkpoint === null) save(false);
    let batch = await prepareNext();
    while (batch !== null) {
      if (options.signal?.aborted === true) {
        interrupted = true;
        break;
      }
      const sending = importer.send(batch);
      // Read, parse, validate and match the next batch while this one is in flight.
      const next = prepareNext();
      try {
        await sending;
      } catch (error) {
        await next.catch(() => undefined);
        throw error;
      }
      settle(batch);
      batch = await next;
    }
    if (!interrupted) save(true);
  } finally {
    try {
      await checkpoints.flush();
    } finally {
      rejectsFile.close();
      await source.close();
    }
  }
  return {
    ...base,
    counts: importer.counts,
    runLines,
    seconds: (performance.now() - started) / 1000,
    resumedFrom: checkpoint === null ? null : { line: checkpoint.line, offset: checkpoint.offset },
    alreadyDone: false,
    interrupted,
    line,
  };
}
