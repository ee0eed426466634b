import { InvalidArgumentError } from '../errors.js';
import { isTombstone, type SchemaMap } from '../schema/schema-types.js';
import { compareCodePoints } from '../schema/schema-wire.js';
import { jsonKind } from '../types/metadata-type.js';
import { BUILTIN_FIELDS } from './filter-ast.js';
import { builtinValueField, keyField, type ValueField } from './filter-binding.js';
import { compareFieldValues, fieldReader, type EvaluableItem, type FieldValue } from './filter-evaluator.js';
import { BARE_KEY } from './filter-lexer.js';
import { printFilterKey } from './filter-printer.js';
import { columnAt, quoteSource } from './filter-syntax-error.js';

/**
 * Sorting: a list of `{key, desc}` over typed schema keys and the built-in value
 * fields. Items missing a value come last whether the entry is ascending or
 * descending; ties break by item uuid ascending, so paging is deterministic.
 */

/** One sort entry as written: a key (or built-in) and its direction. */
export interface SortSpec {
  readonly key: string;
  readonly desc: boolean;
}

/** A sort entry bound to a schema: the field it reads. */
export interface BoundSort {
  readonly field: ValueField;
  readonly desc: boolean;
}

/** The most entries a sort may have. */
export const MAX_SORT_KEYS = 8;

/** The built-in fields a sort may use (the membership fields have no order). */
export const SORTABLE_BUILTINS = ['$name', '$type', '$created', '$edited'] as const;

const SORT_PROPERTIES = new Set(['key', 'desc']);

function fail(path: string, message: string, details: Record<string, unknown> = {}): never {
  throw new InvalidArgumentError(`${path}: ${message}`, { path, ...details });
}

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a sort that arrived as JSON: an array of `{"key": string, "desc"?: boolean}`
 * (`desc` defaults to false), at most `MAX_SORT_KEYS` entries, no key twice. An absent
 * sort (`undefined`) is the empty sort. Messages start with the path of the bad part,
 * e.g. `sort[1].desc: expected true or false, got a string`. Unknown properties are
 * rejected so typos surface.
 */
export function validateSort(input: unknown, path = 'sort'): SortSpec[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) {
    fail(path, `expected an array of {"key", "desc"} objects, got ${jsonKind(input)}`);
  }
  if (input.length > MAX_SORT_KEYS) {
    fail(path, `a sort has at most ${MAX_SORT_KEYS} entries, got ${input.length}`);
  }
  const specs: SortSpec[] = [];
  input.forEach((entry: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(entry)) {
      fail(at, `expected an object {"key": string, "desc"?: boolean}, got ${jsonKind(entry)}`);
    }
    const unknown = Object.keys(entry).filter((p) => !SORT_PROPERTIES.has(p));
    if (unknown.length > 0) {
      fail(
        at,
        `unknown ${unknown.map((p) => JSON.stringify(p)).join(', ')}; a sort entry is {"key", "desc"}`,
      );
    }
    const key = entry['key'];
    if (typeof key !== 'string' || key === '') {
      fail(`${at}.key`, `expected a non-empty string, got ${jsonKind(key)}`);
    }
    const desc = entry['desc'] === undefined ? false : entry['desc'];
    if (typeof desc !== 'boolean') fail(`${at}.desc`, `expected true or false, got ${jsonKind(desc)}`);
    specs.push({ key, desc });
  });
  const seen = new Map<string, number>();
  specs.forEach(({ key }, i) => {
    const first = seen.get(key);
    if (first !== undefined) {
      fail(`${path}[${i}].key`, `${JSON.stringify(key)} is already sorted on by ${path}[${first}]`, { key });
    }
    seen.set(key, i);
  });
  return specs;
}

const BUILTIN_WORD = /\$[A-Za-z_][A-Za-z0-9_.-]*/y;
const BARE_WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const SPACES = /[ \t]*/y;
const END_OF_SORT = 'the end of the sort';
const EXPECT_KEY = 'a key (bare like speed, a built-in like $name, or in backticks like `camera model`)';

/** A syntax error in sort text, with the 1-based code-point column like filter errors. */
function syntaxError(text: string, offset: number, expected: string, found: string): never {
  const column = columnAt(text, offset);
  throw new InvalidArgumentError(`sort: column ${column}: expected ${expected}, found ${found}`, {
    column,
    expected,
    found,
  });
}

/**
 * Parses the command-line form of a sort: comma-separated keys, each optionally led by
 * `-` for descending, e.g. `-speed,$name,weather`. Keys are written as in the filter
 * language: bare (`[A-Za-z_][A-Za-z0-9_.-]*`), a built-in (`$name`), or in backticks
 * with a backtick doubled (`` -`camera model` ``). Spaces around entries are allowed;
 * empty text is the empty sort.
 */
export function parseSortText(text: string): SortSpec[] {
  const specs: SortSpec[] = [];
  const offsets: number[] = [];
  let at = skipSpaces(text, 0);
  if (at === text.length) return specs;
  for (;;) {
    const start = at;
    const desc = text[at] === '-';
    if (desc) at = skipSpaces(text, at + 1);
    const [key, end] = scanKey(text, at);
    specs.push({ key, desc });
    offsets.push(start);
    at = skipSpaces(text, end);
    if (at === text.length) break;
    if (text[at] !== ',') syntaxError(text, at, '"," or the end of the sort', describeAt(text, at));
    at = skipSpaces(text, at + 1);
  }
  if (specs.length > MAX_SORT_KEYS) {
    syntaxError(
      text,
      offsets[MAX_SORT_KEYS] ?? 0,
      `at most ${MAX_SORT_KEYS} sort keys`,
      `sort key number ${MAX_SORT_KEYS + 1}`,
    );
  }
  const seen = new Set<string>();
  specs.forEach(({ key }, i) => {
    if (seen.has(key)) {
      syntaxError(text, offsets[i] ?? 0, 'each key at most once', `${quoteSource(key)} a second time`);
    }
    seen.add(key);
  });
  return specs;
}

