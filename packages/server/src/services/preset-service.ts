import {
  bindFilter,
  filterToPreset,
  hasAtLeastTwo,
  InvalidArgumentError,
  MetaindexError,
  NIL_FOLDER_UUID,
  presetToFilter,
  printFilter,
  type FilterNode,
} from '@metaindex/core';
import { randomUUID } from 'node:crypto';
import type { Engine, ListPresetsQuery, Page, PresetRecord } from '../store/engine.js';
import type { FolderRecord } from '../store/records.js';
import type { SchemaService } from './schema-service.js';
import type { Actor } from './storage-service.js';

const notFound = (what: string, details?: unknown): MetaindexError =>
  new MetaindexError('not_found', what, details);

/**
 * A folder given as a collection's or preset's `topLevelFolderUuid`: it must exist
 * (404 naming it) and be a top-level folder, one without a parent (400 naming it).
 */
export async function requireTopLevelFolder(
  engine: Engine,
  uuid: string,
  field = 'topLevelFolderUuid',
): Promise<FolderRecord> {
  const folder = await engine.getFolder(uuid);
  if (folder === null) throw notFound(`${field}: folder ${uuid} does not exist`, { folderUuid: uuid });
  if (folder.parentUuid !== null) {
    throw new InvalidArgumentError(
      `${field}: folder ${uuid} is not a top-level folder (its parent is ${folder.parentUuid})`,
      { folderUuid: uuid },
    );
  }
  return folder;
}

/** The nil uuid the SDK sends for "no folder" becomes null. */
export const folderOrNull = (uuid: string | null): string | null =>
  uuid === null || uuid === NIL_FOLDER_UUID ? null : uuid;

/** The `and` of the filters given, skipping nulls (match everything); null when none is left. */
export function andFilters(...nodes: (FilterNode | null)[]): FilterNode | null {
  const present = nodes.filter((n): n is FilterNode => n !== null);
  if (hasAtLeastTwo(present)) return { and: present };
  return present[0] ?? null;
}

/** Items in a folder or any folder below it. */
export const inFolder = (folderUuid: string): FilterNode => ({ key: '$folder', op: 'eq', value: folderUuid });

function requireName(name: string, what: string): void {
  if (name.trim() === '') throw new InvalidArgumentError(`${what}: name cannot be empty`);
}

export interface NewPreset {
  name: string;
  description: string;
  /** The Encord preset document ({local_filters, global_filters}), as sent. */
  presetJson: unknown;
  topLevelFolderUuid: string | null;
}

export interface PresetPatch {
  name?: string;
  description?: string;
  presetJson?: unknown;
}

/**
 * Filter presets: saved filters, stored as the Encord preset document sent (the SDK
 * reads it back as it was). Its meaning is `presetToFilter` of that document, within
 * the preset's top-level folder when it has one; it is evaluated whenever it is used.
 * A preset whose filter does not fit the schema is refused when saved.
 */
export class PresetService {
  constructor(
    private readonly engine: Engine,
    private readonly schemas: SchemaService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a preset from an Encord preset document; `path` names the document in errors. */
  async create(actor: Actor, input: NewPreset, path = 'filterPresetJson'): Promise<PresetRecord> {
    requireName(input.name, 'a preset');
    const text = await this.#checkedDocument(input.presetJson, path);
    return this.#insert(actor, input, text);
  }

  /** Creates a preset from a filter (metaindex's filter language), stored as an Encord preset document. */
  async createFromFilter(
    actor: Actor,
    input: { name: string; description: string; filter: FilterNode; topLevelFolderUuid: string | null },
  ): Promise<PresetRecord> {
    requireName(input.name, 'a preset');
    const { schema } = await this.schemas.get();
    bindFilter(input.filter, schema, 'filter');
    const document = filterToPreset(input.filter, schema);
    // Stored only if it reads back as the same filter would: it must bind too.
    const text = await this.#checkedDocument(document, 'filter');
    return this.#insert(actor, input, text);
  }

  async get(uuid: string): Promise<PresetRecord> {
    const preset = await this.engine.getPreset(uuid);
    if (preset === null) throw notFound(`preset ${uuid} does not exist`, { presetUuid: uuid });
    return preset;
  }

  async list(query: ListPresetsQuery): Promise<Page<PresetRecord>> {
    return this.engine.listPresets(query);
  }

  async update(uuid: string, patch: PresetPatch, path = 'filterPreset'): Promise<PresetRecord> {
    if (patch.name !== undefined) requireName(patch.name, `preset ${uuid}`);
    await this.get(uuid);
    const text =
      patch.presetJson === undefined ? undefined : await this.#checkedDocument(patch.presetJson, path);
    const updated = await this.engine.updatePreset({
      uuid,
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(text === undefined ? {} : { presetJson: text }),
      lastUpdatedAt: this.now().toISOString(),
    });
    if (updated === null) throw notFound(`preset ${uuid} does not exist`, { presetUuid: uuid });
    return updated;
  }

  async delete(uuid: string): Promise<void> {
    if (!(await this.engine.deletePreset(uuid))) {
      throw notFound(`preset ${uuid} does not exist`, { presetUuid: uuid });
    }
  }

  /**
   * What the preset selects now: its document's filter, within its top-level folder
   * when it has one; null matches every item.
   */
  filterOf(preset: PresetRecord): FilterNode | null {
    const document: unknown = JSON.parse(preset.presetJson);
    const filter = presetToFilter(document, `preset ${preset.uuid}`);
    return andFilters(
      filter,
      preset.topLevelFolderUuid === null ? null : inFolder(preset.topLevelFolderUuid),
    );
  }

  /** The preset's filter in the filter language, or null when it matches every item. */
  filterText(preset: PresetRecord): string | null {
    const filter = this.filterOf(preset);
    return filter === null ? null : printFilter(filter);
  }

  /**
   * Checks a preset document: its shape (400 naming the path of the bad part) and that
   * its filter binds to the current schema (400 naming key, type and rule). Returns
   * the JSON text to store.
   */
  async #checkedDocument(document: unknown, path: string): Promise<string> {
    if (document === undefined || document === null) throw new InvalidArgumentError(`${path} is required`);
    const filter = presetToFilter(document, path);
    if (filter !== null) {
      const { schema } = await this.schemas.get();
      bindFilter(filter, schema, path);
    }
    return JSON.stringify(document);
  }

  async #insert(
    actor: Actor,
    input: { name: string; description: string; topLevelFolderUuid: string | null },
    presetJson: string,
  ): Promise<PresetRecord> {
    const folder = folderOrNull(input.topLevelFolderUuid);
    if (folder !== null) await requireTopLevelFolder(this.engine, folder);
    const at = this.now().toISOString();
    const preset: PresetRecord = {
      uuid: randomUUID(),
      topLevelFolderUuid: folder,
      name: input.name,
      description: input.description,
      presetJson,
      owner: actor.email,
      createdAt: at,
      lastUpdatedAt: at,
      freezeCount: 0,
    };
    await this.engine.createPreset(preset);
    return preset;
  }
}
