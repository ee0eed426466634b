/**
 * Just enough of Python's text rendering to print a schema the way the Encord
 * Python SDK prints it: `repr(str)`, `repr(list[str])` and `json.dumps` with its
 * default settings (", " and ": " separators, ASCII-only output).
 */

// Characters Python's str.isprintable() rejects: controls, format, surrogates,
// private use, unassigned, line/paragraph separators and every space but ' '.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Python's `repr()` of a string. */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (NON_PRINTABLE.test(ch)) out += escapeCodePoint(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a list of strings. */
export function pythonListRepr(values: readonly string[]): string {
  return `[${values.map(pythonStrRepr).join(', ')}]`;
}

function asciiJsonString(text: string): string {
  // JSON.stringify escapes quotes, backslashes and controls; Python then also
  // escapes every non-ASCII UTF-16 unit as \uXXXX (surrogate pairs stay pairs).
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python's `json.dumps(value)` for JSON data made of objects, arrays, strings, integers, booleans and null. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiJsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${asciiJsonString(k)}: ${pythonJsonDumps(v)}`,
  );
  return `{${entries.join(', ')}}`;
}
