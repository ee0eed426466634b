export * from './operators.js';
export * from './filter-ast.js';
export { FilterSyntaxError } from './filter-syntax-error.js';
export { FILTER_KEYWORDS, parseFilter } from './filter-parser.js';
export { printFilter, printFilterKey } from './filter-printer.js';
export * from './filter-schema-check.js';
