/**
 * Test support: a metaindex server on a temporary data directory, and an HTTP client
 * that sends requests the way the official Python SDK does: `json.dumps` bodies
 * (", " / ": " separators, ASCII escapes), `True`/`False` query booleans, repeated
 * keys for lists, and v2 request signatures over the exact bytes sent.
 *
 * The server runs on the embedded SQLite engine, or on a fresh PostgreSQL database
 * (created here, dropped on close) when METAINDEX_TEST_ENGINE=postgres: the
 * `server-postgres` test project runs the HTTP suite that way.
 */
import {
  formatOpenSshPublicKey,
  publicKeyHexFromPrivateKey,
  pythonJsonDumps,
  signRequestV1,
  signRequestV2,
} from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../server.js';
import { createTestDatabase, type TestDatabase } from '../store/postgres/pg-testing.js';

/** The engine test servers run on: METAINDEX_TEST_ENGINE, sqlite by default. */
export function testEngineKind(): 'sqlite' | 'postgres' {
  return process.env.METAINDEX_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface SdkResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** A v1 reply: `{status: 200, response}` or `{status, response: [CODE], payload: message}`. */
export interface V1Envelope<T> {
  status: number;
  response: T;
  payload?: string;
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Send this exact text as the body instead of encoding `body`. */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Skip signing (for auth tests). */
  unsigned?: boolean;
}

export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else if (typeof value === 'boolean') params.append(key, value ? 'True' : 'False');
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export class SdkLikeClient {
  readonly publicKeyHex: string;

  constructor(
    readonly baseUrl: string,
    /** The Ed25519 private key seed it signs with. */
    readonly seed: Uint8Array,
  ) {
    this.publicKeyHex = publicKeyHexFromPrivateKey(seed);
  }

  /** Calls a v2 endpoint: `path` is relative to `/v2/public/`, or absolute when it starts with `/`. */
  async call<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<SdkResponse<T>> {
    const target = (path.startsWith('/') ? path : `/v2/public/${path}`) + encodeQuery(options.query);
    const body = options.rawBody ?? (options.body === undefined ? '' : pythonJsonDumps(options.body));
    const headers: Record<string, string> = { ...options.headers };
    if (body !== '') headers['Content-Type'] = options.contentType ?? 'application/json';
    if (options.unsigned !== true) {
      Object.assign(headers, signRequestV2({ method, requestTarget: target, body, privateKey: this.seed }));
    }
    const response = await fetch(this.baseUrl + target, {
      method,
      headers,
      ...(body === '' ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (response.headers.get('content-type')?.includes('json') === true && text !== '')
      parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  /**
   * A v1 RPC call as the SDK sends it: `POST /public` (or `/public/user`) with the
   * `{query_type, query_method, values: {uid, payload}}` envelope, signed with
   * `Authorization: <pubhex>:<hex signature over sha256(body)>`. Returns the envelope
   * (always HTTP 200 from a metaindex server).
   */
  async callV1<T = unknown>(
    queryType: string,
    method: string,
    uid: unknown,
    payload: unknown,
    options: {
      resourceType?: string;
      resourceId?: string;
      path?: '/public' | '/public/user';
      unsigned?: boolean;
    } = {},
  ): Promise<{ httpStatus: number; envelope: V1Envelope<T> }> {
    const body = pythonJsonDumps({ query_type: queryType, query_method: method, values: { uid, payload } });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ResourceType: options.resourceType ?? '',
      ResourceID: options.resourceId ?? '',
    };
    if (options.unsigned !== true) Object.assign(headers, signRequestV1(body, this.seed));
    const response = await fetch(this.baseUrl + (options.path ?? '/public'), {
      method: 'POST',
      headers,
      body,
    });
    return { httpStatus: response.status, envelope: (await response.json()) as V1Envelope<T> };
  }

  get<T = unknown>(path: string, query?: Record<string, QueryValue>) {
    return this.call<T>('GET', path, { query });
  }
  post<T = unknown>(path: string, body?: unknown, query?: Record<string, QueryValue>) {
    return this.call<T>('POST', path, { body, query });
  }
  patch<T = unknown>(path: string, body?: unknown) {
    return this.call<T>('PATCH', path, { body });
  }
  delete<T = unknown>(path: string) {
    return this.call<T>('DELETE', path);
  }
}

export interface TestServer {
  server: RunningServer;
  /** Signed as the organisation admin. */
  admin: SdkLikeClient;
  dataDir: string;
  /** The PostgreSQL database the server runs on, when it does. */
  database: TestDatabase | null;
  /** A client for a new key (not registered unless added). */
  clientFor(seed?: Uint8Array): SdkLikeClient;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { bodyLimit?: number; maxBlobBytes?: number } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'metaindex-test-'));
  const database = testEngineKind() === 'postgres' ? await createTestDatabase() : null;
  const seed = randomBytes(32);
  const keyFile = join(dataDir, 'admin-test.pub');
  await writeFile(
    keyFile,
    `${formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex'), 'test-admin')}\n`,
  );
  const server = await startServer({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    adminPublicKeyFile: keyFile,
    log: () => undefined,
    ...(database === null ? {} : { db: database.url }),
    ...options,
  });
  if (server.engine.kind !== testEngineKind()) {
    throw new Error(`the test server runs on ${server.engine.kind}, not ${testEngineKind()}`);
  }
  return {
    server,
    admin: new SdkLikeClient(server.url, seed),
    dataDir,
    database,
    clientFor: (other = randomBytes(32)) => new SdkLikeClient(server.url, other),
    async close() {
      await server.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
