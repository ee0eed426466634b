import { InvalidArgumentError, parseIsoInstant } from '@metaindex/core';
import type { FastifyInstance } from 'fastify';
import { requireUuid } from '../../services/storage-service.js';
import type { DataRowFilter, DuplicatesBehaviour } from '../../store/engine.js';
import type { DataRowWithItem } from '../../store/records.js';
import { getActor, type AppServices } from '../app.js';
import {
  bodyObject,
  isJsonObject,
  optionalBool,
  optionalString,
  requiredString,
  type JsonObject,
} from '../request-parsing.js';
import { itemTypesForDataType, toDataRowDto, toDatasetDto } from '../v1-dto.js';
import type { V1Call, V1Router } from '../v1-rpc.js';

const BEHAVIOURS: readonly DuplicatesBehaviour[] = ['SKIP', 'FAIL', 'DUPLICATE'];

/** `dataset_access_settings.fetch_client_metadata`, false when absent. */
function fetchClientMetadata(payload: JsonObject): boolean {
  const settings = payload.dataset_access_settings;
  return isJsonObject(settings) && settings.fetch_client_metadata === true;
}

/** The dataset a v1 call is about: `uid`, else the `ResourceID` header. */
function datasetOf(call: V1Call): string {
  return requireUuid(
    typeof call.uid === 'string' && call.uid !== '' ? call.uid : call.resourceId,
    'dataset hash',
  );
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidArgumentError(`${field} must be a list of strings`);
  }
  return value;
}

/** An ISO date-time filter, normalised to the store's form; a time without zone is UTC, as the SDK means it. */
function instant(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' && /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const ms = typeof text === 'string' ? parseIsoInstant(text) : undefined;
  if (ms === undefined)
    throw new InvalidArgumentError(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function rowFilter(payload: JsonObject): DataRowFilter | 'nothing' {
  const filter: DataRowFilter = {};
  const titleEq = optionalString(payload, 'title_eq');
  const titleLike = optionalString(payload, 'title_like');
  const before = instant(payload.created_before, 'created_before');
  const after = instant(payload.created_after, 'created_after');
  const dataTypes = stringList(payload.data_types, 'data_types');
  const hashes = stringList(payload.data_hashes, 'data_hashes');
  if (titleEq !== undefined) filter.titleEq = titleEq;
  if (titleLike !== undefined) filter.titleLike = titleLike;
  if (before !== undefined) filter.createdBefore = before;
  if (after !== undefined) filter.createdAfter = after;
  if (dataTypes !== undefined) {
    const itemTypes = dataTypes.flatMap(itemTypesForDataType);
    if (itemTypes.length === 0) return 'nothing';
    filter.itemTypes = itemTypes;
  }
  if (hashes !== undefined) {
    // An explicit empty list asks for no rows (the store reads an empty list as "no filter").
    if (hashes.length === 0) return 'nothing';
    filter.dataHashes = hashes.map((h) => requireUuid(h, 'data_hashes[]'));
  }
  return filter;
}

/**
 * Datasets and data rows: v2 `POST datasets`, and the v1 RPC calls `dataset`,
 * `datasetlinkitems`, `datarows` and `datarow`. A row's clientMetadata is its
 * backing item's; writing it through a row is an item write.
 */
export function registerDatasetRoutes(
  app: FastifyInstance,
  { datasets, uploads }: AppServices,
  v1: V1Router,
): void {
  const rowDto = (row: DataRowWithItem, clientMetadata: boolean, signUrl = false) =>
    toDataRowDto(row, { clientMetadata, signedUrl: signUrl ? uploads.downloadUrl(row.item) : null });

  app.post('/v2/public/datasets', async (request) => {
    const body = bodyObject(request.body);
    const dataset = await datasets.createDataset(getActor(request), {
      title: requiredString(body, 'title'),
      description: optionalString(body, 'description') ?? '',
      createBackingFolder: optionalBool(body, 'createBackingFolder', false),
    });
    return { datasetUuid: dataset.uuid, backingFolderUuid: dataset.backingFolderUuid };
  });

  v1.on('dataset', 'GET', async (call) => {
    const dataset = await datasets.getDataset(datasetOf(call));
    const withMetadata = fetchClientMetadata(call.payload);
    const rows = await datasets.listRows(dataset.uuid);
    return toDatasetDto(
      dataset,
      rows.map((row) => rowDto(row, withMetadata)),
    );
  });

  v1.on('datasetlinkitems', 'POST', async (call) => {
    const uuids = stringList(call.payload.item_uuids, 'item_uuids');
    if (uuids === undefined) throw new InvalidArgumentError('item_uuids is required');
    const behaviour = call.payload.duplicates_behavior ?? 'SKIP';
    if (!BEHAVIOURS.includes(behaviour as DuplicatesBehaviour)) {
      throw new InvalidArgumentError(`duplicates_behavior must be one of ${BEHAVIOURS.join(', ')}`);
    }
    const rows = await datasets.linkItems(
      datasetOf(call),
      uuids.map((u) => requireUuid(u, 'item_uuids[]')),
      behaviour as DuplicatesBehaviour,
    );
    return rows.map((row) => rowDto(row, false));
  });

  v1.on('datarows', 'GET', async (call) => {
    const filter = rowFilter(call.payload);
    const dataset = datasetOf(call);
    const rows =
      filter === 'nothing'
        ? (await datasets.getDataset(dataset), [])
        : await datasets.listRows(dataset, filter);
    const withMetadata = fetchClientMetadata(call.payload);
    return rows.map((row) => rowDto(row, withMetadata));
  });

  v1.on('datarow', 'GET', async (call) => {
    const row = await datasets.getRow(requireUuid(call.uid, 'data hash'));
    const extra = isJsonObject(call.payload.additional_data) ? call.payload.additional_data : {};
    return rowDto(row, extra.client_metadata === true, extra.signed_url === true);
  });

  v1.on('datarow', 'POST', async (call) => {
    const dataHash = requireUuid(call.uid, 'data hash');
    const known = new Set(['client_metadata', 'title']);
    const unknown = Object.keys(call.payload).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw new InvalidArgumentError(`data row fields that cannot be set: ${unknown.join(', ')}`);
    const change: { clientMetadata?: unknown; title?: string } = {};
    if ('client_metadata' in call.payload) {
      if (!isJsonObject(call.payload.client_metadata))
        throw new InvalidArgumentError('client_metadata must be an object');
      change.clientMetadata = call.payload.client_metadata;
    }
    if ('title' in call.payload) change.title = requiredString(call.payload, 'title');
    const { row, updated } = await datasets.updateRow(dataHash, change);
    return { data_row: rowDto(row, true), updated_fields: updated };
  });
}