function skipSpaces(text: string, at: number): number {
  SPACES.lastIndex = at;
  SPACES.exec(text);
  return SPACES.lastIndex;
}

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function describeAt(text: string, at: number): string {
  if (at >= text.length) return END_OF_SORT;
  return quoteSource(String.fromCodePoint(text.codePointAt(at) ?? 0));
}

/** Scans one key at `at`; returns it and the offset after it. */
function scanKey(text: string, at: number): [string, number] {
  const char = text[at];
  if (char === '`') {
    let key = '';
    let i = at + 1;
    for (;;) {
      const close = text.indexOf('`', i);
      if (close < 0) syntaxError(text, text.length, 'a closing ` to end the key', END_OF_SORT);
      key += text.slice(i, close);
      if (text[close + 1] !== '`') {
        if (key === '') syntaxError(text, at, 'a non-empty key between the backticks', '``');
        return [key, close + 1];
      }
      key += '`';
      i = close + 2;
    }
  }
  const word = char === '$' ? matchAt(BUILTIN_WORD, text, at) : matchAt(BARE_WORD, text, at);
  if (word === undefined) syntaxError(text, at, EXPECT_KEY, describeAt(text, at));
  return [word, at + word.length];
}

/** The command-line form of a sort; `parseSortText` reads it back to the same entries. */
export function printSortText(sort: readonly SortSpec[]): string {
  return sort.map(({ key, desc }) => `${desc ? '-' : ''}${printSortKey(key)}`).join(',');
}

/** Keys print as in the filter language, except that keywords need no backticks here. */
const printSortKey = (key: string): string => (BARE_KEY.test(key) ? key : printFilterKey(key));

const SORTABLE = `sort by a schema key (not embedding or geospatial) or by ${SORTABLE_BUILTINS.join(', ')}`;

/**
 * Binds a sort to a schema. A key must be a live schema key with an order (not an
 * embedding or geospatial key) or one of `$name`, `$type`, `$created`, `$edited`;
 * anything else is an `InvalidArgumentError` naming the path, the key and why.
 */
export function bindSort(sort: readonly SortSpec[], schema: SchemaMap, path = 'sort'): BoundSort[] {
  return sort.map(({ key, desc }, i) => {
    const at = `${path}[${i}].key`;
    const why = (reason: string): never => fail(at, `${reason}; ${SORTABLE}`, { key });
    if (key.startsWith('$')) {
      const builtin = builtinValueField(key);
      if (builtin !== undefined) return { field: builtin, desc };
      if ((BUILTIN_FIELDS as readonly string[]).includes(key)) {
        return why(`${key} cannot be sorted on: it is a membership, not a value`);
      }
      return why(`unknown built-in field ${JSON.stringify(key)}`);
    }
    const entry = schema.get(key);
    if (entry === undefined) return why(`key ${JSON.stringify(key)} is not in the metadata schema`);
    if (isTombstone(entry)) {
      return why(`key ${JSON.stringify(key)} has been deleted from the metadata schema`);
    }
    const field = keyField(schema, key);
    if (field === undefined) return why(`key ${JSON.stringify(key)} has no type`);
    if (field.domain === 'presence') {
      return why(`key ${JSON.stringify(key)} (${field.type}) cannot be sorted on: its values have no order`);
    }
    return { field, desc };
  });
}

/**
 * A comparator for `Array.prototype.sort`: entry by entry, items missing the value come
 * last (in both directions), present values compare by the field's domain (reversed for
 * `desc`); the final tie-break is the item uuid ascending by code point. An empty sort
 * orders by uuid alone. Field values are read once per item and remembered.
 */
export function compareBySort(sort: readonly BoundSort[]): (a: EvaluableItem, b: EvaluableItem) => number {
  const entries = sort.map(({ field, desc }) => ({
    read: fieldReader(field),
    domain: field.domain,
    sign: desc ? -1 : 1,
  }));
  const cache = new WeakMap<EvaluableItem, readonly FieldValue[]>();
  const valuesOf = (item: EvaluableItem): readonly FieldValue[] => {
    let values = cache.get(item);
    if (values === undefined) {
      values = entries.map((entry) => entry.read(item));
      cache.set(item, values);
    }
    return values;
  };
  return (a, b) => {
    if (entries.length > 0) {
      const va = valuesOf(a);
      const vb = valuesOf(b);
      for (let i = 0; i < entries.length; i++) {
        const x = va[i] ?? null;
        const y = vb[i] ?? null;
        if (x === null) {
          if (y !== null) return 1;
          continue;
        }
        if (y === null) return -1;
        const entry = entries[i];
        if (entry === undefined) continue;
        const order = compareFieldValues(entry.domain, x, y);
        if (order !== 0) return entry.sign * order;
      }
    }
    return a.uuid === b.uuid ? 0 : compareCodePoints(a.uuid, b.uuid);
  };
}
