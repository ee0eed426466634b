/**
 * The SDK's project calls (see docs/encord-project-calls.md): ontologies and projects
 * over v2, create_project / add_datasets / remove_datasets / list_label_rows_v2 over
 * v1, active sync/import, and metaindex's own keyset-paged `/api/projects/{u}/data-units`.
 * metaindex keeps no labels: every data unit is an uninitialised label row whose
 * client_metadata is its backing item's, read at the time of the call.
 */
import { InvalidArgumentError, parseIsoInstant } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ACTIVE_PROJECT_MODES,
  likeMatcher,
  type ActiveProjectMode,
  type DataUnit,
  type ProjectView,
  type TitledFilter,
} from '../../services/project-service.js';
import { requireUuid, type Actor } from '../../services/storage-service.js';
import type { OntologyRecord } from '../../store/records.js';
import { getActor, type AppServices } from '../app.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import {
  bodyObject,
  optionalBool,
  optionalString,
  queryInt,
  queryString,
  requiredString,
  type JsonObject,
  type Query,
} from '../request-parsing.js';
import { toDataRowDto } from '../v1-dto.js';
import type { V1Call, V1Router } from '../v1-rpc.js';

type WithUuid = FastifyRequest<{ Params: { uuid: string } }>;

const TASK_STATUSES = ['QUEUED', 'ASSIGNED', 'IN_REVIEW', 'RETURNED', 'COMPLETED'];
const SHADOW_STATES = ['ALL_DATA', 'SHADOW_DATA', 'NOT_SHADOW_DATA'];

// --- parsing ---

/**
 * An ISO 8601 date-time (or Python's `YYYY-MM-DD HH:MM:SS`), normalised to the store's
 * form; one without a zone is UTC, as the SDK means it.
 */
function instant(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let ms: number | undefined;
  if (typeof value === 'string') {
    const text = value.trim().replace(/^(\d{4}-\d\d-\d\d) (?=\d)/, '$1T');
    ms = parseIsoInstant(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
  }
  if (ms === undefined) {
    throw new InvalidArgumentError(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  }
  return new Date(ms).toISOString();
}

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidArgumentError(`${field} must be a list of strings`);
  }
  return value;
}

function uuidList(value: unknown, field: string): string[] {
  const list = stringList(value, field);
  if (list === undefined) throw new InvalidArgumentError(`${field} is required (a list of hashes)`);
  return [...new Set(list.map((hash) => requireUuid(hash, `${field}[]`)))];
}

function enumList(value: unknown, field: string, allowed: readonly string[]): string[] | undefined {
  const list = stringList(value, field);
  const bad = list?.find((v) => !allowed.includes(v));
  if (bad !== undefined) {
    throw new InvalidArgumentError(
      `${field} values must be ${allowed.join(', ')}, got ${JSON.stringify(bad)}`,
    );
  }
  return list;
}

