import { verifyRequestV1, verifyRequestV2, PORTABLE_PRIMITIVES } from '@metaindex/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NATIVE_PRIMITIVES } from './native-signing.js';

interface Vectors {
  publicKeyHex: string;
  created: number;
  cases: {
    scheme: string;
    method: string;
    requestTarget: string;
    body: string;
    headers: Record<string, string>;
  }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../core/src/signing/signing-vectors.fixture.json', import.meta.url), 'utf8'),
) as Vectors;

describe('native signature primitives', () => {
  const v2 = vectors.cases.filter((c) => c.scheme === 'v2');

  it.each(v2.map((c) => [`${c.method} ${c.requestTarget}`, c] as const))(
    'accept the SDK vector %s',
    (_name, c) => {
      const result = verifyRequestV2({ ...c, now: vectors.created + 30, primitives: NATIVE_PRIMITIVES });
      expect(result).toEqual({ ok: true, keyId: vectors.publicKeyHex, created: vectors.created });
    },
  );

  it('reject what the portable primitives reject', () => {
    const c = v2[2]!;
    const tampered = {
      ...c,
      headers: { ...c.headers, Signature: c.headers.Signature!.replace(/^encord-sig=:./, 'encord-sig=:A') },
    };
    for (const primitives of [NATIVE_PRIMITIVES, PORTABLE_PRIMITIVES]) {
      const result = verifyRequestV2({ ...tampered, now: vectors.created + 30, primitives });
      expect(result.ok).toBe(false);
    }
    const body = verifyRequestV2({
      ...c,
      body: `${c.body} `,
      now: vectors.created + 30,
      primitives: NATIVE_PRIMITIVES,
    });
    expect(body).toMatchObject({ ok: false, reason: 'digest-mismatch' });
  });

  it('hash like the portable SHA-256', () => {
    const data = new TextEncoder().encode('café ☕'.repeat(1000));
    expect(Buffer.from(NATIVE_PRIMITIVES.sha256(data))).toEqual(
      Buffer.from(PORTABLE_PRIMITIVES.sha256(data)),
    );
  });

  it('refuse a key OpenSSL cannot load instead of throwing', () => {
    expect(NATIVE_PRIMITIVES.verifyEd25519(new Uint8Array(64), new Uint8Array(1), new Uint8Array(31))).toBe(
      false,
    );
  });

  it('leave the v1 vector to the portable verifier', () => {
    const v1 = vectors.cases.find((c) => c.scheme === 'v1')!;
    expect(verifyRequestV1(v1.body, v1.headers.Authorization).ok).toBe(true);
  });
});
