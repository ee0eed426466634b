/**
 * Filter presets through the SDK against a live server: presets from Encord JSON and from
 * filter text, the document's round trip, update, info, evaluation (`items()`), freeze into
 * numbered snapshots that do not move, diffs between snapshots, listing, and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collection } from './collection.js';
import { AbortedError, AuthorisationError, InvalidArgumentsError } from './errors.js';
import {
  createFilterPreset,
  createPresetFromFilter,
  FilterPreset,
  listPresets,
  type FilterPresetJson,
} from './filter-preset.js';
import {
  collect,
  createFolder,
  MISSING,
  NIL,
  patchMetadata,
  registerItems,
  setSchema,
  sorted,
  startFixture,
  type Fixture,
} from './index-fixtures.test-helper.js';

const WEATHERS = ['rain', 'snow', 'sun'] as const;

describe('filter presets', () => {
  let f: Fixture;
  let root: string;
  let otherRoot: string;
  let items: string[];

  beforeAll(async () => {
    f = await startFixture();
    await setSchema(f.admin, {
      weather: { ty: 'enum', values: [...WEATHERS] },
      speed: { ty: 'variant', hint: 'number' },
      caption: { ty: 'variant', hint: 'text' },
    });
    root = await createFolder(f.admin, 'preset root');
    otherRoot = await createFolder(f.admin, 'preset other root');
    const docs = Array.from({ length: 24 }, (_, i) => ({
      weather: WEATHERS[i % 3],
      speed: i,
      caption: i % 2 === 0 ? 'wet road' : 'dry road',
    }));
    items = await registerItems(f.admin, root, docs);
    await registerItems(f.admin, otherRoot, [{ weather: 'rain', speed: 1 }]);
  });
  afterAll(async () => {
    await f.t.close();
  });

  const rainJson: FilterPresetJson = {
    local_filters: { [NIL]: { filters: [] } },
    global_filters: {
      filters: [
        { key: 'weather', include: true, values: ['rain'], type: 'enum' },
        { key: 'speed', include: true, values: [3, null], type: 'number' },
      ],
    },
  };
  const rainy = () => items.filter((_, i) => i % 3 === 0 && i >= 3);

  it('creates a preset from Encord JSON; the document reads back exactly as sent', async () => {
    const preset = await f.client.createPreset('rain from 3', rainJson, { description: 'encord style' });
    expect(preset).toBeInstanceOf(FilterPreset);
    expect(preset).toMatchObject({ name: 'rain from 3', description: 'encord style' });
    expect(preset.createdAt).toMatch(/^\d{4}-/);
    expect(await preset.getFilterPresetJson()).toEqual(rainJson);

    // Default local filters, as Encord's SDK fills them in.
    const minimal = await createFilterPreset(f.client.transport, 'minimal', {
      global_filters: { filters: [{ key: 'weather', include: false, values: ['sun'], type: 'enum' }] },
    });
    expect(await minimal.getFilterPresetJson()).toEqual({
      local_filters: { [NIL]: { filters: [] } },
      global_filters: { filters: [{ key: 'weather', include: false, values: ['sun'], type: 'enum' }] },
    });

    const info = await preset.info();
    expect(info).toMatchObject({
      uuid: preset.uuid,
      topLevelFolderUuid: null,
      freezeCount: 0,
      filter: 'weather = "rain" and speed >= 3',
      filterPresetJson: rainJson,
    });

    const read = await f.client.getFilterPreset(preset.uuid);
    expect(read.name).toBe('rain from 3');
  });

  it('evaluates a preset now: items() is queryItems of its filter (a filter here is ANDed)', async () => {
    const preset = await f.client.createPreset('rain again', rainJson);
    const matches = await collect(preset.items({ pageSize: 2 }));
    // The other root's rainy item is slower than 3.
    expect(sorted(matches.map((i) => i.uuid))).toEqual(sorted(rainy()));
    expect(matches.every((i) => i.clientMetadata.weather === 'rain')).toBe(true);
    expect(await preset.items().count()).toBe(rainy().length);
    const narrowed = await collect(preset.items({ filter: 'speed < 10', sort: '-speed' }));
    expect(narrowed.map((i) => i.clientMetadata.speed)).toEqual([9, 6, 3]);
    expect(await preset.items({ folder: otherRoot }).count()).toBe(0);
  });

  it('creates presets from filter text and ASTs; Encord-inexpressible filters are kept whole', async () => {
    const simple = await f.client.createPresetFromFilter('wet', 'caption matches "wet"', {
      description: 'from text',
      topLevelFolderUuid: root,
    });
    expect(simple.description).toBe('from text');
    const json = await simple.getFilterPresetJson();
    expect(json.global_filters.filters).toEqual([
      { key: 'caption', include: true, values: ['wet'], type: 'text' },
    ]);
    const info = await simple.info();
    expect(info.topLevelFolderUuid).toBe(root);
    expect(info.filter).toContain('caption matches "wet"');
    expect(await simple.items().count()).toBe(12);

    const complex = await createPresetFromFilter(f.client.transport, 'not slow', {
      or: [
        { key: 'speed', op: 'gt', value: 20 },
        { key: 'weather', op: 'ne', value: 'snow' },
      ],
    });
    const kept = await complex.getFilterPresetJson();
    expect(kept.global_filters.filters).toEqual([]);
    expect(kept.metaindex_filter).toBe('speed > 20 or weather != "snow"');
    const expected = items.filter((_, i) => i > 20 || WEATHERS[i % 3] !== 'snow').length + 1;
    expect(await complex.items().count()).toBe(expected);
    // A document with metaindex_filter goes back through the Encord endpoint unchanged.
    const copy = await f.client.createPreset('copy', kept);
    expect(await copy.items().count()).toBe(expected);
  });

  it('updates name, description and document', async () => {
    const preset = await f.client.createPreset('to change', rainJson);
    const before = preset.lastUpdatedAt;
    await preset.update({ name: 'changed', description: 'new words' });
    expect(preset).toMatchObject({ name: 'changed', description: 'new words' });
    const snowJson: FilterPresetJson = {
      global_filters: { filters: [{ key: 'weather', include: true, values: ['snow'], type: 'enum' }] },
    };
    await preset.update({ filterPresetJson: snowJson });
    expect(preset.lastUpdatedAt! >= before!).toBe(true);
    expect((await preset.getFilterPresetJson()).global_filters).toEqual(snowJson.global_filters);
    expect(await preset.items().count()).toBe(8);
    expect((await f.client.getFilterPreset(preset.uuid)).name).toBe('changed');
  });

  it('freezes matches into numbered snapshots that do not move, and diffs them', async () => {
    const preset = await f.client.createPreset('rain snapshots', rainJson);
    await expect(preset.freeze()).rejects.toThrow(/topLevelFolderUuid is required/);

    const v1 = await preset.freeze({ topLevelFolderUuid: root });
    expect(v1).toBeInstanceOf(Collection);
    expect(v1).toMatchObject({ name: 'rain snapshots v1', topLevelFolderUuid: root });
    const info1 = await v1.info();
    expect(info1).toMatchObject({
      sourcePresetUuid: preset.uuid,
      sourceVersion: 1,
      itemCount: rainy().length,
    });
    expect(sorted((await collect(v1.listItems())).map((i) => i.uuid))).toEqual(sorted(rainy()));

    // Item 1 starts matching, item 3 stops.
    await patchMetadata(f.admin, root, items[1]!, { weather: 'rain', speed: 50 });
    await patchMetadata(f.admin, root, items[3]!, { weather: 'sun', speed: 3 });
    const v2 = await preset.freeze({ topLevelFolderUuid: root, name: 'second look', description: 'later' });
    expect(v2).toMatchObject({ name: 'second look', description: 'later' });
    expect((await v2.info()).sourceVersion).toBe(2);
    expect((await preset.info()).freezeCount).toBe(2);
    // The first snapshot does not follow the change.
    expect((await v1.info()).itemCount).toBe(rainy().length);

    const diff = await v2.diff(v1);
    expect(diff).toEqual({ added: [items[1]], removed: [items[3]], addedCount: 1, removedCount: 1 });
    const reverse = await v1.diff(v2.uuid, { pageSize: 1 });
    expect(reverse).toEqual({ added: [items[3]], removed: [items[1]], addedCount: 1, removedCount: 1 });
    expect(await v1.diff(v1)).toEqual({ added: [], removed: [], addedCount: 0, removedCount: 0 });

    // Paged: with one uuid of each list per page.
    const empty = await f.client.createCollection(root, 'empty');
    const pages = await collect(v1.diffPages(empty, { pageSize: 2 }));
    expect(pages).toHaveLength(Math.ceil(rainy().length / 2));
    expect(pages.every((p) => p.addedCount === rainy().length && p.removedCount === 0)).toBe(true);
    expect(pages.flatMap((p) => p.added)).toEqual(sorted(rainy()));

    // Restore for the other tests.
    await patchMetadata(f.admin, root, items[1]!, { weather: 'snow', speed: 1, caption: 'dry road' });
    await patchMetadata(f.admin, root, items[3]!, { weather: 'rain', speed: 3, caption: 'dry road' });
  });

  it('lists presets by uuid and by folder; deletes them', async () => {
    const a = await f.client.createPresetFromFilter('scoped a', 'speed > 1', {
      topLevelFolderUuid: otherRoot,
    });
    const b = await f.client.createPresetFromFilter('scoped b', 'speed > 2', {
      topLevelFolderUuid: otherRoot,
    });
    const scoped = await collect(f.client.listPresets({ topLevelFolderUuid: otherRoot, pageSize: 1 }));
    expect(scoped.map((p) => p.uuid)).toEqual([a.uuid, b.uuid]);
    const byUuid = await collect(listPresets(f.client.transport, { presetUuids: [b.uuid] }));
    expect(byUuid.map((p) => p.name)).toEqual(['scoped b']);
    expect(await collect(f.client.listPresets({ presetUuids: [] }))).toEqual([]);
    expect((await collect(f.client.listPresets())).length).toBeGreaterThan(2);

    await f.client.deletePreset(a.uuid);
    await b.delete();
    expect(await collect(f.client.listPresets({ topLevelFolderUuid: otherRoot }))).toEqual([]);
    const error = await FilterPreset.get(f.client.transport, a.uuid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorisationError);
    expect((error as Error).message).toBe('Preset not found');
  });

  it('errors name the problem', async () => {
    const badShape = await f.client
      .createPreset('bad', {
        global_filters: { filters: [{ key: 'speed', include: true, values: [1, 2, 3], type: 'number' }] },
      })
      .catch((e: unknown) => e);
    expect(badShape).toBeInstanceOf(InvalidArgumentsError);
    expect((badShape as Error).message).toContain('filterPresetJson.global_filters.filters[0].values');

    const badOption = await f.client
      .createPreset('bad', {
        global_filters: { filters: [{ key: 'weather', include: true, values: ['hail'], type: 'enum' }] },
      })
      .catch((e: unknown) => e);
    expect(badOption).toBeInstanceOf(InvalidArgumentsError);
    expect((badOption as Error).message).toContain('weather');

    const badText = await f.client.createPresetFromFilter('bad', 'speed >').catch((e: unknown) => e);
    expect(badText).toBeInstanceOf(InvalidArgumentsError);
    expect((badText as Error).message).toMatch(/column \d+/);

    await expect(f.client.getFilterPreset(MISSING)).rejects.toBeInstanceOf(AuthorisationError);
    const controller = new AbortController();
    controller.abort();
    await expect(f.client.getFilterPreset(MISSING, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
  });
});
