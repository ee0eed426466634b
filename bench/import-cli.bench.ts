/**
 * `metaindex items import` throughput, as users run it: the CLI as a child process
 * reading a JSONL file of N lines (one item each, by uuid, replace mode, 1 % bad lines)
 * against a real `metaindex serve` process.
 *
 * 1. N items with the 12-key documents are registered through data-upload-jobs, as
 *    ingest-http.bench.ts does, and a JSONL file gives each a new document. Every 100th
 *    line is bad, in turn: not JSON, a number key holding a string, an enum value that
 *    is no option (both rejected locally), and an unknown uuid (rejected by the server,
 *    so its batch is split).
 * 2. CLI overhead: the same import against a stub server that acknowledges every batch
 *    at once (no validation, no storage): what the CLI itself sustains.
 * 3. End to end: the import is killed (SIGKILL) once its checkpoint passes half the
 *    file, then run again; it resumes. Checked: every good line landed exactly as written
 *    (each item read back), untouched items kept their documents, and every bad line is
 *    in the rejects report exactly once.
 *
 *   npm run bench:import -- [lines=1000000] [batchSize=1000]
 */
import { formatOpenSshPrivateKey, formatOpenSshPublicKey, publicKeyHexFromPrivateKey } from '@metaindex/core';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchmarkDocuments, benchmarkSchema } from './data-generator.js';
import { printTable, registerBenchItems, startBenchServer } from './harness.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 1000);
const JOB_SIZE = 100_000;
const DISTINCT_DOCS = 100_000;
const BIN = new URL('../packages/server/bin/metaindex.js', import.meta.url).pathname;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  stderr: string;
}

/** Runs `metaindex …` as a child process; `killWhen` is polled every 100 ms and SIGKILLs it when true. */
async function runCli(args: readonly string[], killWhen?: () => boolean): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  const timer =
    killWhen === undefined
      ? undefined
      : setInterval(() => {
          if (killWhen()) child.kill('SIGKILL');
        }, 100);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearInterval(timer);
  return { code, signal, seconds: (performance.now() - started) / 1000, stderr };
}

