/**
 * Runs every example as its own process (`node --import tsx examples/NN-….ts`), exactly
 * as a user would, against a live metaindex server, and checks what the seed promises:
 * what each one prints and what it leaves on the server.
 */
import { formatOpenSshPrivateKey } from '@metaindex/core';
import { startTestServer, type TestServer } from '@metaindex/server/testing';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GUIDE_PATH, renderGuide } from './python-to-typescript.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const EXAMPLES = import.meta.dirname;

let server: TestServer;
let keyPath: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function example(name: string, env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(EXAMPLES, name)], {
      cwd: EXAMPLES,
      env: { ...process.env, METAINDEX_URL: server.server.url, METAINDEX_KEY: keyPath, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function ok(name: string, env: Record<string, string> = {}): Promise<string> {
  const outcome = await example(name, env);
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
  return outcome.stdout;
}

async function schemaMap(): Promise<Record<string, unknown>> {
  return (await server.admin.get<Record<string, unknown>>('organisation/client-metadata-schema-v2')).body;
}

async function itemMetadata(uuid: string): Promise<unknown> {
  const item = await server.admin.get<{ clientMetadata: string }>(`storage/items/${uuid}`, {
    signUrl: false,
  });
  return JSON.parse(item.body.clientMetadata);
}

/** Registers `count` image items in a new folder, each with `metadata(i)`; answers the folder and item uuids. */
async function folderWithItems(
  name: string,
  count: number,
  metadata: (i: number) => Record<string, unknown>,
): Promise<{ folder: string; items: string[] }> {
  const folder = (await server.admin.post<{ uuid: string }>('storage/folders', { name, description: '' }))
    .body.uuid;
  const images = Array.from({ length: count }, (_, i) => ({
    objectUrl: `https://bucket.example.com/${name}/${i}.jpg`,
    title: `${name}-${String(i).padStart(5, '0')}.jpg`,
    clientMetadata: metadata(i),
    externalFileType: 'IMAGE',
  }));
  const job = (
    await server.admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images },
      ignoreErrors: false,
    })
  ).body;
  const done = await server.admin.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job}`,
    { timeoutSeconds: 50 },
  );
  expect(done.body.status).toBe('DONE');
  return { folder, items: done.body.itemsWithNames.map((i) => i.itemUuid) };
}

/** The Python SDK's print(metadata_schema) text for these (key, type) pairs. */
function schemaText(lines: [string, string][], width: number): string {
  const sorted = [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `Metadata Schema:\n----------------\n${sorted.map(([k, t]) => ` - '${k}': ${' '.repeat(width - k.length)}${t}\n`).join('')}`;
}

beforeAll(async () => {
  server = await startTestServer();
  keyPath = join(server.dataDir, 'example-key');
  await writeFile(keyPath, formatOpenSshPrivateKey({ seed: server.admin.seed }), { mode: 0o600 });
});

afterAll(async () => {
  await server.close();
});

describe('metadata schema examples', () => {
  const created: [string, string][] = [
    ['metadata_1', 'scalar(hint=boolean)'],
    ['metadata_2', 'scalar(hint=datetime)'],
    ['metadata_3', 'scalar(hint=number)'],
    ['metadata_4', 'scalar(hint=uuid)'],
    ['metadata_5', 'scalar(hint=varchar)'],
    ['metadata_6', 'scalar(hint=text)'],
    ['my-enum', "enum(values=['enum-value-01', 'enum-value-02', 'enum-value-03'])"],
    ['my-test-active-embedding', 'embedding(size=512)'],
    ['my-test-index-embedding', 'embedding(size=1024)'],
  ];

  it('02 imports a legacy flat schema, and 04 reads it back', async () => {
    expect(await ok('02-legacy-schema-from-dict.ts')).toBe('');
    expect(await schemaMap()).toEqual({
      metadata_1: { ty: 'variant', hint: 'number' },
      metadata_2: { ty: 'variant', hint: 'varchar' },
      metadata_3: { ty: 'variant', hint: 'boolean' },
    });
    expect(await ok('04-verify-legacy-schema.ts')).toBe(
      "{ metadata_1: 'number', metadata_2: 'string', metadata_3: 'boolean' }\n",
    );
  });

  it('01 creates the schema and prints it as the Python SDK does; 03 reads the same back', async () => {
    const printed = await ok('01-create-schema.ts');
    expect(printed).toBe(`${schemaText(created, 24)}\n`);
    expect(printed.split('\n')[2]).toBe(" - 'metadata_1':               scalar(hint=boolean)");
    const stored = await schemaMap();
    expect(Object.keys(stored)).toEqual(created.map(([k]) => k));
    expect(stored['my-test-active-embedding']).toEqual({ ty: 'embedding', size: 512, api: null });
    expect(await ok('03-verify-schema.ts')).toBe(printed);
  });

  it('05 changes key types and saves them', async () => {
    const printed = await ok('05-change-key-types.ts');
    expect(printed).toContain(" - 'metadata_1':               scalar(hint=number)\n");
    expect(printed).toContain(" - 'metadata_2':               scalar(hint=boolean)\n");
    const stored = await schemaMap();
    expect(stored.metadata_1).toEqual({ ty: 'variant', hint: 'number' });
    expect(stored.metadata_2).toEqual({ ty: 'variant', hint: 'boolean' });
    expect(stored.metadata_3).toEqual({ ty: 'variant', hint: 'boolean' });
  });

  it('06 soft-deletes Fruit, 07 restores it, 08 hard-deletes it, and then restoring fails', async () => {
    const current = await schemaMap();
    await server.admin.post('organisation/client-metadata-schema-v2', {
      ...current,
      Fruit: { ty: 'enum', values: ['apple', 'pear'] },
    });

    const afterSoft = await ok('06-soft-delete-key.ts');
    expect(afterSoft).not.toContain("'Fruit'");
    expect((await schemaMap()).Fruit).toEqual({
      ty: 'tombstone',
      deleted_ty: { ty: 'enum', values: ['apple', 'pear'] },
    });

    expect(await ok('07-restore-key.ts')).toContain(" - 'Fruit': ");
    expect((await schemaMap()).Fruit).toEqual({ ty: 'enum', values: ['apple', 'pear'] });

    await ok('08-hard-delete-key.ts');
    expect((await schemaMap()).Fruit).toEqual({ ty: 'tombstone', deleted_ty: null });

    const restore = await example('07-restore-key.ts');
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toContain('Fruit was hard deleted, this does not support restore');
    expect((await schemaMap()).Fruit).toEqual({ ty: 'tombstone', deleted_ty: null });
  });
});

describe('storage item examples', () => {
  it('09 adds keyframes to chosen items and keeps their other metadata', async () => {
    const { items } = await folderWithItems('keyframes', 3, (i) => ({ camera: `cam-${i}` }));
    const updates = { [items[0]!]: { keyframes: [13, 17, 19] }, [items[2]!]: { keyframes: [2, 4] } };
    await ok('09-import-keyframes.ts', { UPDATES: JSON.stringify(updates) });
    expect(await itemMetadata(items[0]!)).toEqual({ camera: 'cam-0', keyframes: [13, 17, 19] });
    expect(await itemMetadata(items[1]!)).toEqual({ camera: 'cam-1' });
    expect(await itemMetadata(items[2]!)).toEqual({ camera: 'cam-2', keyframes: [2, 4] });
  });

  it('10 overwrites the metadata of every item in the folder', async () => {
    const { folder, items } = await folderWithItems('overwrite', 5, (i) => ({ camera: `cam-${i}`, n: i }));
    await ok('10-update-all-items-in-folder.ts', { FOLDER_HASH: folder });
    for (const uuid of items)
      expect(await itemMetadata(uuid)).toEqual({ metadata: 'value', 'metadata-2': 'value' });
  });

  it('11 merges updates into chosen items (existing keys overwritten, others kept)', async () => {
    const { items } = await folderWithItems('merge', 3, (i) => ({ camera: `cam-${i}`, metadata: 'old' }));
    const updates = { [items[0]!]: { metadata: 'metadata-value' }, [items[1]!]: { flag: false } };
    await ok('11-update-specific-items.ts', { UPDATES: JSON.stringify(updates) });
    expect(await itemMetadata(items[0]!)).toEqual({ camera: 'cam-0', metadata: 'metadata-value' });
    expect(await itemMetadata(items[1]!)).toEqual({ camera: 'cam-1', metadata: 'old', flag: false });
    expect(await itemMetadata(items[2]!)).toEqual({ camera: 'cam-2', metadata: 'old' });
  });

  it('12 overwrites 2,500 items through a bundle', async () => {
    const { folder, items } = await folderWithItems('bundle-all', 2500, (i) => ({ n: i }));
    await ok('12-bundle-update-all-items-in-folder.ts', { FOLDER_HASH: folder });
    const bulk = await server.admin.post<{ results: { clientMetadata: string }[] }>(
      'storage/items/get-bulk',
      {
        itemUuids: items,
        signUrls: false,
      },
    );
    expect(bulk.body.results).toHaveLength(2500);
    for (const item of bulk.body.results) {
      expect(JSON.parse(item.clientMetadata)).toEqual({ 'metadata-1': 'value', 'metadata-2': false });
    }
  });

  it('13 merges updates into chosen items through a bundle and leaves the rest alone', async () => {
    const { folder, items } = await folderWithItems('bundle-some', 1200, (i) => ({
      n: i,
      'metadata-1': 'old',
    }));
    const updates = {
      [items[5]!]: { 'metadata-1': 'metadata-value' },
      [items[1100]!]: { 'metadata-2': true },
    };
    await ok('13-bundle-update-specific-items.ts', { FOLDER_HASH: folder, UPDATES: JSON.stringify(updates) });
    expect(await itemMetadata(items[5]!)).toEqual({ n: 5, 'metadata-1': 'metadata-value' });
    expect(await itemMetadata(items[1100]!)).toEqual({ n: 1100, 'metadata-1': 'old', 'metadata-2': true });
    expect(await itemMetadata(items[6]!)).toEqual({ n: 6, 'metadata-1': 'old' });
  });
});

describe('dataset examples', () => {
  let dataset: string;
  let items: string[];

  beforeAll(async () => {
    ({ items } = await folderWithItems('dataset', 3, (i) => ({ camera: `cam-${i}` })));
    dataset = (
      await server.admin.post<{ datasetUuid: string }>('datasets', {
        title: 'seed dataset',
        description: '',
        createBackingFolder: false,
        legacyCall: false,
      })
    ).body.datasetUuid;
    const linked = await server.admin.callV1(
      'datasetlinkitems',
      'POST',
      dataset,
      {
        item_uuids: items,
        duplicates_behavior: 'SKIP',
      },
      { resourceType: 'dataset', resourceId: dataset },
    );
    expect(linked.envelope.status).toBe(200);
  });

  it('16 prints every row with its metadata', async () => {
    expect(await ok('16-dataset-read-all-rows.ts', { DATASET_HASH: dataset })).toBe(
      '{"camera":"cam-0"} - Data Unit: 0\n{"camera":"cam-1"} - Data Unit: 1\n{"camera":"cam-2"} - Data Unit: 2\n',
    );
  });

  it('14 sets one row, and the backing storage item shows it', async () => {
    expect(await ok('14-dataset-set-one-row.ts', { DATASET_HASH: dataset, DATA_UNIT: '1' })).toBe(
      "{ my: 'metadata' }\n",
    );
    expect(await itemMetadata(items[1]!)).toEqual({ my: 'metadata' });
    expect(await itemMetadata(items[0]!)).toEqual({ camera: 'cam-0' });
  });

  it('15 sets every row', async () => {
    expect(await ok('15-dataset-set-all-rows.ts', { DATASET_HASH: dataset })).toBe(
      '{"my":"metadata"} - Data Unit: 0\n{"my":"metadata"} - Data Unit: 1\n{"my":"metadata"} - Data Unit: 2\n',
    );
    for (const uuid of items) expect(await itemMetadata(uuid)).toEqual({ my: 'metadata' });
  });
});

describe('docs/python-to-typescript.md', () => {
  it('shows exactly the examples the tests run (regenerate with `npx tsx examples/python-to-typescript.ts`)', async () => {
    expect(await readFile(GUIDE_PATH, 'utf8')).toBe(await renderGuide());
  });
});
