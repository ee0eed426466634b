/**
 * The metadata schema as every engine stores it: a JSON array of [key, type] pairs,
 * so every key keeps its place (a JSON object would move integer-like keys first).
 */
import {
  MetaindexError,
  parseSchemaTypeObject,
  type SchemaMap,
  type SchemaTypeObject,
} from '@metaindex/core';

export const schemaToStoredJson = (schema: SchemaMap): string => JSON.stringify([...schema]);

export function schemaFromStoredJson(text: string): Map<string, SchemaTypeObject> {
  const corrupt = (why: string) =>
    new MetaindexError('internal', `the stored metadata schema is corrupt: ${why}`);
  const pairs: unknown = JSON.parse(text);
  if (!Array.isArray(pairs)) throw corrupt('not an array of [key, type] pairs');
  const schema = new Map<string, SchemaTypeObject>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw corrupt('not an array of [key, type] pairs');
    }
    const key = pair[0];
    const parsed = parseSchemaTypeObject(pair[1]);
    if (!parsed.ok) throw corrupt(`${key}: ${parsed.message}`);
    schema.set(key, parsed.value);
  }
  return schema;
}
