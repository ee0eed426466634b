import { signRequestV1, signRequestV2 } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeEd25519Credentials, openConnection } from './cli-connection.js';

describe('NodeEd25519Credentials', () => {
  it('signs exactly as the SDK does (same headers, byte for byte)', () => {
    const seed = randomBytes(32);
    const credentials = new NodeEd25519Credentials(seed);
    for (const body of ['', '{"itemPatches":{}}', `{"é":"${'日本'.repeat(5000)}"}`]) {
      const created = 1_790_000_000;
      expect(
        credentials.v2Headers('PATCH', '/v2/public/storage/items/patch-bulk?x=1', body, created),
      ).toEqual(
        signRequestV2({
          method: 'PATCH',
          requestTarget: '/v2/public/storage/items/patch-bulk?x=1',
          body,
          privateKey: seed,
          created,
        }),
      );
      expect(credentials.v1Headers(body)).toEqual(signRequestV1(body, seed));
    }
  });
});

describe('openConnection', () => {
  it('names a missing key file and where it looked', async () => {
    await expect(
      openConnection({ url: 'http://127.0.0.1:1', key: '/nonexistent/key', data: './data' }),
    ).rejects.toThrow('No key at /nonexistent/key: pass --key');
    await expect(openConnection({ url: 'http://127.0.0.1:1', data: '/nonexistent/data' })).rejects.toThrow(
      'No key at /nonexistent/data/admin_ed25519',
    );
  });
});
