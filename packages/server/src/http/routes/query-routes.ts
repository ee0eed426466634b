import {
  InvalidArgumentError,
  parseFilter,
  validateFilter,
  validateSort,
  parseSortText,
  type FilterNode,
  type SortSpec,
} from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUuid } from '../../services/storage-service.js';
import type { FacetSpec, QueryRequest, QueryResult } from '../../services/query-service.js';
import type { AppServices } from '../app.js';
import { bodyObject, queryInt, queryString, type JsonObject, type Query } from '../request-parsing.js';
import { storageItemDtos } from '../wire-dto.js';

/**
 * Index queries under /api: filter (text or JSON AST), sort, count, facets, explain,
 * and the cast preview that tells what a type change would leave unfit.
 */
export function registerQueryRoutes(app: FastifyInstance, services: AppServices): void {
  app.post('/api/items/query', async (request) => {
    const query = parseQueryBody(request.body);
    if (query.folder !== null) await services.storage.getFolder(query.folder);
    return renderQueryResult(await services.query.query(query), services);
  });

  app.post('/api/items/facets', async (request) => {
    const body = bodyObject(request.body);
    const folder =
      body.folder === undefined || body.folder === null ? null : requireUuid(body.folder, 'folder');
    if (folder !== null) await services.storage.getFolder(folder);
    return services.query.facets(parseFilterField(body.filter), folder, parseFacets(body.facets));
  });

  app.post('/api/items/explain', async (request) => {
    const query = parseQueryBody(request.body);
    const { plan, engine } = await services.query.explain(query);
    return {
      strategy: plan.strategy,
      index: plan.index,
      indexedItems: plan.indexedItems,
      threshold: plan.threshold,
      candidates: plan.candidates.map((c) => ({
        field: c.field,
        op: c.op,
        index: c.index,
        estimatedRows: c.capped ? `more than ${plan.threshold}` : c.rows,
      })),
      engine,
    };
  });

  app.get(
    '/api/schema/keys/:key/cast-preview',
    async (request: FastifyRequest<{ Params: { key: string }; Querystring: Query }>) => {
      const type = queryString(request.query, 'type');
      if (type === undefined) throw new InvalidArgumentError('type is required, e.g. ?type=number');
      const limit = queryInt(request.query, 'examples', 10, 0, 100);
      const preview = await services.query.castPreview(request.params.key, type, limit);
      return {
        key: request.params.key,
        type,
        currentType: preview.currentType,
        itemsWithValue: preview.itemsWithValue,
        wouldNotFit: preview.wouldNotFit,
        examples: preview.examples.map((e) => ({ itemUuid: e.uuid, value: e.value })),
      };
    },
  );
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_TOP = 10;
const DEFAULT_BUCKETS = 10;
const MAX_FACETS = 50;

/** A filter given as text (the filter language) or as a JSON AST; absent or null means none. */
export function parseFilterField(value: unknown, path = 'filter'): FilterNode | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : parseFilter(value);
  return validateFilter(value, path);
}

function parseSortField(value: unknown): SortSpec[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseSortText(value);
  return validateSort(value);
}

const QUERY_FIELDS = new Set(['filter', 'sort', 'pageSize', 'pageToken', 'count', 'folder']);

/** The body of `POST /api/items/query` (and of preset evaluation): every field optional. */
export function parseQueryBody(body: unknown): QueryRequest {
  const input: JsonObject = body === undefined ? {} : bodyObject(body);
  const unknown = Object.keys(input).filter((k) => !QUERY_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; a query has ${[...QUERY_FIELDS].join(', ')}`,
    );
  }
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  if (
    typeof pageSize !== 'number' ||
    !Number.isInteger(pageSize) ||
    pageSize < 1 ||
    pageSize > MAX_PAGE_SIZE
  ) {
    throw new InvalidArgumentError(
      `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(pageSize)}`,
    );
  }
  const count = input.count ?? 'exact';
  if (count !== 'exact' && count !== 'none') {
    throw new InvalidArgumentError(`count must be "exact" or "none", got ${JSON.stringify(count)}`);
  }
  const pageToken = input.pageToken ?? null;
  if (pageToken !== null && typeof pageToken !== 'string') {
    throw new InvalidArgumentError('pageToken must be a string from a previous page');
  }
  return {
    filter: parseFilterField(input.filter),
    sort: parseSortField(input.sort),
    pageSize,
    pageToken,
    count,
    folder: input.folder === undefined || input.folder === null ? null : requireUuid(input.folder, 'folder'),
  };
}

function parseFacets(value: unknown): FacetSpec[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FACETS) {
    throw new InvalidArgumentError(
      `facets must be an array of 1 to ${MAX_FACETS} facets ({key, top?} or {key, histogram: {buckets}})`,
    );
  }
  return value.map((facet, i): FacetSpec => {
    const path = `facets[${i}]`;
    const spec = bodyObject(facet, path);
    if (typeof spec.key !== 'string' || spec.key === '') {
      throw new InvalidArgumentError(`${path}.key must be a metadata key or $type, $created, $edited`);
    }
    const extra = Object.keys(spec).filter((k) => k !== 'key' && k !== 'top' && k !== 'histogram');
    if (extra.length > 0 || (spec.top !== undefined && spec.histogram !== undefined)) {
      throw new InvalidArgumentError(`${path}: a facet is {key, top?} or {key, histogram: {buckets}}`);
    }
    if (spec.histogram !== undefined) {
      const histogram = bodyObject(spec.histogram, `${path}.histogram`);
      const buckets = histogram.buckets ?? DEFAULT_BUCKETS;
      if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < 1 || buckets > 1000) {
        throw new InvalidArgumentError(`${path}.histogram.buckets must be an integer from 1 to 1000`);
      }
      return { key: spec.key, buckets };
    }
    const top = spec.top ?? DEFAULT_TOP;
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > 1000) {
      throw new InvalidArgumentError(`${path}.top must be an integer from 1 to 1000`);
    }
    return { key: spec.key, top };
  });
}

/** A query result as /api returns it: StorageItems whose clientMetadata is an object. */
export async function renderQueryResult(result: QueryResult, services: AppServices): Promise<unknown> {
  const dtos = await storageItemDtos(result.results, services, false);
  return {
    results: dtos.map((dto) => ({ ...dto, clientMetadata: JSON.parse(dto.clientMetadata) as unknown })),
    nextPageToken: result.nextPageToken,
    total: result.total,
  };
}
