/**
 * Index queries over metaindex's extensions: `POST /api/items/query` (filter, sort, keyset
 * paging, exact counts), `POST /api/items/facets` and `POST /api/items/explain`.
 *
 * A filter is filter-language text (`weather = "rain" and speed > 3`) or its JSON AST
 * (`FilterNode` from @metaindex/core); the server parses, checks and binds it against the
 * current schema, so a bad filter is an `InvalidArgumentsError` whose message says what is
 * wrong and where (`column 10: expected a value…`, `key "speed" (number) compares with a
 * number, got "fast"`).
 */
import type { FilterNode } from '@metaindex/core';
import { UnknownError } from './errors.js';
import type { Transport } from './transport.js';

/** A filter: filter-language text or its JSON AST. */
export type FilterInput = string | FilterNode;

/** One sort entry: a metadata key or `$name`, `$type`, `$created`, `$edited`; ascending unless `desc`. */
export interface SortEntry {
  key: string;
  desc?: boolean;
}

export interface QueryOptions {
  /**
   * The order: entries, or the text form `"-speed,$name"` (a leading `-` is descending).
   * Items lacking a sort key come last in both directions; ties break by item uuid.
   * Default: by item uuid.
   */
  sort?: string | readonly SortEntry[];
  /** Items per request, 1–1000 (server default 100). */
  pageSize?: number;
  /** Only items in this folder or any folder below it. */
  folder?: string;
  /**
   * `exact` (default): pages carry the number of matches; `none`: `total` is null and the
   * server does not count.
   */
  count?: 'exact' | 'none';
  signal?: AbortSignal;
}

/**
 * A storage item as Index queries answer it: the Encord StorageItem keys, camelCased as
 * on the wire, with `clientMetadata` parsed into an object.
 */
export interface IndexItem {
  uuid: string;
  /** The folder holding the item. */
  parent: string;
  /** `image`, `video`, `imageGroup`, … */
  itemType: string;
  name: string;
  description: string;
  clientMetadata: Record<string, unknown>;
  owner: string;
  createdAt: string;
  lastEditedAt: string;
  isTombstone: boolean;
  isPlaceholder: boolean;
  /** How many data rows (in datasets) this item backs. */
  backedDataUnitsCount: number;
  storageLocation: string;
  integrationHash: string | null;
  url: string | null;
  signedUrl: string | null;
  fileSize: number | null;
  mimeType: string | null;
  duration: number | null;
  fps: number | null;
  height: number | null;
  width: number | null;
  frameCount: number | null;
  dicomInstanceUid: string | null;
  dicomStudyUid: string | null;
  dicomSeriesUid: string | null;
  audioSampleRate: number | null;
  audioBitDepth: number | null;
  audioCodec: string | null;
  audioNumChannels: number | null;
}

/** One page of a query. */
export interface ItemPage {
  results: IndexItem[];
  /** The number of matches (null with `count: 'none'`). */
  total: number | null;
  /** Pass to `ItemQuery.page()` for the next page; null on the last page. */
  nextPageToken: string | null;
}

/** A value-count facet (`top`, default 10) or a histogram (`buckets`, default 10). */
export type FacetRequest = { key: string; top?: number } | { key: string; histogram: { buckets?: number } };

export interface FacetsOptions {
  /** Only items matching this filter are counted (default: every item). */
  filter?: FilterInput | null;
  /** Only items in this folder or below it. */
  folder?: string;
  signal?: AbortSignal;
}

export interface ValueCountFacet {
  key: string;
  /** Most frequent first; ties by value in code-point order. */
  counts: { value: string | number | boolean; count: number }[];
}

export interface HistogramFacet {
  key: string;
  /** Equal-width buckets, `from <= v < to` (the last also holds `v = to`); datetimes as ISO strings. */
  histogram: { from: number | string; to: number | string; count: number }[];
}

export type FacetResult = ValueCountFacet | HistogramFacet;

export interface FacetsResult {
  /** How many items match the filter. */
  total: number;
  /** One per request, in request order. */
  facets: FacetResult[];
}

