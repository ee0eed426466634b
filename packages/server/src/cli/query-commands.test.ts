/**
 * `metaindex query` and `metaindex facets`, run as users run them (bin script, tsx,
 * commander) against a live server, signing with a key file.
 */
import { formatOpenSshPrivateKey, formatOpenSshPublicKey, publicKeyHexFromPrivateKey } from '@metaindex/core';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/sdk-like-client.js';

const BIN = fileURLToPath(new URL('../../bin/metaindex.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let t: TestServer;
let keyFile: string;

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { METAINDEX_URL: _u, METAINDEX_KEY: _k, METAINDEX_DATA: _d, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...inherited, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  t = await startTestServer();
  // A member with their own key file, added the way an operator adds users.
  const seed = randomBytes(32);
  keyFile = join(t.dataDir, 'carol_ed25519');
  await writeFile(keyFile, formatOpenSshPrivateKey({ seed, comment: 'carol' }), { mode: 0o600 });
  const publicFile = `${keyFile}.pub`;
  await writeFile(
    publicFile,
    `${formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex'), 'carol')}\n`,
  );
  const added = await cli([
    'users',
    'add',
    'carol@example.com',
    '--public-key',
    publicFile,
    '--data',
    t.dataDir,
  ]);
  expect(added.code, added.stderr).toBe(0);

  const admin = t.admin;
  await admin.post('organisation/client-metadata-schema-v2', {
    speed: { ty: 'variant', hint: 'number' },
    weather: { ty: 'enum', values: ['rain', 'snow'] },
  });
  const folder = (await admin.post<{ uuid: string }>('storage/folders', { name: 'cli', description: '' }))
    .body.uuid;
  const images = Array.from({ length: 12 }, (_, i) => ({
    objectUrl: `https://bucket.example.com/cli/${i}.jpg`,
    title: `cli-${String(i).padStart(2, '0')}.jpg`,
    clientMetadata: { speed: i, weather: i % 3 === 0 ? 'snow' : 'rain' },
  }));
  const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images },
    ignoreErrors: false,
  });
  await admin.get(`storage/folders/${folder}/data-upload-jobs/${job.body}`, { timeoutSeconds: 30 });
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('metaindex query', () => {
  it('prints the matching items in sort order and the total, across pages', async () => {
    const result = await cli([
      'query',
      'speed >= 4',
      '--sort',
      '-speed',
      '--limit',
      '5',
      '--url',
      t.server.url,
      '--key',
      keyFile,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 5).map((line) => line.split('  ')[1])).toEqual([
      'cli-11.jpg',
      'cli-10.jpg',
      'cli-09.jpg',
      'cli-08.jpg',
      'cli-07.jpg',
    ]);
    expect(lines[5]).toBe('5 of 8 matching items');
  });

  it('prints JSON with --json, reading the URL and key from the environment', async () => {
    const result = await cli(['query', 'weather = "snow"', '--json', '--limit', '1000'], {
      METAINDEX_URL: t.server.url,
      METAINDEX_KEY: keyFile,
    });
    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout) as {
      total: number;
      results: { clientMetadata: { speed: number } }[];
    };
    expect(answer.total).toBe(4);
    expect(answer.results.map((r) => r.clientMetadata.speed).sort((a, b) => a - b)).toEqual([0, 3, 6, 9]);
  });

  it('exits 1 with the server message for a bad filter or a missing key file', async () => {
    const bad = await cli(['query', 'speed >=', '--url', t.server.url, '--key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('column 9: expected a value');
    const noKey = await cli(['query', 'speed > 1', '--url', t.server.url, '--key', join(t.dataDir, 'nope')]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('No key at');
  });
});

describe('metaindex facets', () => {
  it('shows value counts and histograms, choosing by key type', async () => {
    const result = await cli([
      'facets',
      'weather',
      'speed',
      '--filter',
      'speed < 6',
      '--buckets',
      '2',
      '--url',
      t.server.url,
      '--key',
      keyFile,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        '6 matching items',
        '',
        'weather',
        '  "rain"  4',
        '  "snow"  2',
        '',
        'speed',
        '  0 .. 2.5  3',
        '  2.5 .. 5  3',
        '',
      ].join('\n'),
    );
  });
});
