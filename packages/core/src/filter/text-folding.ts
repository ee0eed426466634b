/**
 * Case folding and word splitting for `contains`, `startswith` and `matches`. Every
 * engine stores (or computes) exactly these forms, so results never depend on a
 * database's collation or locale.
 */

/** The case-insensitive form of a string: JavaScript's locale-independent lowercasing. */
export const foldCase = (value: string): string => value.toLowerCase();

/** A word: a run of letters, combining marks and digits (any script). */
const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** The words of a string, case-folded, in order (repeats kept). */
export function textWords(value: string): string[] {
  return foldCase(value).match(WORD) ?? [];
}
