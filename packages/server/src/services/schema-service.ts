import {
  compileMetadataValidator,
  InvalidArgumentError,
  MetaindexError,
  replaceSchema,
  replaceSchemaFromLegacy,
  schemaToLegacy,
  type LegacyTypeName,
  type MetadataValidator,
  type SchemaReplaceResult,
  type SchemaMap,
  type SchemaViolation,
} from '@metaindex/core';
import type { Engine } from '../store/engine.js';
import type { StoredSchema } from '../store/records.js';

/** The uuid of the organisation's legacy schema record: one organisation per server. */
export const ORGANISATION_SCHEMA_UUID = '6d657461-696e-4465-b800-736368656d61';
export const ORGANISATION_ID = 1;

export interface LegacySchemaRecord {
  uuid: string;
  metadataSchema: Record<string, LegacyTypeName>;
  organisationId: number;
  createdAt: string;
  updatedAt: string;
}

/** A validator compiled for one schema version. */
export interface VersionedValidator {
  version: number;
  validator: MetadataValidator;
}

const MAX_CAS_ATTEMPTS = 5;

function rejection(violations: readonly SchemaViolation[]): InvalidArgumentError {
  const lines = violations.map((v) => `${v.message} [${v.rule}]`);
  const count = violations.length === 1 ? '1 rule is' : `${violations.length} rules are`;
  return new InvalidArgumentError(`metadata schema rejected: ${count} broken: ${lines.join('; ')}`, {
    violations,
  });
}

/**
 * The organisation's metadata schema: whole-schema replaces checked with the core's
 * transition rules (compare-and-set, so concurrent writers never lose each other's
 * changes silently), and validators compiled once per version.
 */
export class SchemaService {
  #cached: VersionedValidator | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get(): Promise<StoredSchema> {
    return this.engine.getSchema();
  }

  /** A POST of the whole v2 map. Returns the new version. */
  replace(document: unknown): Promise<number> {
    return this.#replaceWith((current) => replaceSchema(current, document));
  }

  /** A POST of the legacy flat dict. Returns the new version. */
  replaceFromLegacy(document: unknown): Promise<number> {
    return this.#replaceWith((current) => replaceSchemaFromLegacy(current, document));
  }

  async getLegacy(): Promise<LegacySchemaRecord | null> {
    const stored = await this.engine.getSchema();
    if (stored.createdAt === null || stored.updatedAt === null) return null;
    return {
      uuid: ORGANISATION_SCHEMA_UUID,
      metadataSchema: schemaToLegacy(stored.schema),
      organisationId: ORGANISATION_ID,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
    };
  }

  /**
   * The validator for the schema as last seen. Writers pass its version to the
   * engine, which refuses the write if the schema changed since; they then call
   * `refreshValidator` and validate again.
   */
  async validator(): Promise<VersionedValidator> {
    return this.#cached ?? this.refreshValidator();
  }

  /** Whether the schema changed since `validator` was compiled (refreshing the cache if so). */
  async isStale(validator: VersionedValidator): Promise<boolean> {
    return (await this.refreshValidator()).version !== validator.version;
  }

  async refreshValidator(): Promise<VersionedValidator> {
    const stored = await this.engine.getSchema();
    if (this.#cached?.version !== stored.version) {
      this.#cached = { version: stored.version, validator: compileMetadataValidator(stored.schema) };
    }
    return this.#cached;
  }

  async #replaceWith(compute: (current: SchemaMap) => SchemaReplaceResult): Promise<number> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.engine.getSchema();
      const result = compute(current.schema);
      if (!result.ok) throw rejection(result.violations);
      const version = await this.engine.replaceSchema(
        current.version,
        result.schema,
        this.now().toISOString(),
      );
      if (version !== null) return version;
      // Another writer saved first: check the transition again from what it saved.
    }
    throw new MetaindexError('conflict', 'the metadata schema is being changed concurrently; try again');
  }
}
