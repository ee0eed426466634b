/**
 * Filtering, sorting, counting and faceting items: the Index query path. Filters and
 * sorts are bound to the current schema by core (`bindFilter`, `bindSort`), so the
 * HTTP API, presets, collections and the in-memory evaluator agree on what they mean;
 * the engine runs them as compiled SQL over its item index.
 */
import { createHash } from 'node:crypto';
import {
  bindFilter,
  bindSort,
  builtinValueField,
  InvalidArgumentError,
  isTombstone,
  keyField,
  resolveScalarName,
  type BoundFilter,
  type FilterNode,
  type SchemaMap,
  type SortSpec,
  type ValueField,
} from '@metaindex/core';
import type {
  CastPreview,
  Engine,
  FacetRequest,
  IndexQuery,
  QueryCursor,
  QueryPlan,
} from '../store/engine.js';
import type { ItemRecord } from '../store/records.js';
import { decodeToken, encodeToken } from '../opaque-token.js';

export interface QueryRequest {
  /** A validated AST; null matches every item. */
  filter: FilterNode | null;
  sort: readonly SortSpec[];
  /** 1–1000. */
  pageSize: number;
  pageToken: string | null;
  count: 'exact' | 'none';
  /** Only items in this folder or below it. */
  folder: string | null;
}

export interface QueryResult {
  results: ItemRecord[];
  nextPageToken: string | null;
  /** Null when `count` was 'none'. */
  total: number | null;
}

/** One facet asked for: value counts (`top`) or an equal-width histogram (`buckets`). */
export type FacetSpec = { key: string; top: number } | { key: string; buckets: number };

export type FacetResult =
  | { key: string; counts: { value: string | number | boolean; count: number }[] }
  | { key: string; histogram: { from: number | string; to: number | string; count: number }[] };

export interface QueryService {
  query(request: QueryRequest): Promise<QueryResult>;
  /**
   * Uuids of the items matching `filter` (null: every item), ascending, strictly after
   * `after`, at most `limit`: for walking a whole match set in batches.
   */
  matchingItemUuids(
    filter: FilterNode | null,
    options: { after: string | null; limit: number },
  ): Promise<string[]>;
}

/** Which facets a type supports. */
const VALUE_FACET_TYPES = new Set(['enum', 'boolean', 'varchar']);
const HISTOGRAM_FACET_TYPES = new Set(['number', 'datetime']);

interface TokenBody {
  v: 1;
  /** A digest of the filter, sort and folder: a token only continues its own query. */
  q: string;
  c: (number | string | null)[];
  u: string;
}

export class EngineQueryService implements QueryService {
  constructor(private readonly engine: Engine) {}

  async query(request: QueryRequest): Promise<QueryResult> {
    const { query } = await this.#indexQuery(request);
    const page = await this.engine.queryItems(query);
    return {
      results: page.items,
      nextPageToken: page.next === null ? null : encodeQueryToken(request, page.next),
      total: page.total,
    };
  }

  async matchingItemUuids(
    filter: FilterNode | null,
    options: { after: string | null; limit: number },
  ): Promise<string[]> {
    const { schema } = await this.engine.getSchema();
    const bound = filter === null ? null : bindFilter(filter, schema);
    return this.engine.matchingItemUuids(bound, options.after, options.limit);
  }

  /** How a query will run: the plan (index or scan, candidate counts) and the engine's words for it. */
  async explain(request: QueryRequest): Promise<{ plan: QueryPlan; engine: Record<string, string[]> }> {
    const { query } = await this.#indexQuery(request);
    return this.engine.explainItemQuery(query);
  }

  async facets(
    filter: FilterNode | null,
    folder: string | null,
    specs: readonly FacetSpec[],
  ): Promise<{ total: number; facets: FacetResult[] }> {
    const { schema } = await this.engine.getSchema();
    const bound = filter === null ? null : bindFilter(filter, schema);
    const requests = specs.map((spec, i) => facetRequest(spec, schema, `facets[${i}]`));
    const { total, facets } = await this.engine.facetItems(
      bound,
      folder,
      requests.map((r) => r.request),
    );
    return {
      total,
      facets: facets.map((counts, i) => {
        const { key, isDatetime, isBoolean } = requests[i] as (typeof requests)[number];
        if (counts.kind === 'values') {
          return {
            key,
            counts: counts.counts.map(({ value, count }) => ({
              value: isBoolean ? value === 1 : value,
              count,
            })),
          };
        }
        const show = (ms: number): number | string => (isDatetime ? new Date(ms).toISOString() : ms);
        return {
          key,
          histogram: counts.buckets.map(({ from, to, count }) => ({ from: show(from), to: show(to), count })),
        };
      }),
    };
  }

