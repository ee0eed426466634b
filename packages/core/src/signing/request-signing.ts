// Encord request signing, both schemes the official SDK uses (see docs: encord-sdk-behaviour.md §1.2-1.3).
//
// v2 is an HTTP Message Signatures (RFC 9421) profile: an Ed25519 signature over the method, the request
// target as sent and a Content-Digest of the body, labelled `encord-sig`.
// v1 (legacy RPC) is `Authorization: <pubhex>:<hex Ed25519 signature over sha256(body)>`.
//
// Pure code (no node: imports, no I/O) so it runs in Node, the SDK and browsers alike.

import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

import { base64Decode, base64Encode } from './base64.js';

export const SIGNATURE_LABEL = 'encord-sig';
export const COVERED_COMPONENTS = ['@method', '@request-target', 'content-digest'] as const;
export const SIGNATURE_ALGORITHM = 'ed25519';
/** The SDK back-dates `created` by this much to absorb clock skew between client and server. */
export const SIGNER_BACKDATE_SECONDS = 30;
export const DEFAULT_MAX_AGE_SECONDS = 300;
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;

/** Request body as sent. A string is hashed as its UTF-8 bytes; servers should pass the raw bytes. */
export type RequestBody = Uint8Array | string;

/** Looks a header up by name; must be case-insensitive (a fetch `Headers#get` bound to its object works). */
export type HeaderLookup = (name: string) => string | null | undefined;
/** Plain header map, e.g. Node's `IncomingHttpHeaders`; keys are matched case-insensitively. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;
export type HeaderSource = HeaderLookup | HeaderRecord;

/**
 * Returns the registered 32-byte Ed25519 public key for a key id (64 lowercase hex chars), or undefined
 * when the key is unknown. Without a lookup the key id itself is used as the public key.
 */
export type PublicKeyLookup = (keyId: string) => Uint8Array | undefined;

// A type alias rather than an interface so the result is assignable to HeaderRecord / Record<string, string>.
export type SignatureHeadersV2 = {
  readonly 'Content-Digest': string;
  readonly 'Signature-Input': string;
  readonly Signature: string;
};

export interface SignRequestV2Options {
  readonly method: string;
  /** Path plus `?query`, percent-encoded exactly as it goes on the wire. */
  readonly requestTarget: string;
  readonly body: RequestBody;
  /** 32-byte Ed25519 seed (the private half of an OpenSSH ed25519 key). */
  readonly privateKey: Uint8Array;
  /** Fixes the `created` parameter (Unix seconds); otherwise it is `floor(now) - 30`. */
  readonly created?: number;
  /** Current time in Unix **seconds** (may be fractional); defaults to the system clock. */
  readonly now?: number;
}

export interface SignatureBaseInput {
  readonly method: string;
  readonly requestTarget: string;
  /** The Content-Digest header value. */
  readonly contentDigest: string;
  /** The Signature-Input value after `encord-sig=`. */
  readonly signatureParams: string;
}

export type SignatureInputErrorReason =
  | 'malformed'
  | 'wrong-label'
  | 'wrong-components'
  | 'missing-param'
  | 'unexpected-param'
  | 'invalid-created'
  | 'invalid-keyid'
  | 'unsupported-alg';

export interface ParsedSignatureInput {
  readonly ok: true;
  readonly created: number;
  readonly keyId: string;
  /** The raw text after `encord-sig=`, which is signed verbatim as `@signature-params`. */
  readonly signatureParams: string;
}

export type SignatureInputParseResult = ParsedSignatureInput | VerifyFailure<SignatureInputErrorReason>;

export interface VerifyRequestV2Options {
  /** Hash and signature check to use; pure JS by default. */
  readonly primitives?: VerifyPrimitives;
  readonly method: string;
  readonly requestTarget: string;
  readonly body: RequestBody;
  readonly headers: HeaderSource;
  readonly lookupKey?: PublicKeyLookup;
  /** Current time in Unix seconds; defaults to the system clock. */
  readonly now?: number;
  /** Oldest accepted `created` is `now - maxAgeSeconds` (default 300). */
  readonly maxAgeSeconds?: number;
  /** Newest accepted `created` is `now + maxFutureSkewSeconds` (default 60). */
  readonly maxFutureSkewSeconds?: number;
}

