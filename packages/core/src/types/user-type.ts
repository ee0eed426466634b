import { jsonKind, ValueProblem, type MetadataType } from './metadata-type.js';

/**
 * The legacy read-only `user` kind: a user identifier (an email or id) as a string.
 * Clients cannot create it; a server migrated from older data may hold it.
 */
export const userType: MetadataType = {
  name: 'user',
  aliases: [],
  operators: ['eq', 'ne', 'in', 'nin', 'exists'],
  indexKind: 'string',
  describe: () => 'a user identifier string',
  compile: () => (value) =>
    typeof value === 'string' && value !== ''
      ? value
      : new ValueProblem('user.type', `expected a non-empty user identifier string, got ${jsonKind(value)}`),
};
