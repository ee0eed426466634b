import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUuid } from '../../services/storage-service.js';
import type { ItemRecord } from '../../store/records.js';
import type { AppServices } from '../app.js';
import { bodyObject, isJsonObject, optionalBool } from '../request-parsing.js';
import { storageItemDtos } from '../wire-dto.js';

/**
 * metaindex's own /api extensions. Merge patches (RFC 7396) update part of an item's
 * clientMetadata without a read-modify-write; the result is validated like any write.
 */
export function registerExtensionRoutes(
  app: FastifyInstance,
  { storage, uploads, datasets }: AppServices,
): void {
  app.patch('/api/items/:uuid/metadata', async (request: FastifyRequest<{ Params: { uuid: string } }>) => {
    if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/merge-patch+json') {
      throw new InvalidArgumentError('send the merge patch as application/merge-patch+json (RFC 7396)');
    }
    const uuid = requireUuid(request.params.uuid, 'item uuid');
    const [item] = await storage.mergeItemMetadata(
      new Map([[uuid, bodyObject(request.body, 'the merge patch')]]),
    );
    return (await storageItemDtos([item as ItemRecord], { storage, uploads }, false))[0];
  });

  app.post('/api/items/delete', async (request) => {
    const body = bodyObject(request.body);
    if (!Array.isArray(body.itemUuids))
      throw new InvalidArgumentError('itemUuids must be an array of item uuids');
    const uuids = body.itemUuids.map((u) => requireUuid(u, 'itemUuids[]'));
    const deleted = await storage.deleteItems(uuids, { force: optionalBool(body, 'force', false) });
    return { deletedItems: deleted.items, deletedDataRows: deleted.rows };
  });

  app.post('/api/datasets/:uuid/unlink', async (request: FastifyRequest<{ Params: { uuid: string } }>) => {
    const body = bodyObject(request.body);
    if (!Array.isArray(body.dataHashes))
      throw new InvalidArgumentError('dataHashes must be an array of data hashes');
    const hashes = body.dataHashes.map((h) => requireUuid(h, 'dataHashes[]'));
    return { unlinked: await datasets.unlinkRows(requireUuid(request.params.uuid, 'dataset uuid'), hashes) };
  });

  app.delete('/api/datasets/:uuid', async (request: FastifyRequest<{ Params: { uuid: string } }>, reply) => {
    await datasets.deleteDataset(requireUuid(request.params.uuid, 'dataset uuid'));
    return reply.status(204).send();
  });

  app.post('/api/items/metadata/merge-bulk', async (request) => {
    const patches = bodyObject(request.body).patches;
    if (!isJsonObject(patches))
      throw new InvalidArgumentError('patches must be an object of item uuid → merge patch');
    const items = await storage.mergeItemMetadata(
      new Map(Object.entries(patches).map(([uuid, patch]) => [requireUuid(uuid, 'patches key'), patch])),
    );
    return { results: await storageItemDtos(items, { storage, uploads }, false) };
  });
}