/** How the server will run a query (`POST /api/items/explain`). */
export interface ExplainResult {
  /** `index`: one index drives the query; `scan`: the item index is scanned; `auto`: the engine chooses; `all`: everything. */
  strategy: 'index' | 'scan' | 'auto' | 'all';
  index: string | null;
  indexedItems: number;
  threshold: number;
  /** Each indexed top-level conjunct and its exact match count, or `"more than N"` past the threshold. */
  candidates: { field: string; op: string; index: string; estimatedRows: number | string }[];
  /** The engine's own plan lines, by statement. */
  engine: Record<string, string[]>;
}

// --- wire conversion ---

type Wire = Record<string, unknown>;

const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const strOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** Parses a StorageItem's `clientMetadata`, which is JSON text on the Encord endpoints and an object on /api. */
function parseClientMetadata(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    if (value === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new UnknownError(`an item's clientMetadata is not JSON: ${value.slice(0, 200)}`, {
        cause: error,
      });
    }
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  return {};
}

/** @internal A wire StorageItem (clientMetadata as JSON text or as an object) as an IndexItem. */
export function toIndexItem(wire: Wire): IndexItem {
  return {
    uuid: str(wire.uuid),
    parent: str(wire.parent),
    itemType: str(wire.itemType),
    name: str(wire.name),
    description: str(wire.description),
    clientMetadata: parseClientMetadata(wire.clientMetadata),
    owner: str(wire.owner),
    createdAt: str(wire.createdAt),
    lastEditedAt: str(wire.lastEditedAt),
    isTombstone: wire.isTombstone === true,
    isPlaceholder: wire.isPlaceholder === true,
    backedDataUnitsCount: typeof wire.backedDataUnitsCount === 'number' ? wire.backedDataUnitsCount : 0,
    storageLocation: str(wire.storageLocation),
    integrationHash: strOrNull(wire.integrationHash),
    url: strOrNull(wire.url),
    signedUrl: strOrNull(wire.signedUrl),
    fileSize: numOrNull(wire.fileSize),
    mimeType: strOrNull(wire.mimeType),
    duration: numOrNull(wire.duration),
    fps: numOrNull(wire.fps),
    height: numOrNull(wire.height),
    width: numOrNull(wire.width),
    frameCount: numOrNull(wire.frameCount),
    dicomInstanceUid: strOrNull(wire.dicomInstanceUid),
    dicomStudyUid: strOrNull(wire.dicomStudyUid),
    dicomSeriesUid: strOrNull(wire.dicomSeriesUid),
    audioSampleRate: numOrNull(wire.audioSampleRate),
    audioBitDepth: numOrNull(wire.audioBitDepth),
    audioCodec: strOrNull(wire.audioCodec),
    audioNumChannels: numOrNull(wire.audioNumChannels),
  };
}

interface WireQueryPage {
  results: Wire[];
  nextPageToken: string | null;
  total: number | null;
}

/** The JSON body of a query (and of explain and preset evaluation). */
function queryBody(
  filter: FilterInput | null,
  options: QueryOptions,
  extra: { pageToken?: string | null; count?: 'exact' | 'none' } = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (filter !== null) body.filter = filter;
  if (options.sort !== undefined) body.sort = options.sort;
  if (options.pageSize !== undefined) body.pageSize = options.pageSize;
  if (options.folder !== undefined) body.folder = options.folder;
  const count = extra.count ?? options.count;
  if (count !== undefined) body.count = count;
  if (extra.pageToken !== undefined && extra.pageToken !== null) body.pageToken = extra.pageToken;
  return body;
}

const QUERY_PATH = '/api/items/query';

/**
 * The items matching a filter, in sort order, fetched a page at a time as they are used.
 * Nothing is sent until it is iterated or a method is called, and each iteration starts a
 * new walk from the first page.
 *
 * - `for await (const item of query)` walks every match once (pages after the first are
 *   asked without a count).
 * - `pages()` yields whole pages; `firstPage()` and `page(token)` fetch one page.
 * - `count()` answers the exact number of matches.
 *
 * Paging is keyset paging on the server: an item that exists throughout a walk is served
 * exactly once, whatever is written meanwhile (an item whose sort value changes during the
 * walk may be seen twice or not at all).
 */
export class ItemQuery implements AsyncIterable<IndexItem> {
  readonly #transport: Transport;
  readonly #filter: FilterInput | null;
  readonly #options: QueryOptions;
  readonly #path: string;

