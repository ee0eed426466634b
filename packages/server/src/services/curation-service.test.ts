/**
 * CurationService's background job on an in-memory SQLite engine, with a small batch
 * size and a fixed clock, where the HTTP suite (curation-routes.test.ts) cannot look:
 * a job walks several batches saving its progress, each batch gets a strictly later
 * instant (so the dataset lists in member order within one millisecond), the long poll
 * wakes when the job ends, and a dataset deleted mid-way ends the job in ERROR with
 * the batches already linked kept and counted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectionId, collectionRecord } from '../store/engine-contract-collections.js';
import { folderRecord, itemId, itemRecord } from '../store/engine-contract.js';
import type { Engine } from '../store/engine.js';
import { openSqliteEngine } from '../store/sqlite/sqlite-engine.js';
import { CollectionService } from './collection-service.js';
import { CurationService } from './curation-service.js';
import { DatasetService } from './dataset-service.js';
import { PresetService } from './preset-service.js';
import { ProjectService } from './project-service.js';
import { EngineQueryService } from './query-service.js';
import { SchemaService } from './schema-service.js';
import { StorageService } from './storage-service.js';

const ACTOR = { email: 'curator@example.com', role: 'member' as const };
/** The fixed clock: every batch of a job asks for the same "now". */
const NOW = new Date('2025-06-01T12:00:00.000Z');
const BATCH = 3;
const MEMBERS = 10;

/** Services over `engine`, the way server.ts wires them, with the fixed clock and small batches. */
function curationOn(engine: Engine): CurationService {
  const now = () => NOW;
  const schemas = new SchemaService(engine, now);
  const storage = new StorageService(engine, schemas, now);
  const datasets = new DatasetService(engine, storage, now);
  const presets = new PresetService(engine, schemas, now);
  const collections = new CollectionService(engine, presets, new EngineQueryService(engine), now);
  const projects = new ProjectService(engine, datasets, now);
  return new CurationService(engine, { collections, presets, datasets, projects }, now, BATCH);
}

/** `engine`, except that the dataset is deleted right after the first batch links. */
function deletingTheDatasetAfterOneBatch(engine: Engine): Engine {
  let batches = 0;
  return new Proxy(engine, {
    get(target, key) {
      if (key === 'linkCollectionBatch') {
        const link: Engine['linkCollectionBatch'] = async (dataset, ...rest) => {
          const result = await target.linkCollectionBatch(dataset, ...rest);
          if (++batches === 1) await target.deleteDataset(dataset);
          return result;
        };
        return link;
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('CurationService jobs', () => {
  let engine: Engine;

  beforeEach(async () => {
    engine = openSqliteEngine({ path: ':memory:' });
    const folder = folderRecord(1);
    await engine.createFolder(folder);
    const items = Array.from({ length: MEMBERS }, (_, i) => itemRecord(i + 1, folder.uuid));
    expect((await engine.writeItems({ insert: items, update: [] }, 0)).ok).toBe(true);
    await engine.createCollection(collectionRecord(1), { itemUuids: items.map((item) => item.uuid) });
  });
  afterEach(async () => {
    await engine.close();
  });

  it('links batch by batch, each batch a millisecond after the last, and lists in member order', async () => {
    const curation = curationOn(engine);
    const started = await curation.collectionToDataset(ACTOR, collectionId(1), { title: 'ten' });
    expect(started).toMatchObject({ status: 'PENDING', total: MEMBERS, processed: 0 });
    // The long poll answers as soon as the job is done, well before its timeout.
    const polled = Date.now();
    const done = await curation.getJob(started.uuid, 30);
    expect(Date.now() - polled).toBeLessThan(5000);
    expect(done).toMatchObject({ status: 'DONE', processed: MEMBERS, added: MEMBERS, alreadyThere: 0 });
    await curation.drain();

    const rows = await engine.listDataRows(started.datasetUuid, {});
    expect(rows.map((r) => r.item.uuid)).toEqual(Array.from({ length: MEMBERS }, (_, i) => itemId(i + 1)));
    // Four batches (3 + 3 + 3 + 1) under a clock that never moves: 0, +1, +2, +3 ms.
    const instant = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(rows.map((r) => r.row.createdAt)).toEqual([
      ...Array<string>(3).fill(instant(0)),
      ...Array<string>(3).fill(instant(1)),
      ...Array<string>(3).fill(instant(2)),
      instant(3),
    ]);
  });

  it('ends in ERROR when the dataset is deleted mid-way, keeping what it linked', async () => {
    const curation = curationOn(deletingTheDatasetAfterOneBatch(engine));
    const started = await curation.collectionToDataset(ACTOR, collectionId(1), { title: 'doomed' });
    await curation.drain();
    const job = await curation.getJob(started.uuid, 0);
    expect(job).toMatchObject({
      status: 'ERROR',
      error: `dataset ${started.datasetUuid} was deleted while the job ran`,
      total: MEMBERS,
      processed: BATCH,
      added: BATCH,
    });
    expect(job.updatedAt >= job.createdAt).toBe(true);
    // The dataset is gone with its rows; the items and the collection stay.
    expect(await engine.getDataset(started.datasetUuid)).toBeNull();
    expect(await engine.countCollectionItems([collectionId(1)])).toEqual(
      new Map([[collectionId(1), MEMBERS]]),
    );
  });

  it('records the job in the database, so another service (another process) answers for it', async () => {
    const curation = curationOn(engine);
    const started = await curation.collectionToDataset(ACTOR, collectionId(1), { title: 'shared' });
    await curation.drain();
    const elsewhere = curationOn(engine);
    expect(await elsewhere.getJob(started.uuid, 0)).toMatchObject({
      uuid: started.uuid,
      status: 'DONE',
      added: MEMBERS,
      createdAt: NOW.toISOString(),
    });
  });
});
