import {
  hasAtLeastTwo,
  MAX_FILTER_DEPTH,
  type ComparisonOperator,
  type FilterAtom,
  type FilterLiteral,
  type FilterNode,
  type StringOperator,
} from './filter-ast.js';
import { FilterLexer, type Punctuation, type Token } from './filter-lexer.js';
import { END_OF_FILTER, quoteSource } from './filter-syntax-error.js';

/**
 * Grammar (keywords case-insensitive):
 *
 *   filter    := or END
 *   or        := and ("or" and)*
 *   and       := unary ("and" unary)*
 *   unary     := "not" unary | "(" or ")" | key predicate
 *   predicate := ("=" | "!=" | "<" | "<=" | ">" | ">=") literal
 *              | "not"? "in" "[" literal ("," literal)* "]"
 *              | "between" literal "and" literal
 *              | ("contains" | "startswith" | "matches") string
 *              | "not"? "exists"
 *
 * Chains build one flat n-ary node (`a and b and c` is one `and` with three children)
 * while parentheses keep their own node, so the printer can reproduce the tree exactly.
 */

/** The words that cannot be bare keys. */
export const FILTER_KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'between',
  'exists',
  'contains',
  'startswith',
  'matches',
  'true',
  'false',
]);

const COMPARISONS: ReadonlyMap<Punctuation, ComparisonOperator> = new Map([
  ['=', 'eq'],
  ['!=', 'ne'],
  ['<', 'lt'],
  ['<=', 'lte'],
  ['>', 'gt'],
  ['>=', 'gte'],
]);

const STRING_OPERATORS: ReadonlyMap<string, StringOperator> = new Map([
  ['contains', 'contains'],
  ['startswith', 'startswith'],
  ['matches', 'matches'],
]);

const EXPECT_CONDITION = 'a condition (a key, "not" or "(")';
const EXPECT_KEY_HINT = 'a condition (a key, "not" or "("; write other keys in backticks, like `my key`)';
const EXPECT_OPERATOR =
  'an operator (= != < <= > >= in, not in, between, contains, startswith, matches, exists or not exists)';
const EXPECT_VALUE = 'a value (a number, a string, true or false)';

/**
 * Stack guard: parentheses and `not`s nested deeper than this are refused before the
 * recursion gets deep. Twice the tree limit, because printing a tree of depth d needs
 * up to 2d of them (`not (` for a `not` over an `and`), and printed text must parse.
 */
const MAX_NESTING = 2 * MAX_FILTER_DEPTH;

interface Parsed {
  readonly node: FilterNode;
  /** Tree depth of `node` (an atom is 1), checked against MAX_FILTER_DEPTH as nodes are built. */
  readonly depth: number;
}

/** Parses filter text into its AST; throws `FilterSyntaxError` with column and expectation. */
export function parseFilter(text: string): FilterNode {
  return new FilterParser(text).parse();
}

export const isKeyword = (word: string): boolean => FILTER_KEYWORDS.has(word.toLowerCase());

class FilterParser {
  private readonly lexer: FilterLexer;
  private nesting = 0;

  constructor(source: string) {
    this.lexer = new FilterLexer(source);
  }

  parse(): FilterNode {
    const { node } = this.parseOr();
    const end = this.lexer.peek();
    if (end.kind !== 'end') throw this.unexpected(end, `"and", "or" or ${END_OF_FILTER}`);
    return node;
  }

  private parseOr(): Parsed {
    return this.chain('or', () => this.parseAnd());
  }

  private parseAnd(): Parsed {
    return this.chain('and', () => this.parseUnary());
  }

  /** `operand (keyword operand)*`, built as one flat node when there are two or more. */
  private chain(keyword: 'and' | 'or', operand: () => Parsed): Parsed {
    const start = this.lexer.peek();
    const first = operand();
    const parts = [first];
    while (this.acceptKeyword(keyword)) parts.push(operand());
    const children = parts.map((p) => p.node);
    if (!hasAtLeastTwo(children)) return first;
    const node = keyword === 'and' ? { and: children } : { or: children };
    return this.built(node, 1 + Math.max(...parts.map((p) => p.depth)), start);
  }

  private parseUnary(): Parsed {
    const token = this.lexer.peek();
    if (this.isKeywordToken(token, 'not')) {
      this.lexer.next();
      const inner = this.nested(token, () => this.parseUnary());
      return this.built({ not: inner.node }, inner.depth + 1, token);
    }
    if (token.kind === 'punctuation' && token.symbol === '(') {
      this.lexer.next();
      const inner = this.nested(token, () => this.parseOr());
      this.expectSymbol(')', '"and", "or" or ")"');
      return inner;
    }
    return this.parseAtom();
  }

