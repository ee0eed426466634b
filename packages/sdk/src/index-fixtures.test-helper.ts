/**
 * Test support for the dataset, collection, preset and query tests: a live server, an SDK
 * client signing with the server's admin key, and raw setup calls through the server's
 * SdkLikeClient (schema, folders, registered items).
 */
import { formatOpenSshPrivateKey } from '@metaindex/core';
import { startTestServer, type SdkLikeClient, type TestServer } from '@metaindex/server/testing';
import { expect } from 'vitest';
import { EncordUserClient } from './user-client.js';

export const NIL = '00000000-0000-0000-0000-000000000000';
export const MISSING = '00000000-0000-4000-8000-00000000dead';

export interface Fixture {
  t: TestServer;
  admin: SdkLikeClient;
  client: EncordUserClient;
  /** A client for the same key whose fetch is `fetchImpl`. */
  clientWith(fetchImpl: typeof fetch): Promise<EncordUserClient>;
}

export async function startFixture(): Promise<Fixture> {
  const t = await startTestServer();
  const sshPrivateKey = formatOpenSshPrivateKey({ seed: t.admin.seed });
  const clientWith = (fetchImpl?: typeof fetch) =>
    EncordUserClient.createWithSshPrivateKey({
      sshPrivateKey,
      domain: t.server.url,
      retry: { maxRetries: 0 },
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    });
  return { t, admin: t.admin, client: await clientWith(), clientWith };
}

export async function setSchema(admin: SdkLikeClient, schema: Record<string, unknown>): Promise<void> {
  const response = await admin.post('organisation/client-metadata-schema-v2', schema);
  expect(response.status).toBeLessThan(300);
}

export async function createFolder(admin: SdkLikeClient, name: string, parent?: string): Promise<string> {
  const response = await admin.post<{ uuid: string }>('storage/folders', {
    name,
    description: '',
    clientMetadata: '{}',
    ...(parent === undefined ? {} : { parent }),
  });
  expect(response.status).toBe(200);
  return response.body.uuid;
}

/** Registers one image per metadata object in `folder`; answers their uuids in order. */
export async function registerItems(
  admin: SdkLikeClient,
  folder: string,
  metadata: readonly Record<string, unknown>[],
  prefix = 'img',
): Promise<string[]> {
  const images = metadata.map((clientMetadata, i) => ({
    objectUrl: `https://bucket.example.com/${folder}/${prefix}-${String(i).padStart(5, '0')}.jpg`,
    title: `${prefix}-${String(i).padStart(5, '0')}.jpg`,
    clientMetadata,
    externalFileType: 'IMAGE',
  }));
  const job = await admin.post<string>(`storage/folders/${folder}/data-upload-jobs`, {
    dataItems: { images },
    ignoreErrors: false,
  });
  expect(job.status).toBe(200);
  const done = await admin.get<{ status: string; itemsWithNames: { itemUuid: string }[] }>(
    `storage/folders/${folder}/data-upload-jobs/${job.body}`,
    { timeoutSeconds: 55 },
  );
  expect(done.body.status).toBe('DONE');
  return done.body.itemsWithNames.map((i) => i.itemUuid);
}

/** An item's clientMetadata as `GET storage/items/{u}` answers it. */
export async function storedMetadata(admin: SdkLikeClient, uuid: string): Promise<unknown> {
  const response = await admin.get<{ clientMetadata: string }>(`storage/items/${uuid}`, { signUrl: false });
  expect(response.status).toBe(200);
  return JSON.parse(response.body.clientMetadata);
}

/** Replaces an item's metadata (`PATCH storage/folders/{f}/items/{u}`). */
export async function patchMetadata(
  admin: SdkLikeClient,
  folder: string,
  uuid: string,
  clientMetadata: Record<string, unknown>,
): Promise<void> {
  const response = await admin.patch(`storage/folders/${folder}/items/${uuid}`, { clientMetadata });
  expect(response.status).toBe(200);
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

export const sorted = (list: readonly string[]): string[] => [...list].sort();
