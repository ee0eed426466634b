import { pythonJsonDumps, pythonListRepr } from './python-text.js';
import type { LiveTypeObject, SchemaMap, SchemaTypeObject } from './schema-types.js';
import { compareCodePoints, sortCodePoints } from './schema-wire.js';
import { codePointLength } from '../types/string-length.js';

function typeText(t: LiveTypeObject): string {
  switch (t.ty) {
    case 'embedding':
      return `embedding(size=${t.size})`;
    case 'enum':
      return `enum(values=${pythonListRepr(sortCodePoints(t.values))})`;
    case 'variant':
      return `scalar(hint=${t.hint})`;
    default:
      return t.ty;
  }
}

/**
 * The schema as the Python SDK prints it: a header, then one line per live key in
 * code-point order, padded to the longest key (deleted keys count for the padding
 * but get no line).
 */
export function formatSchemaText(schema: SchemaMap): string {
  const keys = [...schema.keys()].sort(compareCodePoints);
  const width = Math.max(0, ...keys.map(codePointLength));
  let text = 'Metadata Schema:\n----------------\n';
  for (const key of keys) {
    const t = schema.get(key);
    if (t === undefined || t.ty === 'tombstone') continue;
    text += ` - '${key}': ${' '.repeat(width - codePointLength(key))}${typeText(t)}\n`;
  }
  return text;
}

/** Full wire form of an entry with the fields the SDK's models always dump. */
function dumpEntry(t: SchemaTypeObject): unknown {
  if (t.ty === 'embedding') {
    const api =
      t.api === null
        ? null
        : {
            url: null,
            path: null,
            service_integration: null,
            client_only: null,
            embed_b64_image: null,
            embed_text: null,
            ...t.api,
          };
    return { ty: t.ty, size: t.size, api };
  }
  if (t.ty === 'tombstone')
    return { ty: t.ty, deleted_ty: t.deleted_ty === null ? null : dumpEntry(t.deleted_ty) };
  return t;
}

/** The Python SDK's `repr(schema)`: `json.dumps` of every entry (tombstones too), keys sorted. */
export function formatSchemaRepr(schema: SchemaMap): string {
  const keys = [...schema.keys()].sort(compareCodePoints);
  const parts = keys.map(
    (k) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(dumpEntry(schema.get(k) as SchemaTypeObject))}`,
  );
  return `{${parts.join(', ')}}`;
}
