import { compareCodePoints } from '../schema/schema-wire.js';
import { ValueProblem } from '../types/metadata-type.js';
import {
  isBoundAtom,
  type BoundAtom,
  type BoundFilter,
  type BoundLiteral,
  type FieldDomain,
  type KeyField,
  type ValueField,
} from './filter-binding.js';
import { foldCase, textWords } from './text-folding.js';

/**
 * The in-memory evaluator: the reference semantics of a bound filter. Every store that
 * compiles filters to its own query language must return exactly the items this
 * predicate accepts (a differential test checks it over random schemas and documents).
 */

/** What the evaluator needs to know about one storage item. Every uuid is lowercase. */
export interface EvaluableItem {
  readonly uuid: string;
  /** The parsed `clientMetadata` object. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly name: string;
  /** The item type (`itemType`), e.g. `image`. */
  readonly type: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Epoch milliseconds. */
  readonly editedAt: number;
  /** The uuid of the item's folder and of every folder above it. */
  readonly folderPath: readonly string[];
  /** The collections the item belongs to. */
  readonly collections: ReadonlySet<string>;
  /** The datasets the item has data rows in. */
  readonly datasets: ReadonlySet<string>;
}

/**
 * A field's value on one item, normalised like the bound literals: numbers (datetimes
 * as epoch ms), strings (uuids lowercase), booleans. `null` means missing: the key is
 * absent, null, or holds a value that does not fit its current type. An embedding or
 * geospatial value that fits is reported as `true`, since only its presence matters.
 */
export type FieldValue = number | string | boolean | null;

/** A present field value. */
export type PresentValue = Exclude<FieldValue, null>;

type Reader = (item: EvaluableItem) => FieldValue;
type Predicate = (item: EvaluableItem) => boolean;

/** A function that reads one field from items, specialised once per field. */
export function fieldReader(field: ValueField): Reader {
  if (field.kind === 'builtin') {
    switch (field.name) {
      case '$name':
        return (item) => item.name;
      case '$type':
        return (item) => item.type;
      case '$created':
        return (item) => item.createdAt;
      case '$edited':
        return (item) => item.editedAt;
    }
  }
  return (item) => keyValue(field, item);
}

/** The value of a key field: missing unless present, non-null and fitting the key's type. */
function keyValue(field: KeyField, item: EvaluableItem): FieldValue {
  const metadata = item.metadata;
  // Own properties only: a key named "constructor" must not read Object.prototype's.
  if (!Object.hasOwn(metadata, field.key)) return null;
  const raw = metadata[field.key];
  if (raw === undefined || raw === null) return null;
  const value = field.check(raw);
  if (value instanceof ValueProblem) return null;
  return field.domain === 'presence' ? true : (value as PresentValue);
}

/** The value of `field` on `item` (see `FieldValue`). */
export function fieldValue(field: ValueField, item: EvaluableItem): FieldValue {
  return field.kind === 'key' ? keyValue(field, item) : fieldReader(field)(item);
}

/** Rank of a value's JavaScript type, so that comparing across types is still total. */
const typeRank = (value: PresentValue): number =>
  typeof value === 'boolean' ? 0 : typeof value === 'number' ? 1 : 2;

/**
 * Orders two present values of a field with this domain: numbers numerically, strings
 * by Unicode code point (not UTF-16 unit: "\u{1F600}" sorts after "\uFFFF"), false
 * before true. Values of different JavaScript types (which binding never produces)
 * order by type, so the order stays total.
 */
export function compareFieldValues(domain: FieldDomain, a: PresentValue, b: PresentValue): number {
  if (typeof a !== typeof b) return typeRank(a) - typeRank(b);
  if (domain === 'presence') return 0;
  if (typeof a === 'string') return a === b ? 0 : compareCodePoints(a, b as string);
  if (typeof a === 'number') {
    const n = b as number;
    return a < n ? -1 : a > n ? 1 : 0;
  }
  return a === b ? 0 : a ? 1 : -1;
}

/**
 * Compiles a bound filter into a predicate. The closures are built once here, so the
 * per-item cost is only reading fields and comparing.
 *
 * An atom on a missing value is false for every operator (`ne` and `nin` included);
 * `not` is plain negation. An empty `and` is true and an empty `or` false.
 */
