import type { LiveTypeObject, VariantHint } from '../schema/schema-types.js';
import { VARCHAR_MAX_LENGTH } from '../schema/schema-types.js';
import { booleanType } from './boolean-type.js';
import { datetimeType } from './datetime-type.js';
import { embeddingType } from './embedding-type.js';
import { enumType } from './enum-type.js';
import { geospatialType } from './geospatial-type.js';
import type { MetadataType, ValueChecker, ValueTypeName } from './metadata-type.js';
import { numberType } from './number-type.js';
import { textType } from './text-type.js';
import { userType } from './user-type.js';
import { uuidType } from './uuid-type.js';
import { varcharType } from './varchar-type.js';

/** Every value type, by canonical name. Adding a type means one module plus a line here. */
export const METADATA_TYPES = {
  boolean: booleanType,
  datetime: datetimeType,
  number: numberType,
  uuid: uuidType,
  varchar: varcharType,
  text: textType,
  enum: enumType,
  embedding: embeddingType,
  geospatial: geospatialType,
  user: userType,
} as const satisfies Record<ValueTypeName, MetadataType<never>>;

/** The names `add_scalar` accepts, aliases included, mapped to the canonical hint. */
const SCALAR_NAMES = new Map<string, VariantHint>();
for (const hint of ['number', 'varchar', 'text', 'boolean', 'datetime', 'uuid'] as const) {
  SCALAR_NAMES.set(hint, hint);
  for (const alias of METADATA_TYPES[hint].aliases) SCALAR_NAMES.set(alias, hint);
}

/** Resolves a scalar type name or alias (`string` → `varchar`, `long_string` → `text`). */
export function resolveScalarName(name: string): VariantHint | undefined {
  return SCALAR_NAMES.get(name);
}

/** A live schema entry resolved to its value type and compiled checker. */
export interface ResolvedKeyType {
  readonly type: MetadataType<never>;
  readonly check: ValueChecker;
  /** What a valid value looks like, for messages. */
  readonly expected: string;
}

function resolved<P>(type: MetadataType<P>, params: P): ResolvedKeyType {
  return {
    type,
    check: type.compile(params),
    expected: type.describe(params),
  };
}

/** Resolves a live type object (v2 or legacy strict) to its value type, compiled once. */
export function resolveKeyType(t: LiveTypeObject): ResolvedKeyType {
  switch (t.ty) {
    case 'variant':
      return resolveVariant(t.hint);
    case 'enum':
      return resolved(enumType, { options: t.values });
    case 'embedding':
      return resolved(embeddingType, { size: t.size });
    case 'geospatial':
      return resolved(geospatialType, undefined);
    case 'number':
      return resolved(numberType, { format: t.format });
    case 'varchar':
      return resolved(varcharType, { maxLength: t.max_length });
    case 'boolean':
      return resolved(booleanType, undefined);
    case 'datetime':
      return resolved(datetimeType, undefined);
    case 'text':
      return resolved(textType, undefined);
    case 'uuid':
      return resolved(uuidType, undefined);
    case 'user':
      return resolved(userType, undefined);
  }
}

function resolveVariant(hint: VariantHint): ResolvedKeyType {
  switch (hint) {
    case 'number':
      return resolved(numberType, { format: 'F64' });
    case 'varchar':
      return resolved(varcharType, { maxLength: VARCHAR_MAX_LENGTH });
    case 'text':
      return resolved(textType, undefined);
    case 'boolean':
      return resolved(booleanType, undefined);
    case 'datetime':
      return resolved(datetimeType, undefined);
    case 'uuid':
      return resolved(uuidType, undefined);
  }
}

/** The value type name of a live entry: what `get_key_type` reports (user included). */
export function valueTypeName(t: LiveTypeObject): ValueTypeName {
  return t.ty === 'variant' ? t.hint : t.ty;
}
