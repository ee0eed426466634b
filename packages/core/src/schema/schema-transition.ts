import { valueTypeName } from '../types/type-registry.js';
import { describeInvalidKey, isValidMetadataKey } from './key-name.js';
import type { LiveTypeObject, SchemaMap, SchemaTypeObject } from './schema-types.js';
import { compareCodePoints, parseSchemaDocument, type SchemaViolation } from './schema-wire.js';

function describeType(t: LiveTypeObject): string {
  if (t.ty === 'variant') return `scalar ${t.hint}`;
  if (t.ty === 'enum' || t.ty === 'embedding' || t.ty === 'geospatial') return t.ty;
  return `legacy ${valueTypeName(t)}`;
}

/** Options of `before` missing from `after`, counting duplicates (options are a multiset). */
function removedOptions(before: readonly string[], after: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const v of after) remaining.set(v, (remaining.get(v) ?? 0) + 1);
  const removed: string[] = [];
  for (const v of before) {
    const n = remaining.get(v) ?? 0;
    if (n === 0) removed.push(v);
    else remaining.set(v, n - 1);
  }
  return removed;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether a key typed `before` may be typed `after` in the next schema. Scalars
 * (`variant`) re-type freely; enums only gain options; embeddings keep their size;
 * geospatial stays geospatial; legacy strict kinds never change.
 */
function typeChangeViolation(
  key: string,
  before: LiveTypeObject,
  after: LiveTypeObject,
): SchemaViolation | undefined {
  if (before.ty === 'variant' && after.ty === 'variant') return undefined;
  if (before.ty === 'enum' && after.ty === 'enum') {
    const removed = removedOptions(before.values, after.values);
    if (removed.length === 0) return undefined;
    return {
      key,
      rule: 'enum.options_removed',
      message: `${key}: enum options can only be appended, but ${JSON.stringify(removed)} would be removed`,
    };
  }
  if (before.ty === 'embedding' && after.ty === 'embedding') {
    if (before.size === after.size) return undefined;
    return {
      key,
      rule: 'embedding.size_changed',
      message: `${key}: an embedding's size cannot change (from ${before.size} to ${after.size})`,
    };
  }
  if (before.ty === 'geospatial' && after.ty === 'geospatial') return undefined;
  if (before.ty === after.ty && sameJson(before, after)) return undefined;
  return {
    key,
    rule: 'type.changed',
    message: `${key}: cannot change from ${describeType(before)} to ${describeType(after)}; only scalar keys (boolean, datetime, number, uuid, varchar, text) may change type`,
  };
}

function entryViolation(
  key: string,
  before: SchemaTypeObject,
  after: SchemaTypeObject,
): SchemaViolation | undefined {
  if (before.ty === 'tombstone' && before.deleted_ty === null) {
    if (after.ty === 'tombstone' && after.deleted_ty === null) return undefined;
    return {
      key,
      rule: 'key.hard_deleted',
      message: `${key} is hard deleted and can never be defined or restored again`,
    };
  }
  // A hard delete is always allowed; otherwise compare the underlying types, so a
  // soft-deleted key may be restored, re-typed (scalars), or deleted again.
  if (after.ty === 'tombstone' && after.deleted_ty === null) return undefined;
  const from = before.ty === 'tombstone' ? before.deleted_ty : before;
  const to = after.ty === 'tombstone' ? after.deleted_ty : after;
  if (from === null || to === null) return undefined;
  return typeChangeViolation(key, from, to);
}

/**
 * Checks a whole-schema replace against every schema rule and returns every
 * violation, key by key (empty when the replace is allowed): no key dropped,
 * nothing hard-deleted revived, enum options never removed, enum / embedding /
 * geospatial / legacy keys never re-typed, embedding sizes unchanged, and valid
 * names for keys that are new.
 */
export function checkSchemaTransition(before: SchemaMap, after: SchemaMap): SchemaViolation[] {
  const violations: SchemaViolation[] = [];
  for (const [key, old] of before) {
    const next = after.get(key);
    if (next === undefined) {
      violations.push({
        key,
        rule: 'key.dropped',
        message: `${key} was dropped: keys are never removed from the schema; delete the key instead (a soft delete can be restored)`,
      });
      continue;
    }
    const v = entryViolation(key, old, next);
    if (v !== undefined) violations.push(v);
  }
  for (const key of after.keys()) {
    if (!before.has(key) && !isValidMetadataKey(key)) {
      violations.push({
        key,
        rule: 'key.name',
        message: `${key} is an invalid format for a metadata key: ${describeInvalidKey(key)}`,
      });
    }
  }
  return violations.sort((a, b) => compareCodePoints(a.key, b.key));
}

export type SchemaReplaceResult =
  { ok: true; schema: Map<string, SchemaTypeObject> } | { ok: false; violations: SchemaViolation[] };

/**
 * Completes a whole-schema replace: `next` holds the entries that parsed, and
 * `violations` what did not. A malformed entry is reported once, as malformed,
 * not also as dropped.
 */
export function finishSchemaReplace(
  current: SchemaMap,
  next: Map<string, SchemaTypeObject>,
  violations: SchemaViolation[],
): SchemaReplaceResult {
  const malformed = new Set(violations.map((v) => v.key));
  const all = [
    ...violations,
    ...checkSchemaTransition(current, next).filter(
      (v) => !(v.rule === 'key.dropped' && malformed.has(v.key)),
    ),
  ];
  if (all.length > 0) return { ok: false, violations: all.sort((a, b) => compareCodePoints(a.key, b.key)) };
  return { ok: true, schema: next };
}

/**
 * What a POST of a whole v2 schema does: parse the document (every malformed entry
 * is a violation) and check the transition from the current schema.
 */
export function replaceSchema(current: SchemaMap, document: unknown): SchemaReplaceResult {
  const { schema, violations } = parseSchemaDocument(document);
  return finishSchemaReplace(current, schema, violations);
}
