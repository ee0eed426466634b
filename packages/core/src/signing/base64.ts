// Standard (RFC 4648 §4) base64 with padding. @noble/hashes 1.8 has no base64 helpers and Buffer does not
// exist in browsers, so this small codec keeps @metaindex/core platform-neutral.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Canonical base64: full quads, then optional `xx==` or `xxx=`; nothing else (no whitespace, no url-safe chars). */
const CANONICAL_SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function sextet(text: string, index: number): number {
  // Only called on text that matched CANONICAL_SHAPE, so the one non-alphabet character is '=' (reads as 0).
  return Math.max(0, ALPHABET.indexOf(text.charAt(index)));
}

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const remaining = bytes.length - i;
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1] ?? 0;
    const b2 = bytes[i + 2] ?? 0;
    const triple = (b0 << 16) | (b1 << 8) | b2;
    out += ALPHABET.charAt((triple >> 18) & 63) + ALPHABET.charAt((triple >> 12) & 63);
    out += remaining > 1 ? ALPHABET.charAt((triple >> 6) & 63) : '=';
    out += remaining > 2 ? ALPHABET.charAt(triple & 63) : '=';
  }
  return out;
}

/**
 * Strict decode: returns undefined unless `text` is the canonical encoding of some byte string, so that
 * one signature or key has exactly one accepted spelling.
 */
export function base64Decode(text: string): Uint8Array | undefined {
  if (!CANONICAL_SHAPE.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const quad =
      (sextet(text, i) << 18) |
      (sextet(text, i + 1) << 12) |
      (sextet(text, i + 2) << 6) |
      sextet(text, i + 3);
    for (const shift of [16, 8, 0]) {
      if (o < out.length) out[o++] = (quad >> shift) & 0xff;
    }
  }
  // Reject non-zero bits hidden in the last sextet before the padding (e.g. "QR==" vs "QQ==").
  return base64Encode(out) === text ? out : undefined;
}
