import type { FilterOperator } from '../filter/operators.js';

/**
 * What a value failed. `rule` is a stable code (for programs); `message` is for people
 * and says what was expected and what came instead.
 */
export class ValueProblem {
  constructor(
    readonly rule: string,
    readonly message: string,
  ) {}
}

/**
 * A compiled value check: returns the value normalised for indexing and comparison
 * (a number for datetimes, lowercase for uuids, …) or a `ValueProblem`. It never
 * throws and allocates nothing on success, because it runs once per key per document.
 */
export type ValueChecker = (value: unknown) => unknown;

/** How the store indexes values of a type. */
export type IndexKind = 'boolean' | 'number' | 'string' | 'fulltext' | 'vector' | 'geo';

/** The canonical names of metaindex's value types. */
export type ValueTypeName =
  | 'boolean'
  | 'datetime'
  | 'number'
  | 'uuid'
  | 'varchar'
  | 'text'
  | 'enum'
  | 'embedding'
  | 'geospatial'
  | 'user';

/**
 * One metadata value type. Each lives in its own module; the registry collects them.
 * `P` is what the type needs from its schema entry (enum options, embedding size, …).
 */
export interface MetadataType<P = undefined> {
  readonly name: ValueTypeName;
  /** Other names accepted on input, resolved to `name` before anything is stored. */
  readonly aliases: readonly string[];
  /** The filter operators the type supports. */
  readonly operators: readonly FilterOperator[];
  readonly indexKind: IndexKind;
  /** A short description of a valid value, used in messages. */
  describe(params: P): string;
  compile(params: P): ValueChecker;
}

/** Renders a value briefly for an error message. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would say null
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (Array.isArray(value))
    return value.length > 8 ? `an array of ${value.length} elements` : JSON.stringify(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The JSON kind of a value, for "expected X, got Y" messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
