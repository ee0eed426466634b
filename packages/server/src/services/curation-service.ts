/**
 * From curation to annotation: a collection (or a preset, frozen into a collection
 * snapshot first) becomes a dataset, and optionally a project's dataset.
 *
 * A request is checked whole before anything is written: the body's rules first (400
 * naming the field and rule), then every uuid it names (404). Then the dataset (and
 * project) are created or looked up synchronously, and a persisted background job links
 * the collection's members into the dataset as data rows, 10,000 members per engine
 * call (`Engine.linkCollectionBatch`, one transaction each), saving its progress after
 * each batch. Rows reference their items and copy nothing, so metadata written later
 * through an item is seen through the dataset and the project at once.
 */
import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CollectionRecord, DatasetJobMode, DatasetJobRecord, Engine } from '../store/engine.js';
import type { CollectionService } from './collection-service.js';
import type { DatasetService } from './dataset-service.js';
import { pollJob } from './job-polling.js';
import type { PresetService } from './preset-service.js';
import type { ProjectService } from './project-service.js';
import type { Actor } from './storage-service.js';

/** Members linked per engine call (one transaction); progress is saved after each. */
export const DATASET_JOB_BATCH = 10_000;

export const DATASET_JOB_MODES: readonly DatasetJobMode[] = ['create', 'append-new'];

/** The body of `POST /api/collections/{u}/dataset` and `POST /api/presets/{u}/dataset`. */
export interface DatasetRequest {
  /** The new dataset's title (mode create). */
  title?: string;
  description?: string;
  /** The existing dataset to append to (mode append-new). */
  datasetHash?: string;
  /** Default: create. */
  mode?: DatasetJobMode;
}

/** The body of `POST /api/collections/{u}/project`. */
export interface ProjectRequest extends DatasetRequest {
  /** The new dataset's title; default: `title`, or the collection's name with `projectHash`. */
  datasetTitle?: string;
  /** The existing project to attach the dataset to; without it, a new project titled `title`. */
  projectHash?: string;
}

/** Where the members go: a dataset to create, or an existing one (checked to exist). */
type DatasetTarget = { kind: 'new'; title: string | undefined } | { kind: 'existing'; uuid: string };

/** The project the dataset is attached to: a new one, or an existing one (checked to exist). */
type ProjectTarget = { kind: 'new'; title: string } | { kind: 'existing'; uuid: string };

const notFound = (message: string, details: Record<string, string>): MetaindexError =>
  new MetaindexError('not_found', message, details);

/** A title that must not be blank: 400 naming `field`. */
function requireTitle(value: string | undefined, field: string, what: string): string {
  if (value === undefined) throw new InvalidArgumentError(`${field} is required: ${what}`);
  if (value.trim() === '') throw new InvalidArgumentError(`${field} cannot be empty: ${what}`);
  return value;
}

/**
 * The dataset a request names, by its body alone (400s only). Mode create makes a new
 * dataset, so it takes no `datasetHash`; append-new appends to `datasetHash`, so it
 * needs one. `newTitle` is the new dataset's title when the caller has one to check
 * (/dataset: `title`); undefined leaves it to be resolved later (/project).
 */
function datasetTargetOf(request: DatasetRequest, newTitle: () => string | undefined): DatasetTarget {
  const mode = request.mode ?? 'create';
  if (mode === 'create') {
    if (request.datasetHash !== undefined) {
      throw new InvalidArgumentError(
        'datasetHash is only allowed with mode "append-new": mode "create" (the default) makes a new dataset',
      );
    }
    return { kind: 'new', title: newTitle() };
  }
  if (request.datasetHash === undefined) {
    throw new InvalidArgumentError('mode "append-new" needs datasetHash: the dataset to append to');
  }
  return { kind: 'existing', uuid: request.datasetHash };
}

/**
 * Turns collections into datasets and projects with tracked background jobs. Jobs run
 * in this process; their records are in the database, so any process answers for any
 * job. `drain()` waits for the running ones (shutdown, tests).
 */
export class CurationService {
  readonly #events = new EventEmitter();
  readonly #running = new Set<Promise<void>>();

  readonly #collections: CollectionService;
  readonly #presets: PresetService;
  readonly #datasets: DatasetService;
  readonly #projects: ProjectService;

