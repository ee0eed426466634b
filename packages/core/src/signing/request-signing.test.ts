import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64Encode } from './base64.js';
import { parseOpenSshPrivateKey } from './openssh-key.js';
import {
  buildSignatureBase,
  contentDigest,
  parseSignatureInput,
  publicKeyHexFromPrivateKey,
  signRequestV1,
  signRequestV2,
  verifyRequestV1,
  verifyRequestV2,
  type HeaderSource,
  type SignatureHeadersV2,
  type VerifyRequestV2Options,
} from './request-signing.js';
import vectors from './signing-vectors.fixture.json' with { type: 'json' };

const CREATED = 1764000000;
const NOW = 1764000030;
const EMPTY_DIGEST = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:';
const seed = parseOpenSshPrivateKey(vectors.privateKeyOpenSSH).seed;
const v2Cases = vectors.cases.filter((c) => c.scheme === 'v2');
const v1Case = vectors.cases.find((c) => c.scheme === 'v1')!;
const postCase = v2Cases.find((c) => c.method === 'POST')!;
const queryCase = v2Cases.find((c) => c.requestTarget.includes('q=a+b'))!;

function headersOf(c: (typeof vectors.cases)[number]): SignatureHeadersV2 {
  return {
    'Content-Digest': c.headers['Content-Digest'] ?? '',
    'Signature-Input': c.headers['Signature-Input'] ?? '',
    Signature: c.headers.Signature ?? '',
  };
}

/** Verification options for the POST vector, with any field overridden. */
function postRequest(overrides: Partial<VerifyRequestV2Options> = {}): VerifyRequestV2Options {
  return {
    method: postCase.method,
    requestTarget: postCase.requestTarget,
    body: postCase.body,
    headers: headersOf(postCase),
    now: NOW,
    ...overrides,
  };
}

function withHeader(name: keyof SignatureHeadersV2, value: string): HeaderSource {
  return { ...headersOf(postCase), [name]: value };
}

function signatureInput(params: string): string {
  return `encord-sig=("@method" "@request-target" "content-digest");${params}`;
}

function signatureHeader(signature: Uint8Array): string {
  return `encord-sig=:${base64Encode(signature)}:`;
}

const validParams = `created=${CREATED};keyid="${vectors.publicKeyHex}";alg="ed25519"`;

describe('contentDigest', () => {
  it('hashes an empty body as the empty byte string', () => {
    expect(contentDigest('')).toBe(EMPTY_DIGEST);
    expect(contentDigest(new Uint8Array(0))).toBe(EMPTY_DIGEST);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    const text = '{"caption": "café ☕"}';
    expect(contentDigest(text)).toBe(contentDigest(utf8ToBytes(text)));
  });
});

describe('publicKeyHexFromPrivateKey', () => {
  it('derives the vector key id', () => {
    expect(publicKeyHexFromPrivateKey(seed)).toBe(vectors.publicKeyHex);
  });

  it('rejects a key that is not a 32-byte seed', () => {
    expect(() => publicKeyHexFromPrivateKey(new Uint8Array(64))).toThrow(/32-byte seed/);
  });
});

describe('buildSignatureBase', () => {
  it('joins the four lines with \\n and no trailing newline, upper-casing the method', () => {
    const base = buildSignatureBase({
      method: 'patch',
      requestTarget: '/v2/public/storage/items/patch-bulk',
      contentDigest: EMPTY_DIGEST,
      signatureParams: '(...);created=1',
    });
    expect(base).toBe(
      [
        '"@method": PATCH',
        '"@request-target": /v2/public/storage/items/patch-bulk',
        `"content-digest": ${EMPTY_DIGEST}`,
        '"@signature-params": (...);created=1',
      ].join('\n'),
    );
  });
});

