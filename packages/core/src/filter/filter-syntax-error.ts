import { InvalidArgumentError } from '../errors.js';

/**
 * Filter text that does not parse. `column` is 1-based and counts code points (not
 * UTF-16 units), so it matches what an editor shows for text with emoji or CJK keys.
 */
export class FilterSyntaxError extends InvalidArgumentError {
  readonly column: number;
  /** What the parser wanted at `column`, e.g. `a value (a number, a string, true or false)`. */
  readonly expected: string;
  /** What it found there, e.g. `")"` or `the end of the filter`. */
  readonly found: string;

  constructor(column: number, expected: string, found: string) {
    super(`column ${column}: expected ${expected}, found ${found}`, { column, expected, found });
    this.column = column;
    this.expected = expected;
    this.found = found;
  }
}

/** The 1-based code-point column of a UTF-16 offset. */
export function columnAt(source: string, offset: number): number {
  let column = 1;
  for (const _ of source.slice(0, offset)) column++;
  return column;
}

export const END_OF_FILTER = 'the end of the filter';

/** Quotes a piece of source for a message, shortened so a long string cannot flood it. */
export function quoteSource(text: string): string {
  const chars = Array.from(text);
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 37).join('')}...` : text);
}
