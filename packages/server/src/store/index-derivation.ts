/**
 * What the item index stores for a metadata document, independent of the engine:
 * for each live schema key, the value normalised by its type's checker (epoch ms for
 * datetimes, lowercase uuids, 0/1 for booleans, 1 for "has an embedding/geospatial
 * value"), its case-folded form for contains/startswith, and its words for matches.
 * A missing key, a null, or a value that does not fit the key's current type is
 * stored as NULL, which every filter atom treats as "no value".
 */
import {
  fieldDomainOf,
  foldCase,
  isTombstone,
  resolveKeyType,
  textWords,
  ValueProblem,
  type FieldDomain,
  type LiveTypeObject,
  type SchemaMap,
  type ValueChecker,
  type ValueTypeName,
} from '@metaindex/core';

/** How a key's column holds its values: the key's comparison domain. */
export type ColumnKind = FieldDomain;

export interface DerivedKey {
  readonly key: string;
  readonly type: ValueTypeName;
  readonly kind: ColumnKind;
  readonly check: ValueChecker;
  /** String keys that support contains/startswith keep a folded copy. */
  readonly folded: boolean;
  /** varchar and text values are split into words for matches. */
  readonly words: boolean;
  /** Whether an ordinary b-tree index helps (not for long text or presence-only keys). */
  readonly indexed: boolean;
  /** Identifies the derivation: a change (type, enum options, …) means re-deriving the column. */
  readonly signature: string;
  /** An enum's options. */
  readonly options?: readonly string[];
}

export function deriveKey(key: string, entry: LiveTypeObject): DerivedKey {
  const { type, check } = resolveKeyType(entry);
  const kind = fieldDomainOf(type.name);
  const textual = type.name === 'varchar' || type.name === 'text';
  return {
    key,
    type: type.name,
    kind,
    check,
    folded: textual,
    words: textual,
    indexed: kind !== 'presence' && type.name !== 'text',
    signature: JSON.stringify(entry),
    ...(entry.ty === 'enum' ? { options: entry.values } : {}),
  };
}

/** The derived keys of every live key of a schema, in schema order. */
export function derivedKeys(schema: SchemaMap): DerivedKey[] {
  const keys: DerivedKey[] = [];
  for (const [key, entry] of schema) if (!isTombstone(entry)) keys.push(deriveKey(key, entry));
  return keys;
}

/** A value as the index column holds it, or null for "no value". */
export type IndexValue = number | string | null;

/** The column value of one key of a parsed document. */
export function indexValue(derived: DerivedKey, raw: unknown): IndexValue {
  if (raw === undefined || raw === null) return null;
  const normalised = derived.check(raw);
  if (normalised instanceof ValueProblem) return null;
  switch (derived.kind) {
    case 'presence':
      return 1;
    case 'boolean':
      return normalised === true ? 1 : 0;
    default:
      return normalised as number | string;
  }
}

/** The folded copy stored beside a string value: null when folding changes nothing. */
export function foldedValue(value: IndexValue): string | null {
  if (typeof value !== 'string') return null;
  const folded = foldCase(value);
  return folded === value ? null : folded;
}

/** The full-text token of one word of one key's slot: `s<slot>x<word>`. */
export const wordToken = (slot: number, word: string): string => `s${slot}x${word}`;

/** The distinct word tokens of a string value in a slot, in first-seen order. */
export function valueWordTokens(slot: number, value: string): string[] {
  const tokens: string[] = [];
  // A value has few words: a linear search beats building a Set.
  for (const word of textWords(value)) {
    const token = wordToken(slot, word);
    if (!tokens.includes(token)) tokens.push(token);
  }
  return tokens;
}

/** Parses stored clientMetadata text; anything but an object counts as empty. */
export function parseMetadata(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}
