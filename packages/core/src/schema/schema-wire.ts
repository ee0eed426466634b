import { isValidMetadataKey, describeInvalidKey } from './key-name.js';
import {
  EMBEDDING_MAX_SIZE,
  ENUM_MAX_OPTIONS,
  VARCHAR_MAX_LENGTH,
  VARIANT_HINTS,
  type EmbeddingApi,
  type LiveTypeObject,
  type SchemaMap,
  type SchemaTypeObject,
  type VariantHint,
} from './schema-types.js';

/** One broken schema rule, key by key. `rule` is a stable code; `message` is for people. */
export interface SchemaViolation {
  key: string;
  rule: string;
  message: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string; message: string };

const fail = (rule: string, message: string): Parsed<never> => ({ ok: false, rule, message });
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const isInteger = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

/** Code-point order, which is what Python's `sorted` gives and what metaindex promises. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx - cy;
  }
}

export const sortCodePoints = (values: readonly string[]): string[] => [...values].sort(compareCodePoints);

const EMBEDDING_API_FIELDS = {
  url: 'string',
  path: 'string',
  service_integration: 'string',
  client_only: 'boolean',
  embed_b64_image: 'boolean',
  embed_text: 'boolean',
} as const;

function parseEmbeddingApi(raw: unknown): Parsed<EmbeddingApi | null> {
  if (raw === undefined || raw === null) return ok(null);
  if (!isRecord(raw)) return fail('embedding.api', '"api" must be an object or null');
  const api: EmbeddingApi = {};
  for (const [field, kind] of Object.entries(EMBEDDING_API_FIELDS)) {
    const v = raw[field];
    if (v === undefined) continue;
    if (v !== null && typeof v !== kind)
      return fail('embedding.api', `"api.${field}" must be a ${kind} or null`);
    (api as Record<string, unknown>)[field] = v;
  }
  return ok(api);
}

/**
 * Parses one live type object, filling the defaults the SDK's models fill
 * (variant hint `text`, number format `F64`, varchar max_length 8192, timezone UTC,
 * embedding api null). Unknown fields are dropped, as the SDK's models drop them.
 * Enum options are stored sorted by code point.
 */
function parseLiveType(raw: Record<string, unknown>): Parsed<LiveTypeObject> {
  switch (raw.ty) {
    case 'variant': {
      const hint = raw.hint ?? 'text';
      if (!VARIANT_HINTS.includes(hint as VariantHint)) {
        return fail(
          'type.hint',
          `unknown scalar hint ${JSON.stringify(hint)}; expected one of ${VARIANT_HINTS.join(', ')}`,
        );
      }
      return ok({ ty: 'variant', hint: hint as VariantHint });
    }
    case 'enum': {
      const values = raw.values;
      if (!Array.isArray(values) || !values.every((v): v is string => typeof v === 'string')) {
        return fail('enum.values', 'enum "values" must be an array of strings');
      }
      if (values.length === 0) return fail('enum.min_options', 'an enum needs at least 1 option');
      if (values.length > ENUM_MAX_OPTIONS) {
        return fail(
          'enum.max_options',
          `an enum has at most ${ENUM_MAX_OPTIONS} options, got ${values.length}`,
        );
      }
      return ok({ ty: 'enum', values: sortCodePoints(values) });
    }
    case 'embedding': {
      const size = raw.size;
      if (!isInteger(size) || size < 1 || size > EMBEDDING_MAX_SIZE) {
        return fail(
          'embedding.size',
          `embedding "size" must be an integer from 1 to ${EMBEDDING_MAX_SIZE}, got ${JSON.stringify(size)}`,
        );
      }
      const api = parseEmbeddingApi(raw.api);
      return api.ok ? ok({ ty: 'embedding', size, api: api.value }) : api;
    }
    case 'geospatial':
      return ok({ ty: 'geospatial' });
    case 'number': {
      const format = raw.format ?? 'F64';
      if (format !== 'F32' && format !== 'F64')
        return fail('number.format', 'number "format" must be "F32" or "F64"');
      return ok({ ty: 'number', format });
    }
    case 'varchar': {
      const maxLength = raw.max_length ?? VARCHAR_MAX_LENGTH;
      if (!isInteger(maxLength) || maxLength < 0 || maxLength > VARCHAR_MAX_LENGTH) {
        return fail(
          'varchar.max_length',
          `varchar "max_length" must be an integer from 0 to ${VARCHAR_MAX_LENGTH}`,
        );
      }
      return ok({ ty: 'varchar', max_length: maxLength });
    }
    case 'datetime': {
      const timezone = raw.timezone ?? 'UTC';
      if (timezone !== 'UTC') return fail('datetime.timezone', 'datetime "timezone" must be "UTC"');
      return ok({ ty: 'datetime', timezone });
    }
    case 'boolean':
    case 'text':
    case 'uuid':
    case 'user':
      return ok({ ty: raw.ty });
    default:
      return fail('type.unknown', `unknown type ${JSON.stringify(raw.ty)}`);
  }
}

/** Parses one schema entry (live or tombstone) from its wire form. */
export function parseSchemaTypeObject(raw: unknown): Parsed<SchemaTypeObject> {
  if (!isRecord(raw)) return fail('type.object', 'a schema entry must be an object with a "ty" field');
  if (raw.ty !== 'tombstone') return parseLiveType(raw);
  const deleted = raw.deleted_ty;
  if (deleted === undefined || deleted === null) return ok({ ty: 'tombstone', deleted_ty: null });
  if (!isRecord(deleted) || deleted.ty === 'tombstone') {
    return fail('tombstone.deleted_ty', '"deleted_ty" must be a live type object or null');
  }
  const inner = parseLiveType(deleted);
  return inner.ok ? ok({ ty: 'tombstone', deleted_ty: inner.value }) : inner;
}

export interface ParsedSchema {
  schema: Map<string, SchemaTypeObject>;
  violations: SchemaViolation[];
}

/**
 * Parses a whole v2 schema document (`null` is the empty schema). Every bad entry is
 * reported, not just the first. Key names are checked only when `checkKeyNames`
 * is set; a transition check decides which keys need it (only new ones).
 */
export function parseSchemaDocument(raw: unknown, options: { checkKeyNames?: boolean } = {}): ParsedSchema {
  const schema = new Map<string, SchemaTypeObject>();
  const violations: SchemaViolation[] = [];
  if (raw === null || raw === undefined) return { schema, violations };
  if (!isRecord(raw)) {
    violations.push({
      key: '',
      rule: 'schema.object',
      message: 'a metadata schema must be a JSON object of key → type',
    });
    return { schema, violations };
  }
  for (const [key, value] of Object.entries(raw)) {
    if (options.checkKeyNames === true && !isValidMetadataKey(key)) {
      violations.push({
        key,
        rule: 'key.name',
        message: `${key} is an invalid format for a metadata key: ${describeInvalidKey(key)}`,
      });
    }
    const parsed = parseSchemaTypeObject(value);
    if (parsed.ok) schema.set(key, parsed.value);
    else violations.push({ key, rule: parsed.rule, message: `${key}: ${parsed.message}` });
  }
  return { schema, violations };
}

/**
 * JSON text of the schema that keeps insertion order even for integer-like keys
 * (which a JS object would move to the front).
 */
export function schemaToJsonText(schema: SchemaMap): string {
  if (schema.size === 0) return 'null';
  const parts: string[] = [];
  for (const [key, value] of schema) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return `{${parts.join(',')}}`;
}
