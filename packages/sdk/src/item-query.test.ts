/**
 * Index queries through the SDK against a live server: iteration over many pages equals
 * the filter's matches in sort order, pages/firstPage/page(token), count(), folders,
 * facets, explain, filter errors and AbortSignal.
 */
import type { FilterNode } from '@metaindex/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, InvalidArgumentsError, ResourceNotFoundError } from './errors.js';
import {
  collect,
  createFolder,
  MISSING,
  registerItems,
  setSchema,
  sorted,
  startFixture,
  type Fixture,
} from './index-fixtures.test-helper.js';
import { explainQuery, ItemQuery, queryFacets, type IndexItem } from './item-query.js';

const WEATHERS = ['rain', 'snow', 'sun'] as const;

type Doc = {
  weather: (typeof WEATHERS)[number];
  speed?: number;
  night: boolean;
  caption: string;
};

/** Item i's metadata: every 7th lacks speed; speeds repeat so ties break by uuid. */
const doc = (i: number): Doc => ({
  weather: WEATHERS[i % 3]!,
  ...(i % 7 === 0 ? {} : { speed: (i * 7) % 23 }),
  night: i % 2 === 0,
  caption: i % 4 === 0 ? 'a red car in the rain' : 'an empty road',
});

describe('queryItems, facets and explain', () => {
  let f: Fixture;
  let root: string;
  let sub: string;
  const all: { uuid: string; doc: Doc }[] = [];

  beforeAll(async () => {
    f = await startFixture();
    await setSchema(f.admin, {
      weather: { ty: 'enum', values: [...WEATHERS] },
      speed: { ty: 'variant', hint: 'number' },
      night: { ty: 'variant', hint: 'boolean' },
      caption: { ty: 'variant', hint: 'text' },
    });
    root = await createFolder(f.admin, 'query root');
    sub = await createFolder(f.admin, 'query sub', root);
    const rootDocs = Array.from({ length: 45 }, (_, i) => doc(i));
    const subDocs = Array.from({ length: 15 }, (_, i) => doc(45 + i));
    const rootItems = await registerItems(f.admin, root, rootDocs, 'root');
    const subItems = await registerItems(f.admin, sub, subDocs, 'sub');
    rootItems.forEach((uuid, i) => all.push({ uuid, doc: rootDocs[i]! }));
    subItems.forEach((uuid, i) => all.push({ uuid, doc: subDocs[i]! }));
  });
  afterAll(async () => {
    await f.t.close();
  });

  const uuidsOf = (items: readonly IndexItem[]) => items.map((i) => i.uuid);

  it('iterates every match across pages, in sort order (missing values last, ties by uuid)', async () => {
    const query = f.client.queryItems('weather = "rain"', { sort: '-speed', pageSize: 4 });
    expect(query).toBeInstanceOf(ItemQuery);
    const items = await collect(query);
    const expected = all
      .filter((x) => x.doc.weather === 'rain')
      .sort((a, b) => {
        const sa = a.doc.speed;
        const sb = b.doc.speed;
        if (sa === undefined || sb === undefined) {
          if (sa !== sb) return sa === undefined ? 1 : -1;
        } else if (sa !== sb) return sb - sa;
        return a.uuid < b.uuid ? -1 : 1;
      });
    expect(items.length).toBeGreaterThan(8);
    expect(uuidsOf(items)).toEqual(expected.map((x) => x.uuid));
    // clientMetadata is an object, as stored.
    expect(items.map((i) => i.clientMetadata)).toEqual(expected.map((x) => x.doc));
    expect(items[0]).toMatchObject({
      itemType: 'image',
      isTombstone: false,
      url: expect.any(String) as unknown,
    });

    // Iterating again starts over; toArray() gives the same.
    expect(uuidsOf(await query.toArray())).toEqual(uuidsOf(items));
  });

  it('sorts with entries as well as text, and the AST filter means what the text means', async () => {
    const ast: FilterNode = {
      and: [
        { key: 'night', op: 'eq', value: true },
        { key: 'speed', op: 'gte', value: 10 },
      ],
    };
    const fromAst = await collect(
      f.client.queryItems(ast, { sort: [{ key: 'speed' }, { key: '$name', desc: true }] }),
    );
    const fromText = await collect(
      f.client.queryItems('night = true and speed >= 10', { sort: 'speed,-$name', pageSize: 3 }),
    );
    expect(uuidsOf(fromAst)).toEqual(uuidsOf(fromText));
    const expected = all.filter((x) => x.doc.night && (x.doc.speed ?? -1) >= 10);
    expect(sorted(uuidsOf(fromAst))).toEqual(sorted(expected.map((x) => x.uuid)));
    const speeds = fromAst.map((i) => i.clientMetadata.speed as number);
    expect(speeds).toEqual([...speeds].sort((a, b) => a - b));
  });

  it('pages(), firstPage(), page(token) and count()', async () => {
    const query = f.client.queryItems('caption matches "car"', { pageSize: 5 });
    const expected = all.filter((x) => x.doc.caption.includes('car')).map((x) => x.uuid);
    expect(await query.count()).toBe(expected.length);

    const first = await query.firstPage();
    expect(first.results).toHaveLength(5);
    expect(first.total).toBe(expected.length);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await query.page(first.nextPageToken);
    expect(second.results).toHaveLength(5);

    const pages = await collect(query.pages());
    expect(pages).toHaveLength(Math.ceil(expected.length / 5));
    expect(pages.every((p) => p.total === expected.length)).toBe(true);
    expect(pages.at(-1)!.nextPageToken).toBeNull();
    const walked = pages.flatMap((p) => uuidsOf(p.results));
    expect(walked).toEqual(sorted(expected));
    expect(uuidsOf(second.results)).toEqual(walked.slice(5, 10));

    const uncounted = await f.client.queryItems('caption matches "car"', { count: 'none' }).firstPage();
    expect(uncounted.total).toBeNull();
    // No filter: every item.
    expect(await f.client.queryItems().count()).toBe(all.length);
    expect(await f.client.queryItems(null, { pageSize: 1000 }).count()).toBe(all.length);
  });

  it('keeps to a folder tree', async () => {
    const inSub = await collect(f.client.queryItems(null, { folder: sub, pageSize: 6 }));
    expect(sorted(uuidsOf(inSub))).toEqual(sorted(all.slice(45).map((x) => x.uuid)));
    expect(inSub.every((i) => i.parent === sub)).toBe(true);
    expect(await f.client.queryItems(null, { folder: root }).count()).toBe(all.length);
    expect(await f.client.queryItems(`$folder = "${sub}"`).count()).toBe(15);
    await expect(f.client.queryItems(null, { folder: MISSING }).count()).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
  });

  it('facets: value counts and histograms over the matches', async () => {
    const result = await f.client.facets([{ key: 'weather' }, { key: 'speed', histogram: { buckets: 2 } }], {
      filter: 'night = true',
    });
    const night = all.filter((x) => x.doc.night);
    expect(result.total).toBe(night.length);
    const weather = result.facets[0]!;
    expect(weather.key).toBe('weather');
    expect('counts' in weather && weather.counts).toEqual(
      WEATHERS.map((w) => ({ value: w, count: night.filter((x) => x.doc.weather === w).length }))
        .filter((c) => c.count > 0)
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
    );
    const speed = result.facets[1]!;
    expect('histogram' in speed && speed.histogram.reduce((n, b) => n + b.count, 0)).toBe(
      night.filter((x) => x.doc.speed !== undefined).length,
    );

    const inSub = await queryFacets(f.client.transport, [{ key: '$type' }], { folder: sub });
    expect(inSub).toEqual({ total: 15, facets: [{ key: '$type', counts: [{ value: 'image', count: 15 }] }] });
  });

  it('explain: the plan the server would follow', async () => {
    const plan = await f.client.explain('weather = "rain" and speed > 3', { sort: '-speed' });
    expect(['index', 'scan', 'auto', 'all']).toContain(plan.strategy);
    expect(plan.indexedItems).toBe(all.length);
    expect(plan.candidates.length).toBeGreaterThan(0);
    expect(plan.candidates[0]).toEqual({
      field: expect.any(String) as unknown,
      op: expect.any(String) as unknown,
      index: expect.any(String) as unknown,
      estimatedRows: expect.anything() as unknown,
    });
    expect(typeof plan.engine).toBe('object');
    const everything = await explainQuery(f.client.transport, null);
    expect(everything.strategy).toBe('all');
  });

  it('a bad filter or sort is an InvalidArgumentsError naming the problem', async () => {
    const syntax = await f.client
      .queryItems('weather = and')
      .count()
      .catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(InvalidArgumentsError);
    expect((syntax as Error).message).toMatch(/column \d+/);

    const literal = await f.client
      .queryItems('speed = "fast"')
      .firstPage()
      .catch((e: unknown) => e);
    expect(literal).toBeInstanceOf(InvalidArgumentsError);
    expect((literal as Error).message).toContain('speed');
    expect((literal as InvalidArgumentsError).status).toBe(400);

    const option = await collect(f.client.queryItems('weather = "hail"')).catch((e: unknown) => e);
    expect(option).toBeInstanceOf(InvalidArgumentsError);
    expect((option as Error).message).toContain('weather');

    const operator = await f.client.explain('night contains "x"').catch((e: unknown) => e);
    expect(operator).toBeInstanceOf(InvalidArgumentsError);
    expect((operator as Error).message).toContain('night');

    await expect(f.client.queryItems(null, { sort: '-speed,' }).count()).rejects.toBeInstanceOf(
      InvalidArgumentsError,
    );
    await expect(f.client.queryItems(null, { pageSize: 0 }).firstPage()).rejects.toThrow(/pageSize/);
    await expect(f.client.queryItems(null, { sort: '-nosuchkey' }).count()).rejects.toThrow(/nosuchkey/);
    await expect(f.client.facets([])).rejects.toBeInstanceOf(InvalidArgumentsError);
  });

  it('an AbortSignal stops a query, before it starts and mid-walk', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await expect(f.client.queryItems(null, { signal: aborted.signal }).count()).rejects.toBeInstanceOf(
      AbortedError,
    );
    await expect(f.client.facets([{ key: 'weather' }], { signal: aborted.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );

    const controller = new AbortController();
    const seen: string[] = [];
    const walk = async () => {
      for await (const item of f.client.queryItems(null, { pageSize: 5, signal: controller.signal })) {
        seen.push(item.uuid);
        if (seen.length === 7) controller.abort();
      }
    };
    await expect(walk()).rejects.toBeInstanceOf(AbortedError);
    expect(seen).toHaveLength(10);
  });
});