/** A server that acknowledges every patch-bulk at once and answers the schema: the CLI's cost alone. */
async function startStub(
  schema: unknown,
): Promise<{ url: string; patched: () => number; close: () => Promise<void> }> {
  let patched = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('Content-Type', 'application/json');
      if (
        request.method === 'GET' &&
        request.url?.startsWith('/v2/public/organisation/client-metadata-schema-v2')
      ) {
        response.end(JSON.stringify(schema));
      } else if (request.method === 'PATCH' && request.url === '/v2/public/storage/items/patch-bulk') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { itemPatches: object };
        patched += Object.keys(body.itemPatches).length;
        response.end('{"results":[],"nextPageToken":null}');
      } else {
        response.statusCode = 404;
        response.end('{"message":"not in the stub","code":"not_found"}');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    patched: () => patched,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

const rate = (n: number, s: number): string => Math.round(n / s).toLocaleString('en');

const server = await startBenchServer();
const { call, dataDir, url } = server;
const work = await mkdtemp(join(tmpdir(), 'metaindex-import-bench-'));

try {
  // --- a key for the CLI, added as a user the way an operator adds one ---
  const seed = randomBytes(32);
  const keyFile = join(work, 'cli_ed25519');
  await writeFile(keyFile, formatOpenSshPrivateKey({ seed, comment: 'bench-cli' }), { mode: 0o600 });
  await writeFile(
    `${keyFile}.pub`,
    `${formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex'), 'bench-cli')}\n`,
  );
  const added = await runCli([
    'users',
    'add',
    'cli@bench.local',
    '--public-key',
    `${keyFile}.pub`,
    '--data',
    dataDir,
  ]);
  if (added.code !== 0) throw new Error(`users add failed: ${added.stderr}`);

  // --- N items, registered through data-upload-jobs ---
  const schema = Object.fromEntries(benchmarkSchema().entries);
  await call('POST', 'organisation/client-metadata-schema-v2', schema);
  const docs = benchmarkDocuments(DISTINCT_DOCS);
  const { folder, uuids, seconds: registerSeconds } = await registerBenchItems(call, TOTAL, JOB_SIZE, docs);

  // --- the JSONL file: a new document per item, 1 % bad lines ---
  const file = join(work, 'metadata.jsonl');
  const newDoc = (k: number) => docs[(k + 7) % DISTINCT_DOCS] as Record<string, unknown>;
  const badLines = new Map<number, string>();
  const out = createWriteStream(file);
  let text = '';
  for (let k = 0; k < TOTAL; k++) {
    const line = k + 1;
    const uuid = uuids[k] as string;
    let record: string;
    if (k % 100 === 50) {
      const kind = Math.floor(k / 100) % 4;
      badLines.set(line, ['json', 'type', 'enum', 'unknown'][kind] as string);
      const doc = newDoc(k);
      record =
        kind === 0
          ? `{"uuid": "${uuid}", "clientMetadata": {"speed": 1`
          : kind === 1
            ? JSON.stringify({ uuid, clientMetadata: { ...doc, speed: 'fast' } })
            : kind === 2
              ? JSON.stringify({ uuid, clientMetadata: { ...doc, weather: 'hail' } })
              : JSON.stringify({ uuid: randomUUID(), clientMetadata: doc });
    } else {
      record = JSON.stringify({ uuid, clientMetadata: newDoc(k) });
    }
    text += `${record}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end(text);
  await once(out, 'finish');

  // --- CLI overhead: against a stub that acknowledges at once ---
  const stub = await startStub(schema);
  const overhead = await runCli([
    'items',
    'import',
    file,
    '--url',
    stub.url,
    '--key',
    keyFile,
    '--batch-size',
    String(BATCH),
    '--no-progress',
    '--checkpoint',
    join(work, 'stub.checkpoint.json'),
    '--rejects',
    join(work, 'stub.rejects.jsonl'),
  ]);
  await stub.close();
  if (overhead.code !== 2) throw new Error(`the stub import exited ${overhead.code}: ${overhead.stderr}`);
  const stubLanded = stub.patched();

  // --- end to end: killed at half, resumed ---
  const checkpoint = join(work, 'e2e.checkpoint.json');
  const rejects = join(work, 'e2e.rejects.jsonl');
  const importArgs = [
    'items',
    'import',
    file,
    '--url',
    url,
    '--key',
    keyFile,
    '--batch-size',
    String(BATCH),
    '--no-progress',
    '--checkpoint',
    checkpoint,
    '--rejects',
    rejects,
  ];
  const reachedHalf = (): boolean => {
    if (!existsSync(checkpoint)) return false;
    try {
      return (JSON.parse(readFileSync(checkpoint, 'utf8')) as { line: number }).line >= TOTAL / 2;
    } catch {
      return false; // mid-rename: try again
    }
  };
  const first = await runCli(importArgs, reachedHalf);
  if (first.signal !== 'SIGKILL')
    throw new Error(`the first run was not killed: ${first.code} ${first.stderr}`);
  const killedAt = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { line: number }).line;
  const second = await runCli(importArgs);
  if (second.code !== 2) throw new Error(`the resumed import exited ${second.code}: ${second.stderr}`);
  if (!second.stderr.includes('Resuming')) throw new Error(`the second run did not resume: ${second.stderr}`);

  // --- check: every good line landed as written, every bad line reported once ---
  const reported = readFileSync(rejects, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { line: number; reason: string });
  const seen = new Set<number>();
  for (const r of reported) {
    if (seen.has(r.line)) throw new Error(`line ${r.line} is reported twice`);
    if (!badLines.has(r.line)) throw new Error(`line ${r.line} is reported but good: ${r.reason}`);
    seen.add(r.line);
  }
  if (seen.size !== badLines.size) throw new Error(`${badLines.size - seen.size} bad lines are not reported`);
  // Item → its line's index; a bad line leaves its item as registered (an unknown uuid
  // names no item of ours).
  const lineOf = new Map<string, number>(uuids.map((uuid, k) => [uuid, k]));
  const expected = (uuid: string): string | undefined => {
    const k = lineOf.get(uuid);
    if (k === undefined) return undefined;
    return JSON.stringify(badLines.has(k + 1) ? docs[k % DISTINCT_DOCS] : newDoc(k));
  };
  const verifyStart = performance.now();
  let checked = 0;
  let token: string | null = null;
  do {
    const page = (await call('POST', '/api/items/query', {
      folder,
      pageSize: 1000,
      count: 'none',
      ...(token === null ? {} : { pageToken: token }),
    })) as { results: { uuid: string; clientMetadata: unknown }[]; nextPageToken: string | null };
    for (const item of page.results) {
      if (expected(item.uuid) !== JSON.stringify(item.clientMetadata)) {
        throw new Error(`item ${item.uuid} holds ${JSON.stringify(item.clientMetadata)}`);
      }
      checked += 1;
    }
    token = page.nextPageToken;
  } while (token !== null);
  if (checked !== TOTAL) throw new Error(`read back ${checked} items, expected ${TOTAL}`);
  const verifySeconds = (performance.now() - verifyStart) / 1000;

  const endToEnd = first.seconds + second.seconds;
  printTable(
    `metaindex items import, ${TOTAL.toLocaleString('en')} JSONL lines (12 keys, replace by uuid, ${badLines.size.toLocaleString('en')} bad), batches of ${BATCH}, Node ${process.version}`,
    ['scenario', 'seconds', 'lines/s'],
    [
      [
        'register the items via data-upload-jobs (setup)',
        registerSeconds.toFixed(1),
        rate(TOTAL, registerSeconds),
      ],
      [
        `CLI overhead: stub server acknowledging at once (${stubLanded.toLocaleString('en')} patches)`,
        overhead.seconds.toFixed(1),
        rate(TOTAL, overhead.seconds),
      ],
      [
        `end to end, run 1 (SIGKILLed at line ${killedAt.toLocaleString('en')})`,
        first.seconds.toFixed(1),
        rate(killedAt, first.seconds),
      ],
      [
        'end to end, run 2 (resumed to the end)',
        second.seconds.toFixed(1),
        rate(TOTAL - killedAt, second.seconds),
      ],
      ['end to end, both runs', endToEnd.toFixed(1), rate(TOTAL, endToEnd)],
    ],
  );
  console.log(
    `\nChecked: ${checked.toLocaleString('en')} items read back as written (${verifySeconds.toFixed(1)} s), ` +
      `${seen.size.toLocaleString('en')} bad lines each reported once.\n` +
      `Run 2 said: ${second.stderr.trim().split('\n').join(' | ')}`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
  await server.stop();
}
