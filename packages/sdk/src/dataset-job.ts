/**
 * Datasets and projects made from Index collections and presets. `collection.toDataset()`,
 * `collection.toProject()` and `preset.toDataset()` start a job on the server that links the
 * collection's items into a dataset as data rows. A row references its item, never copies
 * it: the row's metadata is the item's, now and after later edits. The server links the
 * members in batches and saves its progress after each, so a collection of any size becomes
 * a dataset without a request timing out. A `DatasetJob` follows that job.
 */
import { EncordError, UnknownError } from './errors.js';
import type { Transport } from './transport.js';

interface SignalOption {
  signal?: AbortSignal;
}

/** `create`: a new dataset; `append-new`: link only the members not yet in an existing dataset. */
export type DatasetJobMode = 'create' | 'append-new';

/** `DONE` and `ERROR` are final. */
export type DatasetJobStatus = 'PENDING' | 'DONE' | 'ERROR';

/** A dataset job as the server records it (`GET /api/dataset-jobs/{job}`). */
export interface DatasetJobRecord {
  uuid: string;
  /** The collection sent; for `preset.toDataset()`, the snapshot frozen from the preset. */
  collectionUuid: string;
  /** The preset whose snapshot was sent, or null when a collection was sent directly. */
  presetUuid: string | null;
  /** The dataset the rows go to (new in mode `create`). */
  datasetHash: string;
  /** The project the dataset is attached to, or null (`toDataset`). */
  projectHash: string | null;
  mode: DatasetJobMode;
  status: DatasetJobStatus;
  /** Members of the collection when the job started. */
  total: number;
  /** Members looked at so far. */
  processed: number;
  /** Data rows created. */
  added: number;
  /** Members already in the dataset (mode `append-new`), not linked again. */
  alreadyThere: number;
  /** Why the job failed, when it did. */
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Called while waiting, after each poll that found the job still `PENDING`. */
export type DatasetJobProgress = (job: DatasetJob) => void;

export interface DatasetJobWaitOptions extends SignalOption {
  /**
   * Stop waiting after this many seconds and answer the job as it is then, maybe still
   * `PENDING` (default: no limit).
   */
  timeoutSeconds?: number;
  /** Called after every poll that found the job still running; polls are then at most 2 s long. */
  onProgress?: DatasetJobProgress;
}

/** What every call that starts a dataset job takes besides its own fields. */
export interface DatasetJobStartOptions extends SignalOption {
  /**
   * true (default): wait until the job is done and answer the finished job (one that ends
   * in `ERROR` throws `DatasetJobError`); false: answer the job as soon as it is started.
   */
  wait?: boolean;
  /** While waiting, called after every poll that found the job still running. */
  onProgress?: DatasetJobProgress;
}

/** `collection.toDataset()` and `preset.toDataset()`. */
export interface ToDatasetOptions extends DatasetJobStartOptions {
  /** The new dataset's title; required unless `datasetHash` is given. */
  title?: string;
  /** The new dataset's description. */
  description?: string;
  /** An existing dataset to add the members to that are not in it yet (mode `append-new`). */
  datasetHash?: string;
  /** Default: `append-new` when `datasetHash` is given, else `create`. */
  mode?: DatasetJobMode;
}

/** `preset.toDataset()`: the preset's matches, frozen into a snapshot collection first. */
export interface PresetToDatasetOptions extends ToDatasetOptions {
  /** Where the snapshot collection lives (default: the preset's folder; required for a preset without one). */
  topLevelFolderUuid?: string;
}

/** `collection.toProject()`: a dataset as `toDataset` makes it, attached to a project. */
export interface ToProjectOptions extends DatasetJobStartOptions {
  /** The new project's title; required unless `projectHash` is given. */
  title?: string;
  /** The description of the new project and of the new dataset. */
  description?: string;
  /**
   * The new dataset's title. Default: the project's `title`, or the collection's name when
   * attaching to an existing project.
   */
  datasetTitle?: string;
  /** An existing project to attach the dataset to, instead of creating one. */
  projectHash?: string;
  /** An existing dataset to add the members to that are not in it yet (mode `append-new`). */
  datasetHash?: string;
  /** Default: `append-new` when `datasetHash` is given, else `create`. */
  mode?: DatasetJobMode;
}

/** A dataset job that ended in `ERROR`; `message` is the server's reason, `job` its last record. */
export class DatasetJobError extends EncordError {
  readonly job: DatasetJobRecord;

  constructor(job: DatasetJobRecord) {
    super(job.error ?? `Dataset job ${job.uuid} ended in ERROR`, { details: job });
    this.job = job;
  }
}

/** The longest poll the server holds (`GET /api/dataset-jobs/{job}` answers after at most 55 s). */
const LONG_POLL_SECONDS = 55;
/** The longest poll while someone follows the progress. */
const PROGRESS_POLL_SECONDS = 2;

/**
 * A background job that links a collection's items into a dataset (and maybe attaches the
 * dataset to a project). The job runs on the server whether or not anyone waits for it;
 * the fields are its record as last read, refreshed by `wait()` and `refresh()`.
 */
export class DatasetJob {
  readonly #transport: Transport;
  #record: DatasetJobRecord;

  /** @internal Jobs are made by the calls that start them. */
  constructor(transport: Transport, record: DatasetJobRecord) {
    this.#transport = transport;
    this.#record = record;
  }

