import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createUrlSigner, type BlobUrlMethod, type UrlSigner } from './signed-url.js';

const BASE_URL = 'https://metaindex.example.com';
const SECRET = new Uint8Array(32).fill(7);
const NOW = 1_764_000_000;
const KEY = '0f8e2a4c-1111-4222-8333-944455556666/7a1b2c3d-aaaa-4bbb-8ccc-ddddeeeeffff';

function signerAt(clock: { now: number }, secret: Uint8Array = SECRET): UrlSigner {
  return createUrlSigner({ secret, baseUrl: BASE_URL, now: () => clock.now });
}

/** What the server sees as the request target for a URL it minted. */
function targetOf(url: string): string {
  expect(url.startsWith(BASE_URL)).toBe(true);
  return url.slice(BASE_URL.length);
}

/** The target with one query parameter replaced. */
function withParam(target: string, name: string, value: string): string {
  return target.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${value}`);
}

function reasonOf(signer: UrlSigner, method: BlobUrlMethod, target: string): string {
  const result = signer.verify(method, target);
  return result.ok ? 'ok' : result.reason;
}

describe('createUrlSigner', () => {
  it('mints URLs of the documented shape', () => {
    const signer = signerAt({ now: NOW });
    const url = signer.uploadUrl('folder/item', 3600);
    expect(url).toMatch(
      new RegExp(`^${BASE_URL}/blobs/folder%2Fitem\\?op=put&expires=${NOW + 3600}&sig=[A-Za-z0-9_-]{43}$`),
    );
    expect(signer.downloadUrl('folder/item', 60)).toContain(`?op=get&expires=${NOW + 60}&sig=`);
  });

  it('round-trips an upload URL for PUT and a download URL for GET', () => {
    const signer = signerAt({ now: NOW });
    expect(signer.verify('PUT', targetOf(signer.uploadUrl(KEY, 600)))).toEqual({ ok: true, objectKey: KEY });
    expect(signer.verify('GET', targetOf(signer.downloadUrl(KEY, 600)))).toEqual({
      ok: true,
      objectKey: KEY,
    });
  });

  it('accepts a URL up to and including its expiry second, then reports it expired', () => {
    const clock = { now: NOW };
    const signer = signerAt(clock);
    const target = targetOf(signer.downloadUrl(KEY, 10));
    clock.now = NOW + 10;
    expect(reasonOf(signer, 'GET', target)).toBe('ok');
    clock.now = NOW + 11;
    const result = signer.verify('GET', target);
    expect(result).toMatchObject({ ok: false, reason: 'expired' });
    expect(result.ok || result.message).toContain('expired at');
  });

  it('refuses a GET URL for PUT and a PUT URL for GET', () => {
    const signer = signerAt({ now: NOW });
    expect(reasonOf(signer, 'PUT', targetOf(signer.downloadUrl(KEY, 60)))).toBe('wrong-operation');
    expect(reasonOf(signer, 'GET', targetOf(signer.uploadUrl(KEY, 60)))).toBe('wrong-operation');
  });

  it('refuses a download URL whose op was rewritten to put', () => {
    const signer = signerAt({ now: NOW });
    const target = withParam(targetOf(signer.downloadUrl(KEY, 60)), 'op', 'put');
    expect(reasonOf(signer, 'PUT', target)).toBe('bad-signature');
  });

  it('refuses a tampered object key', () => {
    const signer = signerAt({ now: NOW });
    const target = targetOf(signer.uploadUrl('folder/item-1', 60));
    expect(reasonOf(signer, 'PUT', target.replace('item-1', 'item-2'))).toBe('bad-signature');
  });

  it('refuses a tampered expiry, even one that is already in the past', () => {
    const signer = signerAt({ now: NOW });
    const target = targetOf(signer.uploadUrl(KEY, 60));
    expect(reasonOf(signer, 'PUT', withParam(target, 'expires', String(NOW + 999_999)))).toBe(
      'bad-signature',
    );
    expect(reasonOf(signer, 'PUT', withParam(target, 'expires', String(NOW - 1)))).toBe('bad-signature');
  });

  it('refuses a tampered, truncated or extended signature', () => {
    const signer = signerAt({ now: NOW });
    const target = targetOf(signer.uploadUrl(KEY, 60));
    const sig = new URLSearchParams(target.split('?')[1]).get('sig')!;
    const flipped = (sig.startsWith('A') ? 'B' : 'A') + sig.slice(1);
    expect(reasonOf(signer, 'PUT', withParam(target, 'sig', flipped))).toBe('bad-signature');
    expect(reasonOf(signer, 'PUT', withParam(target, 'sig', sig.slice(0, -1)))).toBe('bad-signature');
    expect(reasonOf(signer, 'PUT', withParam(target, 'sig', `${sig}A`))).toBe('bad-signature');
  });

  it('refuses a URL signed with another secret', () => {
    const other = signerAt({ now: NOW }, new Uint8Array(32).fill(8));
    expect(reasonOf(signerAt({ now: NOW }), 'GET', targetOf(other.downloadUrl(KEY, 60)))).toBe(
      'bad-signature',
    );
  });

  it('does not let a field be shifted into its neighbour', () => {
    // Without length prefixes, key "a" expiring at 12 and key "a1" expiring at 2 could sign the same bytes.
    const signer = signerAt({ now: 0 });
    const target = targetOf(signer.uploadUrl('a', 12));
    const shifted = withParam(target.replace('/blobs/a?', '/blobs/a1?'), 'expires', '2');
    expect(reasonOf(signer, 'PUT', shifted)).toBe('bad-signature');
  });

  it.each([
    'folder/sub folder/file name.png',
    'ünïcødé/画像/😀.jpg',
    'odd/chars?&=#%+;,',
    '../not/a/path/to/the/signer',
  ])('round-trips the object key %j', (key) => {
    const signer = signerAt({ now: NOW });
    const url = signer.uploadUrl(key, 60);
    expect(url.split('?')[0]).toBe(`${BASE_URL}/blobs/${encodeURIComponent(key)}`);
    expect(signer.verify('PUT', targetOf(url))).toEqual({ ok: true, objectKey: key });
  });

  it('round-trips any well-formed object key', () => {
    const signer = signerAt({ now: NOW });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => {
        expect(signer.verify('GET', targetOf(signer.downloadUrl(key, 60)))).toEqual({
          ok: true,
          objectKey: key,
        });
      }),
    );
  });

  it('ignores unrelated query parameters', () => {
    const signer = signerAt({ now: NOW });
    expect(reasonOf(signer, 'GET', `${targetOf(signer.downloadUrl(KEY, 60))}&cacheBust=1`)).toBe('ok');
  });

  describe('malformed URLs', () => {
    const signer = signerAt({ now: NOW });
    const target = targetOf(signer.uploadUrl(KEY, 60));
    const [path = '', query = ''] = target.split('?');
    const without = (name: string): string =>
      `${path}?${query
        .split('&')
        .filter((pair) => !pair.startsWith(`${name}=`))
        .join('&')}`;

    it.each([
      ['no query string', path],
      ['no op', without('op')],
      ['no expires', without('expires')],
      ['no sig', without('sig')],
      ['an empty sig', withParam(target, 'sig', '')],
      ['a repeated op', `${target}&op=put`],
      ['an unknown op', withParam(target, 'op', 'delete')],
      ['a non-numeric expiry', withParam(target, 'expires', '12e9')],
      ['a negative expiry', withParam(target, 'expires', '-5')],
      ['a path outside /blobs/', target.replace('/blobs/', '/files/')],
      ['an empty key', `/blobs/?${query}`],
      ['a raw slash in the key', target.replace('%2F', '/')],
      ['broken percent-encoding', target.replace('%2F', '%E0%A4')],
    ])('reports %s as malformed', (_what, bad) => {
      expect(reasonOf(signer, 'PUT', bad)).toBe('malformed');
    });
  });

  describe('configuration and arguments', () => {
    it('strips a trailing slash from the base URL', () => {
      const signer = createUrlSigner({ secret: SECRET, baseUrl: `${BASE_URL}/`, now: () => NOW });
      expect(signer.uploadUrl('k', 1).startsWith(`${BASE_URL}/blobs/k?`)).toBe(true);
    });

    it.each(['not a url', 'ftp://example.com', 'https://example.com/?x=1', 'https://example.com/#top'])(
      'rejects the base URL %j',
      (baseUrl) => {
        expect(() => createUrlSigner({ secret: SECRET, baseUrl })).toThrow(/blob URL base/);
      },
    );

    it('rejects a short secret', () => {
      expect(() => createUrlSigner({ secret: new Uint8Array(8), baseUrl: BASE_URL })).toThrow(
        /at least 16 bytes/,
      );
    });

    it('is unaffected by later changes to the secret array', () => {
      const secret = new Uint8Array(SECRET);
      const signer = createUrlSigner({ secret, baseUrl: BASE_URL, now: () => NOW });
      const url = signer.uploadUrl(KEY, 60);
      secret.fill(0);
      expect(reasonOf(signer, 'PUT', targetOf(url))).toBe('ok');
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the lifetime %s', (ttl) => {
      expect(() => signerAt({ now: NOW }).uploadUrl(KEY, ttl)).toThrow(/positive whole number of seconds/);
    });

    it('rejects an empty or ill-formed object key', () => {
      const signer = signerAt({ now: NOW });
      expect(() => signer.uploadUrl('', 60)).toThrow(/empty object key/);
      expect(() => signer.downloadUrl('bad\uD800key', 60)).toThrow(/not well-formed Unicode/);
    });

    it('uses the system clock by default', () => {
      const signer = createUrlSigner({ secret: SECRET, baseUrl: BASE_URL });
      const expires = Number(new URL(signer.downloadUrl(KEY, 100)).searchParams.get('expires'));
      const nowSeconds = Math.floor(Date.now() / 1000);
      expect(expires).toBeGreaterThanOrEqual(nowSeconds + 99);
      expect(expires).toBeLessThanOrEqual(nowSeconds + 100);
      expect(reasonOf(signer, 'GET', targetOf(signer.downloadUrl(KEY, 100)))).toBe('ok');
    });
  });
});
