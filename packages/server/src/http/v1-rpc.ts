/**
 * The legacy v1 RPC endpoint the SDK's dataset calls use: `POST /public` (and
 * `/public/user`) with `{query_type, query_method, values: {uid, payload}}`. Replies
 * are always HTTP 200, as the SDK expects: `{status: 200, response}` or
 * `{status, response: [CODE], payload: message}`.
 */
import { InvalidArgumentError, MetaindexError, type ErrorCode } from '@metaindex/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthService } from '../services/auth-service.js';
import type { Actor } from '../services/storage-service.js';
import { mapError } from './error-mapper.js';
import { isJsonObject } from './request-parsing.js';

export interface V1Call {
  actor: Actor;
  uid: unknown;
  payload: Record<string, unknown>;
  resourceType: string | undefined;
  resourceId: string | undefined;
}

export type V1Handler = (call: V1Call) => Promise<unknown>;

/** The v1 error codes the SDK maps to its exceptions. */
const V1_CODES: Record<ErrorCode, string> = {
  invalid_argument: 'INVALID_ARGUMENTS_ERROR',
  unauthenticated: 'AUTHENTICATION_ERROR',
  forbidden: 'AUTHORISATION_ERROR',
  not_found: 'RESOURCE_NOT_FOUND_ERROR',
  conflict: 'RESOURCE_EXISTS_ERROR',
  payload_too_large: 'FILE_SIZE_NOT_SUPPORTED_ERROR',
  rate_limited: 'UNKNOWN_ERROR',
  internal: 'UNKNOWN_ERROR',
};

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An error as the v1 envelope: `{status, response: [CODE], payload: message}`. */
export function v1ErrorEnvelope(error: unknown): { status: number; response: [string]; payload: string } {
  const { status, body } = mapError(error);
  return { status, response: [V1_CODES[body.code]], payload: body.message };
}

/** Whether a request goes to the v1 endpoint (whose errors are envelopes with HTTP 200). */
export const isV1Path = (url: string): boolean =>
  url === '/public' || url.startsWith('/public/') || url.startsWith('/public?');

export class V1Router {
  readonly #handlers = new Map<string, V1Handler>();

  /** Registers the handler of one `query_type` and `query_method` (GET, POST, PUT, DELETE). */
  on(queryType: string, method: string, handler: V1Handler): void {
    this.#handlers.set(`${queryType}:${method}`, handler);
  }

  register(app: FastifyInstance, auth: AuthService): void {
    const handle = async (request: FastifyRequest) => {
      try {
        return { status: 200, response: await this.#dispatch(request, auth) };
      } catch (error) {
        return v1ErrorEnvelope(error);
      }
    };
    app.post('/public', handle);
    app.post('/public/user', handle);
  }

  async #dispatch(request: FastifyRequest, auth: AuthService): Promise<unknown> {
    const authorization = header(request, 'authorization');
    const actor =
      authorization?.startsWith('Bearer ') === true
        ? await auth.authenticateBearer(authorization.slice('Bearer '.length).trim())
        : await auth.authenticateV1(request.rawBody ?? new Uint8Array(0), authorization);
    const body: unknown = request.body;
    if (!isJsonObject(body)) throw new InvalidArgumentError('a v1 request body must be a JSON object');
    const { query_type: queryType, query_method: method, values } = body;
    if (typeof queryType !== 'string' || typeof method !== 'string') {
      throw new InvalidArgumentError('a v1 request needs query_type and query_method strings');
    }
    if (values !== undefined && !isJsonObject(values))
      throw new InvalidArgumentError('values must be an object');
    const handler = this.#handlers.get(`${queryType}:${method.toUpperCase()}`);
    if (handler === undefined) {
      throw new MetaindexError('not_found', `no v1 query ${queryType} with method ${method}`);
    }
    const payload = values?.payload ?? {};
    if (!isJsonObject(payload)) throw new InvalidArgumentError('values.payload must be an object');
    return handler({
      actor,
      uid: values?.uid,
      payload,
      resourceType: header(request, 'resourcetype'),
      resourceId: header(request, 'resourceid'),
    });
  }
}
