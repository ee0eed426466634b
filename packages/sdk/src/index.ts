export * from './errors.js';
export * from './transport.js';
export * from './user-client.js';
export * from './metadata-schema.js';
export * from './storage.js';
export * from './bundle.js';
export * from './dataset.js';
export {
  DatasetJob,
  DatasetJobError,
  type DatasetJobMode,
  type DatasetJobProgress,
  type DatasetJobRecord,
  type DatasetJobStartOptions,
  type DatasetJobStatus,
  type DatasetJobWaitOptions,
  type PresetToDatasetOptions,
  type ToDatasetOptions,
  type ToProjectOptions,
} from './dataset-job.js';
export * from './collection.js';
export * from './filter-preset.js';
export * from './item-query.js';
export type { SshKeySource } from './credentials.js';
