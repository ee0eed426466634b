/**
 * From curation to annotation over HTTP (metaindex's /api): a collection or a preset
 * becomes a dataset, or a project's dataset, through a tracked background job.
 *
 *   POST /api/collections/{u}/dataset   {title?, description?, datasetHash?, mode?}
 *   POST /api/collections/{u}/project   … plus {datasetTitle?, projectHash?}
 *   POST /api/presets/{u}/dataset       … as /dataset, plus {topLevelFolderUuid?} for the freeze
 *   GET  /api/dataset-jobs/{job}?timeoutSeconds=N
 *
 * The three POSTs answer 202 with the job view; the GET answers the same view (long
 * poll). This module only reads the wire shapes: the rules live in CurationService.
 */
import { InvalidArgumentError } from '@metaindex/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DATASET_JOB_MODES,
  type DatasetRequest,
  type ProjectRequest,
} from '../../services/curation-service.js';
import { requireUuid } from '../../services/storage-service.js';
import type { DatasetJobMode, DatasetJobRecord } from '../../store/engine.js';
import { getActor, type AppServices } from '../app.js';
import { bodyObject, optionalString, queryInt, type JsonObject, type Query } from '../request-parsing.js';

type UuidRequest = FastifyRequest<{ Params: { uuid: string }; Querystring: Query }>;

/** The job as the SDK reads it: datasets and projects are "hashes" on Encord's side. */
export const datasetJobView = (job: DatasetJobRecord) => ({
  uuid: job.uuid,
  collectionUuid: job.collectionUuid,
  presetUuid: job.presetUuid,
  datasetHash: job.datasetUuid,
  projectHash: job.projectUuid,
  mode: job.mode,
  status: job.status,
  total: job.total,
  processed: job.processed,
  added: job.added,
  alreadyThere: job.alreadyThere,
  error: job.error,
  createdAt: job.createdAt,
  updatedAt: job.updatedAt,
});

/** A body that may be absent (every field is optional at this level). */
const bodyOf = (request: FastifyRequest): JsonObject =>
  request.body === undefined ? {} : bodyObject(request.body);

/** An optional uuid field: absent or null is undefined; anything else must be a uuid (400 naming it). */
function optionalUuid(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  return value === undefined || value === null ? undefined : requireUuid(value, field);
}

/** The fields /dataset takes, each of the right type (the rules between them are the service's). */
function datasetRequestOf(body: JsonObject): DatasetRequest {
  const request: DatasetRequest = {};
  const title = optionalString(body, 'title');
  const description = optionalString(body, 'description');
  const datasetHash = optionalUuid(body, 'datasetHash');
  const mode = optionalString(body, 'mode');
  if (mode !== undefined && !(DATASET_JOB_MODES as readonly string[]).includes(mode)) {
    throw new InvalidArgumentError(
      `mode must be one of ${DATASET_JOB_MODES.map((m) => `"${m}"`).join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  if (title !== undefined) request.title = title;
  if (description !== undefined) request.description = description;
  if (datasetHash !== undefined) request.datasetHash = datasetHash;
  if (mode !== undefined) request.mode = mode as DatasetJobMode;
  return request;
}

function projectRequestOf(body: JsonObject): ProjectRequest {
  const request: ProjectRequest = datasetRequestOf(body);
  const datasetTitle = optionalString(body, 'datasetTitle');
  const projectHash = optionalUuid(body, 'projectHash');
  if (datasetTitle !== undefined) request.datasetTitle = datasetTitle;
  if (projectHash !== undefined) request.projectHash = projectHash;
  return request;
}

const accepted = (reply: FastifyReply, job: DatasetJobRecord) => reply.status(202).send(datasetJobView(job));

export function registerCurationRoutes(app: FastifyInstance, { curation }: AppServices): void {
  app.post('/api/collections/:uuid/dataset', async (request: UuidRequest, reply) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    const body = datasetRequestOf(bodyOf(request));
    return accepted(reply, await curation.collectionToDataset(getActor(request), uuid, body));
  });

  app.post('/api/collections/:uuid/project', async (request: UuidRequest, reply) => {
    const uuid = requireUuid(request.params.uuid, 'collection uuid');
    const body = projectRequestOf(bodyOf(request));
    return accepted(reply, await curation.collectionToProject(getActor(request), uuid, body));
  });

  app.post('/api/presets/:uuid/dataset', async (request: UuidRequest, reply) => {
    const uuid = requireUuid(request.params.uuid, 'preset uuid');
    const raw = bodyOf(request);
    const folder = optionalUuid(raw, 'topLevelFolderUuid');
    const body = {
      ...datasetRequestOf(raw),
      ...(folder === undefined ? {} : { topLevelFolderUuid: folder }),
    };
    return accepted(reply, await curation.presetToDataset(getActor(request), uuid, body));
  });

  app.get('/api/dataset-jobs/:uuid', async (request: UuidRequest) => {
    // Like the other jobs: any wait may be asked; the server waits at most 55 s.
    const timeout = queryInt(request.query, 'timeoutSeconds', 0, 0, Number.MAX_SAFE_INTEGER);
    return datasetJobView(await curation.getJob(requireUuid(request.params.uuid, 'job uuid'), timeout));
  });
}
