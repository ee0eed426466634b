import { MetadataSchemaError } from '../errors.js';
import { resolveScalarName, valueTypeName } from '../types/type-registry.js';
import type { ValueTypeName } from '../types/metadata-type.js';
import { assertValidMetadataKey } from './key-name.js';
import { formatSchemaRepr, formatSchemaText } from './schema-text.js';
import {
  EMBEDDING_MAX_SIZE,
  ENUM_MAX_OPTIONS,
  type SchemaMap,
  type SchemaTypeObject,
} from './schema-types.js';
import { sortCodePoints } from './schema-wire.js';

/**
 * The organisation's metadata schema, with the operations and exact semantics of
 * Encord's `MetadataSchema`: every operation edits this in-memory map, checks run in
 * the SDK's order, and error messages are the SDK's texts. A key is never removed:
 * deletion leaves a tombstone, so `hasKey` stays true and names are never reused.
 *
 * Where metaindex deliberately differs from the SDK:
 * - an enum may have exactly 256 options (the SDK's own model reads 256, but its
 *   `add_enum` rejects the 256th with "Cannot provide more than 256 values");
 * - `toString` renders a legacy `user` key as `user` instead of throwing.
 */
export class MetadataSchema {
  readonly #entries: Map<string, SchemaTypeObject>;

  constructor(entries: SchemaMap | Iterable<readonly [string, SchemaTypeObject]> = []) {
    this.#entries = new Map(entries);
  }

  /** The schema as a read-only map, in insertion order. */
  get entries(): SchemaMap {
    return this.#entries;
  }

