/**
 * Test helpers for metaindex packages (not part of the runtime API): fast-check
 * arbitraries for schemas, documents, items, filters and sorts.
 */
export * from './filter-arbitraries.js';
