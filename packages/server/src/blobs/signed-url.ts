/**
 * Signed, expiring URLs for blob upload and download.
 *
 * The Encord SDK PUTs file bytes to the `signedUrl` it is handed and later GETs a `signedUrl` to
 * download them, in both cases without any Authorization header. The URL itself is therefore the
 * credential: an HMAC-SHA256 over (operation, object key, expiry) that only this server can mint.
 */
import { InvalidArgumentError, type VerifyFailure } from '@metaindex/core';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The HTTP method a signed URL authorises. */
export type BlobUrlMethod = 'PUT' | 'GET';

export type SignedUrlFailureReason = 'malformed' | 'expired' | 'bad-signature' | 'wrong-operation';

export type SignedUrlVerifyResult =
  { readonly ok: true; readonly objectKey: string } | VerifyFailure<SignedUrlFailureReason>;

export interface UrlSignerOptions {
  /** HMAC key; at least {@link MIN_SECRET_BYTES} bytes. Rotating it invalidates every outstanding URL. */
  secret: Uint8Array;
  /** Externally visible origin of the server, e.g. `https://metaindex.example.com`. */
  baseUrl: string;
  /** Current time in Unix seconds; defaults to the system clock. */
  now?: () => number;
}

export interface UrlSigner {
  /** A URL that lets its holder PUT the bytes of `objectKey` until `ttlSeconds` from now. */
  uploadUrl(objectKey: string, ttlSeconds: number): string;
  /** A URL that lets its holder GET the bytes of `objectKey` until `ttlSeconds` from now. */
  downloadUrl(objectKey: string, ttlSeconds: number): string;
  /**
   * Checks a request to a signed URL. `pathAndQuery` is the request target exactly as received
   * (e.g. Node's `request.url`): `/blobs/<encoded key>?op=…&expires=…&sig=…`.
   */
  verify(method: BlobUrlMethod, pathAndQuery: string): SignedUrlVerifyResult;
}

/** Path prefix the blob routes are mounted under. */
export const BLOB_PATH_PREFIX = '/blobs/';

/** 128 bits: anything shorter is almost certainly a misconfiguration (an empty or placeholder secret). */
export const MIN_SECRET_BYTES = 16;

type Operation = 'put' | 'get';

const OPERATION_OF_METHOD: Readonly<Record<BlobUrlMethod, Operation>> = { PUT: 'put', GET: 'get' };

/**
 * Separates these MACs from any other MAC computed with the same secret, and lets a future format
 * change invalidate old URLs cleanly.
 */
const SIGNATURE_DOMAIN = 'metaindex-blob-url-v1';

/** Unix seconds: digits only, so one expiry has exactly one spelling. 15 digits stays a safe integer. */
const EXPIRES_SHAPE = /^\d{1,15}$/;

/** A lone UTF-16 surrogate (a well-formed pair matches as one non-surrogate code point under /u). */
const LONE_SURROGATE = /\p{Cs}/u;

function systemUnixSeconds(): number {
  return Date.now() / 1000;
}

/**
 * The bytes the MAC covers. Every field is length-prefixed, so no choice of object key can make
 * one (operation, key, expiry) triple encode the same bytes as another.
 */
function signedPayload(operation: Operation, objectKey: string, expires: number): Buffer {
  const fields = [SIGNATURE_DOMAIN, operation, String(expires), objectKey].map((field) =>
    Buffer.from(field, 'utf8'),
  );
  return Buffer.concat(
    fields.flatMap((field) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(field.length);
      return [length, field];
    }),
  );
}

function normaliseBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new InvalidArgumentError(`the blob URL base ${JSON.stringify(baseUrl)} is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`the blob URL base ${JSON.stringify(baseUrl)} must be http or https`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new InvalidArgumentError(
      `the blob URL base ${JSON.stringify(baseUrl)} must not have a query or fragment`,
    );
  }
  // `${baseUrl}/blobs/…` must not produce a double slash when the base is given as `https://host/`.
  return baseUrl.replace(/\/+$/, '');
}

function failure(reason: SignedUrlFailureReason, message: string): VerifyFailure<SignedUrlFailureReason> {
  return { ok: false, reason, message };
}

/**
 * Splits `/blobs/<key>?query` into the decoded key and the three signed parameters. Deliberately
 * does not use WHATWG URL parsing for the path: it would resolve dot segments, and the key must be
 * taken from the exact bytes the client sent.
 */
