/**
 * The organisation's metadata schema, as `userClient.metadataSchema()` gives it: every
 * mutator edits the local copy with @metaindex/core's rules (the same checks and messages
 * as the server and the Python SDK), and `save()` replaces the server's schema whole.
 */
import {
  LEGACY_TYPE_NAMES,
  MetadataSchema as CoreMetadataSchema,
  parseSchemaDocument,
  type SchemaTypeObject,
  type ValueTypeName,
} from '@metaindex/core';
import { InvalidArgumentsError, UnknownError } from './errors.js';
import type { Transport } from './transport.js';

const SCHEMA_V2 = 'organisation/client-metadata-schema-v2';
const SCHEMA_LEGACY = 'organisation/client-metadata-schema';

/** The schema as it travels on the wire: key → type object (snake_case, nulls included). */
export type MetadataSchemaMap = Record<string, SchemaTypeObject>;

interface SignalOption {
  signal?: AbortSignal;
}

/**
 * One organisation's metadata schema. Read it with `userClient.metadataSchema()`, edit it
 * locally (each mutator checks the SDK's rules in the SDK's order and throws core's
 * `MetadataSchemaError` with the SDK's message), then `save()`. A key is never removed:
 * deleting leaves a tombstone, so `hasKey` stays true and `keys()` still lists it.
 *
 * There is no merge and no version check: `save()` replaces the server's schema with this
 * copy (last writer wins), as the Encord SDK does. The server checks every rule again, so
 * a save that would break one (for example reviving a key someone else hard-deleted since
 * you loaded) is an InvalidArgumentsError naming the key and rule.
 */
export class MetadataSchema {
  readonly #transport: Transport;
  readonly #schema: CoreMetadataSchema;
  #dirty = false;

  private constructor(transport: Transport, schema: CoreMetadataSchema) {
    this.#transport = transport;
    this.#schema = schema;
  }

  /** Reads the schema (`GET organisation/client-metadata-schema-v2`); `null` is the empty schema. */
  static async load(transport: Transport, options: SignalOption = {}): Promise<MetadataSchema> {
    const raw = await transport.call<unknown>('GET', SCHEMA_V2, { signal: options.signal });
    const parsed = parseSchemaDocument(raw ?? null);
    if (parsed.violations.length > 0) {
      throw new UnknownError(
        `The server answered a metadata schema this SDK cannot read: ${parsed.violations.map((v) => v.message).join('; ')}`,
        { details: { violations: parsed.violations } },
      );
    }
    return new MetadataSchema(transport, new CoreMetadataSchema(parsed.schema));
  }

  /** Whether there are local changes that `save()` would send. */
  get isDirty(): boolean {
    return this.#dirty;
  }

