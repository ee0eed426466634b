import type { LiveTypeObject, SchemaMap, SchemaTypeObject } from './schema-types.js';
import { finishSchemaReplace, type SchemaReplaceResult } from './schema-transition.js';
import type { SchemaViolation } from './schema-wire.js';

/** The type names of the legacy flat schema (`organisation/client-metadata-schema`). */
export const LEGACY_TYPE_NAMES = [
  'number',
  'string',
  'boolean',
  'datetime',
  'geospatial',
  'enum',
  'embedding',
  'long_string',
] as const;
export type LegacyTypeName = (typeof LEGACY_TYPE_NAMES)[number];

const isLegacyTypeName = (x: unknown): x is LegacyTypeName =>
  typeof x === 'string' && (LEGACY_TYPE_NAMES as readonly string[]).includes(x);

/**
 * The legacy name of a live v2 type. The legacy format has no uuid or user type, so
 * those read as `string`, the nearest; a legacy round trip keeps them (see below).
 */
export function legacyNameOf(t: LiveTypeObject): LegacyTypeName {
  const name = t.ty === 'variant' ? t.hint : t.ty;
  switch (name) {
    case 'varchar':
    case 'uuid':
    case 'user':
      return 'string';
    case 'text':
      return 'long_string';
    default:
      return name;
  }
}

/** The v2 schema as a legacy flat map. Deleted keys are left out: the legacy format cannot express them. */
export function schemaToLegacy(schema: SchemaMap): Record<string, LegacyTypeName> {
  const flat: Record<string, LegacyTypeName> = {};
  for (const [key, t] of schema) if (t.ty !== 'tombstone') flat[key] = legacyNameOf(t);
  return flat;
}

function fromLegacyName(name: LegacyTypeName): LiveTypeObject | undefined {
  switch (name) {
    case 'number':
    case 'boolean':
    case 'datetime':
      return { ty: 'variant', hint: name };
    case 'string':
      return { ty: 'variant', hint: 'varchar' };
    case 'long_string':
      return { ty: 'variant', hint: 'text' };
    case 'geospatial':
      return { ty: 'geospatial' };
    case 'enum':
    case 'embedding':
      // The legacy format carries no enum options and no embedding size.
      return undefined;
  }
}

/**
 * What a POST of the legacy flat dict does. Each name maps onto a v2 type
 * (`string` → varchar, `long_string` → text). A key whose current type already
 * reads as that legacy name keeps its current type, so a legacy GET → POST round
 * trip changes nothing (a uuid key stays uuid, an enum keeps its options). A new
 * `enum` or `embedding` key is refused: the flat format cannot carry options or a
 * size. Deleted keys stay as they are. Then the usual transition rules apply.
 */
export function replaceSchemaFromLegacy(current: SchemaMap, document: unknown): SchemaReplaceResult {
  const violations: SchemaViolation[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    violations.push({
      key: '',
      rule: 'schema.object',
      message: 'a legacy metadata schema must be a JSON object of key → type name',
    });
    return { ok: false, violations };
  }
  const next = new Map<string, SchemaTypeObject>();
  for (const [key, t] of current) if (t.ty === 'tombstone') next.set(key, t);
  for (const [key, name] of Object.entries(document as Record<string, unknown>)) {
    if (!isLegacyTypeName(name)) {
      violations.push({
        key,
        rule: 'legacy.type',
        message: `${key}: Got an unexpected data type in schema. Valid data types are: ${LEGACY_TYPE_NAMES.join(', ')}.`,
      });
      continue;
    }
    const existing = current.get(key);
    if (existing !== undefined && existing.ty !== 'tombstone' && legacyNameOf(existing) === name) {
      next.set(key, existing);
      continue;
    }
    const mapped = fromLegacyName(name);
    if (mapped === undefined) {
      violations.push({
        key,
        rule: 'legacy.needs_definition',
        message: `${key}: a new ${name} key cannot be created from the legacy schema, which has no ${name === 'enum' ? 'options' : 'size'}; use the metadata schema (v2) API`,
      });
      continue;
    }
    next.set(key, mapped);
  }
  return finishSchemaReplace(current, next, violations);
}
