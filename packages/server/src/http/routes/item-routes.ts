import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUuid, type ItemPatch } from '../../services/storage-service.js';
import { ITEM_TYPES, type ItemRecord, type ItemType } from '../../store/records.js';
import type { SortOrder } from '../../store/engine.js';
import type { AppServices } from '../app.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import {
  bodyObject,
  isJsonObject,
  optionalBool,
  optionalString,
  queryBool,
  queryEnum,
  queryInt,
  queryList,
  queryString,
  type JsonObject,
  type Query,
} from '../request-parsing.js';
import { storageItemDtos } from '../wire-dto.js';

const ORDERS: readonly SortOrder[] = ['name', 'createdAt'];

function itemPatch(uuid: string, body: JsonObject): ItemPatch {
  const patch: ItemPatch = { uuid };
  const name = optionalString(body, 'name');
  const description = optionalString(body, 'description');
  if (name !== undefined) patch.name = name;
  if (description !== undefined) patch.description = description;
  if (body.clientMetadata !== undefined && body.clientMetadata !== null)
    patch.clientMetadata = body.clientMetadata;
  return patch;
}

function itemTypes(query: Query): ItemType[] {
  return queryList(query, 'itemTypes').map((t) => {
    if (!(ITEM_TYPES as readonly string[]).includes(t)) {
      throw new InvalidArgumentError(
        `itemTypes must be among ${ITEM_TYPES.join(', ')}, got ${JSON.stringify(t)}`,
      );
    }
    return t as ItemType;
  });
}

/** Storage items: get, get-bulk, list, patch (whole clientMetadata), patch-bulk. */
export function registerItemRoutes(app: FastifyInstance, { storage, uploads }: AppServices): void {
  const dtos = (items: readonly ItemRecord[], sign: boolean) =>
    storageItemDtos(items, { storage, uploads }, sign);
  const dto = async (item: ItemRecord, sign: boolean) => (await dtos([item], sign))[0];

  app.get('/v2/public/storage/items/:uuid', async (request: FastifyRequest<{ Params: { uuid: string } }>) => {
    const item = await storage.getItem(requireUuid(request.params.uuid, 'item uuid'));
    return dto(item, queryBool(request.query as Query, 'signUrl', false));
  });

  app.post('/v2/public/storage/items/get-bulk', async (request) => {
    const body = bodyObject(request.body);
    if (!Array.isArray(body.itemUuids))
      throw new InvalidArgumentError('itemUuids must be an array of item uuids');
    const uuids = body.itemUuids.map((u) => requireUuid(u, 'itemUuids[]'));
    const sign = optionalBool(body, 'signUrls', false);
    const items = await storage.getItems(uuids);
    return { results: await dtos(items, sign), nextPageToken: null };
  });

  app.get(
    '/v2/public/storage/folders/:uuid/items',
    async (request: FastifyRequest<{ Params: { uuid: string } }>) => {
      const query = request.query as Query;
      const order = queryEnum(query, 'order', ORDERS, 'name');
      const desc = queryBool(query, 'desc', false);
      const page = await storage.listItems({
        folderUuid: requireUuid(request.params.uuid, 'folder uuid'),
        recursive: queryBool(query, 'isRecursive', false),
        search: queryString(query, 'search') ?? null,
        itemTypes: itemTypes(query),
        inDataset: query.isInDataset === undefined ? null : queryBool(query, 'isInDataset', false),
        order,
        desc,
        pageSize: queryInt(query, 'pageSize', 100, 1, 1000),
        after: decodePageToken(queryString(query, 'pageToken'), order, desc),
      });
      const sign = queryBool(query, 'signUrls', false);
      return {
        results: await dtos(page.rows, sign),
        nextPageToken: encodePageToken(order, desc, page.next),
      };
    },
  );

  app.patch(
    '/v2/public/storage/folders/:folder/items/:uuid',
    async (request: FastifyRequest<{ Params: { folder: string; uuid: string } }>) => {
      const folder = requireUuid(request.params.folder, 'folder uuid');
      const uuid = requireUuid(request.params.uuid, 'item uuid');
      const [item] = await storage.patchItems([itemPatch(uuid, bodyObject(request.body))], folder);
      return dto(item as ItemRecord, false);
    },
  );

  app.patch('/v2/public/storage/items/patch-bulk', async (request) => {
    const patches = bodyObject(request.body).itemPatches;
    if (!isJsonObject(patches))
      throw new InvalidArgumentError('itemPatches must be an object of item uuid → patch');
    const items = await storage.patchItems(
      Object.entries(patches).map(([uuid, patch]) =>
        itemPatch(requireUuid(uuid, 'itemPatches key'), bodyObject(patch, `the patch of item ${uuid}`)),
      ),
    );
    return { results: await dtos(items, false), nextPageToken: null };
  });
}
