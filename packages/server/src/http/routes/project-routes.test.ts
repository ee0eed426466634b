/**
 * The SDK's project calls end to end over HTTP, signed like the official SDK: a schema,
 * a folder and 100 items registered through a job, datasets linking them, then
 * create_ontology → create_project → get_project → list/add/remove datasets →
 * list_label_rows_v2 with client metadata → active sync/import → list_projects, and
 * metaindex's own data-units listing. One source of truth: a metadata write on an
 * item is seen at once through label rows and data units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type SdkLikeClient, type TestServer } from '../../testing/sdk-like-client.js';

interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}
interface ErrorBody {
  message: string;
}
interface Ontology {
  ontologyUuid: string;
  title: string;
  description: string;
  editor: { objects: unknown[]; classifications: unknown[]; [key: string]: unknown };
  createdAt: string;
  lastEditedAt: string;
  userRole: number | null;
}
interface Project {
  projectHash: string;
  projectType: string;
  status: string;
  title: string;
  description: string;
  createdAt: string;
  lastEditedAt: string;
  ontologyHash: string;
  editorOntology: Record<string, unknown>;
  userRole: number | null;
  workflow: { stages: { stageType: string; uuid: string; title: string }[] } | null;
}
interface LabelRow {
  data_hash: string;
  data_title: string;
  dataset_hash: string;
  dataset_title: string;
  data_type: string;
  branch_name: string;
  label_hash: string | null;
  label_status: string;
  number_of_frames: number;
  workflow_graph_node: { uuid: string; title: string } | null;
  backing_item_uuid: string;
  client_metadata: Record<string, unknown> | null;
  [key: string]: unknown;
}
interface DataUnit {
  dataHash: string;
  dataTitle: string;
  dataType: string;
  datasetHash: string;
  datasetTitle: string;
  backingItemUuid: string;
  itemType: string;
  clientMetadata: Record<string, unknown>;
  createdAt: string;
  lastEditedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ABSENT = '00000000-0000-4000-8000-00000000abcd';

/** The payload `list_label_rows_v2(include_client_metadata=…)` sends: every key, unset ones null. */
function labelRowPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    edited_before: null,
    edited_after: null,
    label_statuses: null,
    shadow_data_state: null,
    include_uninitialised_labels: true,
    data_hashes: null,
    label_hashes: null,
    data_title_eq: null,
    data_title_like: null,
    workflow_graph_node_title_eq: null,
    workflow_graph_node_title_like: null,
    include_client_metadata: true,
    include_images_data: false,
    include_workflow_graph_node: true,
    include_all_label_branches: false,
    branch_name: null,
    ...overrides,
  };
}

/** The keys of a label row the SDK indexes or reads, all of which metaindex always sends. */
const LABEL_ROW_KEYS = [
  'label_hash',
  'branch_name',
  'created_at',
  'last_edited_at',
  'data_hash',
  'dataset_hash',
  'dataset_title',
  'data_title',
  'data_type',
  'data_link',
  'file_type',
  'label_status',
  'annotation_task_status',
  'workflow_graph_node',
  'is_shadow_data',
  'number_of_frames',
  'duration',
  'frames_per_second',
  'width',
  'height',
  'audio_codec',
  'audio_sample_rate',
  'audio_bit_depth',
  'audio_num_channels',
  'priority',
  'images_data',
  'is_valid',
  'backing_item_uuid',
  'client_metadata',
  'group_hash',
  'task_uuid',
  'assigned_user_email',
  'last_actioned_by_user_email',
  'spaces',
];

