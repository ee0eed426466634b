/**
 * `metaindex items import` and `metaindex items export` against a live server: the CLI
 * as a child process where exit codes, stderr and kills matter, the import engine
 * called directly where a request has to be tampered with.
 */
import { Transport } from '@metaindex/sdk';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeEd25519Credentials } from './cli-connection.js';
import {
  allMetadata,
  cli,
  createFolder,
  parseJsonl,
  registerImages,
  spawnCli,
  startCliServer,
  type CliServer,
} from './cli-testing.js';
import { runImport, type ImportOptions } from './item-import.js';

let t: CliServer;
/** Folder `main`: items a-00 … a-19 (https://b/a/<i>.jpg), two items named dup.jpg, and a subfolder. */
let folder: string;
let subfolder: string;
let items: string[];
let dups: string[];
let n = 0;

/** A fresh path in the server's temporary data directory. */
function path(name: string): string {
  n += 1;
  return join(t.dataDir, `${n}-${name}`);
}

interface Rejected {
  line: number;
  reason: string;
  key?: string;
}

function rejects(file: string): Rejected[] {
  const report = `${file}.rejects.jsonl`;
  return existsSync(report) ? parseJsonl<Rejected>(readFileSync(report, 'utf8')) : [];
}

const jsonl = (records: readonly unknown[]): string =>
  records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

async function metadataOf(uuid: string): Promise<unknown> {
  return (await t.client.getStorageItem(uuid)).clientMetadata;
}

async function setMetadata(entries: [string, Record<string, unknown>][]): Promise<void> {
  const itemPatches = Object.fromEntries(entries.map(([uuid, clientMetadata]) => [uuid, { clientMetadata }]));
  const answer = await t.admin.patch('storage/items/patch-bulk', { itemPatches });
  expect(answer.status).toBe(200);
}

