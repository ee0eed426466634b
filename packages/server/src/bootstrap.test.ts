import { MetaindexError, parseOpenSshPrivateKey, parseOpenSshPublicKey } from '@metaindex/core';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminInstructions, DEFAULT_ADMIN_EMAIL, ensureAdmin } from './bootstrap.js';
import { ensureDataDir, type DataDirPaths } from './data-dir.js';
import type { Engine } from './store/engine.js';
import type { UserRecord } from './store/records.js';

const run = promisify(execFile);

/** The two user methods ensureAdmin needs, over an array. */
class FakeUsers implements Pick<Engine, 'listUsers' | 'addUser'> {
  readonly users: UserRecord[] = [];

  addUser(user: UserRecord): Promise<void> {
    this.users.push(user);
    return Promise.resolve();
  }

  listUsers(): Promise<UserRecord[]> {
    return Promise.resolve([...this.users]);
  }
}

let tmp: string;
let paths: DataDirPaths;
let engine: FakeUsers;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'metaindex-bootstrap-'));
  paths = await ensureDataDir(join(tmp, 'data'));
  engine = new FakeUsers();
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('ensureAdmin without a given key', () => {
  it('generates an OpenSSH key pair in the data dir and makes it the admin', async () => {
    const result = await ensureAdmin(engine, { paths });

    expect(result).toEqual({
      created: true,
      email: DEFAULT_ADMIN_EMAIL,
      publicKeyHex: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      generatedKeyPath: paths.adminKeyPath,
    });
    expect(engine.users).toEqual([
      {
        email: DEFAULT_ADMIN_EMAIL,
        role: 'admin',
        publicKeyHex: result.publicKeyHex,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
      },
    ]);

    expect((await stat(paths.adminKeyPath)).mode & 0o777).toBe(0o600);
    const privateKey = parseOpenSshPrivateKey(await readFile(paths.adminKeyPath, 'utf8'));
    expect(Buffer.from(privateKey.publicKey).toString('hex')).toBe(result.publicKeyHex);
    expect(privateKey.comment).toBe(DEFAULT_ADMIN_EMAIL);
  });

  it('writes a .pub file that matches what ssh-keygen derives from the private key', async () => {
    const { publicKeyHex } = await ensureAdmin(engine, { paths, email: 'ops@example.com' });
    const publicLine = (await readFile(paths.adminPublicKeyPath, 'utf8')).trim();
    const { stdout } = await run('ssh-keygen', ['-y', '-f', paths.adminKeyPath]);

    expect(stdout.trim()).toBe(publicLine);
    expect(publicLine).toMatch(/^ssh-ed25519 \S+ ops@example\.com$/);
    expect(Buffer.from(parseOpenSshPublicKey(publicLine).publicKey).toString('hex')).toBe(publicKeyHex);
  });

  it('reuses a key left by an earlier start whose admin was never recorded', async () => {
    const first = await ensureAdmin(engine, { paths });
    const keyText = await readFile(paths.adminKeyPath, 'utf8');
    await rm(paths.adminPublicKeyPath);

    const fresh = new FakeUsers();
    const second = await ensureAdmin(fresh, { paths });

    expect(second).toEqual(first);
    expect(await readFile(paths.adminKeyPath, 'utf8')).toBe(keyText);
    expect(await exists(paths.adminPublicKeyPath)).toBe(true);
  });

  it('refuses an unreadable key file in the admin key slot, adding nobody', async () => {
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', paths.adminKeyPath]);
    const error: unknown = await ensureAdmin(engine, { paths }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaindexError);
    expect((error as Error).message).toContain(`${paths.adminKeyPath} exists but is not a usable admin key`);
    expect(engine.users).toEqual([]);
  });
});

describe('ensureAdmin with a given public key', () => {
  it('makes that key the admin and generates nothing', async () => {
    const keyPath = join(tmp, 'mine');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyPath]);
    const expectedHex = Buffer.from(
      parseOpenSshPrivateKey(await readFile(keyPath, 'utf8')).publicKey,
    ).toString('hex');

    const result = await ensureAdmin(engine, {
      paths,
      adminPublicKeyFile: `${keyPath}.pub`,
      email: 'me@example.com',
    });

    expect(result).toEqual({ created: true, email: 'me@example.com', publicKeyHex: expectedHex });
    expect(engine.users.map(({ email, role, publicKeyHex }) => ({ email, role, publicKeyHex }))).toEqual([
      { email: 'me@example.com', role: 'admin', publicKeyHex: expectedHex },
    ]);
    expect(await exists(paths.adminKeyPath)).toBe(false);
  });

  it('refuses a non-Ed25519 key, adding nobody', async () => {
    const keyPath = join(tmp, 'rsa');
    await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', keyPath]);
    await expect(ensureAdmin(engine, { paths, adminPublicKeyFile: `${keyPath}.pub` })).rejects.toThrow(
      /needs an Ed25519 key.*ssh-rsa/,
    );
    expect(engine.users).toEqual([]);
  });
});

describe('ensureAdmin once users exist', () => {
  it('is a no-op on the second call and reports the existing admin', async () => {
    const first = await ensureAdmin(engine, { paths });
    const keyText = await readFile(paths.adminKeyPath, 'utf8');

    const second = await ensureAdmin(engine, { paths, email: 'other@example.com' });

    expect(second).toEqual({ created: false, email: first.email, publicKeyHex: first.publicKeyHex });
    expect(engine.users).toHaveLength(1);
    expect(await readFile(paths.adminKeyPath, 'utf8')).toBe(keyText);
  });

  it('ignores a given key file and reports the earliest admin', async () => {
    await engine.addUser({
      email: 'member@x',
      role: 'member',
      publicKeyHex: 'a'.repeat(64),
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    await engine.addUser({
      email: 'late@x',
      role: 'admin',
      publicKeyHex: 'b'.repeat(64),
      createdAt: '2024-03-01T00:00:00.000Z',
    });
    await engine.addUser({
      email: 'early@x',
      role: 'admin',
      publicKeyHex: 'c'.repeat(64),
      createdAt: '2024-02-01T00:00:00.000Z',
    });

    const result = await ensureAdmin(engine, { paths, adminPublicKeyFile: join(tmp, 'never-read.pub') });

    expect(result).toEqual({ created: false, email: 'early@x', publicKeyHex: 'c'.repeat(64) });
    expect(engine.users).toHaveLength(3);
    expect(await exists(paths.adminKeyPath)).toBe(false);
  });
});

describe('adminInstructions', () => {
  it('shows the Python SDK call with the key path and URL, and a curl health check', () => {
    const text = adminInstructions({
      url: 'http://127.0.0.1:8080',
      privateKeyPath: '/srv/data/admin_ed25519',
      publicKeyHex: 'ab'.repeat(32),
    });
    expect(text).toContain('EncordUserClient.create_with_ssh_private_key(');
    expect(text).toContain('ssh_private_key_path="/srv/data/admin_ed25519",');
    expect(text).toContain('domain="http://127.0.0.1:8080",');
    expect(text).toContain('print(user_client.metadata_schema())');
    expect(text).toContain('curl http://127.0.0.1:8080/healthz');
    expect(text).toContain('ab'.repeat(32));
  });

  it('quotes paths so they stay valid Python strings', () => {
    const text = adminInstructions({
      url: 'http://h:1',
      privateKeyPath: 'C:\\data\\admin "key"',
      publicKeyHex: '00'.repeat(32),
    });
    expect(text).toContain('ssh_private_key_path="C:\\\\data\\\\admin \\"key\\"",');
  });
});
