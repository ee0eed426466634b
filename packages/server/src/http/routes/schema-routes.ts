import { schemaToJsonText } from '@metaindex/core';
import type { FastifyInstance } from 'fastify';
import { requireAdmin, type AppServices } from '../app.js';

const V2 = '/v2/public/organisation/client-metadata-schema-v2';
const LEGACY = '/v2/public/organisation/client-metadata-schema';

/** The organisation's metadata schema: v2 (typed map) and legacy (flat names). */
export function registerSchemaRoutes(app: FastifyInstance, { schemas }: AppServices): void {
  app.get(V2, async (_request, reply) => {
    const stored = await schemas.get();
    // Serialised from the map so keys keep their insertion order; null when empty.
    return reply.type('application/json').send(schemaToJsonText(stored.schema));
  });

  app.post(V2, async (request, reply) => {
    requireAdmin(request, 'changing the metadata schema');
    await schemas.replace(request.body ?? null);
    return reply.status(204).send();
  });

  app.get(LEGACY, async (_request, reply) => {
    const legacy = await schemas.getLegacy();
    return reply.type('application/json').send(JSON.stringify(legacy));
  });

  app.post(LEGACY, async (request, reply) => {
    requireAdmin(request, 'changing the metadata schema');
    await schemas.replaceFromLegacy(request.body ?? null);
    return reply.status(204).send();
  });
}
