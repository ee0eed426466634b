import { InvalidArgumentError, MetaindexError, type MetadataValidator } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pollJob } from './job-polling.js';
import type { Readable } from 'node:stream';
import type { FileBlobStore, UrlSigner } from '../blobs/index.js';
import type { Engine, ItemUpdate } from '../store/engine.js';
import {
  EMPTY_MEDIA,
  ITEM_TYPES,
  type ItemRecord,
  type ItemType,
  type MediaInfo,
  type UploadJobRecord,
} from '../store/records.js';
import type { SchemaService } from './schema-service.js';
import { nameProblem, type Actor } from './storage-service.js';

/** The lists of a `dataItems` payload (camelCase) and of an `externalFiles` JSON (either case), by item type. */
const UNIT_LISTS: readonly [string[], ItemType][] = [
  [['images'], 'image'],
  [['videos'], 'video'],
  [['imageGroups', 'image_groups'], 'imageGroup'],
  [['imageGroupsFromItems', 'image_groups_from_items'], 'imageGroup'],
  [['dicomSeries', 'dicom_series'], 'dicomSeries'],
  [['audio'], 'audio'],
  [['nifti'], 'nifti'],
  [['text'], 'plainText'],
  [['pdf'], 'pdf'],
];

const MEDIA_FIELDS = [
  'imageMetadata',
  'videoMetadata',
  'audioMetadata',
  'image_metadata',
  'video_metadata',
  'audio_metadata',
];
const SIGNED_URL_TTL_SECONDS = 3600;
const MAX_UPLOAD_URLS = 1000;

/** One unit of a registration job, parsed from the request. */
interface Unit {
  index: number;
  itemType: ItemType;
  /** The unit's file URL; null for an image group made of existing items. */
  url: string | null;
  title: string | undefined;
  clientMetadata: unknown;
  placeholderItemUuid: string | undefined;
  media: Partial<MediaInfo>;
}

export interface RegistrationRequest {
  units: Unit[];
  skipDuplicateUrls: boolean;
  upsertMetadata: boolean;
  ignoreErrors: boolean;
  fileName: string | null;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** What each media field holds: whole numbers, any finite number, or text. */
const MEDIA_KINDS: Readonly<Record<keyof MediaInfo, 'integer' | 'number' | 'string'>> = {
  fileSize: 'integer',
  mimeType: 'string',
  duration: 'number',
  fps: 'number',
  height: 'integer',
  width: 'integer',
  frameCount: 'integer',
  dicomInstanceUid: 'string',
  dicomStudyUid: 'string',
  dicomSeriesUid: 'string',
  audioSampleRate: 'integer',
  audioBitDepth: 'integer',
  audioCodec: 'string',
  audioNumChannels: 'integer',
};

const fitsMediaKind = (value: unknown, kind: 'integer' | 'number' | 'string'): boolean =>
  kind === 'string'
    ? typeof value === 'string'
    : typeof value === 'number' &&
      (kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value));

/**
 * The media facts a registration entry states (`videoMetadata: {fps, width, …}`), each
 * checked against its kind: a width of 10.5 or "wide" is a 400 naming the field,
 * never stored (both engines store exactly these kinds).
 */
function pickMedia(entry: Record<string, unknown>, where: string): Partial<MediaInfo> {
  const media: Partial<MediaInfo> = {};
  for (const field of MEDIA_FIELDS) {
    const block = entry[field];
    if (!isObject(block)) continue;
    for (const key of Object.keys(MEDIA_KINDS) as (keyof MediaInfo)[]) {
      const value = block[key];
      if (value === undefined || value === null) continue;
      const kind = MEDIA_KINDS[key];
      if (!fitsMediaKind(value, kind)) {
        const expected =
          kind === 'integer' ? 'a whole number' : kind === 'number' ? 'a finite number' : 'a string';
        throw new InvalidArgumentError(
          `${where}.${field}.${key} must be ${expected}, got ${JSON.stringify(value)}`,
        );
      }
      (media as Record<string, unknown>)[key] = value;
    }
  }
  return media;
}

function entryUrl(entry: Record<string, unknown>): string | undefined {
  const direct = entry.objectUrl ?? entry.object_url ?? entry.objectUrl_0;
  if (typeof direct === 'string' && direct !== '') return direct;
  // Groups and series list their parts; the first part's URL identifies the unit.
  for (const listName of ['imagesUrls', 'images', 'dicomFiles', 'dicom_files', 'files']) {
    const list = entry[listName];
    if (Array.isArray(list) && list.length > 0) {
      const first: unknown = list[0];
      if (typeof first === 'string') return first;
      if (isObject(first) && typeof (first.url ?? first.objectUrl) === 'string')
        return (first.url ?? first.objectUrl) as string;
    }
  }
  return undefined;
}

