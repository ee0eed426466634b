/**
 * `metaindex collections send` run as users run it (bin script, tsx, commander) against a
 * live server: a collection to a new dataset, the new members to an existing dataset, to a
 * new and to an existing project; usage errors and failures (exit 1).
 */
import { DatasetAccessSettings, type Collection } from '@metaindex/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, createFolder, registerImages, startCliServer, type CliServer } from './cli-testing.js';

const MISSING = '00000000-0000-4000-8000-00000000dead';

let t: CliServer;
let folder: string;
let items: string[];
/** Items 0–1,199 of the 1,230. */
let collection: Collection;

const send = (...args: string[]) => cli(['collections', 'send', ...args, ...t.connection]);

/** The dataset's rows as (backing item uuid → clientMetadata). */
async function rowsOf(datasetHash: string): Promise<Map<string, unknown>> {
  const dataset = await t.client.getDataset(datasetHash, {
    accessSettings: new DatasetAccessSettings({ fetchClientMetadata: true }),
  });
  return new Map(dataset.dataRows.map((row) => [row.backingItemUuid ?? '', row.clientMetadata]));
}

/** The dataset hash in the summary line `dataset HASH: …`. */
function datasetOf(stdout: string): string {
  const hash = /^dataset ([0-9a-f-]{36}): /.exec(stdout)?.[1];
  expect(hash, stdout).toBeDefined();
  return hash!;
}

async function projectDatasets(projectHash: string): Promise<{ datasetHash: string; title: string }[]> {
  const listing = await t.admin.get<{ results: { datasetHash: string; title: string }[] }>(
    `projects/${projectHash}/datasets`,
  );
  expect(listing.status).toBe(200);
  return listing.body.results;
}

beforeAll(async () => {
  t = await startCliServer();
  await t.admin.post('organisation/client-metadata-schema-v2', { speed: { ty: 'variant', hint: 'number' } });
  folder = await createFolder(t, 'cameras');
  items = await registerImages(
    t,
    folder,
    Array.from({ length: 1_230 }, (_, i) => ({
      objectUrl: `https://b/cam/${i}.jpg`,
      clientMetadata: { speed: i },
    })),
  );
  collection = await t.client.createCollection(folder, 'first 1,200');
  await collection.addItems(items.slice(0, 1_200));
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('metaindex collections send', () => {
  let datasetHash: string;

  it('sends a collection to a new dataset, with progress on stderr and a summary on stdout', async () => {
    const result = await send(collection.uuid, '--dataset', 'cameras v1', '--description', 'the first');
    expect(result.code, result.stderr).toBe(0);
    datasetHash = datasetOf(result.stdout);
    expect(result.stdout).toBe(`dataset ${datasetHash}: 1,200 rows added, 0 already there\n`);
    // At least the line printed when the job started (how far it got by then varies).
    expect(result.stderr).toMatch(
      new RegExp(`^dataset ${datasetHash}: [\\d,]+ of 1,200 members \\(\\d+%\\)`, 'm'),
    );

    const rows = await rowsOf(datasetHash);
    expect([...rows.keys()].sort()).toEqual(items.slice(0, 1_200).sort());
    expect(rows.get(items[7]!)).toEqual({ speed: 7 });
    const dataset = await t.client.getDataset(datasetHash);
    expect(dataset).toMatchObject({ title: 'cameras v1', description: 'the first' });
  });

  it('adds only the members a dataset lacks with --append-to', async () => {
    await collection.addItems(items.slice(1_200, 1_230));
    const result = await send(collection.uuid, '--append-to', datasetHash);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`dataset ${datasetHash}: 30 rows added, 1,200 already there\n`);
    expect((await rowsOf(datasetHash)).size).toBe(1_230);

    const again = await send(collection.uuid, '--append-to', datasetHash);
    expect(again.stdout).toBe(`dataset ${datasetHash}: 0 rows added, 1,230 already there\n`);
  });

  it('attaches the dataset to a new project with --project, to an existing one with --project-hash', async () => {
    const created = await send(collection.uuid, '--dataset', 'for labelling', '--project', 'label cameras');
    expect(created.code, created.stderr).toBe(0);
    const [summary, projectLine, ...rest] = created.stdout.split('\n');
    expect(rest).toEqual(['']);
    const newDataset = datasetOf(summary!);
    expect(summary).toBe(`dataset ${newDataset}: 1,230 rows added, 0 already there`);
    const projectHash = /^project ([0-9a-f-]{36})$/.exec(projectLine!)?.[1];
    expect(projectHash, projectLine).toBeDefined();
    const project = await t.admin.get<{ title: string }>(`projects/${projectHash!}`);
    expect(project.body.title).toBe('label cameras');
    expect(await projectDatasets(projectHash!)).toEqual([
      expect.objectContaining({ datasetHash: newDataset, title: 'for labelling' }),
    ]);

    const attached = await send(collection.uuid, '--append-to', datasetHash, '--project-hash', projectHash!);
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stdout).toBe(
      `dataset ${datasetHash}: 0 rows added, 1,230 already there\nproject ${projectHash!}\n`,
    );
    expect((await projectDatasets(projectHash!)).map((d) => d.datasetHash).sort()).toEqual(
      [newDataset, datasetHash].sort(),
    );
  });

  it('exits 1 for a wrong combination of flags, naming it, and sends nothing', async () => {
    const cases: [string[], string][] = [
      [[collection.uuid], '--dataset TITLE'],
      [[collection.uuid, '--dataset', 'a', '--append-to', datasetHash], "'--append-to <datasetHash>'"],
      [[collection.uuid, '--dataset', 'a', '--project', 'p', '--project-hash', MISSING], "'--project-hash"],
      [[], "missing required argument 'uuid'"],
      [[collection.uuid, '--dataset', 'a', '--datset-title', 'b'], "unknown option '--datset-title'"],
    ];
    for (const [args, message] of cases) {
      const result = await send(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
    }
    const help = await cli(['collections', 'send', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('$ metaindex collections send "$COLLECTION" --append-to "$DATASET"');
  });

  it('exits 1 with the reason for an unknown collection, dataset or project', async () => {
    const unknownCollection = await send(MISSING, '--dataset', 'x');
    expect(unknownCollection.code).toBe(1);
    expect(unknownCollection.stderr).toContain(`No collection ${MISSING}`);

    const unknownDataset = await send(collection.uuid, '--append-to', MISSING);
    expect(unknownDataset.code).toBe(1);
    expect(unknownDataset.stderr).toBe(`error: datasetHash: dataset ${MISSING} does not exist\n`);

    const unknownProject = await send(collection.uuid, '--dataset', 'x', '--project-hash', MISSING);
    expect(unknownProject.code).toBe(1);
    expect(unknownProject.stderr).toBe(`error: projectHash: project ${MISSING} does not exist\n`);
    expect(unknownProject.stdout).toBe('');
  });
});
