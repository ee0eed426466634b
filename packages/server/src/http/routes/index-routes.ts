import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { andFilters } from '../../services/preset-service.js';
import { requireUuid } from '../../services/storage-service.js';
import type {
  CollectionRecord,
  DiffPosition,
  ListCollectionsQuery,
  PresetRecord,
} from '../../store/engine.js';
import { getActor, type AppServices } from '../app.js';
import { decodeToken, encodeToken } from '../../opaque-token.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import {
  bodyObject,
  optionalString,
  queryBool,
  queryInt,
  queryList,
  queryString,
  requiredString,
  type JsonObject,
  type Query,
} from '../request-parsing.js';
import { storageItemDtos } from '../wire-dto.js';
import { parseFilterField, parseQueryBody, renderQueryResult } from './query-routes.js';

type UuidRequest = FastifyRequest<{ Params: { uuid: string }; Querystring: Query }>;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

// --- wire shapes ---

/** Encord's Collection: exactly the keys the SDK's model reads. */
const collectionDto = (c: CollectionRecord) => ({
  uuid: c.uuid,
  topLevelFolderUuid: c.topLevelFolderUuid,
  name: c.name,
  description: c.description,
  createdAt: c.createdAt,
  lastEditedAt: c.lastEditedAt,
});

/** metaindex's view of a collection: Encord's keys, where it came from, and its size. */
const collectionView = (c: CollectionRecord, itemCount: number) => ({
  ...collectionDto(c),
  owner: c.owner,
  sourcePresetUuid: c.sourcePresetUuid,
  sourceVersion: c.sourceVersion,
  itemCount,
});

/** Encord's FilterPreset: exactly the keys the SDK's model reads. */
const presetDto = (p: PresetRecord) => ({
  uuid: p.uuid,
  name: p.name,
  description: p.description,
  createdAt: p.createdAt,
  lastUpdatedAt: p.lastUpdatedAt,
});

// --- paging tokens of the uuid-ordered lists (members, diffs) ---

/** `k` says which listing a token continues. */
const encodeListToken = (body: Record<string, unknown>): string => encodeToken({ v: 1, ...body });

function decodeListToken(token: string | undefined, kind: string): JsonObject | null {
  if (token === undefined) return null;
  const body = decodeToken(token);
  if (body.v !== 1 || body.k !== kind) {
    throw new InvalidArgumentError(`pageToken is not a token of this listing (${kind})`);
  }
  return body;
}

/** A diff list's position in a token: the last uuid served, or null once it is done. */
const positionToToken = (position: DiffPosition): string | null =>
  typeof position === 'object' ? position.after : null;

function positionFromToken(value: unknown): DiffPosition {
  if (value === null) return 'end';
  if (typeof value !== 'string')
    throw new InvalidArgumentError('pageToken is not a token this server issued');
  return { after: value };
}

// --- request parsing ---

