import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FilterAtom, FilterLiteral, FilterNode } from './filter-ast.js';
import { validateFilter } from './filter-ast.js';
import { FILTER_KEYWORDS, parseFilter } from './filter-parser.js';
import { printFilter } from './filter-printer.js';

// Keys that exercise every printing path: bare, keywords in any case (backticked),
// built-ins, and arbitrary unicode including backticks, spaces and control characters.
const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/),
  fc
    .constantFrom(...FILTER_KEYWORDS)
    .chain((k) => fc.constantFrom(k, k.toUpperCase(), k[0]!.toUpperCase() + k.slice(1))),
  fc.stringMatching(/^\$[A-Za-z_][A-Za-z0-9_.-]{0,8}$/),
  fc.constantFrom('$name', '$created', '`', '``', 'a`b', 'camera model', '日本', '$', '$ x'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
);

const stringArb = fc.string({ unit: 'binary', maxLength: 8 });
const literalArb: fc.Arbitrary<FilterLiteral> = fc.oneof(
  stringArb,
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  // -0 is not a distinct literal: it prints as 0 and parses back as 0.
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
);
const listArb = fc
  .array(literalArb, { minLength: 1, maxLength: 4 })
  .map(([first, ...rest]) => [first!, ...rest] as const);

// Records with Object.prototype, like parsed and JSON-decoded ASTs, so toStrictEqual compares only data.
const plain = { noNullPrototype: true } as const;

const atomArb: fc.Arbitrary<FilterAtom> = keyArb.chain((key) =>
  fc.oneof(
    fc.record(
      {
        key: fc.constant(key),
        op: fc.constantFrom('eq', 'ne', 'lt', 'lte', 'gt', 'gte'),
        value: literalArb,
      },
      plain,
    ),
    fc.record({ key: fc.constant(key), op: fc.constantFrom('in', 'nin'), value: listArb }, plain),
    fc.record(
      { key: fc.constant(key), op: fc.constant('between'), value: fc.tuple(literalArb, literalArb) },
      plain,
    ),
    fc.record(
      {
        key: fc.constant(key),
        op: fc.constantFrom('contains', 'startswith', 'matches'),
        value: stringArb,
      },
      plain,
    ),
    fc.constant({ key, op: 'exists' as const }),
  ),
);

const nodeArb: fc.Arbitrary<FilterNode> = fc.letrec<{ node: FilterNode }>((tie) => {
  const children = fc
    .array(tie('node'), { minLength: 2, maxLength: 4 })
    .map(([first, second, ...rest]) => [first!, second!, ...rest] as const);
  return {
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atomArb,
      children.map((and) => ({ and })),
      children.map((or) => ({ or })),
      tie('node').map((not) => ({ not })),
    ),
  };
}).node;

describe('round trip between the AST and the text syntax', () => {
  it('parse(print(ast)) deep-equals ast', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        expect(parseFilter(printFilter(ast))).toStrictEqual(ast);
      }),
      { numRuns: 500 },
    );
  });

  it('printing is canonical: print(parse(print(ast))) === print(ast)', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        const text = printFilter(ast);
        expect(printFilter(parseFilter(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('every generated AST is valid JSON input, and survives JSON transport unchanged', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        expect(validateFilter(JSON.parse(JSON.stringify(ast)))).toStrictEqual(ast);
      }),
      { numRuns: 300 },
    );
  });

  it('parse accepts printed text with extra spaces, parentheses and other keyword case', () => {
    fc.assert(
      fc.property(nodeArb, (ast) => {
        const text = `  ( ${printFilter(ast)} )  `.replace(/ (and|or|not) /g, (w) => w.toUpperCase());
        // Upper-casing may touch string literals too, so compare only when it did not.
        fc.pre(!JSON.stringify(ast).match(/ (and|or|not) /));
        expect(parseFilter(text)).toStrictEqual(ast);
      }),
      { numRuns: 200 },
    );
  });
});