export interface VerifyRequestV1Options {
  readonly lookupKey?: PublicKeyLookup;
  /** Hash and signature check to use; pure JS by default. */
  readonly primitives?: VerifyPrimitives;
}

export type VerifyV2FailureReason =
  | 'missing-header'
  | 'digest-mismatch'
  | 'malformed-signature-input'
  | 'unsupported-alg'
  | 'signature-expired'
  | 'signature-in-future'
  | 'malformed-signature'
  | 'unknown-key'
  | 'bad-signature';

export type VerifyV1FailureReason =
  'missing-header' | 'malformed-authorization' | 'unknown-key' | 'bad-signature';

export interface VerifyFailure<Reason extends string> {
  readonly ok: false;
  /** Stable machine-readable code. */
  readonly reason: Reason;
  /** Human-readable explanation, safe to return to the client. */
  readonly message: string;
}

export type VerifyResultV2 =
  | { readonly ok: true; readonly keyId: string; readonly created: number }
  | VerifyFailure<VerifyV2FailureReason>;

export type VerifyResultV1 =
  { readonly ok: true; readonly keyId: string } | VerifyFailure<VerifyV1FailureReason>;

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const LOWER_HEX = /^[0-9a-f]*$/;
const EXPECTED_COMPONENT_LIST = COVERED_COMPONENTS.map((component) => `"${component}"`).join(' ');
const SIGNATURE_INPUT_PARAMS = ['created', 'keyid', 'alg'] as const;

function fail<Reason extends string>(reason: Reason, message: string): VerifyFailure<Reason> {
  return { ok: false, reason, message };
}

function toBytes(body: RequestBody): Uint8Array {
  return typeof body === 'string' ? utf8ToBytes(body) : body;
}

function assertSeed(privateKey: Uint8Array): void {
  if (privateKey.length !== 32) {
    throw new RangeError(`Ed25519 private key must be a 32-byte seed, got ${privateKey.length} bytes`);
  }
}

/** Explains why `value` is not `length` lowercase hex characters, or returns undefined if it is. */
function hexProblem(value: string, length: number): string | undefined {
  if (value.length !== length) return `has ${value.length} characters, expected ${length}`;
  if (!LOWER_HEX.test(value)) return 'contains characters other than lowercase hex (0-9, a-f)';
  return undefined;
}

/**
 * RFC 8032 verification (zip215: false), matching OpenSSL as used by the Python SDK and rejecting
 * non-canonical encodings so a signature cannot be altered and still verify.
 */
function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return ed25519.verify(signature, message, publicKey, { zip215: false });
}

function resolvePublicKey(keyId: string, lookupKey: PublicKeyLookup | undefined): Uint8Array | undefined {
  if (lookupKey === undefined) return hexToBytes(keyId);
  const key = lookupKey(keyId);
  if (key !== undefined && key.length !== PUBLIC_KEY_BYTES) {
    // A misbehaving lookup is a server bug, not bad client input, so it is not reported as a failed result.
    throw new RangeError(
      `lookupKey returned a ${key.length}-byte key for ${keyId}; Ed25519 keys are 32 bytes`,
    );
  }
  return key;
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers === 'function') return headers(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    // Join repeated values the way Node does; the strict parsers below then reject the result.
    return typeof value === 'string' ? value : value.join(', ');
  }
  return undefined;
}

function currentUnixSeconds(): number {
  return Date.now() / 1000;
}

/** The key id: the raw 32-byte Ed25519 public key as 64 lowercase hex characters. */
export function publicKeyHexFromPrivateKey(privateKey: Uint8Array): string {
  assertSeed(privateKey);
  return bytesToHex(ed25519.getPublicKey(privateKey));
}