  constructor(
    private readonly engine: Engine,
    services: {
      collections: CollectionService;
      presets: PresetService;
      datasets: DatasetService;
      projects: ProjectService;
    },
    private readonly now: () => Date = () => new Date(),
    /** Members per engine call; tests make it small to see several batches. */
    private readonly batchSize: number = DATASET_JOB_BATCH,
  ) {
    this.#collections = services.collections;
    this.#presets = services.presets;
    this.#datasets = services.datasets;
    this.#projects = services.projects;
    this.#events.setMaxListeners(0);
  }

  /** `POST /api/collections/{u}/dataset`: the collection's members into a new or existing dataset. */
  async collectionToDataset(
    actor: Actor,
    collectionUuid: string,
    request: DatasetRequest,
  ): Promise<DatasetJobRecord> {
    const dataset = datasetTargetOf(request, () =>
      requireTitle(request.title, 'title', "the new dataset's title"),
    );
    const collection = await this.#collections.get(collectionUuid);
    await this.#requireTargets(dataset, null);
    const total = await this.#collections.itemCount(collection.uuid);
    return this.#start(actor, { collection, total, presetUuid: null }, dataset, null, request);
  }

  /**
   * `POST /api/collections/{u}/project`: what collectionToDataset does, then the dataset
   * is attached to a new project (`title`) or an existing one (`projectHash`).
   */
  async collectionToProject(
    actor: Actor,
    collectionUuid: string,
    request: ProjectRequest,
  ): Promise<DatasetJobRecord> {
    const project: ProjectTarget =
      request.projectHash === undefined
        ? { kind: 'new', title: requireTitle(request.title, 'title', "the new project's title") }
        : { kind: 'existing', uuid: request.projectHash };
    const dataset = datasetTargetOf(request, () =>
      request.datasetTitle === undefined
        ? undefined // resolved once the collection is known
        : requireTitle(request.datasetTitle, 'datasetTitle', "the new dataset's title"),
    );
    const collection = await this.#collections.get(collectionUuid);
    await this.#requireTargets(dataset, project);
    const total = await this.#collections.itemCount(collection.uuid);
    return this.#start(actor, { collection, total, presetUuid: null }, dataset, project, request);
  }

