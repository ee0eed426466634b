/** Small helpers shared by the benchmarks. */
import { formatOpenSshPublicKey, publicKeyHexFromPrivateKey, signRequestV2 } from '@metaindex/core';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Prints a Markdown table, ready to paste into docs/benchmarks.md. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** A `metaindex serve` child process on a fresh data directory, and a client that signs like the SDK. */
export interface BenchServer {
  url: string;
  dataDir: string;
  /** Sends a signed JSON request (`path` under /v2/public unless it starts with /) and returns the parsed answer. */
  call: (method: string, path: string, body?: unknown) => Promise<unknown>;
  /** Stops the server and removes the data directory. */
  stop: () => Promise<void>;
}

/**
 * Starts `metaindex serve` on a temporary data directory with a fresh admin key, on the
 * embedded SQLite default or, with `db`, on that PostgreSQL database. Extra Node flags
 * from BENCH_SERVER_NODE_ARGS.
 */
export async function startBenchServer(options: { db?: string } = {}): Promise<BenchServer> {
  const seed = randomBytes(32);
  const dataDir = await mkdtemp(join(tmpdir(), 'metaindex-bench-'));
  const keyFile = join(dataDir, 'bench.pub');
  await writeFile(
    keyFile,
    formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex'), 'bench'),
  );
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const bin = new URL('../packages/server/bin/metaindex.js', import.meta.url).pathname;
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...nodeArgs,
      bin,
      'serve',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--admin-public-key',
      keyFile,
      ...(options.db === undefined ? [] : ['--db', options.db]),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const target = path.startsWith('/') ? path : `/v2/public/${path}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      ...signRequestV2({ method, requestTarget: target, body: text, privateKey: seed }),
      'Content-Type': 'application/json',
    };
    const response = await fetch(url + target, { method, headers, ...(text === '' ? {} : { body: text }) });
    const answer = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${answer.slice(0, 500)}`);
    return answer === '' ? undefined : (JSON.parse(answer) as unknown);
  };
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, dataDir, call, stop };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('metaindex serve did not start');
}

/**
 * Creates a folder `bench` and registers `total` images in it through data-upload-jobs of
 * `jobSize` items (long-polled), item k carrying `docs[k % docs.length]`. Answers the folder,
 * the item uuids in registration order and the seconds it took.
 */
export async function registerBenchItems(
  call: BenchServer['call'],
  total: number,
  jobSize: number,
  docs: readonly unknown[],
): Promise<{ folder: string; uuids: string[]; seconds: number }> {
  const folder = ((await call('POST', 'storage/folders', { name: 'bench' })) as { uuid: string }).uuid;
  const uuids: string[] = [];
  const start = performance.now();
  for (let first = 0; first < total; first += jobSize) {
    const count = Math.min(jobSize, total - first);
    const images = Array.from({ length: count }, (_, k) => ({
      objectUrl: `https://bucket.example.com/bench/${first + k}.jpg`,
      title: `item-${String(first + k).padStart(8, '0')}.jpg`,
      clientMetadata: docs[(first + k) % docs.length],
      externalFileType: 'IMAGE',
    }));
    const job = (await call('POST', `storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images },
      ignoreErrors: false,
    })) as string;
    let status: { status: string; itemsWithNames: { itemUuid: string }[] };
    do {
      status = (await call(
        'GET',
        `storage/folders/${folder}/data-upload-jobs/${job}?timeoutSeconds=60`,
      )) as typeof status;
    } while (status.status === 'PENDING');
    if (status.status !== 'DONE') throw new Error(`job ${job} ended ${status.status}`);
    uuids.push(...status.itemsWithNames.map((i) => i.itemUuid));
  }
  return { folder, uuids, seconds: (performance.now() - start) / 1000 };
}