describe('v2 signing vectors (official SDK output)', () => {
  it.each(v2Cases.map((c) => [`${c.method} ${c.requestTarget}`, c] as const))(
    'signRequestV2 reproduces every header of %s',
    (_, c) => {
      const headers = signRequestV2({
        method: c.method,
        requestTarget: c.requestTarget,
        body: c.body,
        privateKey: seed,
        created: vectors.created,
      });
      expect(headers).toStrictEqual(headersOf(c));
    },
  );

  it.each(v2Cases.map((c) => [`${c.method} ${c.requestTarget}`, c] as const))(
    'verifyRequestV2 accepts %s',
    (_, c) => {
      const result = verifyRequestV2({
        method: c.method,
        requestTarget: c.requestTarget,
        body: utf8ToBytes(c.body),
        headers: headersOf(c),
        now: NOW,
      });
      expect(result).toStrictEqual({ ok: true, keyId: vectors.publicKeyHex, created: CREATED });
    },
  );
});

describe('signRequestV2', () => {
  it('back-dates created by 30 s from the given time in seconds', () => {
    const headers = signRequestV2({
      method: 'GET',
      requestTarget: '/x',
      body: '',
      privateKey: seed,
      now: NOW + 0.9,
    });
    expect(headers['Signature-Input']).toContain(`;created=${CREATED};`);
  });

  it('uses the system clock by default', () => {
    const before = Math.floor(Date.now() / 1000) - 30;
    const headers = signRequestV2({ method: 'GET', requestTarget: '/x', body: '', privateKey: seed });
    const parsed = parseSignatureInput(headers['Signature-Input']);
    expect(parsed.ok && parsed.created >= before && parsed.created <= before + 1).toBe(true);
  });

  it('rejects a non-integer created', () => {
    expect(() =>
      signRequestV2({ method: 'GET', requestTarget: '/x', body: '', privateKey: seed, created: 1.5 }),
    ).toThrow(RangeError);
  });

  it('round-trips with a fresh key', () => {
    const privateKey = ed25519.utils.randomSecretKey();
    const request = { method: 'DELETE', requestTarget: '/v2/public/a%20b?x=1', body: '{"a": 1}' };
    const headers = signRequestV2({ ...request, privateKey, now: NOW });
    expect(verifyRequestV2({ ...request, headers, now: NOW })).toStrictEqual({
      ok: true,
      keyId: publicKeyHexFromPrivateKey(privateKey),
      created: NOW - 30,
    });
  });
});

describe('verifyRequestV2 header access', () => {
  it('matches header names case-insensitively in a record', () => {
    const lower = Object.fromEntries(
      Object.entries(headersOf(postCase)).map(([k, v]) => [k.toLowerCase(), v]),
    );
    expect(verifyRequestV2(postRequest({ headers: lower })).ok).toBe(true);
  });

  it('accepts a lookup function such as Headers#get', () => {
    const headers = new Headers({ ...headersOf(postCase) });
    expect(verifyRequestV2(postRequest({ headers: (name) => headers.get(name) })).ok).toBe(true);
  });

  it('accepts single-element arrays and rejects repeated headers', () => {
    const signed = headersOf(postCase);
    const single = { ...signed, Signature: [signed.Signature] };
    expect(verifyRequestV2(postRequest({ headers: single })).ok).toBe(true);
    const repeated = { ...signed, Signature: [signed.Signature, signed.Signature] };
    expect(verifyRequestV2(postRequest({ headers: repeated }))).toMatchObject({
      ok: false,
      reason: 'malformed-signature',
    });
  });

  it('reports which headers are missing', () => {
    const result = verifyRequestV2(postRequest({ headers: { 'Content-Digest': EMPTY_DIGEST } }));
    expect(result).toStrictEqual({
      ok: false,
      reason: 'missing-header',
      message: 'missing signature header(s): Signature-Input, Signature',
    });
  });
});