  /**
   * How many stored values of `key` would not fit scalar type `typeName` (before anyone
   * changes the schema), with up to `exampleLimit` examples.
   */
  async castPreview(
    key: string,
    typeName: string,
    exampleLimit: number,
  ): Promise<CastPreview & { currentType: string | null }> {
    const hint = resolveScalarName(typeName);
    if (hint === undefined) {
      throw new InvalidArgumentError(
        `type must be a scalar type (number, varchar, text, boolean, datetime, uuid, or an alias), got ${JSON.stringify(typeName)}`,
      );
    }
    const { schema } = await this.engine.getSchema();
    const entry = schema.get(key);
    const currentType =
      entry === undefined || isTombstone(entry) ? null : (keyField(schema, key)?.type ?? null);
    const preview = await this.engine.castPreview(key, { ty: 'variant', hint }, exampleLimit);
    return { ...preview, currentType };
  }

  async #indexQuery(request: QueryRequest): Promise<{ query: IndexQuery; schema: SchemaMap }> {
    const { schema } = await this.engine.getSchema();
    const filter: BoundFilter | null = request.filter === null ? null : bindFilter(request.filter, schema);
    const sort = bindSort(request.sort, schema);
    const after = request.pageToken === null ? null : decodeQueryToken(request, request.pageToken);
    return {
      schema,
      query: {
        filter,
        folderUuid: request.folder,
        sort,
        pageSize: request.pageSize,
        after,
        count: request.count === 'exact',
      },
    };
  }
}

function facetRequest(
  spec: FacetSpec,
  schema: SchemaMap,
  path: string,
): { key: string; request: FacetRequest; isDatetime: boolean; isBoolean: boolean } {
  const { key } = spec;
  const field = facetField(key, schema, path);
  const typeName = field.kind === 'key' ? field.type : field.name === '$type' ? 'enum' : 'datetime';
  if ('top' in spec) {
    if (!VALUE_FACET_TYPES.has(typeName)) {
      throw new InvalidArgumentError(
        `${path}: value counts are for enum, boolean and varchar keys (and $type); ${describe(field)} is ${typeName}${HISTOGRAM_FACET_TYPES.has(typeName) ? ': ask for a histogram' : ''}`,
        { path, key },
      );
    }
    return {
      key,
      request: { kind: 'values', field, top: spec.top },
      isDatetime: false,
      isBoolean: typeName === 'boolean',
    };
  }
  if (!HISTOGRAM_FACET_TYPES.has(typeName)) {
    throw new InvalidArgumentError(
      `${path}: histograms are for number and datetime keys (and $created, $edited); ${describe(field)} is ${typeName}`,
      { path, key },
    );
  }
  return {
    key,
    request: { kind: 'histogram', field, buckets: spec.buckets },
    isDatetime: typeName === 'datetime',
    isBoolean: false,
  };
}

const describe = (field: ValueField): string =>
  field.kind === 'key' ? `key ${JSON.stringify(field.key)}` : field.name;

function facetField(key: string, schema: SchemaMap, path: string): ValueField {
  const builtin = key === '$name' ? undefined : builtinValueField(key);
  if (builtin !== undefined) return builtin;
  const field = key.startsWith('$') ? undefined : keyField(schema, key);
  if (field === undefined) {
    throw new InvalidArgumentError(
      `${path}.key: ${JSON.stringify(key)} is not a live key of the metadata schema (nor $type, $created, $edited)`,
      { path, key },
    );
  }
  return field;
}

/** A digest of what a page token continues; any server process computes the same. */
function queryDigest(request: QueryRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.filter, request.sort, request.folder]))
    .digest('base64url')
    .slice(0, 16);
}

function encodeQueryToken(request: QueryRequest, cursor: QueryCursor): string {
  const body: TokenBody = { v: 1, q: queryDigest(request), c: cursor.values, u: cursor.uuid };
  return encodeToken(body);
}

function decodeQueryToken(request: QueryRequest, token: string): QueryCursor {
  const body = decodeToken(token) as Partial<TokenBody>;
  const values = body.c;
  if (
    body.v !== 1 ||
    typeof body.u !== 'string' ||
    !Array.isArray(values) ||
    !values.every((v) => v === null || typeof v === 'number' || typeof v === 'string')
  ) {
    throw new InvalidArgumentError('pageToken is not a token this server issued');
  }
  if (body.q !== queryDigest(request)) {
    throw new InvalidArgumentError('pageToken belongs to another query (filter, sort or folder differ)');
  }
  return { values, uuid: body.u };
}
