/**
 * The wire layer: signed v2 calls (`{domain}/v2/public/…` and metaindex's `{domain}/api/…`),
 * paging, v1 RPC envelopes, retries and error mapping. It uses only `fetch`, Web Crypto's
 * `getRandomValues` and @metaindex/core's pure signer, so it runs in Node and in browsers.
 */
import { publicKeyHexFromPrivateKey, signRequestV1, signRequestV2 } from '@metaindex/core';
import {
  AbortedError,
  EncordError,
  errorFromResponse,
  errorFromV1Envelope,
  NetworkError,
  UnknownError,
} from './errors.js';

export const SDK_VERSION = '0.1.0';

/** Adds authentication to a request: an Ed25519 signature, or a bearer token. */
export interface Credentials {
  /** Headers for a v2 request whose exact target (path + query) and body text are given. */
  v2Headers(method: string, requestTarget: string, body: string): Record<string, string>;
  /** Headers for a v1 RPC request with this exact body text. */
  v1Headers(body: string): Record<string, string>;
}

/** Signs every request with an Ed25519 key, exactly as the Encord wire contract says. */
export class Ed25519Credentials implements Credentials {
  readonly publicKeyHex: string;
  readonly #seed: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.publicKeyHex = publicKeyHexFromPrivateKey(seed);
  }

  v2Headers(method: string, requestTarget: string, body: string): Record<string, string> {
    return { ...signRequestV2({ method, requestTarget, body, privateKey: this.#seed }) };
  }

  v1Headers(body: string): Record<string, string> {
    return { ...signRequestV1(body, this.#seed) };
  }
}

/** Sends `Authorization: Bearer <token>` and no signature. */
export class BearerCredentials implements Credentials {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  v2Headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}` };
  }

  v1Headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.#token}` };
  }
}

export interface RetryOptions {
  /** Retries after the first attempt for 413/429/500/502/503 and connection failures (GET, POST, PUT only). Default 3. */
  maxRetries?: number;
  /** Back-off: no wait before the first retry, then `backoffFactor × 2^(n−1)` seconds, at most 120; a Retry-After header wins. Default 1.5. */
  backoffFactor?: number;
}

export interface TransportOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  domain: string;
  credentials: Credentials;
  retry?: RetryOptions;
  /** Per-attempt timeout in milliseconds (default 180,000, as the Python SDK's). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, proxies). */
  fetch?: typeof fetch;
  /** Appended to the User-Agent. */
  userAgentSuffix?: string;
}

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type QueryParams = Readonly<Record<string, QueryValue>>;

export interface CallOptions {
  query?: QueryParams;
  /** A JSON body; `undefined` sends no body. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** false: no status retries (calls that create something, as the Python SDK does for them). */
  allowRetries?: boolean;
  /** Extra request headers (e.g. a merge-patch content type). */
  headers?: Record<string, string>;
}

/** A page as every paged endpoint answers it. */
export interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

const RETRY_STATUSES = new Set([413, 429, 500, 502, 503]);
const RETRY_METHODS = new Set(['GET', 'POST', 'PUT']);
const MAX_BACKOFF_SECONDS = 120;

/**
 * Encodes a query string as the Python SDK's `requests` does: booleans as `True`/`False`,
 * lists as repeated keys, `null`/`undefined` and empty lists left out.
 */
