/**
 * Engine-neutral pieces of the Engine methods that both storage engines (sqlite/ and
 * postgres/) share: page assembly, uuid-list checks, the plan of a linkItems call and
 * the errors they report. They hold no SQL, so both engines page, check, link and
 * fail with the same results and texts.
 */
import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import type { DuplicatesBehaviour, LinkItemsResult, Page, PageCursor, SortOrder } from './engine.js';
import type { DataRowRecord, DataRowWithItem, ItemRecord } from './records.js';

// --- pages: rows fetched with LIMIT pageSize + 1, keyset paged ---

export function requirePageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
  }
}

/**
 * Rows fetched with LIMIT pageSize + 1, in keyset order, as a page: the extra row
 * only says a next page exists, which starts after the cursor of the last row kept.
 */
export function keysetPage<Row, T>(
  rows: Row[],
  pageSize: number,
  cursorOf: (row: Row) => PageCursor,
  toRecord: (row: Row) => T,
): Page<T> {
  const pageRows = rows.slice(0, pageSize);
  const last = pageRows[pageRows.length - 1];
  const next = rows.length > pageSize && last !== undefined ? cursorOf(last) : null;
  return { rows: pageRows.map(toRecord), next };
}

/** Rows fetched with LIMIT pageSize + 1 in (created_at, uuid) order, as a page. */
export const createdAtPage = <Row extends { uuid: string; created_at: string }, T>(
  rows: Row[],
  pageSize: number,
  toRecord: (row: Row) => T,
): Page<T> => keysetPage(rows, pageSize, (row) => ({ value: row.created_at, uuid: row.uuid }), toRecord);

/** Folders or items fetched with LIMIT pageSize + 1 in (sort value, uuid) order, as a page. */
export const sortedPage = <Row extends { uuid: string; name: string; created_at: string }, T>(
  rows: Row[],
  pageSize: number,
  order: SortOrder,
  toRecord: (row: Row) => T,
): Page<T> =>
  keysetPage(
    rows,
    pageSize,
    (row) => ({ value: order === 'name' ? row.name : row.created_at, uuid: row.uuid }),
    toRecord,
  );

// --- lists of uuids ---

/** The distinct values, each once, in the order first given. */
export const distinct = (uuids: readonly string[]): string[] => [...new Set(uuids)];

/** The distinct uuids that match, each once, in the order first given (for error reports). */
export function uniqueMatching(uuids: readonly string[], predicate: (uuid: string) => boolean): string[] {
  return [...new Set(uuids)].filter(predicate);
}

/** The uuids given more than once. */
export function duplicatesWithin(uuids: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const uuid of uuids) {
    if (seen.has(uuid)) duplicates.add(uuid);
    seen.add(uuid);
  }
  return duplicates;
}

/**
 * `count` fresh data hashes in ascending order: given out in request order, the rows
 * of one link call (which share a createdAt) list in the order they were asked.
 * On PostgreSQL data_hash is COLLATE "C", so it sorts them as this JS sort does.
 * `linkItems` and `linkCollectionBatch` both make their rows' hashes here.
 */
export const newDataHashes = (count: number): string[] =>
  Array.from({ length: count }, () => randomUUID()).sort();

// --- linking items into a dataset ---

/** What a linkItems call writes (`fresh`, in request order) and answers, or FAIL's refusal. */
export type LinkPlan =
  | { ok: true; rows: DataRowWithItem[]; fresh: DataRowRecord[] }
  | Extract<LinkItemsResult, { reason: 'already-linked' }>;

/**
 * Plans a linkItems call once the engine has read the items asked (`items`: every
 * one exists) and, unless the behaviour is DUPLICATE, the oldest row each item
 * already has in the dataset (`held`). Every new row gets a fresh data hash and
 * the item's name as its title; the caller inserts `fresh` and answers `rows`.
 */
export function planLinks(
  datasetUuid: string,
  itemUuids: readonly string[],
  behaviour: DuplicatesBehaviour,
  at: string,
  items: ReadonlyMap<string, ItemRecord>,
  held: ReadonlyMap<string, DataRowRecord>,
): LinkPlan {
  if (behaviour === 'FAIL') {
    const repeated = duplicatesWithin(itemUuids);
    const linked = uniqueMatching(itemUuids, (uuid) => held.has(uuid) || repeated.has(uuid));
    if (linked.length > 0) return { ok: false, reason: 'already-linked', uuids: linked };
  }

  // Which requested positions get a new row: with SKIP, only an item's first ask
  // when it has no row yet; otherwise every one.
  const planned = new Set<string>();
  const creates = itemUuids.map((uuid) => {
    if (behaviour === 'SKIP' && (held.has(uuid) || planned.has(uuid))) return false;
    planned.add(uuid);
    return true;
  });
  const hashes = newDataHashes(creates.filter(Boolean).length);
  // The oldest row of each item, the rows planned here included.
  const oldest = new Map(held);
  const fresh: DataRowRecord[] = [];
  const rows: DataRowWithItem[] = [];
  itemUuids.forEach((uuid, index) => {
    const item = items.get(uuid);
    if (item === undefined) return; // never: the caller refuses missing items first
    if (creates[index] === true) {
      const row: DataRowRecord = {
        dataHash: hashes[fresh.length] ?? randomUUID(),
        datasetUuid,
        itemUuid: uuid,
        title: item.name,
        createdAt: at,
        lastEditedAt: at,
      };
      fresh.push(row);
      if (!oldest.has(uuid)) oldest.set(uuid, row);
      rows.push({ row, item });
    } else {
      const row = oldest.get(uuid);
      if (row !== undefined) rows.push({ row, item });
    }
  });
  return { ok: true, rows, fresh };
}

// --- errors ---

/** Names at most this many items in a message; the details carry them all. */
const NAMED_IN_MESSAGE = 10;

/** Refuses to delete items (`what` says which) that back data rows, with each one's row count. */
export function backedItemsConflict(what: string, counts: Map<string, number>): MetaindexError {
  const entries = [...counts];
  const named = entries
    .slice(0, NAMED_IN_MESSAGE)
    .map(([uuid, rows]) => `${uuid} (${rows} data row${rows === 1 ? '' : 's'})`);
  const more = entries.length > NAMED_IN_MESSAGE ? ` and ${entries.length - NAMED_IN_MESSAGE} more` : '';
  return new MetaindexError(
    'conflict',
    `${what}: ${named.join(', ')}${more}. Unlink those rows from their datasets first, or force the delete`,
    { items: entries.map(([uuid, rows]) => ({ uuid, rows })) },
  );
}
