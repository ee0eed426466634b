/**
 * How the PostgreSQL engine is put together: four stores, each owning one part of
 * the Engine interface, composed by pg-engine.ts. The lists say which methods each
 * store answers; TypeScript checks that together they cover every Engine method.
 */
import type { SchemaMap } from '@metaindex/core';
import type { Engine } from '../engine.js';
import type { ItemRecord } from '../records.js';
import type { PgClient } from './pg-database.js';

/** Schema, users, folders, items and upload jobs (pg-core-store.ts). */
export const CORE_METHODS = [
  'getSchema',
  'replaceSchema',
  'addUser',
  'listUsers',
  'removeUser',
  'findUserByKey',
  'findUserByEmail',
  'setUserRole',
  'createFolder',
  'getFolder',
  'getFolderPath',
  'listFolders',
  'updateFolders',
  'deleteFolder',
  'writeItems',
  'rewriteItemMetadata',
  'getItems',
  'findItemsByUrl',
  'listItems',
  'deleteItems',
  'saveJob',
  'getJob',
] as const satisfies readonly (keyof Engine)[];

/** Datasets, data rows, projects, ontologies and dataset jobs (pg-dataset-store.ts). */
export const DATASET_METHODS = [
  'createDataset',
  'getDataset',
  'listDatasets',
  'updateDataset',
  'deleteDataset',
  'findDatasetsByBackingFolder',
  'linkItems',
  'listDataRows',
  'getDataRows',
  'updateDataRowTitle',
  'unlinkRows',
  'itemsBackingRows',
  'itemsBackingRowsInFolder',
  'countRowsForItems',
  'forceDeleteItems',
  'forceDeleteFolder',
  'createProject',
  'getProject',
  'listProjects',
  'attachDatasets',
  'detachDatasets',
  'listProjectDatasets',
  'listProjectDataRows',
  'deleteProject',
  'createOntology',
  'getOntology',
  'listOntologies',
  'updateOntology',
  'setProjectOntology',
  'getProjectOntology',
  'ensureProjectOntology',
  'saveDatasetJob',
  'getDatasetJob',
  'linkCollectionBatch',
] as const satisfies readonly (keyof Engine)[];

/** Collections, presets and collection jobs (pg-collection-store.ts). */
export const COLLECTION_METHODS = [
  'createCollection',
  'getCollection',
  'listCollections',
  'updateCollection',
  'deleteCollection',
  'addCollectionItems',
  'removeCollectionItems',
  'listCollectionItems',
  'countCollectionItems',
  'diffCollections',
  'createPreset',
  'getPreset',
  'listPresets',
  'updatePreset',
  'deletePreset',
  'saveCollectionJob',
  'getCollectionJob',
] as const satisfies readonly (keyof Engine)[];

/** Filters, sorting, facets and cast previews over the item index (pg-item-index.ts). */
export const INDEX_METHODS = [
  'queryItems',
  'matchingItemUuids',
  'facetItems',
  'explainItemQuery',
  'castPreview',
] as const satisfies readonly (keyof Engine)[];

export type CoreMethods = Pick<Engine, (typeof CORE_METHODS)[number]>;
export type DatasetMethods = Pick<Engine, (typeof DATASET_METHODS)[number]>;
export type CollectionMethods = Pick<Engine, (typeof COLLECTION_METHODS)[number]>;
export type IndexMethods = Pick<Engine, (typeof INDEX_METHODS)[number]>;

/** The schema an item write was validated against, as the writing transaction read it. */
export interface SchemaAt {
  schema: SchemaMap;
  version: number;
}

/**
 * What the item index needs from the stores that write items and the schema. Each
 * call runs inside the caller's transaction, so a query never sees an item whose
 * index row is stale, nor an index derived with another schema.
 */
export interface PgIndexMaintenance {
  /** Writes (inserts or replaces) the index rows of these items, just written. */
  indexItems(client: PgClient, items: readonly ItemRecord[], schema: SchemaAt): Promise<void>;
  /** After a schema replace: derives again the values of keys that are new or changed. */
  applySchema(client: PgClient, schema: SchemaAt): Promise<void>;
  /** Derives every item's index row from scratch (after `metaindex migrate`). Returns the rows written. */
  rebuild(client: PgClient, schema: SchemaAt): Promise<number>;
}
