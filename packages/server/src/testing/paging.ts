/** Test support: read a paged v2 listing to the end, as the SDK's paged iterator does. */
import { expect } from 'vitest';
import type { QueryValue, SdkLikeClient } from './sdk-like-client.js';

export interface Page<T> {
  results: T[];
  nextPageToken: string | null;
}

/** Follows `nextPageToken` until it is null; every page must answer 200. */
// The caller names the element type of the listing it reads (as with fetch().json()).
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export async function listAllPages<T>(
  client: SdkLikeClient,
  path: string,
  query: Record<string, QueryValue> = {},
): Promise<{ results: T[]; pages: number }> {
  const results: T[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.get<Page<T>>(path, { ...query, pageToken });
    expect(page.status).toBe(200);
    results.push(...page.body.results);
    pageToken = page.body.nextPageToken ?? undefined;
    pages++;
  } while (pageToken !== undefined);
  return { results, pages };
}