/**
 * The hash and signature check verification needs. The default is pure JS (runs in
 * browsers); a server may pass native ones (node:crypto is ~10x faster on large
 * bodies). `verify` must apply strict RFC 8032 rules.
 */
export interface VerifyPrimitives {
  readonly sha256: (data: Uint8Array) => Uint8Array;
  readonly verifyEd25519: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
}

export const PORTABLE_PRIMITIVES: VerifyPrimitives = { sha256, verifyEd25519 };

/** `sha-256=:<base64 sha256(body)>:`; an empty body hashes the empty byte string. */
export function contentDigest(body: RequestBody, hash: (data: Uint8Array) => Uint8Array = sha256): string {
  return `sha-256=:${base64Encode(hash(toBytes(body)))}:`;
}

/** The `@signature-params` value: `("@method" "@request-target" "content-digest");created=…;keyid="…";alg="ed25519"`. */
export function formatSignatureParams(created: number, keyId: string): string {
  return `(${EXPECTED_COMPONENT_LIST});created=${created};keyid="${keyId}";alg="${SIGNATURE_ALGORITHM}"`;
}

/** The four-line signature base (joined by "\n", no trailing newline) that v2 signs. */
export function buildSignatureBase(input: SignatureBaseInput): string {
  return [
    `"@method": ${input.method.toUpperCase()}`,
    `"@request-target": ${input.requestTarget}`,
    `"content-digest": ${input.contentDigest}`,
    `"@signature-params": ${input.signatureParams}`,
  ].join('\n');
}

/** Produces the three v2 headers the Encord SDK sends. Throws only on a bad key or `created` (caller bugs). */
export function signRequestV2(options: SignRequestV2Options): SignatureHeadersV2 {
  const keyId = publicKeyHexFromPrivateKey(options.privateKey);
  const created =
    options.created ?? Math.floor(options.now ?? currentUnixSeconds()) - SIGNER_BACKDATE_SECONDS;
  if (!Number.isSafeInteger(created) || created < 0) {
    throw new RangeError(`created must be a non-negative integer (Unix seconds), got ${created}`);
  }
  const digest = contentDigest(options.body);
  const signatureParams = formatSignatureParams(created, keyId);
  const base = buildSignatureBase({
    method: options.method,
    requestTarget: options.requestTarget,
    contentDigest: digest,
    signatureParams,
  });
  const signature = ed25519.sign(utf8ToBytes(base), options.privateKey);
  return {
    'Content-Digest': digest,
    'Signature-Input': `${SIGNATURE_LABEL}=${signatureParams}`,
    Signature: `${SIGNATURE_LABEL}=:${base64Encode(signature)}:`,
  };
}

/**
 * Strictly parses a Signature-Input header value: exactly one `encord-sig` member covering exactly
 * ("@method" "@request-target" "content-digest") in that order, with `created` (non-negative integer),
 * `keyid` (quoted 64 lowercase hex) and `alg="ed25519"`, each once and in any order, and nothing else.
 */