function parseSignedTarget(
  pathAndQuery: string,
): { objectKey: string; op: string; expires: string; sig: string } | VerifyFailure<SignedUrlFailureReason> {
  const queryStart = pathAndQuery.indexOf('?');
  if (queryStart === -1) return failure('malformed', 'the blob URL has no query string');
  const path = pathAndQuery.slice(0, queryStart);
  const query = new URLSearchParams(pathAndQuery.slice(queryStart + 1));

  if (!path.startsWith(BLOB_PATH_PREFIX)) {
    return failure('malformed', `the blob URL path must start with ${BLOB_PATH_PREFIX}`);
  }
  const encodedKey = path.slice(BLOB_PATH_PREFIX.length);
  // The key is one percent-encoded path segment (its slashes are %2F), so a raw '/' means the URL was altered.
  if (encodedKey === '' || encodedKey.includes('/')) {
    return failure('malformed', 'the blob URL path must be /blobs/ followed by one encoded object key');
  }
  let objectKey: string;
  try {
    objectKey = decodeURIComponent(encodedKey);
  } catch {
    return failure('malformed', 'the object key in the blob URL is not valid percent-encoded UTF-8');
  }

  const params: Record<'op' | 'expires' | 'sig', string> = { op: '', expires: '', sig: '' };
  for (const name of ['op', 'expires', 'sig'] as const) {
    const values = query.getAll(name);
    const value = values[0];
    if (values.length !== 1 || value === undefined || value === '') {
      return failure('malformed', `the blob URL must have exactly one non-empty "${name}" parameter`);
    }
    params[name] = value;
  }
  // Other query parameters are ignored: they cannot change what the signature authorises.
  return { objectKey, ...params };
}

export function createUrlSigner(options: UrlSignerOptions): UrlSigner {
  if (options.secret.byteLength < MIN_SECRET_BYTES) {
    throw new InvalidArgumentError(
      `the blob URL secret must be at least ${MIN_SECRET_BYTES} bytes, got ${options.secret.byteLength}`,
    );
  }
  // Copied so that later mutation of the caller's array cannot change (or leak through) our key.
  const secret = Buffer.from(options.secret);
  const baseUrl = normaliseBaseUrl(options.baseUrl);
  const now = options.now ?? systemUnixSeconds;

  const sign = (operation: Operation, objectKey: string, expires: number): string =>
    createHmac('sha256', secret)
      .update(signedPayload(operation, objectKey, expires))
      .digest('base64url');

  const mint = (operation: Operation, objectKey: string, ttlSeconds: number): string => {
    if (objectKey === '') throw new InvalidArgumentError('cannot sign a URL for an empty object key');
    // encodeURIComponent would throw a bare URIError, and UTF-8 encoding would silently replace the surrogate.
    if (LONE_SURROGATE.test(objectKey)) {
      throw new InvalidArgumentError(
        `the object key ${JSON.stringify(objectKey)} is not well-formed Unicode`,
      );
    }
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
      throw new InvalidArgumentError(
        `a signed URL's lifetime must be a positive whole number of seconds, got ${ttlSeconds}`,
      );
    }
    const expires = Math.floor(now()) + ttlSeconds;
    const sig = sign(operation, objectKey, expires);
    return `${baseUrl}${BLOB_PATH_PREFIX}${encodeURIComponent(objectKey)}?op=${operation}&expires=${expires}&sig=${sig}`;
  };

  return {
    uploadUrl: (objectKey, ttlSeconds) => mint('put', objectKey, ttlSeconds),
    downloadUrl: (objectKey, ttlSeconds) => mint('get', objectKey, ttlSeconds),

    verify(method, pathAndQuery) {
      const target = parseSignedTarget(pathAndQuery);
      if ('ok' in target) return target;
      const { objectKey, op, expires: expiresText, sig } = target;
      if (op !== 'put' && op !== 'get') {
        return failure(
          'malformed',
          `the blob URL operation must be "put" or "get", got ${JSON.stringify(op)}`,
        );
      }
      if (!EXPIRES_SHAPE.test(expiresText)) {
        return failure('malformed', 'the blob URL expiry must be a Unix time in whole seconds');
      }
      const expires = Number(expiresText);

      // The signature is checked before anything it covers is interpreted, so a forged URL learns
      // nothing beyond "bad signature". Comparing the canonical base64url text (rather than decoding
      // the client's) gives each MAC a single accepted spelling.
      const expected = Buffer.from(sign(op, objectKey, expires), 'utf8');
      const given = Buffer.from(sig, 'utf8');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return failure('bad-signature', 'the blob URL signature does not match; request a new signed URL');
      }

      if (op !== OPERATION_OF_METHOD[method]) {
        return failure(
          'wrong-operation',
          `this signed URL is for ${op === 'put' ? 'uploading (PUT)' : 'downloading (GET)'}, not ${method}`,
        );
      }
      // The URL is valid up to and including its `expires` second.
      if (Math.floor(now()) > expires) {
        return failure('expired', `the signed URL expired at ${new Date(expires * 1000).toISOString()}`);
      }
      return { ok: true, objectKey };
    },
  };
}
