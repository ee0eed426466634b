import {
  MetaindexError,
  parseSignatureInput,
  verifyRequestV1,
  verifyRequestV2,
  type HeaderSource,
  type RequestBody,
} from '@metaindex/core';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Engine } from '../store/engine.js';
import { NATIVE_PRIMITIVES } from './native-signing.js';
import type { UserRecord } from '../store/records.js';
import type { Actor } from './storage-service.js';

/** How long a bearer token from `user/bearer-token` stays valid. */
export const BEARER_TOKEN_TTL_SECONDS = 3600;
const TOKEN_PREFIX = 'mi1';

const unauthenticated = (message: string): MetaindexError => new MetaindexError('unauthenticated', message);

export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent. */
  requestTarget: string;
  body: RequestBody;
  headers: HeaderSource;
}

/**
 * Who sent a request: Ed25519 request signatures checked against the registered
 * keys, or self-contained bearer tokens (HMAC-signed with the server secret, so any
 * server process sharing the secret accepts them).
 */
export class AuthService {
  constructor(
    private readonly engine: Engine,
    private readonly secret: Uint8Array,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async authenticateSigned(request: SignedRequest): Promise<Actor> {
    const input = request.headers;
    const header = typeof input === 'function' ? input('signature-input') : input['signature-input'];
    if (typeof header !== 'string') {
      throw unauthenticated(
        'the request is not signed: send Signature-Input, Signature and Content-Digest, or a bearer token',
      );
    }
    const parsed = parseSignatureInput(header);
    if (!parsed.ok) throw unauthenticated(`bad Signature-Input: ${parsed.message}`);
    const user = await this.engine.findUserByKey(parsed.keyId);
    if (user === null)
      throw unauthenticated(`the key ${parsed.keyId} is not registered with this metaindex server`);
    const key = Buffer.from(user.publicKeyHex, 'hex');
    const result = verifyRequestV2({
      ...request,
      lookupKey: (keyId) => (keyId === user.publicKeyHex ? key : undefined),
      now: this.nowSeconds(),
      primitives: NATIVE_PRIMITIVES,
    });
    if (!result.ok) throw unauthenticated(`signature rejected: ${result.message}`);
    return actorOf(user);
  }

  /** A v1 RPC request: `Authorization: <pubhex>:<hex Ed25519 signature over sha256(body)>`. */
  async authenticateV1(body: Uint8Array, authorization: string | undefined): Promise<Actor> {
    const keyId = authorization?.split(':')[0];
    if (authorization === undefined || keyId === undefined || keyId === '') {
      throw unauthenticated(
        'the request is not signed: send Authorization: <public key hex>:<signature hex>',
      );
    }
    const user = await this.engine.findUserByKey(keyId.toLowerCase());
    if (user === null) throw unauthenticated(`the key ${keyId} is not registered with this metaindex server`);
    const key = Buffer.from(user.publicKeyHex, 'hex');
    const result = verifyRequestV1(body, authorization, {
      lookupKey: (id) => (id === user.publicKeyHex ? key : undefined),
      primitives: NATIVE_PRIMITIVES,
    });
    if (!result.ok) throw unauthenticated(`signature rejected: ${result.message}`);
    return actorOf(user);
  }

  mintBearerToken(actor: Actor): string {
    const body = Buffer.from(
      JSON.stringify({ sub: actor.email, exp: this.nowSeconds() + BEARER_TOKEN_TTL_SECONDS }),
    ).toString('base64url');
    return `${TOKEN_PREFIX}.${body}.${this.#mac(body)}`;
  }

  async authenticateBearer(token: string): Promise<Actor> {
    const [prefix, body, mac, ...rest] = token.split('.');
    if (prefix !== TOKEN_PREFIX || body === undefined || mac === undefined || rest.length > 0) {
      throw unauthenticated('the bearer token is not one this server issued');
    }
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw unauthenticated('the bearer token is not one this server issued');
    }
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
      sub: string;
      exp: number;
    };
    if (claims.exp < this.nowSeconds()) throw unauthenticated('the bearer token has expired; get a new one');
    const user = await this.engine.findUserByEmail(claims.sub);
    if (user === null) throw unauthenticated('the bearer token belongs to a user who no longer exists');
    return actorOf(user);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.secret).update(`bearer\n${body}`).digest('base64url');
  }
}

function actorOf(user: UserRecord): Actor {
  return { email: user.email, role: user.role };
}
