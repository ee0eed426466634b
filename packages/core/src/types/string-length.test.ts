import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointLength, exceedsCodePoints } from './string-length.js';

describe('string length in Unicode code points', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['😀', 1],
    ['a😀b', 3],
    ['👍🏽', 2], // thumbs up + skin tone modifier: two code points
    ['\ud800', 1], // an unpaired high surrogate
    ['\udc00\ud800', 2], // surrogates in the wrong order are two
  ])('%j has %i code points', (text, count) => {
    expect(codePointLength(text)).toBe(count);
    expect(exceedsCodePoints(text, count)).toBe(false);
    expect(exceedsCodePoints(text, count - 1)).toBe(true);
  });

  it('agrees with the string iterator for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.nat(50), (text, max) => {
        const count = Array.from(text).length;
        expect(codePointLength(text)).toBe(count);
        expect(exceedsCodePoints(text, max)).toBe(count > max);
      }),
    );
  });

  it('agrees with the string iterator on arbitrary UTF-16 (lone surrogates included)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((u) => String.fromCharCode(u)) }),
        (text) => {
          expect(codePointLength(text)).toBe(Array.from(text).length);
        },
      ),
    );
  });
});
