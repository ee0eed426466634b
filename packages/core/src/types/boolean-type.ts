import { jsonKind, ValueProblem, type MetadataType } from './metadata-type.js';

/** `true` or `false`; nothing else (no "true" strings, no 0/1). */
export const booleanType: MetadataType = {
  name: 'boolean',
  aliases: [],
  operators: ['eq', 'ne', 'exists'],
  indexKind: 'boolean',
  describe: () => 'true or false',
  compile: () => (value) =>
    typeof value === 'boolean'
      ? value
      : new ValueProblem('boolean.type', `expected true or false, got ${jsonKind(value)}`),
};