export function compilePredicate(filter: BoundFilter): Predicate {
  if (isBoundAtom(filter)) return compileAtom(filter);
  if ('not' in filter) {
    const inner = compilePredicate(filter.not);
    return (item) => !inner(item);
  }
  if ('and' in filter) {
    const parts = filter.and.map(compilePredicate);
    return (item) => {
      for (const part of parts) if (!part(item)) return false;
      return true;
    };
  }
  const parts = filter.or.map(compilePredicate);
  return (item) => {
    for (const part of parts) if (part(item)) return true;
    return false;
  };
}

const never: Predicate = () => false;

function compileAtom(atom: BoundAtom): Predicate {
  switch (atom.kind) {
    case 'never':
      return never;
    case 'member':
      return compileMember(atom.field, atom.uuids, atom.negated);
    case 'exists': {
      const read = fieldReader(atom.field);
      return (item) => read(item) !== null;
    }
    case 'compare':
      return compileCompare(atom.field, atom.op, atom.value);
    case 'in': {
      const read = fieldReader(atom.field);
      // Bound values share the field's normalised form, so exact set lookup is equality.
      const values = new Set<BoundLiteral>(atom.values);
      const negated = atom.negated;
      return (item) => {
        const value = read(item);
        return value !== null && values.has(value) !== negated;
      };
    }
    case 'between': {
      const read = fieldReader(atom.field);
      const { domain } = atom.field;
      const { low, high } = atom;
      return (item) => {
        const value = read(item);
        return (
          value !== null &&
          compareFieldValues(domain, value, low) >= 0 &&
          compareFieldValues(domain, value, high) <= 0
        );
      };
    }
    case 'contains': {
      const read = fieldReader(atom.field);
      const needle = atom.value;
      return (item) => {
        const value = read(item);
        return typeof value === 'string' && foldCase(value).includes(needle);
      };
    }
    case 'startswith': {
      const read = fieldReader(atom.field);
      const prefix = atom.value;
      return (item) => {
        const value = read(item);
        return typeof value === 'string' && foldCase(value).startsWith(prefix);
      };
    }
    case 'matches': {
      const read = fieldReader(atom.field);
      const words = atom.words;
      if (words.length === 0) return (item) => read(item) !== null;
      return (item) => {
        const value = read(item);
        if (typeof value !== 'string') return false;
        const present = new Set(textWords(value));
        return words.every((word) => present.has(word));
      };
    }
  }
}

function compileCompare(
  field: ValueField,
  op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte',
  literal: BoundLiteral,
): Predicate {
  const read = fieldReader(field);
  const { domain } = field;
  switch (op) {
    case 'eq':
      return (item) => {
        const value = read(item);
        return value !== null && value === literal;
      };
    case 'ne':
      return (item) => {
        const value = read(item);
        return value !== null && value !== literal;
      };
    case 'lt':
      return (item) => {
        const value = read(item);
        return value !== null && compareFieldValues(domain, value, literal) < 0;
      };
    case 'lte':
      return (item) => {
        const value = read(item);
        return value !== null && compareFieldValues(domain, value, literal) <= 0;
      };
    case 'gt':
      return (item) => {
        const value = read(item);
        return value !== null && compareFieldValues(domain, value, literal) > 0;
      };
    case 'gte':
      return (item) => {
        const value = read(item);
        return value !== null && compareFieldValues(domain, value, literal) >= 0;
      };
  }
}

function compileMember(
  field: '$folder' | '$collection' | '$dataset',
  uuids: readonly string[],
  negated: boolean,
): Predicate {
  if (field === '$folder') {
    const wanted = new Set(uuids);
    return (item) => item.folderPath.some((uuid) => wanted.has(uuid)) !== negated;
  }
  const setOf =
    field === '$collection'
      ? (item: EvaluableItem) => item.collections
      : (item: EvaluableItem) => item.datasets;
  return (item) => {
    const set = setOf(item);
    return uuids.some((uuid) => set.has(uuid)) !== negated;
  };
}