  /** Reads a job by its uuid (one started elsewhere, or with `wait: false`); an unknown one is a ResourceNotFoundError. */
  static async get(transport: Transport, uuid: string, options: SignalOption = {}): Promise<DatasetJob> {
    const record = await transport.call<DatasetJobRecord>('GET', `/api/dataset-jobs/${uuid}`, {
      query: { timeoutSeconds: 0 },
      signal: options.signal,
    });
    return new DatasetJob(transport, record);
  }

  get uuid(): string {
    return this.#record.uuid;
  }

  get collectionUuid(): string {
    return this.#record.collectionUuid;
  }

  get presetUuid(): string | null {
    return this.#record.presetUuid;
  }

  get datasetHash(): string {
    return this.#record.datasetHash;
  }

  get projectHash(): string | null {
    return this.#record.projectHash;
  }

  get mode(): DatasetJobMode {
    return this.#record.mode;
  }

  get status(): DatasetJobStatus {
    return this.#record.status;
  }

  get total(): number {
    return this.#record.total;
  }

  get processed(): number {
    return this.#record.processed;
  }

  get added(): number {
    return this.#record.added;
  }

  get alreadyThere(): number {
    return this.#record.alreadyThere;
  }

  get error(): string | null {
    return this.#record.error;
  }

  get createdAt(): string {
    return this.#record.createdAt;
  }

  get updatedAt(): string {
    return this.#record.updatedAt;
  }

  /** The record as last read (a copy), for logging or `JSON.stringify`. */
  toJSON(): DatasetJobRecord {
    return { ...this.#record };
  }

  /** Reads the job's record now, without waiting; a job in `ERROR` is read, not thrown. */
  async refresh(options: SignalOption = {}): Promise<this> {
    await this.#poll(0, options.signal);
    return this;
  }

  /**
   * Long-polls until the job is `DONE` and answers it; a job that ends in `ERROR` throws
   * `DatasetJobError` with the server's reason. With `timeoutSeconds`, answers the job as
   * it is then, still `PENDING`, if it has not ended by that time. Aborting the signal
   * stops the waiting (an `AbortedError`), not the job.
   */
  async wait(options: DatasetJobWaitOptions = {}): Promise<this> {
    const deadline =
      options.timeoutSeconds === undefined ? Infinity : Date.now() + options.timeoutSeconds * 1000;
    const longestPoll = options.onProgress === undefined ? LONG_POLL_SECONDS : PROGRESS_POLL_SECONDS;
    let status = this.status;
    while (status === 'PENDING') {
      const secondsLeft = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      status = (await this.#poll(Math.min(longestPoll, secondsLeft), options.signal)).status;
      if (status === 'PENDING') {
        options.onProgress?.(this);
        if (Date.now() >= deadline) return this;
      }
    }
    if (status === 'ERROR') throw new DatasetJobError(this.toJSON());
    return this;
  }

  /** Reads the record (waiting up to `timeoutSeconds` while the job is PENDING), keeps and answers it. */
  async #poll(timeoutSeconds: number, signal: AbortSignal | undefined): Promise<DatasetJobRecord> {
    this.#record = await this.#transport.call<DatasetJobRecord>('GET', `/api/dataset-jobs/${this.uuid}`, {
      query: { timeoutSeconds },
      signal,
    });
    return this.#record;
  }
}

/** The request body of a dataset job: the fields given, and the mode they imply. */
function jobBody(fields: Record<string, string | undefined>, mode: DatasetJobMode | undefined) {
  const body: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) body[name] = value;
  body.mode = mode ?? (fields.datasetHash === undefined ? 'create' : 'append-new');
  return body;
}

/** @internal The body of `POST …/dataset` (`collection.toDataset`, `preset.toDataset`). */
export function toDatasetBody(options: ToDatasetOptions): Record<string, string> {
  const { title, description, datasetHash } = options;
  return jobBody({ title, description, datasetHash }, options.mode);
}

/** @internal The body of `POST /api/presets/{u}/dataset`. */
export function presetToDatasetBody(options: PresetToDatasetOptions): Record<string, string> {
  const { title, description, datasetHash, topLevelFolderUuid } = options;
  return jobBody({ title, description, datasetHash, topLevelFolderUuid }, options.mode);
}

/** @internal The body of `POST /api/collections/{u}/project`. */
export function toProjectBody(options: ToProjectOptions): Record<string, string> {
  const { title, description, datasetTitle, projectHash, datasetHash } = options;
  return jobBody({ title, description, datasetTitle, projectHash, datasetHash }, options.mode);
}

/**
 * @internal Starts a dataset job (`POST path` with `body`, answered 202 with the job) and,
 * unless `wait: false`, waits for it to end.
 */
export async function startDatasetJob(
  transport: Transport,
  path: string,
  body: Record<string, string>,
  options: DatasetJobStartOptions,
): Promise<DatasetJob> {
  const record = await transport.call<DatasetJobRecord | null>('POST', path, {
    body,
    signal: options.signal,
    // Not retried: a retry could start a second job and make a second dataset.
    allowRetries: false,
  });
  if (typeof record?.uuid !== 'string') {
    throw new UnknownError(`POST ${path} answered no job: the server may run it, but it cannot be followed`);
  }
  const job = new DatasetJob(transport, record);
  if (options.wait === false) return job;
  return job.wait({ signal: options.signal, onProgress: options.onProgress });
}