describe('verifyRequestV2 rejections', () => {
  it('rejects a body altered by one byte', () => {
    const body = utf8ToBytes(postCase.body);
    body[10] = (body[10] ?? 0) ^ 1;
    expect(verifyRequestV2(postRequest({ body }))).toMatchObject({ ok: false, reason: 'digest-mismatch' });
  });

  it('rejects an altered Content-Digest header', () => {
    const result = verifyRequestV2(postRequest({ headers: withHeader('Content-Digest', EMPTY_DIGEST) }));
    expect(result).toMatchObject({ ok: false, reason: 'digest-mismatch' });
  });

  it('rejects a replaced body whose digest was recomputed but not re-signed', () => {
    const body = postCase.body.replace('512', '513');
    const result = verifyRequestV2(
      postRequest({ body, headers: withHeader('Content-Digest', contentDigest(body)) }),
    );
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    [
      'a reordered query',
      queryCase.requestTarget.replace('signUrl=False&q=a+b%2F%C3%BC', 'q=a+b%2F%C3%BC&signUrl=False'),
    ],
    ['a decoded query', queryCase.requestTarget.replace('%2F%C3%BC', '/ü')],
    ['lower-case percent-encoding', queryCase.requestTarget.replace('%C3%BC', '%c3%bc')],
    ['a dropped query', queryCase.requestTarget.split('?')[0]!],
  ])('rejects a request target with %s', (_, requestTarget) => {
    expect(requestTarget).not.toBe(queryCase.requestTarget);
    const result = verifyRequestV2({
      method: queryCase.method,
      requestTarget,
      body: '',
      headers: headersOf(queryCase),
      now: NOW,
    });
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a different method but treats the method name case-insensitively', () => {
    expect(verifyRequestV2(postRequest({ method: 'PUT' }))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyRequestV2(postRequest({ method: 'post' })).ok).toBe(true);
  });

  it('accepts created within [now - 300, now + 60] by default', () => {
    expect(verifyRequestV2(postRequest({ now: CREATED + 300 })).ok).toBe(true);
    expect(verifyRequestV2(postRequest({ now: CREATED - 60 })).ok).toBe(true);
  });

  it('rejects a signature that is too old', () => {
    expect(verifyRequestV2(postRequest({ now: CREATED + 301 }))).toMatchObject({
      ok: false,
      reason: 'signature-expired',
    });
    expect(verifyRequestV2(postRequest({ now: CREATED + 11, maxAgeSeconds: 10 }))).toMatchObject({
      ok: false,
      reason: 'signature-expired',
    });
  });

  it('rejects a signature created in the future', () => {
    expect(verifyRequestV2(postRequest({ now: CREATED - 61 }))).toMatchObject({
      ok: false,
      reason: 'signature-in-future',
    });
    expect(verifyRequestV2(postRequest({ now: CREATED - 1, maxFutureSkewSeconds: 0 }))).toMatchObject({
      ok: false,
      reason: 'signature-in-future',
    });
  });

  it('rejects a key id the lookup does not know, and uses the key it returns', () => {
    const registered = new Map([[vectors.publicKeyHex, ed25519.getPublicKey(seed)]]);
    expect(verifyRequestV2(postRequest({ lookupKey: () => undefined }))).toMatchObject({
      ok: false,
      reason: 'unknown-key',
    });
    expect(verifyRequestV2(postRequest({ lookupKey: (id) => registered.get(id) })).ok).toBe(true);
    const otherKey = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
    expect(verifyRequestV2(postRequest({ lookupKey: () => otherKey }))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects the small-order-key forgery that ZIP 215 verification would accept', () => {
    // Identity point as both public key and R, with S = 0: valid for every message under ZIP 215 rules.
    const identity = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
    const forged = new Uint8Array(64);
    forged.set(identity);
    expect(ed25519.verify(forged, utf8ToBytes('anything'), identity)).toBe(true);

    const keyId = bytesToHex(identity);
    const input = signatureInput(`created=${CREATED};keyid="${keyId}";alg="ed25519"`);
    const headers = { ...headersOf(postCase), 'Signature-Input': input, Signature: signatureHeader(forged) };
    expect(verifyRequestV2(postRequest({ headers }))).toMatchObject({ ok: false, reason: 'bad-signature' });
    const authorization = `${keyId}:${bytesToHex(forged)}`;
    expect(verifyRequestV1(v1Case.body, authorization)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('throws if lookupKey returns something that is not a 32-byte key (a server bug)', () => {
    expect(() => verifyRequestV2(postRequest({ lookupKey: () => new Uint8Array(31) }))).toThrow(RangeError);
  });

  it('rejects a signature paired with another key id', () => {
    const otherKeyId = bytesToHex(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    const input = signatureInput(`created=${CREATED};keyid="${otherKeyId}";alg="ed25519"`);
    const result = verifyRequestV2(postRequest({ headers: withHeader('Signature-Input', input) }));
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['a wrong label', `sig1=("@method" "@request-target" "content-digest");${validParams}`],
    ['a missing component', `encord-sig=("@method" "@request-target");${validParams}`],
    [
      'a different component order',
      `encord-sig=("@request-target" "@method" "content-digest");${validParams}`,
    ],
    [
      'a non-integer created',
      signatureInput(`created=1764000000.5;keyid="${vectors.publicKeyHex}";alg="ed25519"`),
    ],
    [
      'an upper-case keyid',
      signatureInput(`created=${CREATED};keyid="${vectors.publicKeyHex.toUpperCase()}";alg="ed25519"`),
    ],
    ['no parameters', 'encord-sig=("@method" "@request-target" "content-digest")'],
    ['garbage', 'hello'],
  ])('rejects a Signature-Input with %s', (_, value) => {
    const result = verifyRequestV2(postRequest({ headers: withHeader('Signature-Input', value) }));
    expect(result).toMatchObject({ ok: false, reason: 'malformed-signature-input' });
  });

  it('rejects an algorithm other than ed25519', () => {
    const input = signatureInput(`created=${CREATED};keyid="${vectors.publicKeyHex}";alg="rsa-pss-sha512"`);
    const result = verifyRequestV2(postRequest({ headers: withHeader('Signature-Input', input) }));
    expect(result).toStrictEqual({
      ok: false,
      reason: 'unsupported-alg',
      message: 'invalid Signature-Input: alg must be "ed25519", got "rsa-pss-sha512"',
    });
  });

  it.each([
    ['a truncated signature', (s: string) => `${s.slice(0, -5)}:`],
    ['a wrong label', (s: string) => s.replace('encord-sig=', 'sig1=')],
    ['no colons', (s: string) => s.replaceAll(':', '')],
    ['non-canonical base64', (s: string) => s.replace('Aw==:', 'Ax==:')],
  ])('rejects a Signature header with %s', (_, mangle) => {
    const signature = mangle(headersOf(postCase).Signature);
    expect(signature).not.toBe(headersOf(postCase).Signature);
    const result = verifyRequestV2(postRequest({ headers: withHeader('Signature', signature) }));
    expect(result).toMatchObject({ ok: false, reason: 'malformed-signature' });
  });

  it('rejects a well-formed signature with one bit flipped', () => {
    const signature = headersOf(postCase).Signature.replace('hWqO', 'hWqP');
    const result = verifyRequestV2(postRequest({ headers: withHeader('Signature', signature) }));
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('never throws, whatever the headers contain', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (digest, input, signature) => {
        const result = verifyRequestV2(
          postRequest({
            headers: { 'Content-Digest': digest, 'Signature-Input': input, Signature: signature },
          }),
        );
        expect(result.ok).toBe(false);
      }),
    );
  });
});

describe('parseSignatureInput', () => {
  it('returns the fields and the raw params string', () => {
    expect(parseSignatureInput(headersOf(postCase)['Signature-Input'])).toStrictEqual({
      ok: true,
      created: CREATED,
      keyId: vectors.publicKeyHex,
      signatureParams: headersOf(postCase)['Signature-Input'].slice('encord-sig='.length),
    });
  });

  it('accepts the parameters in any order', () => {
    const parsed = parseSignatureInput(
      signatureInput(`alg="ed25519";keyid="${vectors.publicKeyHex}";created=5`),
    );
    expect(parsed).toMatchObject({ ok: true, created: 5 });
  });

  it.each([
    ['no equals sign', 'encord-sig', 'malformed'],
    ['a wrong label', `sig1=("@method" "@request-target" "content-digest");${validParams}`, 'wrong-label'],
    ['no component list', `encord-sig=${validParams}`, 'malformed'],
    ['a missing component', `encord-sig=("@method" "content-digest");${validParams}`, 'wrong-components'],
    [
      'an extra component',
      `encord-sig=("@method" "@request-target" "content-digest" "host");${validParams}`,
      'wrong-components',
    ],
    [
      'reordered components',
      `encord-sig=("content-digest" "@method" "@request-target");${validParams}`,
      'wrong-components',
    ],
    [
      'unquoted components',
      `encord-sig=(@method @request-target content-digest);${validParams}`,
      'wrong-components',
    ],
    [
      'text after the list',
      `encord-sig=("@method" "@request-target" "content-digest") ;${validParams}`,
      'malformed',
    ],
    ['an empty parameter', signatureInput(`${validParams};`), 'malformed'],
    ['an unknown parameter', signatureInput(`${validParams};nonce="abc"`), 'unexpected-param'],
    ['a duplicate parameter', signatureInput(`${validParams};created=${CREATED}`), 'unexpected-param'],
    ['a missing alg', signatureInput(`created=${CREATED};keyid="${vectors.publicKeyHex}"`), 'missing-param'],
    [
      'a non-integer created',
      signatureInput(`created=1.5;keyid="${vectors.publicKeyHex}";alg="ed25519"`),
      'invalid-created',
    ],
    [
      'a quoted created',
      signatureInput(`created="1";keyid="${vectors.publicKeyHex}";alg="ed25519"`),
      'invalid-created',
    ],
    [
      'a negative created',
      signatureInput(`created=-1;keyid="${vectors.publicKeyHex}";alg="ed25519"`),
      'invalid-created',
    ],
    [
      'a huge created',
      signatureInput(`created=99999999999999999999;keyid="${vectors.publicKeyHex}";alg="ed25519"`),
      'invalid-created',
    ],
    [
      'a short keyid',
      signatureInput(`created=1;keyid="${vectors.publicKeyHex.slice(2)}";alg="ed25519"`),
      'invalid-keyid',
    ],
    [
      'an unquoted keyid',
      signatureInput(`created=1;keyid=${vectors.publicKeyHex};alg="ed25519"`),
      'invalid-keyid',
    ],
    [
      'an unquoted alg',
      signatureInput(`created=1;keyid="${vectors.publicKeyHex}";alg=ed25519`),
      'unsupported-alg',
    ],
    [
      'another alg',
      signatureInput(`created=1;keyid="${vectors.publicKeyHex}";alg="hmac-sha256"`),
      'unsupported-alg',
    ],
  ])('rejects %s', (_, value, reason) => {
    expect(parseSignatureInput(value)).toMatchObject({ ok: false, reason });
  });
});

describe('v1 (legacy RPC) signing', () => {
  const authorization = v1Case.headers.Authorization!;

  it('signRequestV1 reproduces the SDK Authorization header', () => {
    expect(signRequestV1(v1Case.body, seed)).toStrictEqual({ Authorization: authorization });
  });

  it('verifyRequestV1 accepts the vector', () => {
    expect(verifyRequestV1(utf8ToBytes(v1Case.body), authorization)).toStrictEqual({
      ok: true,
      keyId: vectors.publicKeyHex,
    });
  });

  it('rejects a missing header', () => {
    expect(verifyRequestV1(v1Case.body, undefined)).toMatchObject({ ok: false, reason: 'missing-header' });
    expect(verifyRequestV1(v1Case.body, '')).toMatchObject({ ok: false, reason: 'missing-header' });
  });

  it.each([
    ['a non-hex character', authorization.slice(0, -1) + 'g'],
    ['upper-case hex', authorization.toUpperCase()],
    ['a short signature', authorization.slice(0, -2)],
    ['a long public key', `00${authorization}`],
    ['no separator', authorization.replace(':', '')],
    ['an extra separator', `${authorization}:00`],
    ['a bearer token', 'Bearer abc.def'],
  ])('rejects an Authorization header with %s', (_, value) => {
    expect(verifyRequestV1(v1Case.body, value)).toMatchObject({
      ok: false,
      reason: 'malformed-authorization',
    });
  });

  it('rejects a signature over the body instead of its digest', () => {
    const overBody = bytesToHex(ed25519.sign(utf8ToBytes(v1Case.body), seed));
    const result = verifyRequestV1(v1Case.body, `${vectors.publicKeyHex}:${overBody}`);
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects an altered body', () => {
    const result = verifyRequestV1(v1Case.body.replace('true', 'false'), authorization);
    expect(result).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a key the lookup does not know', () => {
    const result = verifyRequestV1(v1Case.body, authorization, { lookupKey: () => undefined });
    expect(result).toMatchObject({ ok: false, reason: 'unknown-key' });
  });
});
