/** The one place where error codes become HTTP statuses, in Encord's `{"message"}` shape. */
import { MetaindexError, type ErrorCode } from '@metaindex/core';

const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

export interface ErrorBody {
  message: string;
  code: ErrorCode;
  details?: unknown;
}

/** Fastify's own errors (body limit, bad JSON…) carry a statusCode; map those too. */
function fromStatus(status: number): ErrorCode {
  if (status === 400 || status === 415) return 'invalid_argument';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  return 'internal';
}

export function mapError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof MetaindexError) {
    const body: ErrorBody = { message: error.message, code: error.code };
    if (error.details !== undefined) body.details = error.details;
    return { status: STATUS[error.code], body };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = fromStatus(status);
    const message = error instanceof Error ? error.message : 'bad request';
    return { status: status === 415 ? 415 : STATUS[code], body: { message, code } };
  }
  return { status: 500, body: { message: 'internal server error', code: 'internal' } };
}
