import { MetadataSchemaError } from '../errors.js';

/** The reserved key for video frames of interest; it can never be a schema key. */
export const KEYFRAMES_KEY = 'keyframes';

const SEPARATORS = /[-_ .]/g;
// Python's str.isalnum() over the stripped key: Unicode letters and digits/numerals.
const LETTERS_AND_DIGITS = /^[\p{L}\p{N}]+$/u;

/**
 * Whether `key` may name a metadata-schema key. The rule, in order: not empty and
 * not starting with `$` (reserved for built-in fields); strip `-`, `_`, space and
 * `.`; the rest must be non-empty, must not be exactly `keyframes` (so `key_frames`
 * is reserved too), and must consist of Unicode letters and digits only.
 */
export function isValidMetadataKey(key: string): boolean {
  if (key === '' || key.startsWith('$')) return false;
  const stripped = key.replace(SEPARATORS, '');
  if (stripped === '' || stripped === KEYFRAMES_KEY) return false;
  return LETTERS_AND_DIGITS.test(stripped);
}

export function assertValidMetadataKey(key: string): void {
  if (!isValidMetadataKey(key)) {
    throw new MetadataSchemaError(`${key} is an invalid format for a metadata key`, key);
  }
}

/** Why a key name is invalid, for messages that must say more than the SDK's. */
export function describeInvalidKey(key: string): string {
  if (key === '') return 'a metadata key cannot be empty';
  if (key.startsWith('$')) return 'a metadata key cannot start with "$" (reserved for built-in fields)';
  const stripped = key.replace(SEPARATORS, '');
  if (stripped === '') return 'a metadata key needs at least one letter or digit';
  if (stripped === KEYFRAMES_KEY) return '"keyframes" is reserved (also with - _ . or spaces inside it)';
  return 'a metadata key may contain only letters, digits, spaces, "-", "_" and "."';
}