  private nested(token: Token, parse: () => Parsed): Parsed {
    if (this.nesting >= MAX_NESTING) {
      throw this.unexpected(token, `at most ${MAX_NESTING} nested parentheses and "not"s`);
    }
    this.nesting++;
    const parsed = parse();
    this.nesting--;
    return parsed;
  }

  private built(node: FilterNode, depth: number, start: Token): Parsed {
    if (depth > MAX_FILTER_DEPTH) {
      throw this.lexer.error(
        start.offset,
        `a filter at most ${MAX_FILTER_DEPTH} levels deep`,
        `one ${depth} levels deep from here`,
      );
    }
    return { node, depth };
  }

  private parseAtom(): Parsed {
    const key = this.parseKey();
    const token = this.lexer.next();
    if (token.kind === 'punctuation') {
      const op = COMPARISONS.get(token.symbol);
      if (op !== undefined) return this.atom({ key, op, value: this.parseLiteral() });
    }
    if (token.kind !== 'word') throw this.unexpected(token, EXPECT_OPERATOR);
    const word = token.text.toLowerCase();
    if (word === 'exists') return this.atom({ key, op: 'exists' });
    if (word === 'in') return this.atom({ key, op: 'in', value: this.parseList() });
    if (word === 'not') {
      const after = this.lexer.next();
      if (this.isKeywordToken(after, 'in')) return this.atom({ key, op: 'nin', value: this.parseList() });
      if (this.isKeywordToken(after, 'exists')) return this.built({ not: { key, op: 'exists' } }, 2, token);
      throw this.unexpected(after, '"in" or "exists" after "not"');
    }
    if (word === 'between') {
      const low = this.parseLiteral();
      const and = this.lexer.next();
      if (!this.isKeywordToken(and, 'and')) throw this.unexpected(and, '"and" (between low and high)');
      return this.atom({ key, op: 'between', value: [low, this.parseLiteral()] });
    }
    const stringOp = STRING_OPERATORS.get(word);
    if (stringOp !== undefined) {
      const value = this.lexer.next();
      if (value.kind !== 'string') throw this.unexpected(value, `a string after "${stringOp}"`);
      return this.atom({ key, op: stringOp, value: value.value });
    }
    throw this.unexpected(token, EXPECT_OPERATOR);
  }

  private atom(node: FilterAtom): Parsed {
    return { node, depth: 1 };
  }

  private parseKey(): string {
    const token = this.lexer.next();
    switch (token.kind) {
      case 'builtin':
        return token.text;
      case 'quotedKey':
        if (token.key === '') throw this.unexpected(token, 'a non-empty key between the backticks');
        return token.key;
      case 'word':
        // A keyword here is most likely a key with an unlucky name: say how to write it.
        if (isKeyword(token.text)) throw this.unexpected(token, EXPECT_KEY_HINT);
        return token.text;
      case 'invalid':
        throw this.unexpected(token, EXPECT_KEY_HINT);
      default:
        break;
    }
    throw this.unexpected(token, EXPECT_CONDITION);
  }

  private parseLiteral(): FilterLiteral {
    const token = this.lexer.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (this.isKeywordToken(token, 'true')) return true;
    if (this.isKeywordToken(token, 'false')) return false;
    throw this.unexpected(token, EXPECT_VALUE);
  }

  private parseList(): readonly [FilterLiteral, ...FilterLiteral[]] {
    this.expectSymbol('[', '"[" to start the list of values');
    const values: [FilterLiteral, ...FilterLiteral[]] = [this.parseLiteral()];
    while (this.acceptSymbol(',')) values.push(this.parseLiteral());
    this.expectSymbol(']', '"," or "]"');
    return values;
  }

  private isKeywordToken(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.isKeywordToken(this.lexer.peek(), keyword)) return false;
    this.lexer.next();
    return true;
  }

  private acceptSymbol(symbol: Punctuation): boolean {
    const token = this.lexer.peek();
    if (token.kind !== 'punctuation' || token.symbol !== symbol) return false;
    this.lexer.next();
    return true;
  }

  private expectSymbol(symbol: Punctuation, expected: string): void {
    if (!this.acceptSymbol(symbol)) throw this.unexpected(this.lexer.peek(), expected);
  }

  private unexpected(token: Token, expected: string) {
    return this.lexer.error(token.offset, expected, describeToken(token));
  }
}

function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return END_OF_FILTER;
    case 'string':
      return `the string ${quoteSource(token.value)}`;
    case 'number':
      return `the number ${token.text}`;
    default:
      return quoteSource(token.text);
  }
}
