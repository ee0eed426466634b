/**
 * Test support for the CLI: run the real executable (bin script, tsx, commander) as a
 * child process, and a live test server with the admin key written as an OpenSSH key
 * file for `--key`.
 */
import { formatOpenSshPrivateKey } from '@metaindex/core';
import { EncordUserClient } from '@metaindex/sdk';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../testing/sdk-like-client.js';

export const BIN = fileURLToPath(new URL('../../bin/metaindex.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without the METAINDEX_* variables of whoever runs the tests. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('METAINDEX_')) Reflect.deleteProperty(env, name);
  return { ...env, ...extra };
}

/** Runs `metaindex …` to completion. */
export function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: cleanEnv(env), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `metaindex …` and leaves it running (to be killed). */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliServer extends TestServer {
  /** The admin's private key as an OpenSSH file. */
  keyFile: string;
  /** `--url … --key …` for this server. */
  connection: string[];
  /** An SDK client signed as the admin. */
  client: EncordUserClient;
}

export async function startCliServer(): Promise<CliServer> {
  const t = await startTestServer();
  const keyFile = join(t.dataDir, 'admin-cli_ed25519');
  await writeFile(keyFile, formatOpenSshPrivateKey({ seed: t.admin.seed, comment: 'test-admin' }), {
    mode: 0o600,
  });
  const client = await EncordUserClient.createWithSshPrivateKey({
    sshPrivateKeyPath: keyFile,
    domain: t.server.url,
  });
  return Object.assign(t, { keyFile, connection: ['--url', t.server.url, '--key', keyFile], client });
}

/** Registers images by objectUrl in a folder and answers their uuids, in order. */
export async function registerImages(
  t: TestServer,
  folder: string,
  images: readonly { objectUrl: string; title?: string; clientMetadata?: Record<string, unknown> }[],
): Promise<string[]> {
  const uuids: string[] = [];
  for (let start = 0; start < images.length; start += 50_000) {
    const job = await t.admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: {
        images: images.slice(start, start + 50_000).map((i) => ({ clientMetadata: {}, ...i })),
      },
      ignoreErrors: false,
    });
    let status: { status: string; itemsWithNames: { itemUuid: string }[] };
    do {
      status = (
        await t.admin.get<typeof status>(`storage/folders/${folder}/data-upload-jobs/${job.body}`, {
          timeoutSeconds: 30,
        })
      ).body;
    } while (status.status === 'PENDING');
    if (status.status !== 'DONE') throw new Error(`registration ended ${status.status}`);
    uuids.push(...status.itemsWithNames.map((i) => i.itemUuid));
  }
  return uuids;
}

/** Every item's clientMetadata, by uuid (read through the query API). */
export async function allMetadata(
  t: TestServer,
  folder?: string,
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let token: string | null = null;
  do {
    const page: {
      results: { uuid: string; clientMetadata: Record<string, unknown> }[];
      nextPageToken: string | null;
    } = (
      await t.admin.post<{
        results: { uuid: string; clientMetadata: Record<string, unknown> }[];
        nextPageToken: string | null;
      }>('/api/items/query', {
        pageSize: 1000,
        count: 'none',
        ...(folder === undefined ? {} : { folder }),
        ...(token === null ? {} : { pageToken: token }),
      })
    ).body;
    for (const item of page.results) found.set(item.uuid, item.clientMetadata);
    token = page.nextPageToken;
  } while (token !== null);
  return found;
}

/** Creates a folder as the admin and answers its uuid. */
export async function createFolder(t: TestServer, name: string, parent?: string): Promise<string> {
  const answer = await t.admin.post<{ uuid: string }>('storage/folders', {
    name,
    description: '',
    ...(parent === undefined ? {} : { parent }),
  });
  return answer.body.uuid;
}

/** Reads a JSONL file into objects. */
export function parseJsonl<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
