/**
 * Engine-neutral facts about a bound filter's shape that both engines' planners read:
 * its top-level conjuncts and whether one of them is a word search.
 */
import { isBoundAtom, type BoundAtom, type BoundFilter } from '@metaindex/core';

/**
 * The conjuncts of a filter's top level (an atom alone, or the children of a root
 * `and`), with their polarity: a planner looks for a selective indexed one.
 */
export function topConjuncts(filter: BoundFilter): { atom: BoundAtom; negated: boolean }[] {
  const out: { atom: BoundAtom; negated: boolean }[] = [];
  const walk = (node: BoundFilter, negated: boolean): void => {
    if (isBoundAtom(node)) out.push({ atom: node, negated });
    else if ('not' in node) walk(node.not, !negated);
    else if ('and' in node && !negated) for (const child of node.and) walk(child, false);
    else if ('or' in node && negated) for (const child of node.or) walk(child, true);
  };
  walk(filter, false);
  return out;
}

/** Whether a filter has a positive `matches` conjunct with words (served by a word index). */
export function hasSelectiveWords(filter: BoundFilter | null): boolean {
  if (filter === null) return false;
  return topConjuncts(filter).some(
    ({ atom, negated }) => !negated && atom.kind === 'matches' && atom.words.length > 0,
  );
}
