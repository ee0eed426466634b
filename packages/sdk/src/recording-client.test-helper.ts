/** Test support: an SDK client signed as the test server's admin that records every request it sends. */
import { formatOpenSshPrivateKey } from '@metaindex/core';
import type { TestServer } from '@metaindex/server/testing';
import { EncordUserClient, type ConnectionOptions } from './index.js';

export interface SentRequest {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  /** The body as sent (text for JSON requests). */
  body: unknown;
}

/** A client for the test server's admin (fast retries), and every request it sends, in order. */
export async function adminClient(server: TestServer, options: ConnectionOptions = {}) {
  const sent: SentRequest[] = [];
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    sent.push({
      method: init?.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      headers: new Headers(init?.headers),
      body: init?.body,
    });
    return fetch(input, init);
  };
  const client = await EncordUserClient.createWithSshPrivateKey({
    sshPrivateKey: formatOpenSshPrivateKey({ seed: server.admin.seed }),
    domain: server.server.url,
    retry: { backoffFactor: 0.001 },
    fetch: recording,
    ...options,
  });
  return { client, sent };
}
