import { describe, expect, it } from 'vitest';
import { MetadataSchemaError } from '../errors.js';
import { assertValidMetadataKey, describeInvalidKey, isValidMetadataKey } from './key-name.js';

describe('metadata key names', () => {
  it.each([
    'metadata_1',
    'my-enum',
    'video.description',
    'TeamName.MetadataKey',
    'camera model',
    'Keyframes', // the reserved check is case-sensitive
    'key_frames2',
    'é',
    '日本',
    '²',
    '١٢',
    'Ⅻ',
    '123',
  ])('accepts %j', (key) => {
    expect(isValidMetadataKey(key)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['$name', 'leading $ is reserved for built-in fields'],
    ['$', 'leading $'],
    ['-', 'nothing left after stripping'],
    ['_ .-', 'nothing left after stripping'],
    ['keyframes', 'reserved'],
    ['key_frames', 'reserved after stripping _'],
    ['key-frames', 'reserved after stripping -'],
    ['key.frames', 'reserved after stripping .'],
    ['key frames', 'reserved after stripping space'],
    ['a/b', 'slash'],
    ['a:b', 'colon'],
    ['a$b', '$ inside'],
    ['a\tb', 'tab'],
    ['a\nb', 'newline'],
    ['a\u200bb', 'zero-width space'],
    ['emoji🙂', 'emoji is not a letter or digit'],
  ])('rejects %j (%s)', (key) => {
    expect(isValidMetadataKey(key)).toBe(false);
  });

  it('throws the SDK message for an invalid key', () => {
    expect(() => {
      assertValidMetadataKey('key_frames');
    }).toThrow(new MetadataSchemaError('key_frames is an invalid format for a metadata key', 'key_frames'));
    expect(() => {
      assertValidMetadataKey('fine');
    }).not.toThrow();
  });

  it('explains why a key is invalid', () => {
    expect(describeInvalidKey('')).toMatch(/empty/);
    expect(describeInvalidKey('$x')).toMatch(/reserved for built-in fields/);
    expect(describeInvalidKey('--')).toMatch(/at least one letter or digit/);
    expect(describeInvalidKey('key frames')).toMatch(/"keyframes" is reserved/);
    expect(describeInvalidKey('a/b')).toMatch(/only letters, digits/);
  });
});
