import { isTombstone, type SchemaMap } from '../schema/schema-types.js';
import { resolveKeyType } from '../types/type-registry.js';
import { BUILTIN_FIELDS, isAtom, isBuiltinKey, type FilterAtom, type FilterNode } from './filter-ast.js';

/** One atom the schema rules out; `path` locates it like validateFilter's messages do. */
export interface FilterProblem {
  readonly path: string;
  readonly key: string;
  readonly message: string;
}

const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_FIELDS);

/**
 * Finds the atoms the current schema rules out: an operator the key's type does not
 * support, or a `$` field that is not a built-in. Keys missing from the schema or
 * deleted are not problems: such keys have no values, and what they evaluate to is the
 * evaluator's business. Literal types are not compared with key types here.
 */
export function checkFilterAgainstSchema(
  node: FilterNode,
  schema: SchemaMap,
  path = 'filter',
): FilterProblem[] {
  const problems: FilterProblem[] = [];
  collectProblems(node, schema, path, problems);
  return problems;
}

function collectProblems(node: FilterNode, schema: SchemaMap, path: string, problems: FilterProblem[]): void {
  if (isAtom(node)) {
    const message = atomProblem(node, schema);
    if (message !== undefined) problems.push({ path, key: node.key, message });
  } else if ('not' in node) {
    collectProblems(node.not, schema, `${path}.not`, problems);
  } else {
    const [name, children] = 'and' in node ? ['and', node.and] : ['or', node.or];
    children.forEach((child, i) => {
      collectProblems(child, schema, `${path}.${name}[${i}]`, problems);
    });
  }
}

function atomProblem(atom: FilterAtom, schema: SchemaMap): string | undefined {
  if (isBuiltinKey(atom.key)) {
    if (BUILTIN_NAMES.has(atom.key)) return undefined;
    return `unknown built-in field ${JSON.stringify(atom.key)}; the built-in fields are ${BUILTIN_FIELDS.join(', ')}`;
  }
  const entry = schema.get(atom.key);
  if (entry === undefined || isTombstone(entry)) return undefined;
  const { type } = resolveKeyType(entry);
  if (type.operators.includes(atom.op)) return undefined;
  return `key ${JSON.stringify(atom.key)} (${type.name}) does not support "${atom.op}"; ${type.name} supports ${type.operators.join(', ')}`;
}
