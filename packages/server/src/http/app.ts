/**
 * The HTTP layer: wire formats ⇄ service calls, authentication and error mapping.
 * No business rule lives here, so the Encord API and /api can never disagree.
 */
import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AuthService } from '../services/auth-service.js';
import type { SchemaService } from '../services/schema-service.js';
import type { Actor, StorageService } from '../services/storage-service.js';
import type { UploadService } from '../services/upload-service.js';
import { mapError } from './error-mapper.js';
import type { DatasetService } from '../services/dataset-service.js';
import type { ProjectService } from '../services/project-service.js';
import type { EngineQueryService } from '../services/query-service.js';
import { registerQueryRoutes } from './routes/query-routes.js';
import type { CollectionService } from '../services/collection-service.js';
import type { PresetService } from '../services/preset-service.js';
import type { CurationService } from '../services/curation-service.js';
import { registerIndexRoutes } from './routes/index-routes.js';
import { registerCurationRoutes } from './routes/curation-routes.js';
import { registerBlobRoutes } from './routes/blob-routes.js';
import { registerDatasetRoutes } from './routes/dataset-routes.js';
import { registerProjectRoutes } from './routes/project-routes.js';
import { isV1Path, V1Router, v1ErrorEnvelope } from './v1-rpc.js';
import { registerExtensionRoutes } from './routes/extension-routes.js';
import { registerFolderRoutes } from './routes/folder-routes.js';
import { registerItemRoutes } from './routes/item-routes.js';
import { registerSchemaRoutes } from './routes/schema-routes.js';
import { registerUploadRoutes } from './routes/upload-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set by the auth hook on every API route. */
    actor: Actor;
    /** The exact body bytes, which the signature's Content-Digest covers. */
    rawBody: Buffer | undefined;
  }
}

export interface AppServices {
  auth: AuthService;
  schemas: SchemaService;
  storage: StorageService;
  uploads: UploadService;
  datasets: DatasetService;
  projects: ProjectService;
  query: EngineQueryService;
  collections: CollectionService;
  presets: PresetService;
  curation: CurationService;
}

export interface AppOptions {
  services: AppServices;
  /** Largest JSON body accepted (413 past it). */
  bodyLimit?: number;
}

/** 128 MiB: a 100,000-item registration is about 27 MB of JSON. */
export const DEFAULT_BODY_LIMIT = 128 * 1024 * 1024;

const JSON_TYPES = ['application/json', 'application/merge-patch+json'];

function isApiPath(url: string): boolean {
  return url.startsWith('/v2/public/') || url.startsWith('/api/');
}

export function getActor(request: FastifyRequest): Actor {
  return request.actor;
}

export function requireAdmin(request: FastifyRequest, what: string): void {
  if (request.actor.role !== 'admin') {
    throw new MetaindexError(
      'forbidden',
      `${what} needs an organisation admin; ${request.actor.email} is a member`,
    );
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({ logger: false, bodyLimit, return503OnClosing: true });
  const { services } = options;

  app.decorateRequest('actor');
  app.decorateRequest('rawBody');

  // Keep the raw bytes of JSON bodies: the signature's digest covers them exactly.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer', bodyLimit }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown);
    } catch (error) {
      done(
        new InvalidArgumentError(`the request body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
  });
  // Anything else (blob uploads) stays a stream for the route to consume.
  app.addContentTypeParser('*', (_request, payload, done) => {
    done(null, payload);
  });

  app.addHook('preHandler', async (request) => {
    if (!isApiPath(request.url)) return;
    if (request.body !== undefined && request.rawBody === undefined) {
      throw new MetaindexError('invalid_argument', 'API requests with a body must be application/json');
    }
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
      request.actor = await services.auth.authenticateBearer(authorization.slice('Bearer '.length).trim());
      return;
    }
    request.actor = await services.auth.authenticateSigned({
      method: request.method,
      requestTarget: request.raw.url ?? request.url,
      body: request.rawBody ?? new Uint8Array(0),
      headers: request.headers,
    });
  });

  app.setErrorHandler((error, request, reply) => {
    // The v1 endpoint answers every error (bad JSON too) as an envelope with HTTP 200.
    if (isV1Path(request.url)) return reply.status(200).send(v1ErrorEnvelope(error));
    const { status, body } = mapError(error);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      message: `no such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}`,
      code: 'not_found',
    }),
  );

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/v2/public/user/bearer-token', (request) => ({
    token: services.auth.mintBearerToken(getActor(request)),
  }));

  registerSchemaRoutes(app, services);
  registerFolderRoutes(app, services);
  registerItemRoutes(app, services);
  registerUploadRoutes(app, services);
  registerExtensionRoutes(app, services);
  registerQueryRoutes(app, services);
  registerIndexRoutes(app, services);
  registerCurationRoutes(app, services);
  registerBlobRoutes(app, services);

  // The legacy v1 RPC endpoint: each route module registers its query types.
  const v1 = new V1Router();
  registerDatasetRoutes(app, services, v1);
  registerProjectRoutes(app, services, v1);
  v1.register(app, services.auth);
  return app;
}
