import { verifyRequestV1, verifyRequestV2 } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  AuthenticationError,
  AuthorisationError,
  BearerCredentials,
  ConflictError,
  Ed25519Credentials,
  encodeQuery,
  InvalidArgumentsError,
  MethodNotAllowedError,
  NetworkError,
  PayloadTooLargeError,
  RateLimitExceededError,
  ResourceNotFoundError,
  Transport,
  UnknownError,
  type RetryOptions,
} from './index.js';

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  at: number;
}

type Reply = (() => Response) | Error;

/** A fake `fetch` answering `replies` in order (the last one repeats), recording every request. */
function fakeFetch(replies: Reply[]) {
  const seen: Seen[] = [];
  const fn: typeof fetch = async (input, init) => {
    const body = init?.body;
    seen.push({
      method: init?.method ?? 'GET',
      url: new URL(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
      body: typeof body === 'string' ? body : body === undefined || body === null ? '' : '<binary>',
      at: Date.now(),
    });
    const reply = replies[Math.min(seen.length - 1, replies.length - 1)]!;
    if (reply instanceof Error) throw reply;
    return Promise.resolve(reply());
  };
  return { fetch: fn, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(status === 204 ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });

const seed = new Uint8Array(randomBytes(32));

function transport(replies: Reply[], retry: RetryOptions = {}, domain = 'http://metaindex.test') {
  const fake = fakeFetch(replies);
  const t = new Transport({
    domain,
    credentials: new Ed25519Credentials(seed),
    retry: { backoffFactor: 0.001, ...retry },
    fetch: fake.fetch,
  });
  return { transport: t, seen: fake.seen };
}

describe('query encoding', () => {
  it('encodes like Python requests: True/False, repeated keys, nothing for null, undefined or []', () => {
    expect(
      encodeQuery({
        a: true,
        b: false,
        list: ['x', 'y z'],
        none: null,
        missing: undefined,
        empty: [],
        text: 'a b&c=d/é',
        n: 5,
      }),
    ).toBe('?a=True&b=False&list=x&list=y+z&text=a+b%26c%3Dd%2F%C3%A9&n=5');
    expect(encodeQuery({})).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });

  it('sends the query on the URL exactly as encoded, after the /v2/public/ path', async () => {
    const { transport: t, seen } = transport([json(200, { ok: true })]);
    await t.call('GET', 'storage/folders/f/items', {
      query: { isRecursive: false, itemTypes: ['image', 'video'] },
    });
    expect(seen[0]?.url.pathname).toBe('/v2/public/storage/folders/f/items');
    expect(seen[0]?.url.search).toBe('?isRecursive=False&itemTypes=image&itemTypes=video');
    await t.call('POST', '/api/items/query', { body: {} });
    expect(seen[1]?.url.pathname).toBe('/api/items/query');
  });
});

describe('signatures', () => {
  it('every v2 request verifies with core verifyRequestV2 over the exact target and body', async () => {
    const { transport: t, seen } = transport([json(200, {})], {}, 'http://metaindex.test/base/');
    await t.call('GET', 'storage/items/u', { query: { signUrl: false, q: 'a b' } });
    await t.call('PATCH', 'storage/items/patch-bulk', { body: { itemPatches: { u: { name: 'é ☕' } } } });
    await t.call('POST', 'storage/folders', {
      body: { name: 'x' },
      headers: { 'Content-Type': 'application/json' },
    });
    for (const request of seen) {
      const target = request.url.pathname + request.url.search;
      expect(target.startsWith('/base/')).toBe(true);
      const result = verifyRequestV2({
        method: request.method,
        requestTarget: target,
        body: request.body,
        headers: (name) => request.headers.get(name),
      });
      expect(result).toMatchObject({ ok: true, keyId: new Ed25519Credentials(seed).publicKeyHex });
      // A different target must not verify.
      expect(
        verifyRequestV2({
          method: request.method,
          requestTarget: `${target}&x=1`,
          body: request.body,
          headers: (name) => request.headers.get(name),
        }).ok,
      ).toBe(false);
    }
    expect(seen[0]?.headers.get('content-digest')).toBe(
      'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:',
    );
    expect(seen[0]?.headers.get('content-type')).toBeNull();
    expect(seen[1]?.headers.get('content-type')).toBe('application/json');
    expect(seen[0]?.headers.get('x-cloud-trace-context')).toMatch(/^[0-9a-f]{32}\/1;o=1$/);
  });

  it('a bearer client sends Authorization: Bearer and no signature', async () => {
    const fake = fakeFetch([json(200, {})]);
    const t = new Transport({
      domain: 'http://x.test',
      credentials: new BearerCredentials('tok'),
      fetch: fake.fetch,
    });
    await t.call('GET', 'organisation/client-metadata-schema-v2');
    expect(fake.seen[0]?.headers.get('authorization')).toBe('Bearer tok');
    expect(fake.seen[0]?.headers.get('signature')).toBeNull();
  });

  it('a v1 rpc call is signed over sha256(body), and its error envelope maps to the error class', async () => {
    const { transport: t, seen } = transport([
      json(200, { status: 200, response: { dataset_hash: 'd' } }),
      json(200, { status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'], payload: 'dataset d does not exist' }),
      json(200, { status: 400, response: ['INVALID_ARGUMENTS_ERROR'], payload: 'bad payload' }),
    ]);
    expect(await t.rpc('dataset', 'GET', 'd', null, { resourceType: 'dataset', resourceId: 'd' })).toEqual({
      dataset_hash: 'd',
    });
    expect(seen[0]?.url.pathname).toBe('/public');
    expect(JSON.parse(seen[0]!.body)).toEqual({
      query_type: 'dataset',
      query_method: 'GET',
      values: { uid: 'd', payload: null },
    });
    expect(verifyRequestV1(seen[0]!.body, seen[0]!.headers.get('authorization')).ok).toBe(true);
    expect(seen[0]?.headers.get('resourcetype')).toBe('dataset');

    const missing = await t.rpc('dataset', 'GET', 'd', null).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundError);
    expect((missing as Error).message).toBe('dataset d does not exist');
    const invalid = await t.rpc('datarow', 'POST', 'r', {}).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidArgumentsError);
    expect((invalid as InvalidArgumentsError).status).toBe(400);
  });
});

describe('retries', () => {
  it.each(['GET', 'POST'])('retries %s on 503 and then succeeds', async (method) => {
    const { transport: t, seen } = transport([
      json(503, { message: 'busy' }),
      json(502, {}),
      json(200, { done: 1 }),
    ]);
    expect(await t.call(method, 'x', method === 'POST' ? { body: {} } : {})).toEqual({ done: 1 });
    expect(seen).toHaveLength(3);
    // Each retry is signed afresh.
    expect(seen.every((r) => r.headers.get('signature') !== null)).toBe(true);
  });

  it.each(['PATCH', 'DELETE'])('never retries %s', async (method) => {
    const { transport: t, seen } = transport([json(503, { message: 'busy' }), json(200, {})]);
    const error = await t.call(method, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownError);
    expect((error as UnknownError).message).toBe('busy');
    expect(seen).toHaveLength(1);
  });

  it('allowRetries: false sends a POST once', async () => {
    const { transport: t, seen } = transport([json(503, {}), json(200, {})]);
    await expect(t.call('POST', 'storage/folders', { body: {}, allowRetries: false })).rejects.toBeInstanceOf(
      UnknownError,
    );
    expect(seen).toHaveLength(1);
  });

  it('gives up after maxRetries and maps the last answer', async () => {
    const { transport: t, seen } = transport([json(500, { message: 'still broken' })], { maxRetries: 2 });
    await expect(t.call('GET', 'x')).rejects.toThrow('still broken');
    expect(seen).toHaveLength(3);
  });

  it('retries connection failures, then reports a NetworkError', async () => {
    const { transport: t, seen } = transport([new TypeError('fetch failed')], { maxRetries: 1 });
    await expect(t.call('GET', 'x')).rejects.toBeInstanceOf(NetworkError);
    expect(seen).toHaveLength(2);
  });

  it('waits as long as Retry-After says', async () => {
    const { transport: t, seen } = transport([json(503, {}, { 'Retry-After': '1' }), json(200, {})]);
    await t.call('GET', 'x');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('an abort during the back-off stops at once with AbortedError', async () => {
    const { transport: t, seen } = transport([json(503, {}, { 'Retry-After': '30' }), json(200, {})]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expect(t.call('GET', 'x', { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen).toHaveLength(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const { transport: t, seen } = transport([json(200, {})]);
    await expect(t.call('GET', 'x', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toEqual([]);
  });
});

describe('error mapping', () => {
  it('429 is a RateLimitExceededError carrying Retry-After', async () => {
    const { transport: t } = transport([json(429, { message: 'slow down' }, { 'Retry-After': '7' })], {
      maxRetries: 0,
    });
    const error = await t.call('GET', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).retryAfter).toBe(7);
    expect((error as Error).message).toBe('slow down');
  });

  it.each([
    [400, InvalidArgumentsError],
    [401, AuthenticationError],
    [403, AuthorisationError],
    [404, ResourceNotFoundError],
    [405, MethodNotAllowedError],
    [409, ConflictError],
    [413, PayloadTooLargeError],
    [500, UnknownError],
    [418, UnknownError],
  ] as const)('%i maps to its class with the server message, code and details', async (status, type) => {
    const details = { items: [{ item: 'u', problems: [] }] };
    const { transport: t } = transport([json(status, { message: `said ${status}`, code: 'c', details })]);
    const error = await t.call('PATCH', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    const typed = error as InstanceType<typeof type>;
    expect(typed.message).toBe(`said ${status}`);
    expect(typed.status).toBe(status);
    expect(typed.code).toBe('c');
    expect(typed.details).toEqual(details);
  });

  it('falls back to `detail`, then to a default message', async () => {
    const { transport: t } = transport([
      json(400, { detail: 'from detail' }),
      () => new Response('', { status: 403 }),
    ]);
    await expect(t.call('PATCH', 'x')).rejects.toThrow('from detail');
    await expect(t.call('PATCH', 'x')).rejects.toThrow('You are not authorised to access this asset.');
  });

  it('answers undefined for 204 and null for a null body; non-JSON is an UnknownError', async () => {
    const { transport: t } = transport([
      () => new Response(null, { status: 204 }),
      json(200, null),
      () => new Response('not json', { status: 200 }),
    ]);
    expect(await t.call('DELETE', 'x')).toBeUndefined();
    expect(await t.call('GET', 'x')).toBeNull();
    await expect(t.call('GET', 'x')).rejects.toBeInstanceOf(UnknownError);
  });
});

describe('paging and signed-URL uploads', () => {
  it('walks pages with pageToken until the token is null', async () => {
    const { transport: t, seen } = transport([
      json(200, { results: [1, 2], nextPageToken: 'p2' }),
      json(200, { results: [3], nextPageToken: 'p 3' }),
      json(200, { results: [], nextPageToken: null }),
    ]);
    const all: number[] = [];
    for await (const n of t.paged<number>('things', { pageSize: 2 })) all.push(n);
    expect(all).toEqual([1, 2, 3]);
    expect(seen.map((r) => r.url.search)).toEqual([
      '?pageSize=2',
      '?pageSize=2&pageToken=p2',
      '?pageSize=2&pageToken=p+3',
    ]);
  });

  it('PUTs bytes to an absolute URL unsigned, and needs exactly 200', async () => {
    const { transport: t, seen } = transport([
      () => new Response(null, { status: 200 }),
      () => new Response(null, { status: 201 }),
    ]);
    await t.putSignedUrl('http://bucket.test/blobs/k?sig=1', new Uint8Array([1, 2]), {
      headers: { 'Content-Type': 'image/png' },
    });
    expect(seen[0]?.url.href).toBe('http://bucket.test/blobs/k?sig=1');
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.headers.get('signature')).toBeNull();
    expect(seen[0]?.headers.get('content-type')).toBe('image/png');
    await expect(t.putSignedUrl('http://bucket.test/blobs/k', new Uint8Array([1]))).rejects.toBeInstanceOf(
      UnknownError,
    );
  });
});
