import { utf8ToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64Decode, base64Encode } from './base64.js';

// RFC 4648 §10 test vectors.
const RFC_4648 = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
] as const;

describe('base64', () => {
  it.each(RFC_4648)('encodes and decodes %j as %j', (text, encoded) => {
    expect(base64Encode(utf8ToBytes(text))).toBe(encoded);
    expect(base64Decode(encoded)).toStrictEqual(utf8ToBytes(text));
  });

  it('uses the standard alphabet with + and /', () => {
    expect(base64Encode(Uint8Array.from([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });

  it.each([
    ['missing padding', 'Zg'],
    ['non-zero bits before the padding', 'Zh=='],
    ['url-safe characters', '-_-_'],
    ['embedded whitespace', 'Zm9v\nYmFy'],
    ['padding in the middle', 'Zg==Zm9v'],
    ['too much padding', 'Z==='],
  ])('rejects %s', (_, text) => {
    expect(base64Decode(text)).toBeUndefined();
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base64Decode(base64Encode(bytes))).toStrictEqual(bytes);
      }),
    );
  });
});
