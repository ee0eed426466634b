/**
 * The metadata-schema type objects exactly as they travel on the wire
 * (`organisation/client-metadata-schema-v2`): snake_case fields, discriminated by `ty`.
 */

/** The scalar types a `variant` entry can hint; what `add_scalar` creates. */
export const VARIANT_HINTS = ['number', 'varchar', 'text', 'boolean', 'datetime', 'uuid'] as const;
export type VariantHint = (typeof VARIANT_HINTS)[number];

export interface VariantTypeObject {
  ty: 'variant';
  hint: VariantHint;
}

export interface EnumTypeObject {
  ty: 'enum';
  /** Sorted by code point; duplicates are kept, as the Encord SDK keeps them. */
  values: string[];
}

/** Where an embedding can be computed from; opaque to metaindex, kept as sent. */
export interface EmbeddingApi {
  url?: string | null;
  path?: string | null;
  service_integration?: string | null;
  client_only?: boolean | null;
  embed_b64_image?: boolean | null;
  embed_text?: boolean | null;
}

export interface EmbeddingTypeObject {
  ty: 'embedding';
  size: number;
  api: EmbeddingApi | null;
}

export interface GeospatialTypeObject {
  ty: 'geospatial';
}

// Read-only "strict" legacy kinds a server may hold. Clients never create them.
export interface LegacyNumberTypeObject {
  ty: 'number';
  format: 'F32' | 'F64';
}
export interface LegacyBooleanTypeObject {
  ty: 'boolean';
}
export interface LegacyVarcharTypeObject {
  ty: 'varchar';
  max_length: number;
}
export interface LegacyDatetimeTypeObject {
  ty: 'datetime';
  timezone: 'UTC';
}
export interface LegacyTextTypeObject {
  ty: 'text';
}
export interface LegacyUuidTypeObject {
  ty: 'uuid';
}
export interface LegacyUserTypeObject {
  ty: 'user';
}

export type LegacyTypeObject =
  | LegacyNumberTypeObject
  | LegacyBooleanTypeObject
  | LegacyVarcharTypeObject
  | LegacyDatetimeTypeObject
  | LegacyTextTypeObject
  | LegacyUuidTypeObject
  | LegacyUserTypeObject;

/** Any type a live (not deleted) key can have. */
export type LiveTypeObject =
  VariantTypeObject | EnumTypeObject | EmbeddingTypeObject | GeospatialTypeObject | LegacyTypeObject;

/** A deleted key. `deleted_ty: null` is a hard delete: the key can never come back. */
export interface TombstoneTypeObject {
  ty: 'tombstone';
  deleted_ty: LiveTypeObject | null;
}

export type SchemaTypeObject = LiveTypeObject | TombstoneTypeObject;

/** A whole schema: key → type object, in insertion order. */
export type SchemaMap = ReadonlyMap<string, SchemaTypeObject>;

export const isTombstone = (t: SchemaTypeObject): t is TombstoneTypeObject => t.ty === 'tombstone';

/** Limits shared by the schema model and the wire parser. */
export const ENUM_MAX_OPTIONS = 256;
export const EMBEDDING_MAX_SIZE = 4096;
export const VARCHAR_MAX_LENGTH = 8192;
