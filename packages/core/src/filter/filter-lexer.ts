import { normaliseNumber } from './filter-ast.js';
import { columnAt, END_OF_FILTER, FilterSyntaxError, quoteSource } from './filter-syntax-error.js';

/** Punctuation and comparison symbols, longest first so `<=` wins over `<`. */
const PUNCTUATION = ['!=', '<=', '>=', '(', ')', '[', ']', ',', '=', '<', '>'] as const;
export type Punctuation = (typeof PUNCTUATION)[number];

/**
 * One token. `text` is the exact source slice (for messages); `offset` is its UTF-16
 * start. Keywords are plain `word`s: whether `in` is a keyword or a key depends on where
 * it stands, so the parser decides (case-insensitively).
 */
export type Token = { readonly text: string; readonly offset: number } & (
  | { readonly kind: 'word' }
  | { readonly kind: 'builtin' }
  | { readonly kind: 'quotedKey'; readonly key: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'punctuation'; readonly symbol: Punctuation }
  // A character that starts no token. Not an error here, so that the parser can say
  // what it expected at that point instead of a generic "unexpected character".
  | { readonly kind: 'invalid' }
  | { readonly kind: 'end' }
);

/** Bare keys; `$` + this is a built-in field. Exported because the printer must agree. */
export const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const BUILTIN = /\$[A-Za-z_][A-Za-z0-9_.-]*/y;
// Numbers are cut at the longest run of number characters and then must be a JSON
// number as a whole, so `01` or `1.` is reported as one bad number, not as two tokens.
const NUMBER_RUN = /[-+.0-9eE]+/y;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const WHITESPACE = /[ \t\n\r]*/y; // JSON whitespace
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Turns filter text into tokens on demand. Lazy on purpose: a malformed string late in
 * the text must not hide an earlier syntax error, so errors come out in source order.
 */
export class FilterLexer {
  private position = 0;
  private lookahead: Token | undefined;

  constructor(private readonly source: string) {}

  peek(): Token {
    this.lookahead ??= this.scan();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** A syntax error at `offset` in this lexer's source. */
  error(offset: number, expected: string, found: string): FilterSyntaxError {
    return new FilterSyntaxError(columnAt(this.source, offset), expected, found);
  }

  private scan(): Token {
    this.position = this.matchAt(WHITESPACE)?.end ?? this.position;
    const offset = this.position;
    const source = this.source;
    if (offset >= source.length) return { kind: 'end', text: '', offset };
    const char = source[offset];

    if (char === '"') return this.scanString(offset);
    if (char === '`') return this.scanQuotedKey(offset);
    if (char === '$') {
      const builtin = this.matchAt(BUILTIN);
      if (builtin !== undefined) return this.take({ kind: 'builtin', text: builtin.text, offset });
    }
    const word = this.matchAt(WORD);
    if (word !== undefined) return this.take({ kind: 'word', text: word.text, offset });
    const run = this.matchAt(NUMBER_RUN);
    if (run !== undefined && (char === '-' || (char !== undefined && char >= '0' && char <= '9'))) {
      return this.take(this.number(run.text, offset));
    }
    const symbol = PUNCTUATION.find((p) => source.startsWith(p, offset));
    if (symbol !== undefined) return this.take({ kind: 'punctuation', symbol, text: symbol, offset });
    const codePoint = String.fromCodePoint(source.codePointAt(offset) ?? 0);
    return this.take({ kind: 'invalid', text: codePoint, offset });
  }

  private take(token: Token): Token {
    this.position = token.offset + token.text.length;
    return token;
  }

  private matchAt(pattern: RegExp): { text: string; end: number } | undefined {
    pattern.lastIndex = this.position;
    const match = pattern.exec(this.source);
    if (match === null || match[0] === '') return undefined;
    return { text: match[0], end: pattern.lastIndex };
  }

  private number(text: string, offset: number): Token {
    if (!JSON_NUMBER.test(text)) throw this.error(offset, 'a JSON number', quoteSource(text));
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw this.error(offset, 'a number within the range of a double', quoteSource(text));
    }
    return { kind: 'number', value: normaliseNumber(value), text, offset };
  }

  /** A JSON string: checked here for exact columns, then decoded by JSON.parse. */
  private scanString(offset: number): Token {
    const source = this.source;
    let i = offset + 1;
    for (;;) {
      const char = source[i];
      if (char === undefined) {
        throw this.error(i, 'a closing " to end the string', END_OF_FILTER);
      }
      if (char === '"') break;
      if (char === '\\') {
        const escape = source[i + 1] ?? '';
        const unicode = escape === 'u' && HEX4.test(source.slice(i + 2, i + 6));
        if (!SIMPLE_ESCAPES.has(escape) && !unicode) {
          throw this.error(
            i,
            'a JSON escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u followed by four hex digits)',
            quoteSource(source.slice(i, i + (escape === 'u' ? 6 : 2))),
          );
        }
        i += unicode ? 6 : 2;
      } else if (char < ' ') {
        throw this.error(i, 'a string character (control characters must be escaped)', JSON.stringify(char));
      } else {
        i++;
      }
    }
    const text = source.slice(offset, i + 1);
    const decoded: unknown = JSON.parse(text);
    // Always a string after the checks above; the test keeps the types honest without a cast.
    return this.take({ kind: 'string', value: typeof decoded === 'string' ? decoded : '', text, offset });
  }

  /** A backtick key: any characters, a backtick written as two. */
  private scanQuotedKey(offset: number): Token {
    const source = this.source;
    let key = '';
    let i = offset + 1;
    for (;;) {
      const end = source.indexOf('`', i);
      if (end < 0) throw this.error(source.length, 'a closing ` to end the key', END_OF_FILTER);
      key += source.slice(i, end);
      if (source[end + 1] !== '`') {
        i = end + 1;
        break;
      }
      key += '`';
      i = end + 2;
    }
    return this.take({ kind: 'quotedKey', key, text: source.slice(offset, i), offset });
  }
}
