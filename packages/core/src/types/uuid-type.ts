import { ORDERED_OPERATORS } from '../filter/operators.js';
import { jsonKind, showValue, ValueProblem, type MetadataType } from './metadata-type.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

// The 8-4-4-4-12 layout with the RFC 4122 variant (8, 9, a, b) and a version 1–8
// (RFC 9562 added 6–8). Lowercase: the common case costs one regex test.
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Normalises a UUID string to lowercase (nil and max UUIDs included), or returns undefined. */
export function normaliseUuid(value: string): string | undefined {
  if (value.length !== 36) return undefined;
  if (UUID_PATTERN.test(value)) return value;
  const lower = value.toLowerCase();
  return UUID_PATTERN.test(lower) || lower === NIL_UUID || lower === MAX_UUID ? lower : undefined;
}

/** A UUID in its canonical 8-4-4-4-12 form; compared and indexed lowercase. */
export const uuidType: MetadataType = {
  name: 'uuid',
  aliases: [],
  operators: ORDERED_OPERATORS,
  indexKind: 'string',
  describe: () => 'a UUID such as "123e4567-e89b-42d3-a456-426614174000"',
  compile: () => (value) => {
    if (typeof value !== 'string') {
      return new ValueProblem('uuid.type', `expected a UUID string, got ${jsonKind(value)}`);
    }
    return (
      normaliseUuid(value) ??
      new ValueProblem(
        'uuid.format',
        `expected an RFC 4122 UUID (8-4-4-4-12 hex digits), got ${showValue(value)}`,
      )
    );
  },
};
