import { isAtom, isBuiltinKey, type FilterAtom, type FilterLiteral, type FilterNode } from './filter-ast.js';
import { BARE_KEY } from './filter-lexer.js';
import { isKeyword } from './filter-parser.js';

/**
 * Prints a filter as canonical text: single spaces, minimal parentheses, JSON literals,
 * keys bare when they can be. `parseFilter(printFilter(ast))` deep-equals `ast`.
 *
 * Parentheses: `not` binds tighter than `and`, which binds tighter than `or`. Besides
 * what precedence needs (an `or` inside an `and`, a non-atom under `not`), a node inside
 * a node of its own kind is parenthesised too: the parser flattens `a and b and c` into
 * one node, so `(a and b) and c` is the only spelling of a nested `and`.
 */
export function printFilter(node: FilterNode): string {
  if (isAtom(node)) return printAtom(node);
  if ('not' in node) {
    const inner = node.not;
    if (!isAtom(inner)) return `not (${printFilter(inner)})`;
    return inner.op === 'exists' ? `${printFilterKey(inner.key)} not exists` : `not ${printAtom(inner)}`;
  }
  if ('and' in node) {
    return node.and
      .map((child) => ('and' in child || 'or' in child ? `(${printFilter(child)})` : printFilter(child)))
      .join(' and ');
  }
  return node.or
    .map((child) => ('or' in child ? `(${printFilter(child)})` : printFilter(child)))
    .join(' or ');
}

/** A key as the text syntax writes it: bare, `$builtin`, or in backticks with `` doubled. */
export function printFilterKey(key: string): string {
  const bare = isBuiltinKey(key) ? BARE_KEY.test(key.slice(1)) : BARE_KEY.test(key) && !isKeyword(key);
  return bare ? key : `\`${key.replaceAll('`', '``')}\``;
}

function printAtom(atom: FilterAtom): string {
  const key = printFilterKey(atom.key);
  switch (atom.op) {
    case 'eq':
      return `${key} = ${printLiteral(atom.value)}`;
    case 'ne':
      return `${key} != ${printLiteral(atom.value)}`;
    case 'lt':
      return `${key} < ${printLiteral(atom.value)}`;
    case 'lte':
      return `${key} <= ${printLiteral(atom.value)}`;
    case 'gt':
      return `${key} > ${printLiteral(atom.value)}`;
    case 'gte':
      return `${key} >= ${printLiteral(atom.value)}`;
    case 'in':
      return `${key} in ${printList(atom.value)}`;
    case 'nin':
      return `${key} not in ${printList(atom.value)}`;
    case 'between':
      return `${key} between ${printLiteral(atom.value[0])} and ${printLiteral(atom.value[1])}`;
    case 'contains':
    case 'startswith':
    case 'matches':
      return `${key} ${atom.op} ${printLiteral(atom.value)}`;
    case 'exists':
      return `${key} exists`;
  }
}

const printList = (values: readonly FilterLiteral[]): string => `[${values.map(printLiteral).join(', ')}]`;

/** JSON spelling for all three kinds; JSON.stringify keeps non-ASCII characters as they are. */
const printLiteral = (value: FilterLiteral): string => JSON.stringify(value);
