/**
 * Reading query strings and JSON bodies the way the official SDK writes them:
 * booleans as `True`/`False` (any case), lists as repeated keys. Bad input is a 400
 * naming the field and what was expected.
 */
import { InvalidArgumentError } from '@metaindex/core';

export type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw new InvalidArgumentError(`query parameter ${name} was given more than once`);
    return value[0];
  }
  return value;
}

export function queryString(query: Query, name: string): string | undefined {
  const value = single(query, name);
  return value === undefined || value === '' ? undefined : value;
}

export function queryBool(query: Query, name: string, fallback: boolean): boolean {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new InvalidArgumentError(
    `query parameter ${name} must be true or false, got ${JSON.stringify(value)}`,
  );
}

export function queryInt(query: Query, name: string, fallback: number, min: number, max: number): number {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(
      `query parameter ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function queryList(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

export function queryEnum<T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `query parameter ${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function bodyObject(body: unknown, what = 'the request body'): JsonObject {
  if (!isJsonObject(body)) throw new InvalidArgumentError(`${what} must be a JSON object`);
  return body;
}

export function optionalString(obj: JsonObject, field: string): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(`${field} must be a string`);
  return value;
}

export function requiredString(obj: JsonObject, field: string): string {
  const value = optionalString(obj, field);
  if (value === undefined) throw new InvalidArgumentError(`${field} is required`);
  return value;
}

export function optionalBool(obj: JsonObject, field: string, fallback: boolean): boolean {
  const value = obj[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${field} must be true or false`);
  return value;
}

/**
 * A clientMetadata field that arrives as JSON text (folder create): parsed and
 * re-checked to be an object; returns normalised JSON text or null.
 */
export function metadataText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  const parsed: unknown = typeof value === 'string' ? parseJsonText(value, field) : value;
  if (!isJsonObject(parsed)) throw new InvalidArgumentError(`${field} must be a JSON object`);
  return JSON.stringify(parsed);
}

function parseJsonText(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidArgumentError(`${field} must be JSON text of an object`);
  }
}
