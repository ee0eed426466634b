/**
 * The SDK must run in a browser: bundled for the browser, its only Node imports are the
 * lazy ones (reading a key file or an upload from a path), and the bundle works in a
 * sandbox that has browser globals but no `process`, `Buffer` or `require`.
 */
import { formatOpenSshPrivateKey, verifyRequestV2 } from '@metaindex/core';
import { ed25519 } from '@noble/curves/ed25519';
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';

let bundle: string;

beforeAll(async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'metaindexSdk',
    write: false,
    external: ['node:*'],
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
}, 60_000);

describe('a browser bundle of @metaindex/sdk', () => {
  it('imports Node modules only lazily, for key files and uploads from a path', () => {
    const nodeImports = [...bundle.matchAll(/(import\s*\(\s*|require\s*\(\s*|from\s*)"(node:[^"]+)"/g)].map(
      (m) => `${m[1]!.replace(/\s/g, '')}${m[2]!}`,
    );
    expect(new Set(nodeImports)).toEqual(new Set(['import(node:fs/promises', 'import(node:os']));
    expect(bundle).not.toMatch(/\brequire\(\s*"(fs|os|path|crypto|http|https)"\s*\)/);
  });

  it('signs requests in a sandbox without process, Buffer or require', async () => {
    const seed = randomBytes(32);
    const seen: { url: string; method: string; headers: Record<string, string> }[] = [];
    const fakeFetch = (url: string, init: { method: string; headers: Record<string, string> }) => {
      seen.push({ url, method: init.method, headers: init.headers });
      return Promise.resolve(
        new Response(JSON.stringify({ m: { ty: 'variant', hint: 'number' } }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        }),
      );
    };
    const sandbox = vm.createContext({
      crypto: globalThis.crypto,
      fetch: fakeFetch,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      AbortSignal,
      AbortController,
      Response,
      setTimeout,
      clearTimeout,
      console,
    });
    vm.runInContext(bundle, sandbox);
    expect(vm.runInContext('typeof process + typeof Buffer + typeof require', sandbox)).toBe(
      'undefinedundefinedundefined',
    );
    const readSchema = vm.runInContext(
      `(async (key, password) => {
        const client = await metaindexSdk.EncordUserClient.createWithSshPrivateKey({
          sshPrivateKey: key, password, domain: 'https://metaindex.example.com',
        });
        return (await client.metadataSchema()).toString();
      })`,
      sandbox,
    ) as (key: string, password?: string) => Promise<string>;
    const key = formatOpenSshPrivateKey({ seed, passphrase: 'pw', rounds: 2 });
    // A passphrase-protected key without its password is refused with a clear message…
    await expect(readSchema(key)).rejects.toThrow(/passphrase/);
    const withPassword = await readSchema(key, 'pw');
    // …and with it, the request goes out signed and the answer is read.
    expect(withPassword).toContain("'m': scalar(hint=number)");
    const request = seen.at(-1)!;
    expect(request.url).toBe(
      'https://metaindex.example.com/v2/public/organisation/client-metadata-schema-v2',
    );
    const verdict = verifyRequestV2({
      method: request.method,
      requestTarget: '/v2/public/organisation/client-metadata-schema-v2',
      headers: request.headers,
      body: '',
      lookupKey: () => ed25519.getPublicKey(seed),
    });
    expect(verdict.ok).toBe(true);
  }, 60_000);
});