function pageSizeOf(query: Query): number {
  return queryInt(query, 'pageSize', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
}

/** `uuids` (repeated) and `topLevelFolderUuid` filters, ANDed, plus paging. */
function listQueryOf(query: Query): ListCollectionsQuery {
  const uuids = queryList(query, 'uuids').map((u) => requireUuid(u, 'uuids'));
  const folder = queryString(query, 'topLevelFolderUuid');
  const folderUuid = folder === undefined ? null : requireUuid(folder, 'topLevelFolderUuid');
  return {
    uuids: uuids.length > 0 ? uuids : null,
    // The nil uuid means "no folder": no filter.
    topLevelFolderUuid: folderUuid === '00000000-0000-0000-0000-000000000000' ? null : folderUuid,
    pageSize: pageSizeOf(query),
    after: decodePageToken(queryString(query, 'pageToken'), 'createdAt', false),
  };
}

/** `itemUuids`: a list of item uuids (each checked, the first bad one named). */
function itemUuidsOf(body: JsonObject): string[] {
  const list = body.itemUuids;
  if (!Array.isArray(list)) throw new InvalidArgumentError('itemUuids must be an array of item uuids');
  return list.map((u, i) => requireUuid(u, `itemUuids[${i}]`));
}

/** An optional string field that, when present, must be a string (null counts as absent). */
function patchString(body: JsonObject, field: string): { [field]?: string } {
  const value = optionalString(body, field);
  return value === undefined ? {} : { [field]: value };
}

function folderQuery(query: Query): string | null {
  const folder = queryString(query, 'topLevelFolderUuid');
  return folder === undefined ? null : requireUuid(folder, 'topLevelFolderUuid');
}

/** A 200 whose body is a JSON string: how Encord answers a create with the new uuid. */
const sendUuid = (reply: FastifyReply, uuid: string) =>
  reply.type('application/json').send(JSON.stringify(uuid));

/**
 * Index collections and filter presets: Encord's `index/collections` and
 * `index/presets` endpoints, and metaindex's extensions under /api (collection views,
 * diffs, preset jobs, freezing, evaluating a preset, presets from the filter language).
 */
export function registerIndexRoutes(app: FastifyInstance, services: AppServices): void {
  const { collections, presets } = services;
  const collections_ = '/v2/public/index/collections';
  const presets_ = '/v2/public/index/presets';

  // --- collections (Encord) ---

  app.post(collections_, async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const body = bodyObject(request.body);
    const collection = await collections.create(getActor(request), {
      topLevelFolderUuid: folderQuery(request.query),
      name: requiredString(body, 'name'),
      description: optionalString(body, 'description') ?? '',
    });
    return sendUuid(reply, collection.uuid);
  });

  app.get(collections_, async (request: FastifyRequest<{ Querystring: Query }>) => {
    const query = listQueryOf(request.query);
    const page = await collections.list(query);
    return {
      results: page.rows.map(collectionDto),
      nextPageToken: encodePageToken('createdAt', false, page.next),
    };
  });

  app.patch(`${collections_}/:uuid`, async (request: UuidRequest) => {
    const body = bodyObject(request.body);
    const updated = await collections.update(requireUuid(request.params.uuid, 'collection uuid'), {
      ...patchString(body, 'name'),
      ...patchString(body, 'description'),
    });
    return collectionDto(updated);
  });

  app.delete(`${collections_}/:uuid`, async (request: UuidRequest, reply) => {
    await collections.delete(requireUuid(request.params.uuid, 'collection uuid'));
    return reply.status(204).send();
  });

  // A deleted item leaves every collection, so both listings are the same set.
  const listItems = async (request: UuidRequest) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    const query = request.query;
    const token = decodeListToken(queryString(query, 'pageToken'), 'collection-items');
    if (token !== null && token.c !== uuid) {
      throw new InvalidArgumentError('pageToken belongs to another collection');
    }
    const after = token === null ? null : typeof token.u === 'string' ? token.u : null;
    const page = await collections.listItems(uuid, pageSizeOf(query), after);
    const withMetadata = queryBool(query, 'includeClientMetadata', false);
    const dtos = await storageItemDtos(page.rows, services, false);
    return {
      // The SDK's StorageItem requires clientMetadata even when it was not asked for.
      results: withMetadata ? dtos : dtos.map((dto) => ({ ...dto, clientMetadata: '{}' })),
      nextPageToken:
        page.next === null ? null : encodeListToken({ k: 'collection-items', c: uuid, u: page.next }),
    };
  };
  app.get(`${collections_}/:uuid/accessible-items`, listItems);
  app.get(`${collections_}/:uuid/all-items`, listItems);

  app.post(`${collections_}/:uuid/add-items`, async (request: UuidRequest) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    return { failedItems: await collections.addItems(uuid, itemUuidsOf(bodyObject(request.body))) };
  });

  app.post(`${collections_}/:uuid/remove-items`, async (request: UuidRequest) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    return { failedItems: await collections.removeItems(uuid, itemUuidsOf(bodyObject(request.body))) };
  });

  for (const kind of ['add', 'remove'] as const) {
    app.post(`${collections_}/:uuid/${kind}-preset-items`, async (request: UuidRequest) => {
      const uuid = requireUuid(request.params.uuid, 'collection uuid');
      const presetUuid = requireUuid(bodyObject(request.body).presetUuid, 'presetUuid');
      return { jobUuid: await collections.startPresetJob(uuid, presetUuid, kind) };
    });
  }

  // --- presets (Encord) ---

  app.post(presets_, async (request: FastifyRequest<{ Querystring: Query }>, reply) => {
    const body = bodyObject(request.body);
    const preset = await presets.create(getActor(request), {
      name: requiredString(body, 'name'),
      description: optionalString(body, 'description') ?? '',
      presetJson: body.filterPresetJson,
      topLevelFolderUuid: folderQuery(request.query),
    });
    return sendUuid(reply, preset.uuid);
  });

  app.get(presets_, async (request: FastifyRequest<{ Querystring: Query }>) => {
    const page = await presets.list(listQueryOf(request.query));
    return {
      results: page.rows.map(presetDto),
      nextPageToken: encodePageToken('createdAt', false, page.next),
    };
  });

  // The preset document exactly as it was stored.
  app.get(`${presets_}/:uuid`, async (request: UuidRequest, reply) => {
    const preset = await presets.get(requireUuid(request.params.uuid, 'preset uuid'));
    return reply.type('application/json').send(preset.presetJson);
  });

  app.patch(`${presets_}/:uuid`, async (request: UuidRequest) => {
    const body = bodyObject(request.body);
    const updated = await presets.update(requireUuid(request.params.uuid, 'preset uuid'), {
      ...patchString(body, 'name'),
      ...patchString(body, 'description'),
      ...(body.filterPreset === undefined || body.filterPreset === null
        ? {}
        : { presetJson: body.filterPreset }),
    });
    return presetDto(updated);
  });

  app.delete(`${presets_}/:uuid`, async (request: UuidRequest, reply) => {
    await presets.delete(requireUuid(request.params.uuid, 'preset uuid'));
    return reply.status(204).send();
  });

  // --- metaindex extensions ---

  app.get('/api/collections/:uuid', async (request: UuidRequest) => {
    const collection = await collections.get(requireUuid(request.params.uuid, 'collection uuid'));
    return collectionView(collection, await collections.itemCount(collection.uuid));
  });

  app.get('/api/collections/:uuid/diff', async (request: UuidRequest) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    const query = request.query;
    const againstText = queryString(query, 'against');
    if (againstText === undefined)
      throw new InvalidArgumentError('against is required: the collection to compare with');
    const against = requireUuid(againstText, 'against');
    const token = decodeListToken(queryString(query, 'pageToken'), 'collection-diff');
    if (token !== null && (token.c !== uuid || token.o !== against)) {
      throw new InvalidArgumentError('pageToken belongs to another diff');
    }
    const page = await collections.diff(uuid, against, {
      pageSize: pageSizeOf(query),
      added: token === null ? 'start' : positionFromToken(token.a),
      removed: token === null ? 'start' : positionFromToken(token.r),
    });
    const done = page.nextAdded === 'end' && page.nextRemoved === 'end';
    return {
      added: page.added,
      removed: page.removed,
      addedCount: page.addedCount,
      removedCount: page.removedCount,
      nextPageToken: done
        ? null
        : encodeListToken({
            k: 'collection-diff',
            c: uuid,
            o: against,
            a: positionToToken(page.nextAdded),
            r: positionToToken(page.nextRemoved),
          }),
    };
  });

  app.get('/api/collection-jobs/:uuid', async (request: UuidRequest) => {
    // Like the upload jobs: any wait may be asked; the server waits at most 55 s.
    const timeout = queryInt(request.query, 'timeoutSeconds', 0, 0, Number.MAX_SAFE_INTEGER);
    const job = await collections.getJob(requireUuid(request.params.uuid, 'job uuid'), timeout);
    return {
      uuid: job.uuid,
      collectionUuid: job.collectionUuid,
      presetUuid: job.presetUuid,
      kind: job.kind,
      status: job.status,
      processed: job.processed,
      changed: job.changed,
      error: job.error,
      createdAt: job.createdAt,
      updatedAt: job.updatedAt,
    };
  });

  const presetView = (preset: PresetRecord) => ({
    ...presetDto(preset),
    topLevelFolderUuid: preset.topLevelFolderUuid,
    owner: preset.owner,
    freezeCount: preset.freezeCount,
    filter: presets.filterText(preset),
    filterPresetJson: JSON.parse(preset.presetJson) as unknown,
  });

  app.post('/api/presets', async (request, reply) => {
    const body = bodyObject(request.body);
    const filter = parseFilterField(body.filter);
    if (filter === null) throw new InvalidArgumentError('filter is required: filter text or a filter object');
    const folder = body.topLevelFolderUuid;
    const preset = await presets.createFromFilter(getActor(request), {
      name: requiredString(body, 'name'),
      description: optionalString(body, 'description') ?? '',
      filter,
      topLevelFolderUuid:
        folder === undefined || folder === null ? null : requireUuid(folder, 'topLevelFolderUuid'),
    });
    return reply.status(201).send(presetView(preset));
  });

  app.get('/api/presets/:uuid', async (request: UuidRequest) =>
    presetView(await presets.get(requireUuid(request.params.uuid, 'preset uuid'))),
  );

  // Evaluates the preset now, as POST /api/items/query would (a body filter is ANDed).
  app.post('/api/presets/:uuid/items', async (request: UuidRequest) => {
    const preset = await presets.get(requireUuid(request.params.uuid, 'preset uuid'));
    const query = parseQueryBody(request.body);
    if (query.folder !== null) await services.storage.getFolder(query.folder);
    const result = await services.query.query({
      ...query,
      filter: andFilters(presets.filterOf(preset), query.filter),
    });
    return renderQueryResult(result, services);
  });

  app.post('/api/presets/:uuid/freeze', async (request: UuidRequest, reply) => {
    const presetUuid = requireUuid(request.params.uuid, 'preset uuid');
    const body = request.body === undefined ? {} : bodyObject(request.body);
    const name = optionalString(body, 'name');
    const description = optionalString(body, 'description');
    const folder = body.topLevelFolderUuid;
    const { collection, itemCount } = await collections.freeze(getActor(request), presetUuid, {
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      ...(folder === undefined || folder === null
        ? {}
        : { topLevelFolderUuid: requireUuid(folder, 'topLevelFolderUuid') }),
    });
    return reply.status(201).send(collectionView(collection, itemCount));
  });
}
