/**
 * Opaque paging tokens: the keyset cursor of the last row served plus the listing it
 * belongs to, base64url JSON. A token is only valid for the same order and direction.
 * Any server process can read a token another issued: it holds no server state.
 */
import { InvalidArgumentError } from '@metaindex/core';
import { decodeToken, encodeToken } from '../opaque-token.js';
import type { PageCursor, SortOrder } from '../store/engine.js';

interface TokenBody {
  v: 1;
  o: SortOrder;
  d: boolean;
  s: string;
  u: string;
}

export function encodePageToken(order: SortOrder, desc: boolean, cursor: PageCursor | null): string | null {
  if (cursor === null) return null;
  const body: TokenBody = { v: 1, o: order, d: desc, s: cursor.value, u: cursor.uuid };
  return encodeToken(body);
}

export function decodePageToken(
  token: string | undefined,
  order: SortOrder,
  desc: boolean,
): PageCursor | null {
  if (token === undefined) return null;
  const body = decodeToken(token) as Partial<TokenBody>;
  if (body.v !== 1 || typeof body.s !== 'string' || typeof body.u !== 'string') {
    throw new InvalidArgumentError('pageToken is not a token this server issued');
  }
  if (body.o !== order || body.d !== desc) {
    throw new InvalidArgumentError('pageToken belongs to a listing with another order or direction');
  }
  return { value: body.s, uuid: body.u };
}