export function parseSignatureInput(headerValue: string): SignatureInputParseResult {
  const equals = headerValue.indexOf('=');
  if (equals < 0) {
    return fail('malformed', `expected ${SIGNATURE_LABEL}=(...);created=...;keyid="...";alg="ed25519"`);
  }
  const label = headerValue.slice(0, equals);
  if (label !== SIGNATURE_LABEL) {
    return fail('wrong-label', `label must be "${SIGNATURE_LABEL}", got "${label}"`);
  }
  const signatureParams = headerValue.slice(equals + 1);
  const componentList = /^\(([^()]*)\)/.exec(signatureParams);
  if (componentList === null) {
    return fail('malformed', `expected a parenthesised component list after "${SIGNATURE_LABEL}="`);
  }
  const components = componentList[1] ?? '';
  if (components !== EXPECTED_COMPONENT_LIST) {
    return fail(
      'wrong-components',
      `covered components must be (${EXPECTED_COMPONENT_LIST}), got (${components})`,
    );
  }

  // The rest is `;name=value` pairs. Splitting on ";" is safe because no valid value contains one.
  const rest = signatureParams.slice(componentList[0].length);
  const [beforeFirst, ...pairs] = rest.split(';');
  if (beforeFirst !== '') {
    return fail('malformed', `unexpected text "${beforeFirst ?? ''}" after the component list`);
  }
  const params = new Map<string, string>();
  for (const pair of pairs) {
    const match = /^([a-z][a-z0-9_.*-]*)=(.+)$/.exec(pair);
    if (match === null) return fail('malformed', `parameter "${pair}" is not name=value`);
    const [, name = '', value = ''] = match;
    if (!(SIGNATURE_INPUT_PARAMS as readonly string[]).includes(name)) {
      return fail(
        'unexpected-param',
        `unexpected parameter "${name}"; only created, keyid and alg are allowed`,
      );
    }
    if (params.has(name)) return fail('unexpected-param', `parameter "${name}" appears more than once`);
    params.set(name, value);
  }
  const missing = SIGNATURE_INPUT_PARAMS.filter((name) => !params.has(name));
  if (missing.length > 0) return fail('missing-param', `missing parameter(s): ${missing.join(', ')}`);

  const createdText = params.get('created') ?? '';
  const created = Number(createdText);
  if (!/^(?:0|[1-9][0-9]*)$/.test(createdText) || !Number.isSafeInteger(created)) {
    return fail(
      'invalid-created',
      `created must be a non-negative integer (Unix seconds), got ${createdText}`,
    );
  }
  const keyId = /^"([0-9a-f]{64})"$/.exec(params.get('keyid') ?? '')?.[1];
  if (keyId === undefined) {
    return fail('invalid-keyid', 'keyid must be a quoted 64-character lowercase hex Ed25519 public key');
  }
  const alg = params.get('alg') ?? '';
  if (alg !== `"${SIGNATURE_ALGORITHM}"`) {
    return fail('unsupported-alg', `alg must be "${SIGNATURE_ALGORITHM}", got ${alg}`);
  }
  return { ok: true, created, keyId, signatureParams };
}

/** `encord-sig=:<base64 of 64 bytes>:` → the signature bytes, or undefined. */
function parseSignatureHeader(headerValue: string): Uint8Array | undefined {
  const prefix = `${SIGNATURE_LABEL}=:`;
  if (!headerValue.startsWith(prefix) || !headerValue.endsWith(':')) return undefined;
  const signature = base64Decode(headerValue.slice(prefix.length, -1));
  return signature?.length === SIGNATURE_BYTES ? signature : undefined;
}

/**
 * Verifies a v2-signed request. Never throws for bad input: every rejection is a result with a stable
 * `reason`. Pass the body exactly as received (raw bytes) and the request target exactly as sent.
 */
