import { InvalidArgumentError, MetaindexError } from '@metaindex/core';
import { createHash, randomUUID } from 'node:crypto';
import type { Engine, Page, PageCursor, ProjectDataRow } from '../store/engine.js';
import type { DatasetRecord, OntologyRecord, ProjectRecord } from '../store/records.js';
import type { DatasetService } from './dataset-service.js';
import type { Actor } from './storage-service.js';

const notFound = (what: string): MetaindexError => new MetaindexError('not_found', what);

/** The editor an ontology gets when none is given: no objects, no classifications. */
export const EMPTY_EDITOR = { objects: [], classifications: [] } as const;

/** What `active_import` may ask for (`ActiveProjectMode`). */
export const ACTIVE_PROJECT_MODES = ['data', 'label', 'metric', 'advanced'] as const;
export type ActiveProjectMode = (typeof ACTIVE_PROJECT_MODES)[number];

export interface NewOntology {
  title: string;
  description: string;
  /** The editor (ontology structure) object; it needs `objects` and `classifications` lists. */
  editor: unknown;
}

export interface OntologyChange {
  title?: string;
  description?: string;
  editor?: unknown;
}

/** Filters of the ontology and project listings, ANDed; absent means no filter. */
export interface TitledFilter {
  titleEq?: string;
  /** A LIKE pattern (`%` any run, `_` one character), case-insensitive. */
  titleLike?: string;
  descEq?: string;
  descLike?: string;
  /** ISO instants, compared strictly. */
  createdBefore?: string;
  createdAfter?: string;
  editedBefore?: string;
  editedAfter?: string;
}

export interface WorkflowStage {
  stageType: 'ANNOTATION' | 'DONE';
  uuid: string;
  title: string;
}

/** A project as the SDK sees it: the record, its ontology and its (fixed) workflow. */
export interface ProjectView {
  project: ProjectRecord;
  ontology: OntologyRecord;
  workflow: WorkflowStage[];
}

/** A project's data unit with the dataset it comes from. */
export interface DataUnit {
  row: ProjectDataRow;
  dataset: DatasetRecord;
}