  /**
   * @param filter the filter; null matches every item.
   * @param path the endpoint (default `/api/items/query`; a preset's evaluation uses `/api/presets/{u}/items`).
   */
  constructor(
    transport: Transport,
    filter: FilterInput | null,
    options: QueryOptions = {},
    path = QUERY_PATH,
  ) {
    this.#transport = transport;
    this.#filter = filter;
    this.#options = { ...options };
    this.#path = path;
  }

  /** The filter this query sends (null: every item). */
  get filter(): FilterInput | null {
    return this.#filter;
  }

  /**
   * One page: the first without a token, else the page `pageToken` (from an earlier page of
   * this same query) continues with.
   */
  async page(
    pageToken: string | null = null,
    options: { count?: 'exact' | 'none'; signal?: AbortSignal } = {},
  ): Promise<ItemPage> {
    const count = options.count ?? this.#options.count;
    const answer = await this.#transport.call<WireQueryPage>('POST', this.#path, {
      body: queryBody(this.#filter, this.#options, { pageToken, ...(count === undefined ? {} : { count }) }),
      signal: options.signal ?? this.#options.signal,
    });
    return {
      results: answer.results.map(toIndexItem),
      total: answer.total,
      nextPageToken: answer.nextPageToken,
    };
  }

  /** The first page, with the number of matches unless the query says `count: 'none'`. */
  firstPage(options: { signal?: AbortSignal } = {}): Promise<ItemPage> {
    return this.page(null, options);
  }

  /**
   * Every page in turn. Only the first page is counted (unless `count: 'none'`); every page
   * carries that first count as its `total`.
   */
  async *pages(options: { signal?: AbortSignal } = {}): AsyncGenerator<ItemPage> {
    const first = await this.page(null, options);
    yield first;
    let token = first.nextPageToken;
    while (token !== null) {
      const next = await this.page(token, { ...options, count: 'none' });
      yield { ...next, total: first.total };
      token = next.nextPageToken;
    }
  }

  /** The exact number of matches (one request for a one-item page). */
  async count(options: { signal?: AbortSignal } = {}): Promise<number> {
    const answer = await this.#transport.call<WireQueryPage>('POST', this.#path, {
      body: queryBody(this.#filter, { ...this.#options, pageSize: 1 }, { count: 'exact' }),
      signal: options.signal ?? this.#options.signal,
    });
    if (typeof answer.total !== 'number') {
      throw new UnknownError(`${this.#path} answered no total for count: "exact"`);
    }
    return answer.total;
  }

  /** Every match, in order, as one array (mind large result sets: prefer `for await`). */
  async toArray(options: { signal?: AbortSignal } = {}): Promise<IndexItem[]> {
    const all: IndexItem[] = [];
    for await (const page of this.#walk(options.signal)) all.push(...page.results);
    return all;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<IndexItem> {
    for await (const page of this.#walk(undefined)) yield* page.results;
  }

  /** Pages without counting: iteration never needs the total. */
  async *#walk(signal: AbortSignal | undefined): AsyncGenerator<ItemPage> {
    let token: string | null = null;
    do {
      const page = await this.page(token, { count: 'none', ...(signal === undefined ? {} : { signal }) });
      yield page;
      token = page.nextPageToken;
    } while (token !== null);
  }
}

/** Value counts and histograms over the items matching a filter (`POST /api/items/facets`). */
export async function queryFacets(
  transport: Transport,
  facets: readonly FacetRequest[],
  options: FacetsOptions = {},
): Promise<FacetsResult> {
  const body: Record<string, unknown> = { facets };
  if (options.filter !== undefined && options.filter !== null) body.filter = options.filter;
  if (options.folder !== undefined) body.folder = options.folder;
  return transport.call<FacetsResult>('POST', '/api/items/facets', { body, signal: options.signal });
}

/** How the server would run this query (`POST /api/items/explain`); nothing is fetched. */
export async function explainQuery(
  transport: Transport,
  filter: FilterInput | null,
  options: QueryOptions = {},
): Promise<ExplainResult> {
  return transport.call<ExplainResult>('POST', '/api/items/explain', {
    body: queryBody(filter, options),
    signal: options.signal,
  });
}