/** An image group built from items already registered (`imageItems`: their uuids). */
function isGroupOfItems(entry: Record<string, unknown>): boolean {
  const items = entry.imageItems ?? entry.image_items;
  return Array.isArray(items) && items.length > 0 && items.every((i) => typeof i === 'string');
}

function parseMetadata(value: unknown, where: string): unknown {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError(`${where}: clientMetadata is not valid JSON`);
  }
}

/** Parses `dataItems` or `externalFiles` into units; a malformed payload is a 400 naming the entry. */
export function parseRegistration(body: Record<string, unknown>): RegistrationRequest {
  let source: unknown = body.dataItems ?? body.externalFiles;
  if (typeof source === 'string') {
    try {
      source = JSON.parse(source) as unknown;
    } catch {
      throw new InvalidArgumentError('externalFiles is not valid JSON');
    }
  }
  if (!isObject(source))
    throw new InvalidArgumentError('the job needs dataItems or externalFiles (a JSON object)');
  const units: Unit[] = [];
  for (const [names, itemType] of UNIT_LISTS) {
    for (const name of names) {
      const list = source[name];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new InvalidArgumentError(`${name} must be a list`);
      list.forEach((entry: unknown, i) => {
        const where = `${name}[${i}]`;
        if (!isObject(entry)) throw new InvalidArgumentError(`${where} must be an object`);
        const url = entryUrl(entry) ?? (isGroupOfItems(entry) ? null : undefined);
        if (url === undefined) throw new InvalidArgumentError(`${where} has no objectUrl`);
        const title = entry.title;
        if (typeof title === 'string' && title !== '') {
          const problem = nameProblem(title);
          if (problem !== null) throw new InvalidArgumentError(`${where}.title: ${problem}`);
        }
        const placeholder = entry.placeholderItemUuid ?? entry.placeholder_item_uuid;
        units.push({
          index: units.length,
          itemType,
          url,
          title: typeof title === 'string' && title !== '' ? title : undefined,
          clientMetadata: parseMetadata(entry.clientMetadata ?? entry.client_metadata, where),
          placeholderItemUuid: typeof placeholder === 'string' ? placeholder.toLowerCase() : undefined,
          media: pickMedia(entry, where),
        });
      });
    }
  }
  const flag = (camel: string, snake: string): boolean => source[camel] === true || source[snake] === true;
  return {
    units,
    skipDuplicateUrls: flag('skipDuplicateUrls', 'skip_duplicate_urls'),
    upsertMetadata: flag('upsertMetadata', 'upsert_metadata'),
    ignoreErrors: body.ignoreErrors === true,
    fileName: typeof body.fileName === 'string' ? body.fileName : null,
  };
}

function defaultName(url: string): string {
  const path = url.split('?')[0] ?? url;
  const last = path
    .split('/')
    .filter((s) => s !== '')
    .pop();
  if (last === undefined) return url;
  try {
    return decodeURIComponent(last);
  } catch {
    return last; // not valid percent-encoding: keep the name as written
  }
}

/**
 * Uploads and registration: signed upload/download URLs served by this server, and
 * registration jobs that run in the background and are long-polled. A job writes all
 * its items in one transaction: with `ignoreErrors` false any bad unit fails the job
 * and registers nothing; with it true the good units are registered and every bad
 * one is reported.
 */
