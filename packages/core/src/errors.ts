/**
 * One error hierarchy for all of metaindex. Every error carries a stable `code`
 * (mapped to an HTTP status in exactly one place, the server's error mapper), a
 * human message that names the item, key and rule, and optional structured details.
 */
export type ErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'internal';

export class MetaindexError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/**
 * A metadata-schema operation broke one of the schema rules. Messages match the
 * Encord Python SDK's `MetadataSchemaError` texts verbatim where the SDK has one.
 */
export class MetadataSchemaError extends MetaindexError {
  /** The schema key the error is about, when there is one. */
  readonly key: string | undefined;

  constructor(message: string, key?: string) {
    super('invalid_argument', message, key === undefined ? undefined : { key });
    this.key = key;
  }
}

/** Bad input that is not about the schema itself (a bad argument, a bad document). */
export class InvalidArgumentError extends MetaindexError {
  constructor(message: string, details?: unknown) {
    super('invalid_argument', message, details);
  }
}