export function verifyRequestV2(options: VerifyRequestV2Options): VerifyResultV2 {
  const digestHeader = readHeader(options.headers, 'Content-Digest');
  const inputHeader = readHeader(options.headers, 'Signature-Input');
  const signatureHeader = readHeader(options.headers, 'Signature');
  if (digestHeader === undefined || inputHeader === undefined || signatureHeader === undefined) {
    const missing = [
      digestHeader === undefined ? 'Content-Digest' : undefined,
      inputHeader === undefined ? 'Signature-Input' : undefined,
      signatureHeader === undefined ? 'Signature' : undefined,
    ].filter((name) => name !== undefined);
    return fail('missing-header', `missing signature header(s): ${missing.join(', ')}`);
  }

  const primitives = options.primitives ?? PORTABLE_PRIMITIVES;
  const expectedDigest = contentDigest(options.body, primitives.sha256);
  if (digestHeader !== expectedDigest) {
    return fail(
      'digest-mismatch',
      `Content-Digest does not match the request body (body hashes to ${expectedDigest}, header says ${digestHeader})`,
    );
  }

  const input = parseSignatureInput(inputHeader);
  if (!input.ok) {
    const reason = input.reason === 'unsupported-alg' ? 'unsupported-alg' : 'malformed-signature-input';
    return fail(reason, `invalid Signature-Input: ${input.message}`);
  }

  const now = options.now ?? currentUnixSeconds();
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const maxSkew = options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS;
  if (input.created < now - maxAge) {
    return fail(
      'signature-expired',
      `signature created at ${input.created} is more than ${maxAge} s older than the server time ${Math.floor(now)}`,
    );
  }
  if (input.created > now + maxSkew) {
    return fail(
      'signature-in-future',
      `signature created at ${input.created} is more than ${maxSkew} s ahead of the server time ${Math.floor(now)}; check the client clock`,
    );
  }

  const signature = parseSignatureHeader(signatureHeader);
  if (signature === undefined) {
    return fail(
      'malformed-signature',
      `Signature must be ${SIGNATURE_LABEL}=:<base64 of a 64-byte Ed25519 signature>:`,
    );
  }

  const publicKey = resolvePublicKey(input.keyId, options.lookupKey);
  if (publicKey === undefined) return fail('unknown-key', `unknown key id ${input.keyId}`);

  const base = buildSignatureBase({
    method: options.method,
    requestTarget: options.requestTarget,
    contentDigest: digestHeader,
    signatureParams: input.signatureParams,
  });
  if (!primitives.verifyEd25519(signature, utf8ToBytes(base), publicKey)) {
    return fail(
      'bad-signature',
      'signature does not verify for this method, request target and body with the given key',
    );
  }
  return { ok: true, keyId: input.keyId, created: input.created };
}

/** v1 (legacy RPC) `Authorization` header: the signed message is the 32-byte SHA-256 digest of the body. */
export function signRequestV1(body: RequestBody, privateKey: Uint8Array): { readonly Authorization: string } {
  const keyId = publicKeyHexFromPrivateKey(privateKey);
  const signature = ed25519.sign(sha256(toBytes(body)), privateKey);
  return { Authorization: `${keyId}:${bytesToHex(signature)}` };
}

/** Verifies a v1 `Authorization: <pubhex>:<sighex>` header against the raw body. Never throws for bad input. */
export function verifyRequestV1(
  body: RequestBody,
  authorizationHeader: string | null | undefined,
  options: VerifyRequestV1Options = {},
): VerifyResultV1 {
  if (authorizationHeader === undefined || authorizationHeader === null || authorizationHeader === '') {
    return fail('missing-header', 'missing Authorization header');
  }
  const parts = authorizationHeader.split(':');
  const [keyId, signatureHex] = parts;
  if (parts.length !== 2 || keyId === undefined || signatureHex === undefined) {
    return fail('malformed-authorization', 'Authorization must be <64 hex public key>:<128 hex signature>');
  }
  const keyProblem = hexProblem(keyId, PUBLIC_KEY_BYTES * 2);
  if (keyProblem !== undefined) {
    return fail('malformed-authorization', `Authorization public key ${keyProblem}`);
  }
  const signatureProblem = hexProblem(signatureHex, SIGNATURE_BYTES * 2);
  if (signatureProblem !== undefined) {
    return fail('malformed-authorization', `Authorization signature ${signatureProblem}`);
  }

  const publicKey = resolvePublicKey(keyId, options.lookupKey);
  if (publicKey === undefined) return fail('unknown-key', `unknown key id ${keyId}`);
  const primitives = options.primitives ?? PORTABLE_PRIMITIVES;
  if (!primitives.verifyEd25519(hexToBytes(signatureHex), primitives.sha256(toBytes(body)), publicKey)) {
    return fail('bad-signature', 'signature does not verify over sha256(body) with the given key');
  }
  return { ok: true, keyId };
}
