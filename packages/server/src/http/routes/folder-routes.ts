import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUuid, type FolderPatch } from '../../services/storage-service.js';
import type { ListFoldersQuery, SortOrder } from '../../store/engine.js';
import { getActor, type AppServices } from '../app.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import {
  bodyObject,
  isJsonObject,
  metadataText,
  optionalString,
  queryBool,
  queryEnum,
  queryInt,
  queryString,
  requiredString,
  type JsonObject,
  type Query,
} from '../request-parsing.js';
import { toStorageFolderDto } from '../wire-dto.js';

const BASE = '/v2/public/storage/folders';
const ORDERS: readonly SortOrder[] = ['name', 'createdAt'];

type WithUuid = FastifyRequest<{ Params: { uuid: string } }>;

function listQuery(query: Query, parentUuid: string | null, recursiveDefault: boolean): ListFoldersQuery {
  const order = queryEnum(query, 'order', ORDERS, 'name');
  const desc = queryBool(query, 'desc', false);
  return {
    parentUuid,
    recursive: queryBool(query, 'isRecursive', recursiveDefault),
    search: queryString(query, 'search') ?? null,
    order,
    desc,
    pageSize: queryInt(query, 'pageSize', 100, 1, 1000),
    after: decodePageToken(queryString(query, 'pageToken'), order, desc),
  };
}

function folderPatch(uuid: string, body: JsonObject): FolderPatch {
  const patch: FolderPatch = { uuid };
  const name = optionalString(body, 'name');
  const description = optionalString(body, 'description');
  if (name !== undefined) patch.name = name;
  if (description !== undefined) patch.description = description;
  if ('clientMetadata' in body && body.clientMetadata !== undefined) {
    patch.clientMetadata = metadataText(body.clientMetadata, 'clientMetadata');
  }
  return patch;
}

/** Storage folders: create, get, list (root, children, search), patch, patch-bulk, delete. */
export function registerFolderRoutes(app: FastifyInstance, { storage }: AppServices): void {
  const dto = async (request: FastifyRequest, uuid: string) => {
    const { folder, path } = await storage.getFolder(uuid);
    const synced = await storage.syncedDatasets(path.map((f) => f.uuid));
    return toStorageFolderDto(folder, path, getActor(request), synced);
  };

  const list = async (request: FastifyRequest, parentUuid: string | null, recursiveDefault: boolean) => {
    const query = listQuery(request.query as Query, parentUuid, recursiveDefault);
    const page = await storage.listFolders(query);
    const results = await Promise.all(page.rows.map((f) => dto(request, f.uuid)));
    return { results, nextPageToken: encodePageToken(query.order, query.desc, page.next) };
  };

  app.post(BASE, async (request) => {
    const body = bodyObject(request.body);
    const parent = optionalString(body, 'parent');
    const folder = await storage.createFolder(getActor(request), {
      name: requiredString(body, 'name'),
      description: optionalString(body, 'description') ?? '',
      parentUuid: parent === undefined ? null : requireUuid(parent, 'parent'),
      clientMetadata: metadataText(body.clientMetadata, 'clientMetadata'),
    });
    return dto(request, folder.uuid);
  });

  app.get(BASE, (request) => list(request, null, false));
  app.get('/v2/public/storage/search/folders', (request) => list(request, null, true));
  app.get(`${BASE}/:uuid`, (request: WithUuid) =>
    dto(request, requireUuid(request.params.uuid, 'folder uuid')),
  );
  app.get(`${BASE}/:uuid/folders`, (request: WithUuid) =>
    list(request, requireUuid(request.params.uuid, 'folder uuid'), false),
  );

  app.patch(`${BASE}/patch-bulk`, async (request) => {
    const patches = bodyObject(request.body).folderPatches;
    if (!isJsonObject(patches))
      throw new InvalidArgumentError('folderPatches must be an object of folder uuid → patch');
    const updated = await storage.updateFolders(
      Object.entries(patches).map(([uuid, patch]) =>
        folderPatch(requireUuid(uuid, 'folderPatches key'), bodyObject(patch, `the patch of folder ${uuid}`)),
      ),
    );
    return { results: await Promise.all(updated.map((f) => dto(request, f.uuid))), nextPageToken: null };
  });

  app.patch(`${BASE}/:uuid`, async (request: WithUuid) => {
    const uuid = requireUuid(request.params.uuid, 'folder uuid');
    await storage.updateFolders([folderPatch(uuid, bodyObject(request.body))]);
    return dto(request, uuid);
  });

  app.delete(`${BASE}/:uuid`, async (request: WithUuid, reply) => {
    await storage.deleteFolder(requireUuid(request.params.uuid, 'folder uuid'), {
      force: queryBool(request.query as Query, 'force', false),
    });
    return reply.status(204).send();
  });
}
