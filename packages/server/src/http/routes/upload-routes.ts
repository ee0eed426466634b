import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUuid } from '../../services/storage-service.js';
import { getActor, type AppServices } from '../app.js';
import { bodyObject, queryInt, type Query } from '../request-parsing.js';

type FolderParams = FastifyRequest<{ Params: { uuid: string } }>;
type JobParams = FastifyRequest<{ Params: { uuid: string; job: string } }>;

/** Signed upload URLs and registration jobs (`data-upload-jobs`), long-polled. */
export function registerUploadRoutes(app: FastifyInstance, { uploads }: AppServices): void {
  const base = '/v2/public/storage/folders/:uuid';

  app.post(`${base}/upload-signed-urls`, async (request: FolderParams) => {
    const body = bodyObject(request.body);
    const count = body.count ?? 1;
    if (typeof count !== 'number') throw new InvalidArgumentError('count must be a number');
    const results = await uploads.issueUploadUrls(
      requireUuid(request.params.uuid, 'folder uuid'),
      typeof body.itemType === 'string' ? body.itemType : '',
      count,
    );
    return { results, nextPageToken: null };
  });

  app.post(`${base}/data-upload-jobs`, async (request: FolderParams, reply) => {
    const job = await uploads.startJob(
      getActor(request),
      requireUuid(request.params.uuid, 'folder uuid'),
      bodyObject(request.body),
    );
    return reply.type('application/json').send(JSON.stringify(job));
  });

  app.get(`${base}/data-upload-jobs/:job`, async (request: JobParams) => {
    const timeout = queryInt(request.query as Query, 'timeoutSeconds', 0, 0, Number.MAX_SAFE_INTEGER);
    return uploads.getJob(
      requireUuid(request.params.uuid, 'folder uuid'),
      requireUuid(request.params.job, 'job uuid'),
      timeout,
    );
  });
}