describe('projects (SDK project calls)', () => {
  let t: TestServer;
  let admin: SdkLikeClient;
  let folder: string;
  /** The 100 registered items, in registration (title) order. */
  let items: string[];
  /** Dataset A links all 100 items; dataset B links the first 3 again. */
  let datasetA: string;
  let datasetB: string;
  let ontology: string;
  let project: string;

  const v1Project = <T>(queryType: string, method: string, uid: unknown, payload: unknown, id = project) =>
    admin.callV1<T>(queryType, method, uid, payload, { resourceType: 'project', resourceId: id });

  const createProject = <T = string>(payload: Record<string, unknown>) =>
    admin.callV1<T>('project', 'POST', null, payload, { path: '/public/user' });

  const labelRows = async (overrides: Record<string, unknown> = {}, id = project) => {
    const { httpStatus, envelope } = await v1Project<LabelRow[]>(
      'labelrowmetadata',
      'GET',
      null,
      labelRowPayload(overrides),
      id,
    );
    expect(httpStatus).toBe(200);
    expect(envelope.status).toBe(200);
    return envelope.response;
  };

  const allDataUnits = async (id: string, pageSize: number) => {
    const units: DataUnit[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.get<Page<DataUnit>>(`/api/projects/${id}/data-units`, {
        pageSize,
        pageToken: token,
      });
      expect(page.status).toBe(200);
      units.push(...page.body.results);
      token = page.body.nextPageToken ?? undefined;
      pages++;
    } while (token !== undefined);
    return { units, pages };
  };

  beforeAll(async () => {
    t = await startTestServer();
    admin = t.admin;
    const schema = await admin.post('organisation/client-metadata-schema-v2', {
      camera: { ty: 'variant', hint: 'varchar' },
      score: { ty: 'variant', hint: 'number' },
    });
    expect(schema.status).toBe(204);
    folder = (await admin.post<{ uuid: string }>('storage/folders', { name: 'project source' })).body.uuid;
    const images = Array.from({ length: 100 }, (_, i) => ({
      objectUrl: `https://bucket.example.com/p/${String(i).padStart(3, '0')}.jpg`,
      title: `img-${String(i).padStart(3, '0')}.jpg`,
      clientMetadata: { score: i, camera: `cam-${i % 4}` },
      externalFileType: 'IMAGE',
    }));
    const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
      dataItems: { images, skipDuplicateUrls: false, upsertMetadata: false },
      ignoreErrors: false,
    });
    expect(job.status).toBe(200);
    const done = await admin.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
      `storage/folders/${folder}/data-upload-jobs/${job.body}`,
      { timeoutSeconds: 30 },
    );
    expect(done.body.status).toBe('DONE');
    items = done.body.itemsWithNames.map((i) => i.itemUuid);
    expect(items).toHaveLength(100);

    const createDataset = async (title: string, link: string[]) => {
      const created = await admin.post<{ datasetUuid: string }>('datasets', {
        title,
        description: `${title} description`,
        createBackingFolder: false,
        legacyCall: false,
      });
      expect(created.status).toBe(200);
      const uuid = created.body.datasetUuid;
      const linked = await admin.callV1<unknown[]>(
        'datasetlinkitems',
        'POST',
        uuid,
        { item_uuids: link, duplicates_behavior: 'SKIP' },
        { resourceType: 'dataset', resourceId: uuid },
      );
      expect(linked.envelope.status).toBe(200);
      expect(linked.envelope.response).toHaveLength(link.length);
      return uuid;
    };
    datasetA = await createDataset('dataset A', items);
    datasetB = await createDataset('dataset B', items.slice(0, 3));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('ontologies', () => {
    it('create_ontology: stores the editor and answers an OntologyWithUserRole with every key', async () => {
      const editor = { objects: [], classifications: [], skeleton_templates: [] };
      const created = await admin.post<Ontology>('ontologies', {
        title: 'Animals',
        description: 'd',
        editor,
      });
      expect(created.status).toBe(200);
      expect(Object.keys(created.body).sort()).toEqual(
        ['createdAt', 'description', 'editor', 'lastEditedAt', 'ontologyUuid', 'title', 'userRole'].sort(),
      );
      expect(created.body).toMatchObject({ title: 'Animals', description: 'd', editor, userRole: 0 });
      expect(created.body.ontologyUuid).toMatch(UUID);
      ontology = created.body.ontologyUuid;

      const read = await admin.get<Ontology>(`ontologies/${ontology}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      // The SDK may send the hash in upper case; it is the same ontology.
      expect((await admin.get<Ontology>(`ontologies/${ontology.toUpperCase()}`)).body).toEqual(created.body);
    });

    it('ontology.save(): PUT replaces the fields given and answers 204', async () => {
      const editor = { objects: [{ id: '1', name: 'cat', shape: 'bounding_box' }], classifications: [] };
      const saved = await admin.call('PUT', `ontologies/${ontology}`, {
        body: { title: 'Animals 2', description: 'd2', editor },
      });
      expect(saved.status).toBe(204);
      const read = await admin.get<Ontology>(`ontologies/${ontology}`);
      expect(read.body).toMatchObject({ title: 'Animals 2', description: 'd2', editor });
      expect(read.body.lastEditedAt >= read.body.createdAt).toBe(true);
    });

    it('get_ontologies: one page, filtered', async () => {
      await admin.post('ontologies', { title: 'Vehicles', description: '', editor: undefined });
      const all = await admin.get<Page<Ontology>>('ontologies', { includeOrgAccess: false });
      expect(all.status).toBe(200);
      expect(all.body.nextPageToken).toBeNull();
      expect(all.body.results.map((o) => o.title)).toEqual(['Animals 2', 'Vehicles']);
      const vehicles = all.body.results[1]!;
      expect(vehicles.editor).toEqual({ objects: [], classifications: [] });

      const byTitle = await admin.get<Page<Ontology>>('ontologies', {
        titleLike: 'anim%',
        includeOrgAccess: false,
      });
      expect(byTitle.body.results.map((o) => o.ontologyUuid)).toEqual([ontology]);
      const none = await admin.get<Page<Ontology>>('ontologies', { createdBefore: '2000-01-01T00:00:00' });
      expect(none.body.results).toEqual([]);
    });

    it('rejects bad input naming the field, and unknown ontologies with 404', async () => {
      const noTitle = await admin.post<ErrorBody>('ontologies', { description: '', editor: {} });
      expect(noTitle.status).toBe(400);
      expect(noTitle.body.message).toContain('title');
      const badEditor = await admin.post<ErrorBody>('ontologies', { title: 'x', editor: { objects: [] } });
      expect(badEditor.status).toBe(400);
      expect(badEditor.body.message).toContain('editor.classifications');
      const notObject = await admin.post<ErrorBody>('ontologies', { title: 'x', editor: [1] });
      expect(notObject.status).toBe(400);
      expect(notObject.body.message).toContain('editor');
      const badTitleType = await admin.post<ErrorBody>('ontologies', { title: 3 });
      expect(badTitleType.status).toBe(400);
      expect(badTitleType.body.message).toContain('title');

      const unknown = await admin.get<ErrorBody>(`ontologies/${ABSENT}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain(ABSENT);
      const putUnknown = await admin.call<ErrorBody>('PUT', `ontologies/${ABSENT}`, { body: { title: 'x' } });
      expect(putUnknown.status).toBe(404);
      const notUuid = await admin.get<ErrorBody>('ontologies/not-a-uuid');
      expect(notUuid.status).toBe(400);
      expect(notUuid.body.message).toContain('ontology hash');
      const badDate = await admin.get<ErrorBody>('ontologies', { createdAfter: 'yesterday' });
      expect(badDate.status).toBe(400);
      expect(badDate.body.message).toContain('createdAfter');
    });
  });

  describe('create_project and get_project', () => {
    it('create_project (v1 at /public/user) returns the new project hash', async () => {
      const { httpStatus, envelope } = await createProject({
        title: 'Project one',
        description: 'first',
        dataset_hashes: [datasetA],
        workflow_type: 'manual',
        ontology_hash: ontology,
      });
      expect(httpStatus).toBe(200);
      expect(envelope.status).toBe(200);
      expect(envelope.response).toMatch(UUID);
      project = envelope.response;
    });

    it('get_project: a ProjectDTO with its ontology and an ANNOTATION → DONE workflow', async () => {
      const read = await admin.get<Project>(`projects/${project}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        projectHash: project,
        projectType: 'workflow',
        status: 'inProgress',
        title: 'Project one',
        description: 'first',
        ontologyHash: ontology,
        userRole: 0,
        sourceProjects: null,
        workflowManagerUuid: null,
      });
      expect(read.body.editorOntology).toEqual(
        (await admin.get<Ontology>(`ontologies/${ontology}`)).body.editor,
      );
      expect(Number.isNaN(Date.parse(read.body.createdAt))).toBe(false);
      expect(Number.isNaN(Date.parse(read.body.lastEditedAt))).toBe(false);
      const stages = read.body.workflow!.stages;
      expect(stages.map((s) => [s.stageType, s.title])).toEqual([
        ['ANNOTATION', 'Annotate'],
        ['DONE', 'Complete'],
      ]);
      for (const stage of stages) expect(stage.uuid).toMatch(UUID);
      // Stable: the same stage uuids on every read.
      expect((await admin.get<Project>(`projects/${project}`)).body.workflow).toEqual(read.body.workflow);
    });

    it('without ontology_hash, creates an empty ontology the project keeps', async () => {
      const { envelope } = await createProject({
        title: 'Project two',
        description: '',
        dataset_hashes: [datasetB],
        workflow_type: 'manual',
      });
      expect(envelope.status).toBe(200);
      const second = envelope.response;
      const read = await admin.get<Project>(`projects/${second}`);
      expect(read.body.ontologyHash).toMatch(UUID);
      expect(read.body.ontologyHash).not.toBe(ontology);
      expect(read.body.editorOntology).toEqual({ objects: [], classifications: [] });
      const fetched = await admin.get<Ontology>(`ontologies/${read.body.ontologyHash}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body.editor).toEqual({ objects: [], classifications: [] });
      expect((await admin.get<Project>(`projects/${second}`)).body.ontologyHash).toBe(read.body.ontologyHash);
    });

    it('a project made without an ontology link (e.g. through /api) gets one on first read', async () => {
      const created = await t.server.services.datasets.createProject(
        { email: 'admin@example.com', role: 'admin' },
        { title: 'Service project', description: '', datasetUuids: [] },
      );
      const read = await admin.get<Project>(`projects/${created.uuid}`);
      expect(read.status).toBe(200);
      expect((await admin.get<Ontology>(`ontologies/${read.body.ontologyHash}`)).status).toBe(200);
      expect((await admin.get<Project>(`projects/${created.uuid}`)).body.ontologyHash).toBe(
        read.body.ontologyHash,
      );
    });

    it('refuses bad input and unknown hashes with the v1 error envelope', async () => {
      const unknownDataset = await createProject({ title: 'x', description: '', dataset_hashes: [ABSENT] });
      expect(unknownDataset.envelope).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] });
      expect(unknownDataset.envelope.payload).toContain(ABSENT);
      const unknownOntology = await createProject({
        title: 'x',
        description: '',
        dataset_hashes: [datasetA],
        ontology_hash: ABSENT,
      });
      expect(unknownOntology.envelope).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] });
      expect(unknownOntology.envelope.payload).toContain(`ontology ${ABSENT}`);
      const noTitle = await createProject({ description: '', dataset_hashes: [datasetA] });
      expect(noTitle.envelope).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] });
      expect(noTitle.envelope.payload).toContain('title');
      const blankTitle = await createProject({ title: ' ', dataset_hashes: [datasetA] });
      expect(blankTitle.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      const hashesNotList = await createProject({ title: 'x', dataset_hashes: datasetA });
      expect(hashesNotList.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      expect(hashesNotList.envelope.payload).toContain('dataset_hashes');
      const hashNotUuid = await createProject({ title: 'x', dataset_hashes: ['nope'] });
      expect(hashNotUuid.envelope.payload).toContain('dataset_hashes[]');
      const benchmark = await createProject({
        title: 'x',
        dataset_hashes: [datasetA],
        workflow_type: 'benchmark',
        source_projects: [project],
      });
      expect(benchmark.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      expect(benchmark.envelope.payload).toContain('workflow_type');
      // Nothing was created by the refused calls.
      const titles = (
        await admin.get<Page<Project>>('projects', { includeOrgAccess: false })
      ).body.results.map((p) => p.title);
      expect(titles).not.toContain('x');

      const unknownProject = await admin.get<ErrorBody>(`projects/${ABSENT}`);
      expect(unknownProject.status).toBe(404);
      expect(unknownProject.body.message).toContain(ABSENT);
      expect((await admin.get<ErrorBody>('projects/zzz')).status).toBe(400);
    });
  });

  describe('project datasets', () => {
    it('list_datasets: every attached dataset in one page', async () => {
      const listed = await admin.get<Page<{ datasetHash: string; title: string; description: string }>>(
        `projects/${project}/datasets`,
      );
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({
        results: [{ datasetHash: datasetA, title: 'dataset A', description: 'dataset A description' }],
        nextPageToken: null,
      });
      expect((await admin.get(`projects/${ABSENT}/datasets`)).status).toBe(404);
    });

    it('add_datasets / remove_datasets answer true and change the listing and the label rows', async () => {
      const added = await v1Project('projectdataset', 'POST', null, { dataset_hashes: [datasetB] });
      expect(added.envelope).toEqual({ status: 200, response: true });
      const listed = await admin.get<Page<{ datasetHash: string }>>(`projects/${project}/datasets`);
      expect(listed.body.results.map((d) => d.datasetHash).sort()).toEqual([datasetA, datasetB].sort());
      // The 3 items of B are new data units of the project (same items, same metadata).
      const rows = await labelRows();
      expect(rows).toHaveLength(103);
      const fromB = rows.filter((r) => r.dataset_hash === datasetB);
      expect(fromB.map((r) => r.backing_item_uuid).sort()).toEqual(items.slice(0, 3).sort());
      expect(fromB.every((r) => r.dataset_title === 'dataset B')).toBe(true);
      // Adding again is a no-op.
      expect(
        (await v1Project('projectdataset', 'POST', null, { dataset_hashes: [datasetB] })).envelope.response,
      ).toBe(true);

      const removed = await v1Project('projectdataset', 'DELETE', [datasetB], null);
      expect(removed.envelope).toEqual({ status: 200, response: true });
      const after = await admin.get<Page<{ datasetHash: string }>>(`projects/${project}/datasets`);
      expect(after.body.results.map((d) => d.datasetHash)).toEqual([datasetA]);
      expect(await labelRows()).toHaveLength(100);
      // The refetch the SDK does afterwards succeeds.
      expect((await admin.get(`projects/${project}`)).status).toBe(200);
    });

    it('refuses unknown datasets and projects, and bad hashes', async () => {
      const unknown = await v1Project('projectdataset', 'POST', null, { dataset_hashes: [ABSENT] });
      expect(unknown.envelope).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] });
      expect(unknown.envelope.payload).toContain(ABSENT);
      const unknownProject = await v1Project(
        'projectdataset',
        'POST',
        null,
        { dataset_hashes: [datasetB] },
        ABSENT,
      );
      expect(unknownProject.envelope.response).toEqual(['RESOURCE_NOT_FOUND_ERROR']);
      const removeUnknownProject = await v1Project('projectdataset', 'DELETE', [datasetB], null, ABSENT);
      expect(removeUnknownProject.envelope.response).toEqual(['RESOURCE_NOT_FOUND_ERROR']);
      const noHashes = await v1Project('projectdataset', 'POST', null, {});
      expect(noHashes.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      expect(noHashes.envelope.payload).toContain('dataset_hashes');
      const uidNotList = await v1Project('projectdataset', 'DELETE', datasetB, null);
      expect(uidNotList.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      expect(uidNotList.envelope.payload).toContain('uid');
      const noResource = await admin.callV1('projectdataset', 'POST', null, { dataset_hashes: [datasetB] });
      expect(noResource.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
      expect(noResource.envelope.payload).toContain('ResourceID');
      const wrongResource = await admin.callV1(
        'projectdataset',
        'POST',
        null,
        { dataset_hashes: [datasetB] },
        { resourceType: 'dataset', resourceId: project },
      );
      expect(wrongResource.envelope.payload).toContain('ResourceType project');
    });
  });

  describe('list_label_rows_v2 (labelrowmetadata)', () => {
    it('one uninitialised row per data unit, with every key and the items’ metadata as objects', async () => {
      const rows = await labelRows();
      expect(rows).toHaveLength(100);
      const stage = (await admin.get<Project>(`projects/${project}`)).body.workflow!.stages[0]!;
      rows.forEach((row, i) => {
        for (const key of LABEL_ROW_KEYS) expect(row).toHaveProperty(key);
        expect(row).toMatchObject({
          label_hash: null,
          branch_name: 'main',
          dataset_hash: datasetA,
          dataset_title: 'dataset A',
          data_title: `img-${String(i).padStart(3, '0')}.jpg`,
          data_type: 'IMAGE',
          data_link: `https://bucket.example.com/p/${String(i).padStart(3, '0')}.jpg`,
          label_status: 'NOT_LABELLED',
          number_of_frames: 1,
          images_data: null,
          backing_item_uuid: items[i],
          client_metadata: { score: i, camera: `cam-${i % 4}` },
          workflow_graph_node: { uuid: stage.uuid, title: 'Annotate' },
        });
        expect(row.data_hash).toMatch(UUID);
      });
    });

    it('sends client_metadata only when asked, and the workflow node only when asked', async () => {
      const rows = await labelRows({ include_client_metadata: false, include_workflow_graph_node: false });
      expect(rows).toHaveLength(100);
      expect(rows.every((r) => r.client_metadata === null && r.workflow_graph_node === null)).toBe(true);
    });

    it('applies the filters', async () => {
      const all = await labelRows();
      const picked = [all[5]!.data_hash, all[7]!.data_hash];
      expect((await labelRows({ data_hashes: picked })).map((r) => r.data_hash)).toEqual(picked);
      expect((await labelRows({ data_title_eq: 'img-042.jpg' })).map((r) => r.data_title)).toEqual([
        'img-042.jpg',
      ]);
      expect(await labelRows({ data_title_like: 'IMG-09%' })).toHaveLength(10);
      expect(await labelRows({ data_title_like: 'img-0_0.jpg' })).toHaveLength(10);
      expect(await labelRows({ workflow_graph_node_title_eq: 'Annotate' })).toHaveLength(100);
      expect(await labelRows({ workflow_graph_node_title_like: 'Review%' })).toEqual([]);
      expect(await labelRows({ edited_after: '2000-01-01T00:00:00' })).toHaveLength(100);
      expect(await labelRows({ edited_before: '2000-01-01T00:00:00+00:00' })).toEqual([]);
      expect(await labelRows({ edited_before: '2000-01-01 00:00:00' })).toEqual([]);
      expect(await labelRows({ edited_before: '2999-01-01 00:00:00' })).toHaveLength(100);
      expect(await labelRows({ branch_name: 'main' })).toHaveLength(100);
      expect(await labelRows({ shadow_data_state: 'NOT_SHADOW_DATA' })).toHaveLength(100);
      // metaindex keeps no labels: anything that needs one matches nothing.
      expect(await labelRows({ include_uninitialised_labels: false })).toEqual([]);
      expect(await labelRows({ label_hashes: [ABSENT] })).toEqual([]);
      expect(await labelRows({ label_statuses: ['COMPLETED'] })).toEqual([]);
      expect(await labelRows({ shadow_data_state: 'SHADOW_DATA' })).toEqual([]);
      expect(await labelRows({ branch_name: 'other' })).toEqual([]);
      // Unknown payload keys (a newer SDK) are ignored.
      expect(await labelRows({ some_future_flag: true })).toHaveLength(100);
    });

    it('refuses wrong types and bad values naming the field; unknown projects are not found', async () => {
      const call = (overrides: Record<string, unknown>, id = project) =>
        v1Project('labelrowmetadata', 'GET', null, labelRowPayload(overrides), id);
      const cases: [Record<string, unknown>, string][] = [
        [{ data_hashes: 'abc' }, 'data_hashes'],
        [{ label_hashes: [1] }, 'label_hashes'],
        [{ label_statuses: ['DONE'] }, 'label_statuses'],
        [{ shadow_data_state: 'SOME' }, 'shadow_data_state'],
        [{ include_client_metadata: 'yes' }, 'include_client_metadata'],
        [{ data_title_eq: 5 }, 'data_title_eq'],
        [{ edited_before: 'last week' }, 'edited_before'],
        [{ branch_name: 'main', include_all_label_branches: true }, 'branch_name'],
      ];
      for (const [overrides, field] of cases) {
        const { envelope } = await call(overrides);
        expect(envelope).toMatchObject({ status: 400, response: ['INVALID_ARGUMENTS_ERROR'] });
        expect(envelope.payload).toContain(field);
      }
      const unknown = await call({}, ABSENT);
      expect(unknown.envelope).toMatchObject({ status: 404, response: ['RESOURCE_NOT_FOUND_ERROR'] });
      expect(unknown.envelope.payload).toContain(ABSENT);
      const notUuid = await call({}, 'project-one');
      expect(notUuid.envelope.response).toEqual(['INVALID_ARGUMENTS_ERROR']);
    });
  });

  describe('active_sync / active_import', () => {
    it('accepts both and answers 204: the index is always current', async () => {
      expect((await admin.post(`active/${project}/sync`)).status).toBe(204);
      expect((await admin.post(`active/${project}/import`, { projectMode: 'data' })).status).toBe(204);
      expect(
        (await admin.post(`active/${project}/import`, { projectMode: 'advanced', videoSamplingRate: 2.5 }))
          .status,
      ).toBe(204);
    });

    it('refuses unknown projects and bad modes', async () => {
      expect((await admin.post<ErrorBody>(`active/${ABSENT}/sync`)).status).toBe(404);
      expect((await admin.post(`active/${ABSENT}/import`, { projectMode: 'data' })).status).toBe(404);
      const badMode = await admin.post<ErrorBody>(`active/${project}/import`, { projectMode: 'everything' });
      expect(badMode.status).toBe(400);
      expect(badMode.body.message).toContain('projectMode');
      const noMode = await admin.post<ErrorBody>(`active/${project}/import`, {});
      expect(noMode.status).toBe(400);
      expect(noMode.body.message).toContain('projectMode');
      const badRate = await admin.post<ErrorBody>(`active/${project}/import`, {
        projectMode: 'data',
        videoSamplingRate: 'fast',
      });
      expect(badRate.status).toBe(400);
      expect(badRate.body.message).toContain('videoSamplingRate');
    });
  });

  describe('list_projects', () => {
    it('answers every project in one page, filtered as asked', async () => {
      const all = await admin.get<Page<Project>>('projects', { includeOrgAccess: false });
      expect(all.status).toBe(200);
      expect(all.body.nextPageToken).toBeNull();
      expect(all.body.results.map((p) => p.title)).toEqual(['Project one', 'Project two', 'Service project']);
      const first = all.body.results[0]!;
      expect(first).toEqual((await admin.get<Project>(`projects/${project}`)).body);
      const byTitle = await admin.get<Page<Project>>('projects', {
        titleEq: 'Project two',
        includeOrgAccess: false,
      });
      expect(byTitle.body.results.map((p) => p.title)).toEqual(['Project two']);
      const byDesc = await admin.get<Page<Project>>('projects', { descLike: 'fir%' });
      expect(byDesc.body.results.map((p) => p.projectHash)).toEqual([project]);
      const future = await admin.get<Page<Project>>('projects', { createdAfter: '2999-01-01T00:00:00' });
      expect(future.body.results).toEqual([]);
      const bad = await admin.get<ErrorBody>('projects', { editedBefore: 'soon' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('editedBefore');
    });
  });

  describe('GET /api/projects/{u}/data-units', () => {
    it('lists every data unit exactly once across keyset pages, with metadata objects', async () => {
      const { units, pages } = await allDataUnits(project, 30);
      expect(pages).toBe(4);
      expect(units).toHaveLength(100);
      expect(new Set(units.map((u) => u.dataHash)).size).toBe(100);
      const rows = await labelRows();
      expect(units.map((u) => u.dataHash)).toEqual(rows.map((r) => r.data_hash));
      units.forEach((unit, i) => {
        expect(unit).toMatchObject({
          dataTitle: `img-${String(i).padStart(3, '0')}.jpg`,
          dataType: 'IMAGE',
          datasetHash: datasetA,
          datasetTitle: 'dataset A',
          backingItemUuid: items[i],
          itemType: 'image',
          clientMetadata: { score: i, camera: `cam-${i % 4}` },
        });
      });
    });

    it('refuses bad paging and unknown projects', async () => {
      const badSize = await admin.get<ErrorBody>(`/api/projects/${project}/data-units`, { pageSize: 0 });
      expect(badSize.status).toBe(400);
      expect(badSize.body.message).toContain('pageSize');
      const badToken = await admin.get<ErrorBody>(`/api/projects/${project}/data-units`, {
        pageToken: 'garbage',
      });
      expect(badToken.status).toBe(400);
      expect(badToken.body.message).toContain('pageToken');
      const unknown = await admin.get<ErrorBody>(`/api/projects/${ABSENT}/data-units`);
      expect(unknown.status).toBe(404);
      expect((await admin.get(`/api/projects/nope/data-units`)).status).toBe(400);
    });
  });

  describe('authentication', () => {
    it('refuses unsigned calls: 401 on v2 and /api, AUTHENTICATION_ERROR on v1', async () => {
      for (const [method, path, body] of [
        ['GET', `projects/${project}`, undefined],
        ['GET', 'projects', undefined],
        ['GET', `projects/${project}/datasets`, undefined],
        ['GET', `ontologies/${ontology}`, undefined],
        ['GET', 'ontologies', undefined],
        ['POST', 'ontologies', { title: 'x' }],
        ['PUT', `ontologies/${ontology}`, { title: 'x' }],
        ['POST', `active/${project}/sync`, undefined],
        ['POST', `active/${project}/import`, { projectMode: 'data' }],
        ['GET', `/api/projects/${project}/data-units`, undefined],
      ] as const) {
        const response = await admin.call(method, path, { body, unsigned: true });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
      const stranger = t.clientFor();
      expect((await stranger.get(`projects/${project}`)).status).toBe(401);

      const v1Calls: [string, string, unknown, unknown, string, '/public' | '/public/user'][] = [
        ['project', 'POST', null, { title: 'x', dataset_hashes: [datasetA] }, '', '/public/user'],
        ['projectdataset', 'POST', null, { dataset_hashes: [datasetB] }, project, '/public'],
        ['projectdataset', 'DELETE', [datasetA], null, project, '/public'],
        ['labelrowmetadata', 'GET', null, labelRowPayload(), project, '/public'],
      ];
      for (const [queryType, method, uid, payload, resourceId, path] of v1Calls) {
        const { httpStatus, envelope } = await admin.callV1(queryType, method, uid, payload, {
          resourceType: resourceId === '' ? '' : 'project',
          resourceId,
          path,
          unsigned: true,
        });
        expect(httpStatus).toBe(200);
        expect(envelope).toMatchObject({ status: 401, response: ['AUTHENTICATION_ERROR'] });
      }
      // Nothing changed.
      expect(await labelRows()).toHaveLength(100);
    });
  });

  describe('end to end: one source of truth', () => {
    it('a metadata write on an item is seen at once through labelrowmetadata and data-units', async () => {
      const target = items[42]!;
      const patched = await admin.patch<Page<{ uuid: string; clientMetadata: string }>>(
        'storage/items/patch-bulk',
        {
          itemPatches: { [target]: { clientMetadata: { score: 4242, camera: 'cam-new' } } },
        },
      );
      expect(patched.status).toBe(200);
      expect(JSON.parse(patched.body.results[0]!.clientMetadata)).toEqual({ score: 4242, camera: 'cam-new' });

      const rows = await labelRows();
      const row = rows.find((r) => r.backing_item_uuid === target)!;
      expect(row.client_metadata).toEqual({ score: 4242, camera: 'cam-new' });
      expect(
        rows
          .filter((r) => r.backing_item_uuid !== target)
          .every((r) => r.client_metadata?.camera !== 'cam-new'),
      ).toBe(true);
      // The edit filters see the metadata edit.
      const edits = await labelRows({ edited_after: new Date(Date.now() - 60_000).toISOString() });
      expect(edits.map((r) => r.backing_item_uuid)).toContain(target);

      const { units } = await allDataUnits(project, 1000);
      expect(units.find((u) => u.backingItemUuid === target)!.clientMetadata).toEqual({
        score: 4242,
        camera: 'cam-new',
      });

      // The same item in dataset B, through the other project, shows the same value.
      await v1Project('projectdataset', 'POST', null, { dataset_hashes: [datasetB] });
      const patchedFirst = await admin.patch('storage/items/patch-bulk', {
        itemPatches: { [items[0]!]: { clientMetadata: { score: -1 } } },
      });
      expect(patchedFirst.status).toBe(200);
      const both = (await labelRows()).filter((r) => r.backing_item_uuid === items[0]);
      expect(both.map((r) => r.dataset_hash).sort()).toEqual([datasetA, datasetB].sort());
      expect(both.every((r) => r.client_metadata?.score === -1)).toBe(true);
      await v1Project('projectdataset', 'DELETE', [datasetB], null);
    });
  });
});