/** A stable uuid (v5-shaped, from SHA-1) for a project's workflow stage. */
function stageUuid(projectUuid: string, stage: string): string {
  const hex = createHash('sha1').update(`metaindex-workflow:${projectUuid}:${stage}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** Every project has the same two-stage workflow, with stable stage uuids. */
export function projectWorkflow(projectUuid: string): WorkflowStage[] {
  return [
    { stageType: 'ANNOTATION', uuid: stageUuid(projectUuid, 'annotate'), title: 'Annotate' },
    { stageType: 'DONE', uuid: stageUuid(projectUuid, 'complete'), title: 'Complete' },
  ];
}

/** SQL LIKE, case-insensitive: `%` any run, `_` one character, a backslash escapes the next one. */
export function likeMatcher(pattern: string): (text: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch === '\\' && i + 1 < pattern.length) {
      i++;
      source += pattern.charAt(i).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 'iu');
  return (text) => regex.test(text);
}

function matchesTitled(
  record: { title: string; description: string; createdAt: string; lastEditedAt: string },
  filter: TitledFilter,
): boolean {
  if (filter.titleEq !== undefined && record.title !== filter.titleEq) return false;
  if (filter.titleLike !== undefined && !likeMatcher(filter.titleLike)(record.title)) return false;
  if (filter.descEq !== undefined && record.description !== filter.descEq) return false;
  if (filter.descLike !== undefined && !likeMatcher(filter.descLike)(record.description)) return false;
  if (filter.createdBefore !== undefined && !(record.createdAt < filter.createdBefore)) return false;
  if (filter.createdAfter !== undefined && !(record.createdAt > filter.createdAfter)) return false;
  if (filter.editedBefore !== undefined && !(record.lastEditedAt < filter.editedBefore)) return false;
  if (filter.editedAfter !== undefined && !(record.lastEditedAt > filter.editedAfter)) return false;
  return true;
}

/** Checks an editor object (the SDK indexes `objects` and `classifications`) and returns its JSON text. */
function editorText(editor: unknown): string {
  if (typeof editor !== 'object' || editor === null || Array.isArray(editor)) {
    throw new InvalidArgumentError('editor must be a JSON object (the ontology structure)');
  }
  const { objects, classifications } = editor as Record<string, unknown>;
  if (!Array.isArray(objects)) throw new InvalidArgumentError('editor.objects must be a list');
  if (!Array.isArray(classifications))
    throw new InvalidArgumentError('editor.classifications must be a list');
  return JSON.stringify(editor);
}

/**
 * Projects as the Encord SDK sees them, and their ontologies. metaindex keeps no
 * labels: a project is its attached datasets (in DatasetService), an ontology stored
 * as written, and a fixed ANNOTATION → DONE workflow. Its data units are its datasets'
 * rows, whose metadata is always their backing items' (one source of truth).
 */
export class ProjectService {
  constructor(
    private readonly engine: Engine,
    private readonly datasets: DatasetService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // --- ontologies ---

  async createOntology(actor: Actor, input: NewOntology): Promise<OntologyRecord> {
    if (input.title.trim() === '') throw new InvalidArgumentError('an ontology needs a non-empty title');
    const ontology = this.#newOntology(actor, input.title, input.description, editorText(input.editor));
    await this.engine.createOntology(ontology);
    return ontology;
  }

  async getOntology(uuid: string): Promise<OntologyRecord> {
    const ontology = await this.engine.getOntology(uuid);
    if (ontology === null) throw notFound(`ontology ${uuid} does not exist`);
    return ontology;
  }

  async updateOntology(uuid: string, change: OntologyChange): Promise<OntologyRecord> {
    if (change.title?.trim() === '') throw new InvalidArgumentError('an ontology needs a non-empty title');
    const updated = await this.engine.updateOntology({
      uuid,
      ...(change.title === undefined ? {} : { title: change.title }),
      ...(change.description === undefined ? {} : { description: change.description }),
      ...(change.editor === undefined ? {} : { editor: editorText(change.editor) }),
      lastEditedAt: this.now().toISOString(),
    });
    if (updated === null) throw notFound(`ontology ${uuid} does not exist`);
    return updated;
  }

  async listOntologies(filter: TitledFilter): Promise<OntologyRecord[]> {
    return (await this.engine.listOntologies()).filter((o) => matchesTitled(o, filter));
  }

  // --- projects ---

  /**
   * Creates a project on these datasets. With an ontology uuid, that ontology (which
   * must exist); without, a new empty one titled after the project.
   */
  async createProject(
    actor: Actor,
    input: { title: string; description: string; datasetUuids: readonly string[]; ontologyUuid?: string },
  ): Promise<ProjectView> {
    if (input.ontologyUuid !== undefined) await this.getOntology(input.ontologyUuid);
    const project = await this.datasets.createProject(actor, input);
    if (input.ontologyUuid !== undefined) {
      const linked = await this.engine.setProjectOntology(project.uuid, input.ontologyUuid);
      if (!linked.ok) {
        throw notFound(
          linked.reason === 'missing-project'
            ? `project ${project.uuid} does not exist`
            : `ontology ${input.ontologyUuid} does not exist`,
        );
      }
    }
    return this.getProject(project.uuid);
  }

  /**
   * A project with its ontology. A project that has none linked (created elsewhere, or
   * interrupted mid-creation) gets a new empty one, once.
   */
  async getProject(uuid: string): Promise<ProjectView> {
    const project = await this.datasets.getProject(uuid);
    const ontology =
      (await this.engine.getProjectOntology(uuid)) ??
      (await this.engine.ensureProjectOntology(
        uuid,
        this.#newOntology(
          { email: project.owner, role: 'member' },
          project.title,
          '',
          JSON.stringify(EMPTY_EDITOR),
        ),
      ));
    if (ontology === null) throw notFound(`project ${uuid} does not exist`);
    return { project, ontology, workflow: projectWorkflow(uuid) };
  }

  /** Every project matching the filter, in (createdAt, uuid) order. */
  async listProjects(filter: TitledFilter): Promise<ProjectView[]> {
    const views: ProjectView[] = [];
    let after: PageCursor | null = null;
    do {
      const page: Page<ProjectRecord> = await this.engine.listProjects({
        search: null,
        pageSize: 1000,
        after,
      });
      for (const project of page.rows) {
        if (matchesTitled(project, filter)) views.push(await this.getProject(project.uuid));
      }
      after = page.next;
    } while (after !== null);
    return views;
  }

  datasetsOf(projectUuid: string): Promise<DatasetRecord[]> {
    return this.datasets.projectDatasets(projectUuid);
  }

  async addDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<void> {
    await this.datasets.attachDatasets(projectUuid, datasetUuids);
  }

  async removeDatasets(projectUuid: string, datasetUuids: readonly string[]): Promise<void> {
    await this.datasets.detachDatasets(projectUuid, datasetUuids);
  }

  /** One page of a project's data units, keyset paged on (row createdAt, dataHash). */
  async dataUnits(
    projectUuid: string,
    pageSize: number,
    after: PageCursor | null,
  ): Promise<{ units: DataUnit[]; next: PageCursor | null }> {
    const byUuid = new Map((await this.datasets.projectDatasets(projectUuid)).map((d) => [d.uuid, d]));
    const page = await this.datasets.projectRows(projectUuid, pageSize, after);
    return { units: this.#withDatasets(page.rows, byUuid), next: page.next };
  }

  /** Every data unit of the project, read now (their metadata is their items' at this moment). */
  async allDataUnits(projectUuid: string): Promise<DataUnit[]> {
    const byUuid = new Map((await this.datasets.projectDatasets(projectUuid)).map((d) => [d.uuid, d]));
    const units: DataUnit[] = [];
    let after: PageCursor | null = null;
    do {
      const page = await this.datasets.projectRows(projectUuid, 1000, after);
      units.push(...this.#withDatasets(page.rows, byUuid));
      after = page.next;
    } while (after !== null);
    return units;
  }

  /**
   * `active_sync` / `active_import`: metaindex's index is always current (every write is
   * seen at once by every read), so there is nothing to sync; the project must exist.
   */
  async activeSync(projectUuid: string, mode?: ActiveProjectMode): Promise<void> {
    if (mode !== undefined && !ACTIVE_PROJECT_MODES.includes(mode)) {
      throw new InvalidArgumentError(`projectMode must be one of ${ACTIVE_PROJECT_MODES.join(', ')}`);
    }
    await this.datasets.getProject(projectUuid);
  }

  #withDatasets(rows: readonly ProjectDataRow[], byUuid: Map<string, DatasetRecord>): DataUnit[] {
    return rows.flatMap((row) => {
      const dataset = byUuid.get(row.datasetUuid);
      // A dataset detached between the two reads: its rows are no longer the project's.
      return dataset === undefined ? [] : [{ row, dataset }];
    });
  }

  #newOntology(actor: Actor, title: string, description: string, editor: string): OntologyRecord {
    const at = this.now().toISOString();
    return {
      uuid: randomUUID(),
      title,
      description,
      editor,
      owner: actor.email,
      createdAt: at,
      lastEditedAt: at,
    };
  }
}