  /** A copy that can be edited without touching this one. */
  clone(): MetadataSchema {
    return new MetadataSchema(structuredClone(this.#entries));
  }

  /**
   * Adds a scalar key, or re-types one. A live scalar may change to any scalar type;
   * a soft-deleted scalar comes back with any scalar type. `string` and `long_string`
   * are stored as `varchar` and `text`.
   */
  addScalar(key: string, dataType: string): void {
    const current = this.#entries.get(key);
    if (current !== undefined) {
      if (current.ty === 'tombstone') {
        if (current.deleted_ty === null) throw new MetadataSchemaError(`${key} is hard deleted`, key);
        if (current.deleted_ty.ty !== 'variant') {
          throw new MetadataSchemaError(`${key} is cannot be restored with this type`, key);
        }
      } else if (current.ty !== 'variant') {
        throw new MetadataSchemaError(`${key} is already defined`, key);
      }
    }
    assertValidMetadataKey(key);
    if (dataType === 'embedding') throw new MetadataSchemaError('Embedding must be created explicitly', key);
    if (dataType === 'enum') throw new MetadataSchemaError('Enum must be created explicitly', key);
    const hint = resolveScalarName(dataType);
    if (hint === undefined) throw new MetadataSchemaError(`Unknown simple schema type: ${dataType}`, key);
    this.#entries.set(key, { ty: 'variant', hint });
  }

  /** Same as `addScalar`; reads better when changing a key's type. */
  setScalar(key: string, dataType: string): void {
    this.addScalar(key, dataType);
  }

  /** Adds an enum key with 1–256 options, stored sorted by code point (duplicates kept, as the SDK keeps them). */
  addEnum(key: string, values: readonly string[]): void {
    if (this.#entries.has(key)) throw new MetadataSchemaError(`${key} is already defined`, key);
    assertValidMetadataKey(key);
    checkOptionCount(values.length, values.length, key);
    this.#entries.set(key, { ty: 'enum', values: sortCodePoints(values) });
  }

  /** Appends options to an enum. Options are never removed or renamed. */
  addEnumOptions(key: string, values: readonly string[]): void {
    const current = this.#entries.get(key);
    // The SDK says "already defined" for a missing key here; kept verbatim for compatibility.
    if (current === undefined) throw new MetadataSchemaError(`${key} is already defined`, key);
    assertValidMetadataKey(key);
    if (current.ty !== 'enum') throw new MetadataSchemaError(`${key} is not an enum`, key);
    const merged = [...current.values, ...values];
    checkOptionCount(values.length, merged.length, key);
    this.#entries.set(key, { ty: 'enum', values: sortCodePoints(merged) });
  }

  /** Adds an embedding key of `size` dimensions (1–4096). */
  addEmbedding(key: string, size: number): void {
    if (this.#entries.has(key)) throw new MetadataSchemaError(`${key} is already defined`, key);
    assertValidMetadataKey(key);
    if (!Number.isInteger(size) || size < 1 || size > EMBEDDING_MAX_SIZE) {
      throw new MetadataSchemaError(
        `Embedding size must be an integer from 1 to ${EMBEDDING_MAX_SIZE}, got ${size}`,
        key,
      );
    }
    this.#entries.set(key, { ty: 'embedding', size, api: null });
  }

  /** Adds a geospatial key (values `{latitude, longitude}`). */
  addGeospatial(key: string): void {
    if (this.#entries.has(key)) throw new MetadataSchemaError(`${key} is already defined`, key);
    assertValidMetadataKey(key);
    this.#entries.set(key, { ty: 'geospatial' });
  }

  /**
   * Deletes a key. A soft delete keeps the old type so `restoreKey` can bring it back;
   * a hard delete blocks the key forever. Either way the key stays in the map.
   */
  deleteKey(key: string, options: { hard?: boolean } = {}): void {
    const current = this.#entries.get(key);
    if (current === undefined) throw new MetadataSchemaError(`${key} is not defined`, key);
    assertValidMetadataKey(key);
    if (current.ty === 'tombstone') throw new MetadataSchemaError(`${key} is already deleted`, key);
    this.#entries.set(key, { ty: 'tombstone', deleted_ty: options.hard === true ? null : current });
  }

  /** Restores a soft-deleted key to exactly the type it had. */
  restoreKey(key: string): void {
    const current = this.#entries.get(key);
    if (current === undefined) throw new MetadataSchemaError(`${key} is not defined`, key);
    if (current.ty !== 'tombstone') throw new MetadataSchemaError(`${key} is not currently deleted`, key);
    if (current.deleted_ty === null) {
      throw new MetadataSchemaError(`${key} was hard deleted, this does not support restore`, key);
    }
    this.#entries.set(key, current.deleted_ty);
  }

  /** Every key, deleted ones included, in insertion order. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** Whether any definition exists for the key (true for deleted keys). */
  hasKey(key: string): boolean {
    return this.#entries.has(key);
  }

  isKeyDeleted(key: string): boolean {
    const current = this.#entries.get(key);
    if (current === undefined) return false;
    assertValidMetadataKey(key);
    return current.ty === 'tombstone';
  }

  /** The key's type name, or undefined when the key is absent or deleted. */
  getKeyType(key: string): ValueTypeName | undefined {
    const current = this.#entries.get(key);
    if (current === undefined) return undefined;
    assertValidMetadataKey(key);
    return current.ty === 'tombstone' ? undefined : valueTypeName(current);
  }

  getEmbeddingSize(key: string): number {
    const current = this.#entries.get(key);
    if (current === undefined) throw new MetadataSchemaError(`${key} is not defined`, key);
    assertValidMetadataKey(key);
    if (current.ty !== 'embedding')
      throw new MetadataSchemaError(`${key} does not refer to an embedding`, key);
    return current.size;
  }

  getEnumOptions(key: string): string[] {
    const current = this.#entries.get(key);
    if (current === undefined) throw new MetadataSchemaError(`${key} is not defined`, key);
    assertValidMetadataKey(key);
    if (current.ty !== 'enum') throw new MetadataSchemaError(`${key} does not refer to an enum`, key);
    return sortCodePoints(current.values);
  }

  /** The same text as the Python SDK's `print(metadata_schema)`. */
  toString(): string {
    return formatSchemaText(this.#entries);
  }

  /** The same text as the Python SDK's `repr(metadata_schema)`. */
  toRepr(): string {
    return formatSchemaRepr(this.#entries);
  }
}

function checkOptionCount(added: number, total: number, key: string): void {
  if (added === 0) throw new MetadataSchemaError('Must provide at least 1 value', key);
  if (total > ENUM_MAX_OPTIONS) throw new MetadataSchemaError('Cannot provide more than 256 values', key);
}
