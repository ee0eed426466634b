import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import type {
  DataRowFilter,
  DuplicatesBehaviour,
  Engine,
  Page,
  PageCursor,
  ProjectDataRow,
} from '../store/engine.js';
import type { DataRowWithItem, DatasetRecord, ProjectRecord } from '../store/records.js';
import type { Actor, StorageService } from './storage-service.js';

const notFound = (what: string): MetaindexError => new MetaindexError('not_found', what);

export interface DataRowChange {
  /** The new whole clientMetadata of the backing item (validated like any write). */
  clientMetadata?: unknown;
  title?: string;
}

/**
 * Datasets, data rows and projects. A data row owns no metadata: its clientMetadata
 * is its backing item's, so a write through a row is an item write (validated the
 * same way, all or nothing) and is seen at once through the item, every dataset
 * linking it and every project those datasets are attached to.
 */
export class DatasetService {
  constructor(
    private readonly engine: Engine,
    private readonly storage: StorageService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a dataset; with `createBackingFolder`, also a root folder of the same name that backs it. */
  async createDataset(
    actor: Actor,
    input: { title: string; description: string; createBackingFolder: boolean },
  ): Promise<DatasetRecord> {
    if (input.title.trim() === '') throw new InvalidArgumentError('a dataset needs a non-empty title');
    const folder = input.createBackingFolder
      ? await this.storage.createFolder(actor, {
          name: input.title,
          description: input.description,
          parentUuid: null,
          clientMetadata: null,
        })
      : null;
    const at = this.now().toISOString();
    const dataset: DatasetRecord = {
      uuid: randomUUID(),
      title: input.title,
      description: input.description,
      backingFolderUuid: folder?.uuid ?? null,
      owner: actor.email,
      createdAt: at,
      lastEditedAt: at,
    };
    await this.engine.createDataset(dataset);
    return dataset;
  }

  async getDataset(uuid: string): Promise<DatasetRecord> {
    const dataset = await this.engine.getDataset(uuid);
    if (dataset === null) throw notFound(`dataset ${uuid} does not exist`);
    return dataset;
  }

  async listRows(datasetUuid: string, filter: DataRowFilter = {}): Promise<DataRowWithItem[]> {
    await this.getDataset(datasetUuid);
    return this.engine.listDataRows(datasetUuid, filter);
  }

  async linkItems(
    datasetUuid: string,
    itemUuids: readonly string[],
    behaviour: DuplicatesBehaviour,
  ): Promise<DataRowWithItem[]> {
    const result = await this.engine.linkItems(datasetUuid, itemUuids, behaviour, this.now().toISOString());
    if (result.ok) return result.rows;
    switch (result.reason) {
      case 'missing-dataset':
        throw notFound(`dataset ${datasetUuid} does not exist`);
      case 'missing-items':
        throw notFound(`storage items do not exist: ${result.uuids.join(', ')}`);
      case 'already-linked':
        throw new MetaindexError(
          'conflict',
          `items already in dataset ${datasetUuid} (duplicates behaviour FAIL, nothing was linked): ${result.uuids.join(', ')}`,
        );
    }
  }

  async getRow(dataHash: string): Promise<DataRowWithItem> {
    const [row] = await this.engine.getDataRows([dataHash]);
    if (row === null || row === undefined) throw notFound(`data row ${dataHash} does not exist`);
    return row;
  }

  /**
   * Changes a row: clientMetadata goes to the backing item (replacing its whole
   * object, validated), the title to the row. Returns the row as it is now and the
   * fields that were updated.
   */
  async updateRow(
    dataHash: string,
    change: DataRowChange,
  ): Promise<{ row: DataRowWithItem; updated: string[] }> {
    const current = await this.getRow(dataHash);
    const updated: string[] = [];
    if (change.clientMetadata !== undefined) {
      await this.storage.patchItems([{ uuid: current.item.uuid, clientMetadata: change.clientMetadata }]);
      updated.push('client_metadata');
    }
    if (change.title !== undefined) {
      if (change.title.trim() === '')
        throw new InvalidArgumentError(`data row ${dataHash}: a title cannot be empty`);
      await this.engine.updateDataRowTitle(dataHash, change.title, this.now().toISOString());
      updated.push('title');
    }
    return { row: await this.getRow(dataHash), updated };
  }

  async unlinkRows(datasetUuid: string, dataHashes: readonly string[]): Promise<number> {
    await this.getDataset(datasetUuid);
    return this.engine.unlinkRows(datasetUuid, dataHashes);
  }

  /** Deletes a dataset and its rows; the items keep their metadata. */
  async deleteDataset(uuid: string): Promise<void> {
    if (!(await this.engine.deleteDataset(uuid))) throw notFound(`dataset ${uuid} does not exist`);
  }

  // --- projects ---

  async createProject(
    actor: Actor,
    input: { title: string; description: string; datasetUuids: readonly string[] },
  ): Promise<ProjectRecord> {
    if (input.title.trim() === '') throw new InvalidArgumentError('a project needs a non-empty title');
    const at = this.now().toISOString();
    const project: ProjectRecord = {
      uuid: randomUUID(),
      title: input.title,
      description: input.description,
      owner: actor.email,
      createdAt: at,
      lastEditedAt: at,
    };
    const result = await this.engine.createProject(project, input.datasetUuids);
    if (!result.ok) throw notFound(`datasets do not exist: ${result.uuids.join(', ')}`);
    return project;
  }

  async getProject(uuid: string): Promise<ProjectRecord> {
    const project = await this.engine.getProject(uuid);
    if (project === null) throw notFound(`project ${uuid} does not exist`);
    return project;
  }

  async projectDatasets(uuid: string): Promise<DatasetRecord[]> {
    await this.getProject(uuid);
    return this.engine.listProjectDatasets(uuid);
  }

  async attachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<void> {
    const result = await this.engine.attachDatasets(projectUuid, datasetUuids);
    if (result.ok) return;
    if (result.reason === 'missing-project') throw notFound(`project ${projectUuid} does not exist`);
    throw notFound(`datasets do not exist: ${result.uuids.join(', ')}`);
  }

  async detachDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<void> {
    await this.getProject(projectUuid);
    await this.engine.detachDatasets(projectUuid, datasetUuids);
  }

  async projectRows(
    projectUuid: string,
    pageSize: number,
    after: PageCursor | null,
  ): Promise<Page<ProjectDataRow>> {
    await this.getProject(projectUuid);
    return this.engine.listProjectDataRows(projectUuid, { pageSize, after });
  }
}
