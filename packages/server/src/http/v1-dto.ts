/**
 * Records ⇄ the v1 (snake_case) shapes of the SDK's Dataset and DataRow models.
 * Every key the SDK indexes directly is always present.
 */
import type { DataRowWithItem, DatasetRecord, ItemType, StorageLocation } from '../store/records.js';

/** The SDK's upper-case DataType names, by storage item type. */
const DATA_TYPES: Record<ItemType, string> = {
  image: 'IMAGE',
  video: 'VIDEO',
  imageGroup: 'IMG_GROUP',
  imageSequence: 'IMG_GROUP',
  group: 'GROUP',
  dicomFile: 'DICOM',
  dicomSeries: 'DICOM',
  audio: 'AUDIO',
  nifti: 'NIFTI',
  plainText: 'PLAIN_TEXT',
  pdf: 'PDF',
  scene: 'SCENE',
};

/** Item types for a wire DataType filter value (several item types share IMG_GROUP and DICOM). */
export function itemTypesForDataType(dataType: string): ItemType[] {
  return (Object.keys(DATA_TYPES) as ItemType[]).filter((t) => DATA_TYPES[t] === dataType.toUpperCase());
}

/** The SDK's integer storage locations: 0 CORD_STORAGE, 1 AWS, 2 GCP, 3 AZURE, 4 S3_COMPATIBLE. */
const STORAGE_LOCATIONS: Partial<Record<StorageLocation, number>> = {
  encord: 0,
  s3: 1,
  gcp: 2,
  azure: 3,
  s3Compatible: 4,
};

export interface DataRowDto {
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
  client_metadata: Record<string, unknown> | null;
  backing_item_uuid: string;
  signed_url: string | null;
  is_optimised_image_group: boolean | null;
  images_data: null;
}

export interface DataRowOptions {
  /** Include the backing item's clientMetadata (`fetch_client_metadata`); null otherwise. */
  clientMetadata: boolean;
  signedUrl: string | null;
}

export function toDataRowDto({ row, item }: DataRowWithItem, options: DataRowOptions): DataRowDto {
  return {
    data_hash: row.dataHash,
    data_title: row.title,
    data_type: DATA_TYPES[item.itemType],
    created_at: row.createdAt,
    last_edited_at: row.lastEditedAt,
    width: item.media.width,
    height: item.media.height,
    file_link: item.url ?? item.blobKey,
    file_size: item.media.fileSize,
    file_type: item.media.mimeType,
    storage_location: STORAGE_LOCATIONS[item.storageLocation] ?? 0,
    frames_per_second: item.media.fps,
    duration: item.media.duration,
    client_metadata: options.clientMetadata
      ? (JSON.parse(item.clientMetadata) as Record<string, unknown>)
      : null,
    backing_item_uuid: item.uuid,
    signed_url: options.signedUrl,
    is_optimised_image_group: null,
    images_data: null,
  };
}

export function toDatasetDto(dataset: DatasetRecord, rows: DataRowDto[]) {
  return {
    dataset_hash: dataset.uuid,
    title: dataset.title,
    description: dataset.description,
    dataset_type: 'CORD_STORAGE',
    backing_folder_uuid: dataset.backingFolderUuid,
    data_rows: rows,
  };
}
