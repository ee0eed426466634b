/**
 * The SDK's errors mirror the Encord wire's: each HTTP status the server answers maps to
 * one class, as the Python SDK maps them (400 → InvalidArgumentsError, 404 →
 * ResourceNotFoundError, …). Unlike the Python SDK, every class keeps the server's own
 * message (a 404 says which folder or item was not found) and its structured `details`
 * (a bulk write's 400 lists every bad item).
 */
import { MetadataSchemaError } from '@metaindex/core';

export { MetadataSchemaError };

export interface EncordErrorOptions {
  /** The HTTP status (v2) or envelope status (v1) the server answered, when there was an answer. */
  status?: number;
  /** metaindex's stable error code (`invalid_argument`, `not_found`…), when the server sent one. */
  code?: string;
  /** Structured details (for example `details.items` of a rejected bulk write). */
  details?: unknown;
  cause?: unknown;
}

/** Base class of every error a server call can raise. */
export class EncordError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly details: unknown;

  constructor(message: string, options: EncordErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.code = options.code;
    this.details = options.details;
  }
}

/** 400: the request was rejected as invalid; the message names the item, key and rule. */
export class InvalidArgumentsError extends EncordError {}
/** 401: no valid signature or token. */
export class AuthenticationError extends EncordError {}
/** 403: the key is known but may not do this (a member changing the schema), or nothing was found where access is checked. */
export class AuthorisationError extends EncordError {}
/** 404: the folder, item, dataset, collection or job does not exist. */
export class ResourceNotFoundError extends EncordError {}
/** 405 */
export class MethodNotAllowedError extends EncordError {}
/** 409: a conflicting write (duplicate user or key; the schema kept changing under a write). */
export class ConflictError extends EncordError {}
/** 413: the body or batch is over the server's limit (10,000 patches, 128 MiB). */
export class PayloadTooLargeError extends EncordError {}
/** 429: too many requests; `retryAfter` is the server's Retry-After in seconds when it sent one. */
export class RateLimitExceededError extends EncordError {
  readonly retryAfter: number | undefined;

  constructor(message: string, options: EncordErrorOptions & { retryAfter?: number } = {}) {
    super(message, options);
    this.retryAfter = options.retryAfter;
  }
}
/** Any other status (5xx), or an answer that is not what the wire contract says. */
export class UnknownError extends EncordError {}
/** The server could not be reached (connection refused, DNS, reset) after the retries. */
export class NetworkError extends EncordError {}
/** The caller aborted the call through its AbortSignal. */
export class AbortedError extends EncordError {}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Provided payload is invalid and can't be processed.",
  401: 'You are not authenticated to access this server.',
  403: 'You are not authorised to access this asset.',
  404: 'The requested resource was not found.',
  405: 'The HTTP method is not allowed for this endpoint.',
  409: 'The request conflicts with the current state of the resource.',
  413: 'The request payload is too large.',
  429: 'Rate limit exceeded; retry later.',
};

/** Builds the error for a non-2xx v2 answer from its status, parsed JSON body (if any) and Retry-After. */
export function errorFromResponse(status: number, body: unknown, retryAfter?: string | null): EncordError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text =
    typeof record.message === 'string'
      ? record.message
      : typeof record.detail === 'string'
        ? record.detail
        : undefined;
  const message = text ?? DEFAULT_MESSAGES[status] ?? `The server answered HTTP ${status}.`;
  const options: EncordErrorOptions = { status };
  if (typeof record.code === 'string') options.code = record.code;
  if (record.details !== undefined) options.details = record.details;
  switch (status) {
    case 400:
      return new InvalidArgumentsError(message, options);
    case 401:
      return new AuthenticationError(message, options);
    case 403:
      return new AuthorisationError(message, options);
    case 404:
      return new ResourceNotFoundError(message, options);
    case 405:
      return new MethodNotAllowedError(message, options);
    case 409:
      return new ConflictError(message, options);
    case 413:
      return new PayloadTooLargeError(message, options);
    case 429: {
      const seconds = retryAfter !== undefined && retryAfter !== null && /^\d+$/.test(retryAfter);
      return new RateLimitExceededError(message, {
        ...options,
        ...(seconds ? { retryAfter: Number(retryAfter) } : {}),
      });
    }
    default:
      return new UnknownError(message, options);
  }
}

const V1_CODES: Record<string, number> = {
  INVALID_ARGUMENTS_ERROR: 400,
  AUTHENTICATION_ERROR: 401,
  AUTHORISATION_ERROR: 403,
  RESOURCE_NOT_FOUND_ERROR: 404,
  RESOURCE_EXISTS_ERROR: 409,
  FILE_SIZE_NOT_SUPPORTED_ERROR: 413,
};

/** Builds the error for a v1 envelope whose `status` is not 200 (`response` holds codes such as `["INVALID_ARGUMENTS_ERROR"]`). */
export function errorFromV1Envelope(status: number, response: unknown, payload: unknown): EncordError {
  const codes = Array.isArray(response) ? response.filter((c): c is string => typeof c === 'string') : [];
  const mapped = codes.map((c) => V1_CODES[c]).find((s) => s !== undefined) ?? status;
  const message = typeof payload === 'string' && payload !== '' ? payload : undefined;
  return errorFromResponse(mapped, message === undefined ? {} : { message });
}