  #edit(change: () => void): void {
    change();
    this.#dirty = true;
  }

  /**
   * Adds a scalar key, or changes a scalar key's type: `number`, `varchar`, `text`,
   * `boolean`, `datetime`, `uuid` (aliases `string` → varchar, `long_string` → text).
   * A live scalar may be re-typed freely and a soft-deleted scalar comes back with any
   * scalar type; an enum, embedding or geospatial key, or a hard-deleted one, cannot.
   */
  addScalar(key: string, options: { dataType: string }): void {
    this.#edit(() => {
      this.#schema.addScalar(key, options.dataType);
    });
  }

  /** The same as `addScalar`; reads better when changing a key's type. */
  setScalar(key: string, options: { dataType: string }): void {
    this.#edit(() => {
      this.#schema.setScalar(key, options.dataType);
    });
  }

  /** Adds an enum key; its options are kept sorted by code point (duplicates kept, as the SDK keeps them). */
  addEnum(key: string, options: { values: readonly string[] }): void {
    this.#edit(() => {
      this.#schema.addEnum(key, options.values);
    });
  }

  /** Appends options to an enum key. Options can never be removed or renamed. */
  addEnumOptions(key: string, options: { values: readonly string[] }): void {
    this.#edit(() => {
      this.#schema.addEnumOptions(key, options.values);
    });
  }

  /** Adds an embedding key of `size` dimensions (1–4096). */
  addEmbedding(key: string, options: { size: number }): void {
    this.#edit(() => {
      this.#schema.addEmbedding(key, options.size);
    });
  }

  /** Adds a geospatial key (values `{latitude, longitude}`). */
  addGeospatial(key: string): void {
    this.#edit(() => {
      this.#schema.addGeospatial(key);
    });
  }

  /**
   * Deletes a key. A soft delete (the default) keeps its type so `restoreKey` can bring
   * it back; a hard delete (`{ hard: true }`) blocks the key name forever.
   */
  deleteKey(key: string, options: { hard?: boolean } = {}): void {
    this.#edit(() => {
      this.#schema.deleteKey(key, { hard: options.hard === true });
    });
  }

  /** Restores a soft-deleted key to exactly the type it had. A hard-deleted key cannot be restored. */
  restoreKey(key: string): void {
    this.#edit(() => {
      this.#schema.restoreKey(key);
    });
  }

  /** Every key, deleted ones included, in insertion order. */
  keys(): string[] {
    return this.#schema.keys();
  }

  /** Whether the key has any definition (true for deleted keys too). */
  hasKey(key: string): boolean {
    return this.#schema.hasKey(key);
  }

  /** Whether the key is deleted (false when it is absent). */
  isKeyDeleted(key: string): boolean {
    return this.#schema.isKeyDeleted(key);
  }

  /** The key's type name (`boolean`, `varchar`, `enum`, `embedding`, …), or undefined when absent or deleted. */
  getKeyType(key: string): ValueTypeName | undefined {
    return this.#schema.getKeyType(key);
  }

  getEmbeddingSize(key: string): number {
    return this.#schema.getEmbeddingSize(key);
  }

  /** The enum's options, sorted by code point. */
  getEnumOptions(key: string): string[] {
    return this.#schema.getEnumOptions(key);
  }

  /**
   * Sends the whole schema (`POST organisation/client-metadata-schema-v2`) when it was
   * changed since it was loaded or last saved; does nothing otherwise. The local copy is
   * not re-read afterwards.
   */
  async save(options: SignalOption = {}): Promise<void> {
    if (!this.#dirty) return;
    await this.#transport.call('POST', SCHEMA_V2, { body: this.toJSON(), signal: options.signal });
    this.#dirty = false;
  }

  /** The same text as the Python SDK's `print(metadata_schema)`. */
  toString(): string {
    return this.#schema.toString();
  }

  /** The same text as the Python SDK's `repr(metadata_schema)`. */
  toRepr(): string {
    return this.#schema.toRepr();
  }

  /** The schema as the wire map (a copy): what `save()` sends. */
  toJSON(): MetadataSchemaMap {
    const map: MetadataSchemaMap = {};
    for (const [key, value] of this.#schema.entries) map[key] = structuredClone(value);
    return map;
  }
}

const LEGACY_TYPE_MESSAGE = `Got an unexpected data type in schema. Valid data types are: ${LEGACY_TYPE_NAMES.join(', ')}.`;

/**
 * Replaces the schema from the legacy flat map `{key: typeName}` (`POST
 * organisation/client-metadata-schema`). Type names are checked locally first: an unknown
 * one is an InvalidArgumentsError with the SDK's message and nothing is sent. The server
 * maps `string` to varchar and `long_string` to text, keeps keys whose type already reads
 * as the given name, and refuses to create an enum or embedding (the flat form has no
 * options or size) or to drop a live key.
 */
export async function setClientMetadataSchemaFromDict(
  transport: Transport,
  schema: Readonly<Record<string, string>>,
  options: SignalOption = {},
): Promise<void> {
  const flat: Record<string, string> = {};
  for (const [key, name] of Object.entries(schema as Readonly<Record<string, unknown>>)) {
    if (typeof name !== 'string' || !(LEGACY_TYPE_NAMES as readonly string[]).includes(name)) {
      throw new InvalidArgumentsError(LEGACY_TYPE_MESSAGE, { details: { key, type: name } });
    }
    flat[key] = name;
  }
  await transport.call('POST', SCHEMA_LEGACY, { body: flat, signal: options.signal });
}

/** The schema in the legacy flat form `{key: typeName}` (deleted keys left out), or null when there is none. */
export async function getClientMetadataSchema(
  transport: Transport,
  options: SignalOption = {},
): Promise<Record<string, string> | null> {
  const answer = await transport.call<{ metadataSchema?: unknown } | null | undefined>('GET', SCHEMA_LEGACY, {
    signal: options.signal,
  });
  if (answer === null || answer === undefined) return null;
  const flat = answer.metadataSchema;
  if (typeof flat !== 'object' || flat === null || Array.isArray(flat)) {
    throw new UnknownError('The legacy metadata schema answer has no metadataSchema object');
  }
  return { ...(flat as Record<string, string>) };
}