  /**
   * `POST /api/presets/{u}/dataset`: the preset is evaluated now, frozen into a new
   * collection snapshot (as `POST /api/presets/{u}/freeze` does, into the preset's
   * folder or `topLevelFolderUuid`), and that snapshot goes into the dataset.
   */
  async presetToDataset(
    actor: Actor,
    presetUuid: string,
    request: DatasetRequest & { topLevelFolderUuid?: string },
  ): Promise<DatasetJobRecord> {
    const dataset = datasetTargetOf(request, () =>
      requireTitle(request.title, 'title', "the new dataset's title"),
    );
    await this.#presets.get(presetUuid);
    await this.#requireTargets(dataset, null);
    // The freeze refuses (writing nothing) a preset without a folder when none is given.
    const { collection, itemCount } = await this.#collections.freeze(actor, presetUuid, {
      ...(request.topLevelFolderUuid === undefined ? {} : { topLevelFolderUuid: request.topLevelFolderUuid }),
    });
    return this.#start(actor, { collection, total: itemCount, presetUuid }, dataset, null, request);
  }

  /** The job, waiting up to `timeoutSeconds` (at most 55 s) for it to leave PENDING. */
  getJob(uuid: string, timeoutSeconds: number): Promise<DatasetJobRecord> {
    return pollJob(
      async () => {
        const job = await this.engine.getDatasetJob(uuid);
        if (job === null) throw notFound(`dataset job ${uuid} does not exist`, { jobUuid: uuid });
        return job;
      },
      this.#events,
      `job:${uuid}`,
      timeoutSeconds,
    );
  }

  /** Waits for every running job (for shutdown and tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** 404 for a dataset or project the request names that does not exist (before anything is written). */
  async #requireTargets(dataset: DatasetTarget, project: ProjectTarget | null): Promise<void> {
    if (dataset.kind === 'existing' && (await this.engine.getDataset(dataset.uuid)) === null) {
      throw notFound(`datasetHash: dataset ${dataset.uuid} does not exist`, { datasetHash: dataset.uuid });
    }
    if (project?.kind === 'existing' && (await this.engine.getProject(project.uuid)) === null) {
      throw notFound(`projectHash: project ${project.uuid} does not exist`, { projectHash: project.uuid });
    }
  }

  /**
   * Creates the dataset (or takes the existing one), attaches it to the project, records
   * the job and starts it in the background. Every check is done: from here on, writes.
   */
  async #start(
    actor: Actor,
    source: { collection: CollectionRecord; total: number; presetUuid: string | null },
    dataset: DatasetTarget,
    project: ProjectTarget | null,
    request: DatasetRequest,
  ): Promise<DatasetJobRecord> {
    const description = request.description ?? '';
    let datasetUuid: string;
    if (dataset.kind === 'existing') {
      datasetUuid = dataset.uuid;
    } else {
      // With a project and no datasetTitle: the project's title, or (attaching to an
      // existing project, which has none to give) the collection's name.
      const title = dataset.title ?? (project?.kind === 'new' ? project.title : source.collection.name);
      const created = await this.#datasets.createDataset(actor, {
        title,
        description,
        createBackingFolder: false,
      });
      datasetUuid = created.uuid;
    }

    let projectUuid: string | null = null;
    if (project?.kind === 'new') {
      const view = await this.#projects.createProject(actor, {
        title: project.title,
        description,
        datasetUuids: [datasetUuid],
      });
      projectUuid = view.project.uuid;
    } else if (project?.kind === 'existing') {
      await this.#projects.addDatasets(project.uuid, [datasetUuid]);
      projectUuid = project.uuid;
    }

    const at = this.now().toISOString();
    const job: DatasetJobRecord = {
      uuid: randomUUID(),
      collectionUuid: source.collection.uuid,
      presetUuid: source.presetUuid,
      datasetUuid,
      projectUuid,
      mode: dataset.kind === 'new' ? 'create' : 'append-new',
      status: 'PENDING',
      total: source.total,
      processed: 0,
      added: 0,
      alreadyThere: 0,
      error: null,
      createdAt: at,
      updatedAt: at,
    };
    await this.engine.saveDatasetJob(job);
    const run = this.#runJob(job)
      .catch(async (error: unknown) => {
        try {
          const latest = (await this.engine.getDatasetJob(job.uuid)) ?? job;
          await this.#saveJob({ ...latest, status: 'ERROR', error: messageOf(error) });
        } catch {
          // The store is gone (shutting down): the job stays PENDING; every batch it
          // wrote is committed and counted.
        }
      })
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
    return job;
  }

  /** Links the members batch by batch until the collection has no member left after the cursor. */
  async #runJob(job: DatasetJobRecord): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // answer the request first
    let current = job;
    let after: string | null = null;
    let previousAt: string | null = null;
    for (;;) {
      const at = this.#instantAfter(previousAt);
      const result = await this.engine.linkCollectionBatch(
        job.datasetUuid,
        job.collectionUuid,
        after,
        this.batchSize,
        at,
      );
      if (!result.ok) {
        throw new Error(
          result.reason === 'missing-dataset'
            ? `dataset ${job.datasetUuid} was deleted while the job ran`
            : `collection ${job.collectionUuid} was deleted while the job ran`,
        );
      }
      if (result.last === null) break;
      current = {
        ...current,
        processed: current.processed + result.processed,
        added: current.added + result.added,
        alreadyThere: current.alreadyThere + result.alreadyThere,
      };
      await this.#saveJob(current);
      after = result.last;
      previousAt = at;
    }
    await this.#saveJob({ ...current, status: 'DONE' });
  }

  /**
   * Now, or 1 ms after `previous` if the clock has not moved past it. Rows list in
   * (createdAt, dataHash) order and a batch's hashes ascend in member order, so giving
   * each batch a strictly later instant keeps the whole dataset in member order even
   * when two batches fall in the same millisecond.
   */
  #instantAfter(previous: string | null): string {
    const now = this.now().getTime();
    const floor = previous === null ? -Infinity : Date.parse(previous) + 1;
    return new Date(Math.max(now, floor)).toISOString();
  }

  async #saveJob(job: DatasetJobRecord): Promise<void> {
    await this.engine.saveDatasetJob({ ...job, updatedAt: this.now().toISOString() });
    this.#events.emit(`job:${job.uuid}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
