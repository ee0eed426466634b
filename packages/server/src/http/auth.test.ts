import { signRequestV2 } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/sdk-like-client.js';

const SCHEMA = 'organisation/client-metadata-schema-v2';

describe('authentication and request safety', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ bodyLimit: 64 * 1024 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /healthz without auth', async () => {
    const response = await fetch(`${t.server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('accepts a request signed by the registered admin key', async () => {
    expect((await t.admin.get(SCHEMA)).status).toBe(200);
  });

  it('rejects an unsigned request with 401', async () => {
    const response = await t.admin.call<{ message: string }>('GET', SCHEMA, { unsigned: true });
    expect(response.status).toBe(401);
    expect(response.body.message).toMatch(/not signed/);
  });

  it('rejects a key that is not registered with 401 naming the key', async () => {
    const stranger = t.clientFor();
    const response = await stranger.get<{ message: string }>(SCHEMA);
    expect(response.status).toBe(401);
    expect(response.body.message).toContain(stranger.publicKeyHex);
  });

  /** Sends a request signed over `signedBody` and `target` (which may differ from what is sent). */
  async function sendSigned(options: {
    created: number;
    signedBody: string;
    sentBody: string;
    target?: string;
  }) {
    const headers = signRequestV2({
      method: 'POST',
      requestTarget: options.target ?? `/v2/public/${SCHEMA}`,
      body: options.signedBody,
      privateKey: t.admin.seed,
      created: options.created,
    });
    const response = await fetch(`${t.server.url}/v2/public/${SCHEMA}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: options.sentBody,
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as { message?: string } };
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('rejects a body changed after signing (digest mismatch) with 401', async () => {
    const response = await sendSigned({ created: now() - 30, signedBody: '{"a": 1}', sentBody: '{"a": 2}' });
    expect(response.status).toBe(401);
    expect(response.body.message).toMatch(/signature rejected: .*digest/i);
  });

  it('rejects a signature over another request target with 401', async () => {
    const response = await sendSigned({
      created: now() - 30,
      signedBody: '{}',
      sentBody: '{}',
      target: '/v2/public/other',
    });
    expect(response.status).toBe(401);
  });

  it('rejects stale and future signatures, tolerating the SDK back-dating', async () => {
    expect((await sendSigned({ created: now() - 3600, signedBody: '{}', sentBody: '{}' })).status).toBe(401);
    expect((await sendSigned({ created: now() + 3600, signedBody: '{}', sentBody: '{}' })).status).toBe(401);
    // 30 s back-dated as the SDK does: accepted (and a valid empty schema replace).
    expect((await sendSigned({ created: now() - 30, signedBody: '{}', sentBody: '{}' })).status).not.toBe(
      401,
    );
  });

  it('gives a member read access but 403 on schema changes', async () => {
    const memberSeed = randomBytes(32);
    const member = t.clientFor(memberSeed);
    await t.server.engine.addUser({
      email: 'member@example.com',
      role: 'member',
      publicKeyHex: member.publicKeyHex,
      createdAt: new Date().toISOString(),
    });
    expect((await member.get(SCHEMA)).status).toBe(200);
    const response = await member.post<{ message: string }>(SCHEMA, { k: { ty: 'variant', hint: 'number' } });
    expect(response.status).toBe(403);
    expect(response.body.message).toContain('member@example.com');
  });

  it('mints bearer tokens that authenticate, and rejects forged ones', async () => {
    const minted = await t.admin.get<{ token: string }>('user/bearer-token');
    expect(minted.status).toBe(200);
    const ok = await fetch(`${t.server.url}/v2/public/${SCHEMA}`, {
      headers: { Authorization: `Bearer ${minted.body.token}` },
    });
    expect(ok.status).toBe(200);
    const forged = `${minted.body.token.slice(0, -2)}xx`;
    const bad = await fetch(`${t.server.url}/v2/public/${SCHEMA}`, {
      headers: { Authorization: `Bearer ${forged}` },
    });
    expect(bad.status).toBe(401);
  });

  it('refuses the bearer token of a user removed after it was minted', async () => {
    const seed = randomBytes(32);
    const leaver = t.clientFor(seed);
    await t.server.engine.addUser({
      email: 'leaver@example.com',
      role: 'member',
      publicKeyHex: leaver.publicKeyHex,
      createdAt: new Date().toISOString(),
    });
    const { token } = (await leaver.get<{ token: string }>('user/bearer-token')).body;
    const headers = { Authorization: `Bearer ${token}` };
    expect((await fetch(`${t.server.url}/v2/public/${SCHEMA}`, { headers })).status).toBe(200);
    await t.server.engine.removeUser('leaver@example.com');
    const after = await fetch(`${t.server.url}/v2/public/${SCHEMA}`, { headers });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { message: string }).message).toMatch(/no longer exists/);
  });

  it('answers malformed JSON with 400, a too-large body with 413 and unknown routes with 404, all as {message}', async () => {
    const malformed = await t.admin.call<{ message: string }>('POST', SCHEMA, { rawBody: '{"a": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/not valid JSON/);
    const large = await t.admin.call<{ message: string }>('POST', SCHEMA, {
      rawBody: JSON.stringify({ x: 'y'.repeat(70_000) }),
    });
    expect(large.status).toBe(413);
    expect(typeof large.body.message).toBe('string');
    const missing = await t.admin.get<{ message: string }>('no/such/endpoint');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/no such endpoint/);
  });
});
