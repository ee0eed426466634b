/**
 * Opaque tokens (paging cursors): base64url JSON that any server process can read,
 * since it holds no server state. Each user of a token checks its own fields.
 */
import { InvalidArgumentError } from '@metaindex/core';

/** Encodes a token body as opaque base64url JSON (every paging token metaindex issues). */
export function encodeToken(body: object): string {
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Decodes a token made by `encodeToken`: a JSON object, or a 400 for anything else. */
export function decodeToken(token: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidArgumentError('pageToken is not a token this server issued');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError('pageToken is not a token this server issued');
  }
  return body as Record<string, unknown>;
}