export class UploadService {
  readonly #events = new EventEmitter();
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly schemas: SchemaService,
    private readonly blobs: FileBlobStore,
    private readonly signer: UrlSigner,
    private readonly options: { maxBlobBytes: number; now?: () => Date },
  ) {
    this.#events.setMaxListeners(0);
  }

  #now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  async issueUploadUrls(folderUuid: string, itemType: string, count: number) {
    if ((await this.engine.getFolder(folderUuid)) === null)
      throw new MetaindexError('not_found', `folder ${folderUuid} does not exist`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_UPLOAD_URLS) {
      throw new InvalidArgumentError(`count must be an integer from 1 to ${MAX_UPLOAD_URLS}`);
    }
    if (!(ITEM_TYPES as readonly string[]).includes(itemType)) {
      throw new InvalidArgumentError(
        `itemType must be one of ${ITEM_TYPES.join(', ')}, got ${JSON.stringify(itemType)}`,
      );
    }
    return Array.from({ length: count }, () => {
      const itemUuid = randomUUID();
      const objectKey = `${folderUuid}/${itemUuid}`;
      return { itemUuid, objectKey, signedUrl: this.signer.uploadUrl(objectKey, SIGNED_URL_TTL_SECONDS) };
    });
  }

  /** A working download URL for an item whose file metaindex stores, else the registered URL. */
  downloadUrl(item: ItemRecord): string | null {
    return item.blobKey === null ? item.url : this.signer.downloadUrl(item.blobKey, SIGNED_URL_TTL_SECONDS);
  }

  async receiveBlob(pathAndQuery: string, body: AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    const verified = this.signer.verify('PUT', pathAndQuery);
    if (!verified.ok) throw new MetaindexError('forbidden', `upload URL rejected: ${verified.message}`);
    await this.blobs.put(verified.objectKey, body, { maxBytes: this.options.maxBlobBytes });
  }

  async openBlob(pathAndQuery: string): Promise<Readable> {
    const verified = this.signer.verify('GET', pathAndQuery);
    if (!verified.ok) throw new MetaindexError('forbidden', `download URL rejected: ${verified.message}`);
    const stream = await this.blobs.get(verified.objectKey);
    if (stream === null) throw new MetaindexError('not_found', 'no file was uploaded for this URL');
    return stream;
  }

  /** Starts a registration job; returns its uuid at once. */
  async startJob(actor: Actor, folderUuid: string, body: Record<string, unknown>): Promise<string> {
    if ((await this.engine.getFolder(folderUuid)) === null)
      throw new MetaindexError('not_found', `folder ${folderUuid} does not exist`);
    const request = parseRegistration(body);
    const at = this.#now();
    const job: UploadJobRecord = {
      uuid: randomUUID(),
      folderUuid,
      status: 'PENDING',
      itemsWithNames: [],
      errors: [],
      unitsPendingCount: request.units.length,
      unitsDoneCount: 0,
      unitsErrorCount: 0,
      unitsCancelledCount: 0,
      unitErrors: [],
      fileName: request.fileName,
      createdAt: at,
      updatedAt: at,
    };
    await this.engine.saveJob(job);
    const run = this.#run(actor, job, request)
      .catch(async (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        try {
          await this.#finish({
            ...job,
            status: 'ERROR',
            errors: [message],
            unitsPendingCount: 0,
            unitsErrorCount: request.units.length,
          });
        } catch {
          // The store is gone (shutting down): the job stays PENDING and registered
          // nothing, since its items are written in one transaction.
        }
      })
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
    return job.uuid;
  }

  /** The job, waiting up to `timeoutSeconds` (at most 55 s) for it to leave PENDING. */
  getJob(folderUuid: string, jobUuid: string, timeoutSeconds: number): Promise<UploadJobRecord> {
    return pollJob(
      async () => {
        const job = await this.engine.getJob(jobUuid);
        if (job?.folderUuid !== folderUuid)
          throw new MetaindexError('not_found', `job ${jobUuid} does not exist in folder ${folderUuid}`);
        return job;
      },
      this.#events,
      `job:${jobUuid}`,
      timeoutSeconds,
    );
  }

  /** Waits for every running job (for shutdown and tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #finish(job: UploadJobRecord): Promise<void> {
    await this.engine.saveJob({ ...job, updatedAt: this.#now() });
    this.#events.emit(`job:${job.uuid}`);
  }

  async #run(actor: Actor, job: UploadJobRecord, request: RegistrationRequest): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // answer the request first
    for (let attempt = 0; attempt < 5; attempt++) {
      const { version, validator } =
        attempt === 0 ? await this.schemas.validator() : await this.schemas.refreshValidator();
      const plan = await this.#plan(actor, job.folderUuid, request, validator);
      // Bad units may have been judged by a cached schema older than the current one.
      if (plan.errors.length > 0 && attempt === 0 && (await this.schemas.isStale({ version, validator }))) {
        continue;
      }
      const failed = plan.errors.length > 0 && !request.ignoreErrors;
      if (failed) {
        await this.#finish({
          ...job,
          status: 'ERROR',
          errors: plan.errors.map((e) => e.error),
          unitsPendingCount: 0,
          unitsErrorCount: plan.errors.length,
          unitsCancelledCount: request.units.length - plan.errors.length,
          unitErrors: plan.errors,
        });
        return;
      }
      const result = await this.engine.writeItems({ insert: plan.insert, update: plan.update }, version);
      if (!result.ok && result.reason === 'schema-changed') continue;
      if (!result.ok)
        throw new MetaindexError(
          'conflict',
          `registration failed: ${result.reason} ${result.uuids.join(', ')}`,
        );
      await this.#finish({
        ...job,
        status: 'DONE',
        itemsWithNames: plan.itemsWithNames,
        errors: plan.errors.map((e) => e.error),
        unitsPendingCount: 0,
        unitsDoneCount: request.units.length - plan.errors.length,
        unitsErrorCount: plan.errors.length,
        unitErrors: plan.errors,
      });
      return;
    }
    throw new MetaindexError('conflict', 'the metadata schema kept changing during registration');
  }

  async #plan(actor: Actor, folderUuid: string, request: RegistrationRequest, validator: MetadataValidator) {
    const at = this.#now();
    const errors: UploadJobRecord['unitErrors'] = [];
    const insert: ItemRecord[] = [];
    const update: ItemUpdate[] = [];
    const itemsWithNames: { itemUuid: string; name: string }[] = [];
    const existing = request.skipDuplicateUrls
      ? await this.engine.findItemsByUrl(
          folderUuid,
          request.units.flatMap((u) => (u.url === null ? [] : [u.url])),
        )
      : new Map<string, ItemRecord>();
    const seenUrls = new Set<string>();
    // Placeholder uuids already registered, and those claimed earlier in this job.
    const placeholders = request.units.flatMap((u) =>
      u.placeholderItemUuid === undefined ? [] : [u.placeholderItemUuid],
    );
    const taken = new Set(
      (await this.engine.getItems(placeholders)).flatMap((item) => (item === null ? [] : [item.uuid])),
    );
    const fail = (unit: Unit, error: string) =>
      errors.push({
        objectUrls: unit.url === null ? [] : [unit.url],
        error,
        subtaskUuid: randomUUID(),
        actionDescription: `register ${unit.itemType} ${unit.index}`,
      });

    for (const unit of request.units) {
      const checked = validator.validate(unit.clientMetadata);
      if (!checked.ok) {
        fail(
          unit,
          `clientMetadata of ${unit.url ?? `${unit.itemType} ${unit.index}`}: ${checked.problems.map((p) => `${p.message} [${p.rule}]`).join('; ')}`,
        );
        continue;
      }
      const metadata = JSON.stringify(unit.clientMetadata);
      if (request.skipDuplicateUrls && unit.url !== null) {
        const duplicate = existing.get(unit.url);
        if (duplicate !== undefined || seenUrls.has(unit.url)) {
          if (duplicate !== undefined) {
            itemsWithNames.push({ itemUuid: duplicate.uuid, name: duplicate.name });
            if (request.upsertMetadata)
              update.push({ uuid: duplicate.uuid, clientMetadata: metadata, lastEditedAt: at });
          }
          continue;
        }
        seenUrls.add(unit.url);
      }
      let uuid: string = randomUUID();
      let blobKey: string | null = null;
      let fileSize: number | null = null;
      if (unit.placeholderItemUuid !== undefined) {
        const expectedKey = `${folderUuid}/${unit.placeholderItemUuid}`;
        if (taken.has(unit.placeholderItemUuid)) {
          fail(unit, `placeholder item ${unit.placeholderItemUuid} is already registered`);
          continue;
        }
        taken.add(unit.placeholderItemUuid);
        const stat = unit.url === expectedKey ? await this.blobs.stat(expectedKey) : null;
        if (stat === null) {
          fail(
            unit,
            `no uploaded file at ${unit.url} for placeholder item ${unit.placeholderItemUuid} in this folder`,
          );
          continue;
        }
        uuid = unit.placeholderItemUuid;
        blobKey = expectedKey;
        fileSize = stat.size;
      }
      const name = unit.title ?? (unit.url === null ? 'image group' : defaultName(unit.url));
      const nameIssue = nameProblem(name);
      if (nameIssue !== null) {
        // Only a name taken from the URL gets here (titles are checked with the request).
        fail(unit, `the name taken from the URL cannot be used (${nameIssue}); give the item a title`);
        continue;
      }
      insert.push({
        uuid,
        folderUuid,
        itemType: unit.itemType,
        name,
        description: '',
        clientMetadata: metadata,
        owner: actor.email,
        createdAt: at,
        lastEditedAt: at,
        storageLocation: blobKey === null ? 'directAccess' : 'encord',
        url: blobKey === null ? unit.url : null,
        blobKey,
        integrationHash: null,
        isPlaceholder: false,
        media: { ...EMPTY_MEDIA, ...unit.media, ...(fileSize === null ? {} : { fileSize }) },
      });
      itemsWithNames.push({ itemUuid: uuid, name });
    }
    return { insert, update, errors, itemsWithNames };
  }
}