export function encodeQuery(query: QueryParams | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') params.append(key, value ? 'True' : 'False');
    else if (typeof value === 'string' || typeof value === 'number') params.append(key, String(value));
    else for (const item of value) params.append(key, item);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function traceContext(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}/1;o=1`;
}

function abortError(signal: AbortSignal): AbortedError {
  const reason: unknown = signal.reason;
  return new AbortedError(
    reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'The call was aborted.',
    { cause: reason },
  );
}

// A call, so TypeScript does not carry the narrowing of an earlier `aborted` check across an await.
function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UnknownError(`${what} answered text that is not JSON: ${text.slice(0, 200)}`, { cause: error });
  }
}

/** One server connection: every SDK object holds the transport it was read through. */
export class Transport {
  readonly domain: string;
  readonly #basePath: string;
  readonly #credentials: Credentials;
  readonly #fetch: typeof fetch;
  readonly #maxRetries: number;
  readonly #backoffFactor: number;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: TransportOptions) {
    const url = new URL(options.domain);
    this.domain = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#credentials = options.credentials;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#maxRetries = options.retry?.maxRetries ?? 3;
    this.#backoffFactor = options.retry?.backoffFactor ?? 1.5;
    this.#timeoutMs = options.timeoutMs ?? 180_000;
    this.#userAgent = `metaindex-sdk-ts/${SDK_VERSION}${options.userAgentSuffix === undefined ? '' : ` ${options.userAgentSuffix}`}`;
  }

  /**
   * Calls a v2 endpoint. `path` is relative to `/v2/public/` (`storage/items/{u}`), or
   * absolute when it starts with `/` (`/api/items/query`). Answers the parsed JSON body,
   * or `undefined` for 204 and an empty body.
   */
  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const target = `${this.#basePath}${path.startsWith('/') ? path : `/v2/public/${path}`}${encodeQuery(options.query)}`;
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    const response = await this.#send(method, target, body, options, () => {
      const headers: Record<string, string> = {
        'User-Agent': this.#userAgent,
        'X-Cloud-Trace-Context': traceContext(),
        ...this.#credentials.v2Headers(method, target, body),
        ...options.headers,
      };
      if (body !== '' && options.headers?.['Content-Type'] === undefined) {
        headers['Content-Type'] = 'application/json';
      }
      return headers;
    });
    const text = await response.text();
    if (response.status === 204 || text === '') return undefined as T;
    return parseJson(text, `${method} ${path}`) as T;
  }

  /** Walks a paged GET endpoint, resending it with `pageToken` until the token is null. */
  async *paged<T>(path: string, query: QueryParams = {}, signal?: AbortSignal): AsyncGenerator<T> {
    let pageToken: string | undefined;
    do {
      const page = await this.call<Page<T>>('GET', path, { query: { ...query, pageToken }, signal });
      yield* page.results;
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
  }

  /**
   * A v1 RPC call (`POST {domain}/public`), as the dataset calls use it. The envelope is
   * unwrapped: `response` on status 200, otherwise the mapped error.
   */
  async rpc<T>(
    queryType: string,
    queryMethod: 'GET' | 'POST' | 'PUT' | 'DELETE',
    uid: unknown,
    payload: unknown,
    options: { resourceType?: string; resourceId?: string; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const body = JSON.stringify({
      query_type: queryType,
      query_method: queryMethod,
      values: { uid, payload },
    });
    const response = await this.#send(
      'POST',
      `${this.#basePath}/public`,
      body,
      { signal: options.signal },
      () => ({
        'User-Agent': this.#userAgent,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        ResourceType: options.resourceType ?? '',
        ResourceID: options.resourceId ?? '',
        ...this.#credentials.v1Headers(body),
      }),
    );
    const envelope = parseJson(await response.text(), `v1 ${queryType}`) as {
      status?: unknown;
      response?: unknown;
      payload?: unknown;
    };
    if (envelope.status === 200) return envelope.response as T;
    throw errorFromV1Envelope(
      typeof envelope.status === 'number' ? envelope.status : 500,
      envelope.response,
      envelope.payload,
    );
  }

  /**
   * PUTs raw bytes to an absolute URL (a signed upload URL, which carries its own
   * authorisation), unsigned, with the same retries, timeout and AbortSignal handling as
   * every call. Only HTTP 200 counts as success, as the Encord SDK requires for this step.
   */
  async putSignedUrl(
    url: string,
    body: Uint8Array | Blob,
    options: { headers?: Record<string, string>; signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const response = await this.#send('PUT', url, body, { signal: options.signal }, () => ({
      'User-Agent': this.#userAgent,
      ...options.headers,
    }));
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new UnknownError(`PUT to the signed URL answered HTTP ${response.status}, not 200`, {
        status: response.status,
      });
    }
  }

  /** Sends with retries; answers a 2xx response or throws the mapped error. */
  async #send(
    method: string,
    target: string,
    body: string | Uint8Array | Blob,
    options: CallOptions,
    headers: () => Record<string, string>,
  ): Promise<Response> {
    const retries = RETRY_METHODS.has(method) && options.allowRetries !== false ? this.#maxRetries : 0;
    // `target` is a path on this server, or an absolute URL (a signed upload URL).
    const url = /^https?:\/\//i.test(target) ? target : this.domain + target;
    for (let attempt = 0; ; attempt += 1) {
      if (options.signal?.aborted === true) throw abortError(options.signal);
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      let response: Response;
      try {
        // Headers are rebuilt on every attempt so a retry carries a fresh signature time.
        response = await this.#fetch(url, {
          method,
          headers: headers(),
          ...(body === '' ? {} : { body }),
          signal,
        });
      } catch (error) {
        if (isAborted(options.signal)) throw abortError(options.signal);
        const reason = timeout.aborted
          ? `no answer within ${this.#timeoutMs} ms`
          : error instanceof Error
            ? ((error.cause as Error | undefined)?.message ?? error.message)
            : String(error);
        if (attempt < retries) {
          await sleep(this.#backoffMs(attempt + 1, null), options.signal);
          continue;
        }
        throw new NetworkError(`${method} ${url} failed: ${reason}`, { cause: error });
      }
      if (response.ok) return response;
      if (attempt < retries && RETRY_STATUSES.has(response.status)) {
        await response.body?.cancel();
        await sleep(this.#backoffMs(attempt + 1, response.headers.get('retry-after')), options.signal);
        continue;
      }
      throw await this.#errorOf(response);
    }
  }

  #backoffMs(retry: number, retryAfter: string | null): number {
    if (retryAfter !== null && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    if (retry <= 1) return 0;
    return Math.min(MAX_BACKOFF_SECONDS, this.#backoffFactor * 2 ** (retry - 1)) * 1000;
  }

  async #errorOf(response: Response): Promise<EncordError> {
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = text === '' ? {} : { message: text.slice(0, 500) };
    }
    return errorFromResponse(response.status, body, response.headers.get('retry-after'));
  }
}