beforeAll(async () => {
  t = await startCliServer();
  await t.admin.post('organisation/client-metadata-schema-v2', {
    speed: { ty: 'variant', hint: 'number' },
    weather: { ty: 'enum', values: ['rain', 'snow'] },
    caption: { ty: 'variant', hint: 'text' },
    night: { ty: 'variant', hint: 'boolean' },
    loc: { ty: 'geospatial' },
    clip: { ty: 'embedding', size: 3, api: null },
  });
  folder = await createFolder(t, 'main');
  subfolder = await createFolder(t, 'sub', folder);
  items = await registerImages(
    t,
    folder,
    Array.from({ length: 20 }, (_, i) => ({
      objectUrl: `https://b/a/${i}.jpg`,
      title: `a-${String(i).padStart(2, '0')}.jpg`,
      clientMetadata: { speed: -1 },
    })),
  );
  dups = await registerImages(t, folder, [
    { objectUrl: 'https://b/dup/1.jpg', title: 'dup.jpg' },
    { objectUrl: 'https://b/dup/2.jpg', title: 'dup.jpg' },
  ]);
  await registerImages(t, subfolder, [{ objectUrl: 'https://b/sub/1.jpg', title: 'only-in-sub.jpg' }]);
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('metaindex items import (JSONL)', () => {
  it('lands every good line, reports each bad one with its line and reason, exits 2', async () => {
    const [i0, i1, i2, i3, i4] = items as [string, string, string, string, string];
    const file = path('bad-lines.jsonl');
    await writeFile(
      file,
      jsonl([
        { uuid: i0, clientMetadata: { speed: 10, weather: 'rain' } },
        'not json',
        '[1, 2]',
        { uuid: i1, speed: 3 },
        '',
        { uuid: i1, clientMetadata: { speed: 'fast', weather: 'hail' } },
        { uuid: i2, clientMetadata: {}, speed: 1 },
        { uuid: 'not-a-uuid', clientMetadata: {} },
        { uuid: randomUUID(), clientMetadata: { speed: 1 } },
        {
          uuid: i3.toUpperCase(),
          clientMetadata: { caption: 'upper-case uuid', loc: { latitude: 1, longitude: 2 } },
        },
        { uuid: i4, clientMetadata: { clip: [1, 2] } },
        { uuid: i4, clientMetadata: { clip: [1, 2, 3], night: true } },
      ]),
    );
    const result = await cli(['items', 'import', file, ...t.connection]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /11 lines, 3 landed, 8 rejected \(reasons in .*bad-lines\.jsonl\.rejects\.jsonl\)/,
    );

    const report = rejects(file);
    expect(report.map((r) => r.line)).toEqual([2, 3, 4, 6, 7, 8, 9, 11]);
    expect(report[0]?.reason).toMatch(/^not JSON: /);
    expect(report[1]?.reason).toBe('a line must be a JSON object');
    expect(report[2]?.reason).toMatch(/^no clientMetadata object/);
    expect(report[3]).toMatchObject({ key: 'speed' });
    expect(report[3]?.reason).toMatch(/key "speed": .*number.*; key "weather": .*/);
    expect(report[4]?.reason).toMatch(/^unknown field "speed"/);
    expect(report[5]?.reason).toBe('uuid "not-a-uuid" is not a UUID');
    expect(report[6]?.reason).toMatch(/^no item with uuid [0-9a-f-]{36}$/);
    expect(report[7]).toMatchObject({ key: 'clip' });

    expect(await metadataOf(i0)).toEqual({ speed: 10, weather: 'rain' });
    expect(await metadataOf(i1)).toEqual({ speed: -1 });
    expect(await metadataOf(i3)).toEqual({ caption: 'upper-case uuid', loc: { latitude: 1, longitude: 2 } });
    expect(await metadataOf(i4)).toEqual({ clip: [1, 2, 3], night: true });

    // Done: a rerun changes nothing and reports the same outcome.
    const again = await cli(['items', 'import', file, ...t.connection]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('was already imported completely');
    expect(rejects(file)).toHaveLength(8);

    // The file changed: its checkpoint no longer applies, unless --restart.
    await appendFile(file, `${JSON.stringify({ uuid: i2, clientMetadata: { speed: 2 } })}\n`);
    const changed = await cli(['items', 'import', file, ...t.connection]);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('was written for another version of');
    expect(changed.stderr).toContain('--restart');
    const restarted = await cli(['items', 'import', file, '--restart', ...t.connection]);
    expect(restarted.code).toBe(2);
    expect(rejects(file).map((r) => r.line)).toEqual([2, 3, 4, 6, 7, 8, 9, 11]);
    expect(await metadataOf(i2)).toEqual({ speed: 2 });
  }, 60_000);

  it('exits 0 when every line lands; replace mode replaces the whole object', async () => {
    const [, , , , , i5, i6] = items as [string, string, string, string, string, string, string];
    await setMetadata([
      [i5, { speed: 1, weather: 'rain', caption: 'kept?' }],
      [i6, { speed: 1, weather: 'rain', caption: 'kept?' }],
    ]);
    const file = path('replace.jsonl');
    await writeFile(
      file,
      jsonl([
        { uuid: i5, clientMetadata: { speed: 2 } },
        { uuid: i6, name: 'ignored', folder, clientMetadata: { weather: 'snow' } },
      ]),
    );
    const result = await cli(['items', 'import', file, '--no-progress', ...t.connection]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/2 lines, 2 landed, 0 rejected/);
    expect(await metadataOf(i5)).toEqual({ speed: 2 });
    expect(await metadataOf(i6)).toEqual({ weather: 'snow' });
    expect(rejects(file)).toEqual([]);
  });

  it('merge mode merges (null removes a key); bare lines with --match; repeated items apply in order', async () => {
    const [i7, i8] = items.slice(7) as [string, string];
    await setMetadata([
      [i7, { speed: 1, weather: 'rain', caption: 'stays' }],
      [i8, { speed: 1 }],
    ]);
    const file = path('merge.jsonl');
    await writeFile(
      file,
      jsonl([
        { uuid: i7, weather: null, night: true },
        { uuid: i8, speed: 5 },
        { uuid: i8, caption: 'second' },
        { uuid: i8, speed: null },
        { uuid: i7, clientMetadata: { speed: 3 } },
      ]),
    );
    const result = await cli([
      'items',
      'import',
      file,
      '--mode',
      'merge',
      '--match',
      'uuid',
      ...t.connection,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(await metadataOf(i7)).toEqual({ speed: 3, caption: 'stays', night: true });
    expect(await metadataOf(i8)).toEqual({ caption: 'second' });
  });

  it('matches by name in --folder: unknown and ambiguous names are rejected lines saying so', async () => {
    const file = path('names.jsonl');
    await writeFile(
      file,
      jsonl([
        { name: 'a-10.jpg', clientMetadata: { speed: 100 } },
        { name: 'dup.jpg', clientMetadata: { speed: 1 } },
        { name: 'nope.jpg', clientMetadata: { speed: 1 } },
        { name: 'only-in-sub.jpg', clientMetadata: { speed: 1 } },
        { name: 'a-11.jpg', clientMetadata: { speed: 110 } },
      ]),
    );
    const noFolder = await cli(['items', 'import', file, ...t.connection]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toContain('line 1 names its item by name: pass --folder');

    const result = await cli(['items', 'import', file, '--restart', '--folder', folder, ...t.connection]);
    expect(result.code, result.stderr).toBe(2);
    const report = rejects(file);
    expect(report.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(report[0]?.reason).toBe(
      `name "dup.jpg" matches 2 items in folder ${folder} (${[...dups].sort().join(', ')}): identify the item by uuid`,
    );
    expect(report[1]?.reason).toBe(`no item with name "nope.jpg" in folder ${folder}`);
    expect(report[2]?.reason).toBe(`no item with name "only-in-sub.jpg" in folder ${folder}`);
    expect(await metadataOf(items[10] as string)).toEqual({ speed: 100 });
    expect(await metadataOf(items[11] as string)).toEqual({ speed: 110 });
    for (const dup of dups) expect(await metadataOf(dup)).toEqual({});
  });

  it('registers unknown objectUrls with --register, once, with their metadata and name', async () => {
    const file = path('urls.jsonl');
    const lines = [
      { objectUrl: 'https://b/a/12.jpg', clientMetadata: { speed: 12 } },
      {
        objectUrl: 'https://b/new/1.jpg',
        name: 'new one.jpg',
        clientMetadata: { speed: 1001, weather: 'rain' },
      },
      { objectUrl: 'https://b/new/2.jpg', clientMetadata: { weather: 'hail' } },
      { objectUrl: 'https://b/new/3.jpg', clientMetadata: {} },
      { objectUrl: 'https://b/new/1.jpg', clientMetadata: { speed: 1002 } },
    ];
    await writeFile(file, jsonl(lines));
    const without = await cli(['items', 'import', file, '--folder', folder, ...t.connection]);
    expect(without.code).toBe(2);
    expect(rejects(file).map((r) => [r.line, r.reason])).toEqual([
      [
        2,
        `no item with objectUrl "https://b/new/1.jpg" in folder ${folder} (pass --register to register it)`,
      ],
      [3, expect.stringContaining('key "weather"')],
      [
        4,
        `no item with objectUrl "https://b/new/3.jpg" in folder ${folder} (pass --register to register it)`,
      ],
      [
        5,
        `no item with objectUrl "https://b/new/1.jpg" in folder ${folder} (pass --register to register it)`,
      ],
    ]);
    expect(await metadataOf(items[12] as string)).toEqual({ speed: 12 });

    const before = (await allMetadata(t, folder)).size;
    for (let run = 0; run < 2; run += 1) {
      const result = await cli([
        'items',
        'import',
        file,
        '--restart',
        '--folder',
        folder,
        '--register',
        ...t.connection,
      ]);
      expect(result.code, result.stderr).toBe(2);
      expect(rejects(file).map((r) => r.line)).toEqual([3]);
    }
    const after = await allMetadata(t, folder);
    expect(after.size).toBe(before + 2);
    const named = await t.admin.post<{ results: { name: string; clientMetadata: unknown }[] }>(
      '/api/items/query',
      {
        filter: '$name in ["new one.jpg", "3.jpg"]',
        folder,
      },
    );
    expect(named.body.results.map((r) => [r.name, r.clientMetadata]).sort()).toEqual([
      ['3.jpg', {}],
      ['new one.jpg', { speed: 1002 }],
    ]);
  });

  it('refuses bad arguments with exit code 1', async () => {
    const file = path('args.jsonl');
    await writeFile(file, jsonl([{ uuid: items[0], clientMetadata: {} }]));
    const cases: [string[], string | RegExp][] = [
      [['--batch-size', '0'], /--batch-size.*from 1 to 10,000/],
      [['--batch-size', '10001'], /--batch-size.*from 1 to 10,000/],
      [['--register'], '--register needs --folder'],
      [['--mode', 'upsert'], /'upsert' is invalid/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['items', 'import', file, ...args, ...t.connection]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    const missing = await cli(['items', 'import', path('missing.jsonl'), ...t.connection]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read .*missing\.jsonl/);
  });
});

describe('metaindex items import (CSV)', () => {
  it('types cells by the schema, leaves empty cells out, reports bad rows with their line', async () => {
    const [, , , , , , , , , , , , , i13, i14, i15] = items;
    const file = path('rows.csv');
    await writeFile(
      file,
      [
        'name,speed,weather,night,caption,loc,clip,extra',
        'a-13.jpg,1.5,rain,TRUE,"a caption, with a comma","{""latitude"": 1, ""longitude"": 2}","[1,2,3]",x',
        'a-14.jpg,,snow,false,"two',
        'lines",,,',
        'a-15.jpg,fast,,,,,,',
        'a-16.jpg,1,,,,"{not json",,',
        'a-17.jpg,1,,',
        '',
        'a-18.jpg,-2e3,hail,yes,,,,',
        'dup.jpg,1,,,,,,',
      ].join('\r\n'),
    );
    const result = await cli(['items', 'import', file, '--folder', folder, ...t.connection]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('note: "extra" is not live in the schema: imported as text');
    expect(await metadataOf(i13 as string)).toEqual({
      speed: 1.5,
      weather: 'rain',
      night: true,
      caption: 'a caption, with a comma',
      loc: { latitude: 1, longitude: 2 },
      clip: [1, 2, 3],
      extra: 'x',
    });
    expect(await metadataOf(i14 as string)).toEqual({
      weather: 'snow',
      night: false,
      caption: 'two\r\nlines',
    });
    const report = rejects(file);
    expect(report.map((r) => [r.line, r.key])).toEqual([
      [5, 'speed'],
      [6, 'loc'],
      [7, undefined],
      [9, 'weather'],
      [10, undefined],
    ]);
    expect(report[1]?.reason).toMatch(/^key "loc" \(geospatial\) takes JSON: /);
    expect(report[2]?.reason).toBe('4 fields, the header has 8');
    expect(report[3]?.reason).toMatch(/key "weather".*; key "night"/);
    expect(report[4]?.reason).toMatch(/name "dup.jpg" matches 2 items/);
    expect(await metadataOf(i15 as string)).not.toHaveProperty('speed', 'fast');
  });

  it('needs an identifier column', async () => {
    const file = path('no-id.csv');
    await writeFile(file, 'speed,weather\n1,rain\n');
    const result = await cli(['items', 'import', file, ...t.connection]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the CSV header has no uuid, objectUrl or name column');
  });
});

describe('server-side rejections split the batch', () => {
  /** An import through a transport whose requests `tamper` may answer or delay. */
  async function importWith(
    file: string,
    tamper: (url: string, body: string) => Promise<Response | undefined> | Response | undefined,
    options: Partial<ImportOptions> = {},
  ) {
    const bulk = new Transport({
      domain: t.server.url,
      credentials: new NodeEd25519Credentials(t.admin.seed),
      retry: { maxRetries: 0 },
      fetch: async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const answer = await tamper(url, typeof init?.body === 'string' ? init.body : '');
        return answer ?? fetch(input, init);
      },
    });
    return runImport(
      t.client,
      {
        file,
        format: 'jsonl',
        mode: 'replace',
        register: false,
        registerAs: 'image',
        batchSize: 100,
        checkpointPath: `${file}.checkpoint.json`,
        rejectsPath: `${file}.rejects.jsonl`,
        restart: false,
        ...options,
      },
      bulk,
    );
  }

  it('rejects the items a 400 lists in details.items and sends the rest again', async () => {
    const uuids = items.slice(0, 8);
    const file = path('schema-change.jsonl');
    await writeFile(
      file,
      jsonl(
        uuids.map((uuid, i) => ({
          uuid,
          clientMetadata: i % 3 === 0 ? { night: true, speed: i } : { speed: i },
        })),
      ),
    );
    let changed = false;
    try {
      const result = await importWith(file, async (url) => {
        // Just before the first write, `night` stops being a boolean: the lines holding
        // true passed the local check but now break the server's.
        if (!changed && url.endsWith('/patch-bulk')) {
          changed = true;
          const schema = (
            await t.admin.get<Record<string, unknown>>('organisation/client-metadata-schema-v2')
          ).body;
          const retyped = await t.admin.post('organisation/client-metadata-schema-v2', {
            ...schema,
            night: { ty: 'variant', hint: 'number' },
          });
          expect(retyped.status).toBeLessThan(300);
        }
        return undefined;
      });
      expect(result.counts).toEqual({ lines: 8, landed: 5, registered: 0, rejected: 3 });
      const report = rejects(file);
      expect(report.map((r) => r.line)).toEqual([1, 4, 7]);
      expect(report[0]).toMatchObject({ key: 'night' });
      expect(report[0]?.reason).toMatch(/^rejected by the server: key "night": /);
      for (const [i, uuid] of uuids.entries()) {
        expect(await metadataOf(uuid)).toEqual(
          i % 3 === 0 ? expect.not.objectContaining({ speed: i }) : { speed: i },
        );
      }
    } finally {
      const schema = (await t.admin.get<Record<string, unknown>>('organisation/client-metadata-schema-v2'))
        .body;
      await t.admin.post('organisation/client-metadata-schema-v2', {
        ...schema,
        night: { ty: 'variant', hint: 'boolean' },
      });
    }
  });

  it('bisects a batch a 400 without details refuses, down to the bad line', async () => {
    const uuids = items.slice(0, 10);
    const poisoned = uuids[6] as string;
    const file = path('bisect.jsonl');
    await writeFile(file, jsonl(uuids.map((uuid, i) => ({ uuid, clientMetadata: { speed: 1000 + i } }))));
    let requests = 0;
    const result = await importWith(file, (url, body) => {
      if (!url.endsWith('/patch-bulk')) return undefined;
      requests += 1;
      return body.includes(poisoned)
        ? new Response(JSON.stringify({ message: 'nope', code: 'invalid_argument' }), {
            status: 400,
            headers: { 'Content-Type': 'application/json' },
          })
        : undefined;
    });
    expect(result.counts).toMatchObject({ lines: 10, landed: 9, rejected: 1 });
    expect(rejects(file)).toEqual([{ line: 7, reason: 'rejected by the server: nope' }]);
    expect(requests).toBeGreaterThan(2);
    expect(await metadataOf(uuids[5] as string)).toEqual({ speed: 1005 });
    expect(await metadataOf(poisoned)).not.toEqual({ speed: 1006 });
  });

  it('stops with the error, keeping the checkpoint, when the failure is no line’s fault', async () => {
    const file = path('down.jsonl');
    await writeFile(file, jsonl(items.slice(0, 3).map((uuid) => ({ uuid, clientMetadata: { speed: 7 } }))));
    await expect(
      importWith(file, (url) =>
        url.endsWith('/patch-bulk')
          ? new Response(JSON.stringify({ message: 'internal server error', code: 'internal' }), {
              status: 500,
            })
          : undefined,
      ),
    ).rejects.toThrow('internal server error');
    const checkpoint = JSON.parse(await readFile(`${file}.checkpoint.json`, 'utf8')) as {
      line: number;
      done: boolean;
    };
    expect(checkpoint).toMatchObject({ line: 0, done: false });
  });
});

describe('resuming after the importer is killed', () => {
  it('lands every good line exactly as written and reports every bad line once', async () => {
    const total = 30_000;
    const big = await createFolder(t, 'kill-test');
    const uuids = await registerImages(
      t,
      big,
      Array.from({ length: total }, (_, i) => ({
        objectUrl: `https://b/kill/${i}.jpg`,
        clientMetadata: { speed: -1 },
      })),
    );
    const file = path('kill.jsonl');
    const bad = new Set<number>();
    const expected = new Map<string, unknown>();
    const lines: string[] = [];
    for (let i = 0; i < total; i += 1) {
      const uuid = uuids[i] as string;
      const doc = {
        speed: i,
        weather: i % 2 === 0 ? 'rain' : 'snow',
        caption: `line ${i + 1} of the kill test`,
      };
      if (i % 97 === 13) {
        bad.add(i + 1);
        const kind = i % 3;
        lines.push(
          kind === 0
            ? `{"uuid": "${uuid}", "clientMetadata": {"speed": ${i}`
            : kind === 1
              ? JSON.stringify({ uuid, clientMetadata: { ...doc, weather: 'hail' } })
              : JSON.stringify({ uuid: randomUUID(), clientMetadata: doc }),
        );
        expected.set(uuid, { speed: -1 });
      } else {
        lines.push(JSON.stringify({ uuid, clientMetadata: doc }));
        expected.set(uuid, doc);
      }
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const checkpointFile = `${file}.checkpoint.json`;
    const args = ['items', 'import', file, '--batch-size', '500', ...t.connection];

    const first = spawnCli(args);
    const poll = setInterval(() => {
      try {
        const { line } = JSON.parse(readFileSync(checkpointFile, 'utf8')) as { line: number };
        if (line >= total / 2) first.kill('SIGKILL');
      } catch {
        // not written yet
      }
    }, 10);
    const [, signal] = (await once(first, 'exit')) as [number | null, NodeJS.Signals | null];
    clearInterval(poll);
    expect(signal).toBe('SIGKILL');
    const killedAt = (JSON.parse(readFileSync(checkpointFile, 'utf8')) as { line: number }).line;
    expect(killedAt).toBeGreaterThanOrEqual(total / 2);
    expect(killedAt).toBeLessThan(total);

    const second = await cli(args);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(/^Resuming .*kill\.jsonl at line /m);
    expect(second.stderr).toContain(
      `30,000 lines, ${(total - bad.size).toLocaleString('en')} landed, ${bad.size} rejected`,
    );

    const report = rejects(file);
    expect(report.map((r) => r.line)).toEqual([...bad].sort((a, b) => a - b));
    const stored = await allMetadata(t, big);
    expect(stored.size).toBe(total);
    for (const [uuid, doc] of expected) {
      if (JSON.stringify(stored.get(uuid)) !== JSON.stringify(doc)) {
        expect({ uuid, stored: stored.get(uuid) }).toEqual({ uuid, stored: doc });
      }
    }
  }, 120_000);
});

describe('metaindex items export', () => {
  it('writes one line per item, importable as is (round trip)', async () => {
    const exported = await cli(['items', 'export', '--folder', folder, '--sort', '$name', ...t.connection]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = parseJsonl<{ uuid: string; name: string; folder: string; clientMetadata: unknown }>(
      exported.stdout,
    );
    const stored = await allMetadata(t, folder);
    expect(lines.length).toBe(stored.size);
    expect(exported.stderr).toContain(`Exported ${lines.length} items`);
    expect(lines.map((l) => l.name)).toEqual([...lines.map((l) => l.name)].sort());
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['uuid', 'name', 'folder', 'clientMetadata']);
      expect(line.clientMetadata).toEqual(stored.get(line.uuid));
    }
    expect(lines.find((l) => l.name === 'only-in-sub.jpg')?.folder).toBe(subfolder);

    const filtered = await cli([
      'items',
      'export',
      '--filter',
      'speed >= 100',
      '--sort',
      '-speed',
      ...t.connection,
    ]);
    const fast = parseJsonl<{ clientMetadata: { speed: number } }>(filtered.stdout).map(
      (l) => l.clientMetadata.speed,
    );
    expect(fast.length).toBeGreaterThan(1);
    expect(fast).toEqual([...fast].sort((a, b) => b - a));
    expect(fast.every((s) => s >= 100)).toBe(true);

    // Wreck every item's metadata, then import the export: everything is back.
    const file = path('export.jsonl');
    await writeFile(file, exported.stdout);
    await setMetadata(lines.map((l) => [l.uuid, { caption: 'wrecked' }]));
    const imported = await cli(['items', 'import', file, ...t.connection]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await allMetadata(t, folder)).toEqual(stored);
    await rm(file);
  });

  it('answers a bad filter with the server message', async () => {
    const result = await cli(['items', 'export', '--filter', 'speed >=', ...t.connection]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('column 9: expected a value');
  });
});