function titledFilter(query: Query): TitledFilter {
  const filter: TitledFilter = {};
  const set = (key: keyof TitledFilter, value: string | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set('titleEq', queryString(query, 'titleEq'));
  set('titleLike', queryString(query, 'titleLike'));
  set('descEq', queryString(query, 'descEq'));
  set('descLike', queryString(query, 'descLike'));
  for (const key of ['createdBefore', 'createdAfter', 'editedBefore', 'editedAfter'] as const) {
    set(key, instant(queryString(query, key), key));
  }
  return filter;
}

/** The project a v1 call on the project querier is about: its `ResourceID`. */
function projectOf(call: V1Call): string {
  if (call.resourceType !== undefined && call.resourceType !== 'project') {
    throw new InvalidArgumentError(`this call needs ResourceType project, got ${call.resourceType}`);
  }
  return requireUuid(call.resourceId, 'project hash (ResourceID)');
}

// --- wire shapes ---

/** ADMIN (0) for organisation admins and the owner; USER/ANNOTATOR (1) otherwise. */
const userRole = (actor: Actor, owner: string): number =>
  actor.role === 'admin' || actor.email === owner ? 0 : 1;

const editorObject = (ontology: OntologyRecord): unknown => JSON.parse(ontology.editor);

/** `OntologyWithUserRole`: every key present. */
function ontologyDto(ontology: OntologyRecord, actor: Actor) {
  return {
    ontologyUuid: ontology.uuid,
    title: ontology.title,
    description: ontology.description,
    editor: editorObject(ontology),
    createdAt: ontology.createdAt,
    lastEditedAt: ontology.lastEditedAt,
    userRole: userRole(actor, ontology.owner),
  };
}

/** `ProjectDTO`: a workflow project with the fixed ANNOTATION → DONE workflow. */
function projectDto({ project, ontology, workflow }: ProjectView, actor: Actor) {
  return {
    projectHash: project.uuid,
    projectType: 'workflow',
    status: 'inProgress',
    title: project.title,
    description: project.description,
    createdAt: project.createdAt,
    lastEditedAt: project.lastEditedAt,
    ontologyHash: ontology.uuid,
    editorOntology: editorObject(ontology),
    userRole: userRole(actor, project.owner),
    sourceProjects: null,
    workflowManagerUuid: null,
    workflow: { stages: workflow },
  };
}

const metadataObject = (unit: DataUnit): Record<string, unknown> =>
  JSON.parse(unit.row.item.clientMetadata) as Record<string, unknown>;

// --- label rows ---

interface LabelRowQuery {
  includeUninitialised: boolean;
  includeClientMetadata: boolean;
  includeWorkflowNode: boolean;
  /** A filter that no row of metaindex can pass (labels, statuses, shadow data, another branch). */
  nothing: boolean;
  dataHashes: Set<string> | undefined;
  titleEq: string | undefined;
  titleLike: ((title: string) => boolean) | undefined;
  nodeTitleEq: string | undefined;
  nodeTitleLike: ((title: string) => boolean) | undefined;
  editedBefore: string | undefined;
  editedAfter: string | undefined;
}

function labelRowQuery(payload: JsonObject): LabelRowQuery {
  const labelHashes = stringList(payload.label_hashes, 'label_hashes');
  const statuses = enumList(payload.label_statuses, 'label_statuses', TASK_STATUSES);
  const shadow = optionalString(payload, 'shadow_data_state');
  if (shadow !== undefined && !SHADOW_STATES.includes(shadow)) {
    throw new InvalidArgumentError(`shadow_data_state must be one of ${SHADOW_STATES.join(', ')}`);
  }
  const branch = optionalString(payload, 'branch_name');
  const allBranches = optionalBool(payload, 'include_all_label_branches', false);
  if (branch !== undefined && allBranches) {
    throw new InvalidArgumentError('branch_name cannot be combined with include_all_label_branches');
  }
  optionalBool(payload, 'include_images_data', false);
  const titleLike = optionalString(payload, 'data_title_like');
  const nodeTitleLike = optionalString(payload, 'workflow_graph_node_title_like');
  const dataHashes = stringList(payload.data_hashes, 'data_hashes');
  return {
    includeUninitialised: optionalBool(payload, 'include_uninitialised_labels', false),
    includeClientMetadata: optionalBool(payload, 'include_client_metadata', false),
    includeWorkflowNode: optionalBool(payload, 'include_workflow_graph_node', true),
    nothing:
      (labelHashes !== undefined && labelHashes.length > 0) ||
      (statuses !== undefined && statuses.length > 0) ||
      shadow === 'SHADOW_DATA' ||
      (branch !== undefined && branch !== 'main'),
    dataHashes: dataHashes === undefined ? undefined : new Set(dataHashes.map((h) => h.toLowerCase())),
    titleEq: optionalString(payload, 'data_title_eq'),
    titleLike: titleLike === undefined ? undefined : likeMatcher(titleLike),
    nodeTitleEq: optionalString(payload, 'workflow_graph_node_title_eq'),
    nodeTitleLike: nodeTitleLike === undefined ? undefined : likeMatcher(nodeTitleLike),
    editedBefore: instant(payload.edited_before, 'edited_before'),
    editedAfter: instant(payload.edited_after, 'edited_after'),
  };
}

function labelRowMatches(unit: DataUnit, node: { title: string }, q: LabelRowQuery): boolean {
  const { row, item } = unit.row;
  if (q.dataHashes !== undefined && !q.dataHashes.has(row.dataHash)) return false;
  if (q.titleEq !== undefined && row.title !== q.titleEq) return false;
  if (q.titleLike !== undefined && !q.titleLike(row.title)) return false;
  if (q.nodeTitleEq !== undefined && node.title !== q.nodeTitleEq) return false;
  if (q.nodeTitleLike !== undefined && !q.nodeTitleLike(node.title)) return false;
  // No label is ever edited: the edit filters apply to the metadata's (the item's) last edit.
  if (q.editedBefore !== undefined && !(item.lastEditedAt < q.editedBefore)) return false;
  if (q.editedAfter !== undefined && !(item.lastEditedAt > q.editedAfter)) return false;
  return true;
}

// --- routes ---

export function registerProjectRoutes(app: FastifyInstance, services: AppServices, v1: V1Router): void {
  const { projects, uploads } = services;

  // Ontologies.
  app.post('/v2/public/ontologies', async (request) => {
    const body = bodyObject(request.body);
    const ontology = await projects.createOntology(getActor(request), {
      title: requiredString(body, 'title'),
      description: optionalString(body, 'description') ?? '',
      editor: body.editor ?? { objects: [], classifications: [] },
    });
    return ontologyDto(ontology, getActor(request));
  });

  app.get('/v2/public/ontologies', async (request) => {
    const ontologies = await projects.listOntologies(titledFilter(request.query as Query));
    return { results: ontologies.map((o) => ontologyDto(o, getActor(request))), nextPageToken: null };
  });

  app.get('/v2/public/ontologies/:uuid', async (request: WithUuid) =>
    ontologyDto(
      await projects.getOntology(requireUuid(request.params.uuid, 'ontology hash')),
      getActor(request),
    ),
  );

  app.put('/v2/public/ontologies/:uuid', async (request: WithUuid, reply) => {
    const uuid = requireUuid(request.params.uuid, 'ontology hash');
    const body = bodyObject(request.body);
    const title = optionalString(body, 'title');
    const description = optionalString(body, 'description');
    await projects.updateOntology(uuid, {
      ...(title === undefined ? {} : { title }),
      ...(description === undefined ? {} : { description }),
      ...(body.editor === undefined || body.editor === null ? {} : { editor: body.editor }),
    });
    return reply.status(204).send();
  });

  // Projects over v2.
  app.get('/v2/public/projects', async (request) => {
    const views = await projects.listProjects(titledFilter(request.query as Query));
    return { results: views.map((view) => projectDto(view, getActor(request))), nextPageToken: null };
  });

  app.get('/v2/public/projects/:uuid', async (request: WithUuid) =>
    projectDto(
      await projects.getProject(requireUuid(request.params.uuid, 'project hash')),
      getActor(request),
    ),
  );

  app.get('/v2/public/projects/:uuid/datasets', async (request: WithUuid) => {
    const datasets = await projects.datasetsOf(requireUuid(request.params.uuid, 'project hash'));
    return {
      results: datasets.map((d) => ({ datasetHash: d.uuid, title: d.title, description: d.description })),
      nextPageToken: null,
    };
  });

  // Active: the index is always current, so there is nothing to sync.
  app.post('/v2/public/active/:uuid/sync', async (request: WithUuid, reply) => {
    await projects.activeSync(requireUuid(request.params.uuid, 'project hash'));
    return reply.status(204).send();
  });

  app.post('/v2/public/active/:uuid/import', async (request: WithUuid, reply) => {
    const uuid = requireUuid(request.params.uuid, 'project hash');
    const body = bodyObject(request.body);
    const mode = requiredString(body, 'projectMode');
    if (!(ACTIVE_PROJECT_MODES as readonly string[]).includes(mode)) {
      throw new InvalidArgumentError(
        `projectMode must be one of ${ACTIVE_PROJECT_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
      );
    }
    const rate = body.videoSamplingRate;
    if (rate !== undefined && rate !== null && (typeof rate !== 'number' || !(rate > 0))) {
      throw new InvalidArgumentError('videoSamplingRate must be a positive number');
    }
    await projects.activeSync(uuid, mode as ActiveProjectMode);
    return reply.status(204).send();
  });

  // metaindex's own listing: a project's data units with their metadata as objects.
  app.get('/api/projects/:uuid/data-units', async (request: WithUuid) => {
    const uuid = requireUuid(request.params.uuid, 'project uuid');
    const query = request.query as Query;
    const pageSize = queryInt(query, 'pageSize', 100, 1, 1000);
    const after = decodePageToken(queryString(query, 'pageToken'), 'createdAt', false);
    const page = await projects.dataUnits(uuid, pageSize, after);
    return {
      results: page.units.map((unit) => ({
        dataHash: unit.row.row.dataHash,
        dataTitle: unit.row.row.title,
        dataType: toDataRowDto(unit.row, { clientMetadata: false, signedUrl: null }).data_type,
        datasetHash: unit.dataset.uuid,
        datasetTitle: unit.dataset.title,
        backingItemUuid: unit.row.item.uuid,
        itemType: unit.row.item.itemType,
        clientMetadata: metadataObject(unit),
        createdAt: unit.row.row.createdAt,
        lastEditedAt: unit.row.row.lastEditedAt,
        itemLastEditedAt: unit.row.item.lastEditedAt,
      })),
      nextPageToken: encodePageToken('createdAt', false, page.next),
    };
  });

  // v1: create_project goes to /public/user with no resource.
  v1.on('project', 'POST', async (call) => {
    const p = call.payload;
    const workflowType = optionalString(p, 'workflow_type') ?? 'manual';
    if (workflowType !== 'manual') {
      throw new InvalidArgumentError(
        `workflow_type ${workflowType} is not supported: metaindex keeps no labels, so only manual projects exist`,
      );
    }
    const ontologyHash = optionalString(p, 'ontology_hash');
    optionalString(p, 'workflow_template_id');
    const view = await projects.createProject(call.actor, {
      title: requiredString(p, 'title'),
      description: optionalString(p, 'description') ?? '',
      datasetUuids: uuidList(p.dataset_hashes, 'dataset_hashes'),
      ...(ontologyHash === undefined || ontologyHash === ''
        ? {}
        : { ontologyUuid: requireUuid(ontologyHash, 'ontology_hash') }),
    });
    return view.project.uuid;
  });

  v1.on('projectdataset', 'POST', async (call) => {
    await projects.addDatasets(projectOf(call), uuidList(call.payload.dataset_hashes, 'dataset_hashes'));
    return true;
  });

  v1.on('projectdataset', 'DELETE', async (call) => {
    await projects.removeDatasets(projectOf(call), uuidList(call.uid, 'uid (dataset hashes)'));
    return true;
  });

  v1.on('labelrowmetadata', 'GET', async (call) => {
    const view = await projects.getProject(projectOf(call));
    const q = labelRowQuery(call.payload);
    if (!q.includeUninitialised || q.nothing) return [];
    const [first] = view.workflow;
    const node = { uuid: first?.uuid ?? '', title: first?.title ?? '' };
    const units = await projects.allDataUnits(view.project.uuid);
    return units
      .filter((unit) => labelRowMatches(unit, node, q))
      .map((unit) => {
        const { row, item } = unit.row;
        const dto = toDataRowDto(unit.row, { clientMetadata: false, signedUrl: null });
        return {
          label_hash: null,
          branch_name: 'main',
          created_at: null,
          last_edited_at: null,
          data_hash: row.dataHash,
          dataset_hash: unit.dataset.uuid,
          dataset_title: unit.dataset.title,
          data_title: row.title,
          data_type: dto.data_type,
          data_link: uploads.downloadUrl(item),
          file_type: item.media.mimeType,
          label_status: 'NOT_LABELLED',
          annotation_task_status: null,
          workflow_graph_node: q.includeWorkflowNode ? node : null,
          is_shadow_data: false,
          number_of_frames: item.media.frameCount ?? 1,
          duration: item.media.duration,
          frames_per_second: item.media.fps,
          width: item.media.width,
          height: item.media.height,
          audio_codec: item.media.audioCodec,
          audio_sample_rate: item.media.audioSampleRate,
          audio_bit_depth: item.media.audioBitDepth,
          audio_num_channels: item.media.audioNumChannels,
          priority: null,
          images_data: null,
          is_valid: true,
          backing_item_uuid: item.uuid,
          client_metadata: q.includeClientMetadata ? metadataObject(unit) : null,
          group_hash: null,
          task_uuid: null,
          assigned_user_email: null,
          last_actioned_by_user_email: null,
          spaces: null,
        };
      });
  });
}
