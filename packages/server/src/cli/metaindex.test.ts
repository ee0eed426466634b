import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDataDir } from '../data-dir.js';
import type { UserRecord } from '../store/records.js';
import { openSqliteEngine } from '../store/sqlite/sqlite-engine.js';

// The real executable, as users run it: bin script, tsx loader, commander, SQLite.
const BIN = fileURLToPath(new URL('../../bin/metaindex.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  // Only what the test sets: an outer METAINDEX_DATA must not redirect the commands.
  const { METAINDEX_DATA: _data, METAINDEX_HOST: _host, METAINDEX_PORT: _port, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...inherited, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const run = promisify(execFile);

let tmp: string;
/** Ed25519 key pairs (private key paths; `.pub` beside them) and one RSA pair. */
let alice: string;
let bob: string;
let rsa: string;
let aliceHex: string;
let bobHex: string;

async function keyHex(privateKeyPath: string): Promise<string> {
  const blob = Buffer.from((await readFile(`${privateKeyPath}.pub`, 'utf8')).split(' ')[1]!, 'base64');
  return blob.subarray(blob.length - 32).toString('hex');
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'metaindex-cli-'));
  [alice, bob, rsa] = [join(tmp, 'alice'), join(tmp, 'bob'), join(tmp, 'rsa')];
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', alice]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bob', '-f', bob]),
    run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]),
  ]);
  [aliceHex, bobHex] = await Promise.all([keyHex(alice), keyHex(bob)]);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh data directory with an empty database, as `serve` leaves it. */
let data: string;
let dataCount = 0;

beforeEach(async () => {
  dataCount += 1;
  const paths = await ensureDataDir(join(tmp, `data-${dataCount}`));
  await openSqliteEngine({ path: paths.databasePath }).close();
  data = paths.root;
});

async function listJson(): Promise<UserRecord[]> {
  const result = await cli(['users', 'list', '--json', '--data', data]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as UserRecord[];
}

const summary = (users: UserRecord[]) =>
  users.map(({ email, role, publicKeyHex }) => ({ email, role, publicKeyHex }));

describe('metaindex --help', () => {
  it('lists the commands', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^\s+serve\b/m);
    expect(top.stdout).toMatch(/^\s+users\b/m);

    const users = await cli(['users', '--help']);
    expect(users.code).toBe(0);
    for (const command of ['add', 'list', 'remove', 'set-role']) {
      expect(users.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('documents the serve defaults and environment variables', async () => {
    const { stdout } = await cli(['serve', '--help']);
    expect(stdout).toContain('METAINDEX_DATA');
    expect(stdout).toContain('METAINDEX_HOST');
    expect(stdout).toContain('METAINDEX_PORT');
    expect(stdout).toContain('--admin-public-key');
  });
});

describe('metaindex --help for the networked commands', () => {
  it('lists every command and subcommand, with examples', async () => {
    const top = await cli(['--help']);
    for (const command of ['schema', 'folders', 'items', 'query', 'facets']) {
      expect(top.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
    expect(top.stdout).toContain('Examples:');
    const groups: [string, string[]][] = [
      [
        'schema',
        ['show', 'export', 'import', 'add-scalar', 'add-enum', 'add-embedding', 'delete', 'restore'],
      ],
      ['folders', ['create', 'list']],
      ['items', ['import', 'export']],
    ];
    for (const [group, commands] of groups) {
      const help = await cli([group, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      for (const command of commands) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('documents the connection flags, their environment variables and the import formats', async () => {
    const { stdout } = await cli(['items', 'import', '--help']);
    for (const text of [
      'METAINDEX_URL',
      'METAINDEX_KEY',
      'METAINDEX_KEY_PASSWORD',
      '--batch-size',
      '--checkpoint',
      '--rejects',
      '--restart',
      '--no-progress',
      'Exit codes',
      '"clientMetadata"',
      'CSV',
    ]) {
      expect(stdout).toContain(text);
    }
    const exported = await cli(['items', 'export', '--help']);
    expect(exported.stdout).toContain('--filter');
  });
});

describe('metaindex users', () => {
  it('adds, lists, changes roles and removes users', async () => {
    const addAlice = await cli([
      'users',
      'add',
      'alice@x.io',
      '--public-key',
      `${alice}.pub`,
      '--role',
      'admin',
      '--data',
      data,
    ]);
    expect(addAlice).toMatchObject({ code: 0, stderr: '' });
    expect(addAlice.stdout).toContain('Added alice@x.io (admin)');
    expect(
      await cli(['users', 'add', 'bob@x.io', '--public-key', `${bob}.pub`, '--data', data]),
    ).toMatchObject({
      code: 0,
    });

    expect(summary(await listJson())).toEqual([
      { email: 'alice@x.io', role: 'admin', publicKeyHex: aliceHex },
      { email: 'bob@x.io', role: 'member', publicKeyHex: bobHex },
    ]);
    const table = await cli(['users', 'list', '--data', data]);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      'EMAIL       ROLE    KEY',
      `alice@x.io  admin   ${aliceHex.slice(0, 16)}…`,
      `bob@x.io    member  ${bobHex.slice(0, 16)}…`,
    ]);

    expect(await cli(['users', 'set-role', 'bob@x.io', 'admin', '--data', data])).toMatchObject({
      code: 0,
      stdout: 'bob@x.io is now admin\n',
    });
    expect(await cli(['users', 'remove', 'alice@x.io', '--data', data])).toMatchObject({
      code: 0,
      stdout: 'Removed alice@x.io\n',
    });
    expect(summary(await listJson())).toEqual([{ email: 'bob@x.io', role: 'admin', publicKeyHex: bobHex }]);
  });

  it('takes the data directory from METAINDEX_DATA', async () => {
    const env = { METAINDEX_DATA: data };
    expect(await cli(['users', 'add', 'a@x.io', '--public-key', `${alice}.pub`], env)).toMatchObject({
      code: 0,
    });
    expect(summary(await listJson())).toEqual([{ email: 'a@x.io', role: 'member', publicKeyHex: aliceHex }]);
  });

  it('says so when there are no users', async () => {
    expect(await cli(['users', 'list', '--data', data])).toMatchObject({ code: 0, stdout: 'No users.\n' });
  });
});

describe('metaindex users errors (exit code 1, message on stderr)', () => {
  async function expectFailure(args: readonly string[], message: string | RegExp): Promise<void> {
    const result = await cli(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  }

  beforeEach(async () => {
    const added = await cli([
      'users',
      'add',
      'alice@x.io',
      '--public-key',
      `${alice}.pub`,
      '--role',
      'admin',
      '--data',
      data,
    ]);
    expect(added.code).toBe(0);
  });

  it('names an unknown email', async () => {
    await expectFailure(['users', 'remove', 'nobody@x.io', '--data', data], 'No user with email nobody@x.io');
    await expectFailure(
      ['users', 'set-role', 'nobody@x.io', 'admin', '--data', data],
      'No user with email nobody@x.io',
    );
  });

  it('refuses a duplicate email or key', async () => {
    await expectFailure(
      ['users', 'add', 'alice@x.io', '--public-key', `${bob}.pub`, '--data', data],
      'a user with email alice@x.io already exists',
    );
    await expectFailure(
      ['users', 'add', 'other@x.io', '--public-key', `${alice}.pub`, '--data', data],
      `public key ${aliceHex} already belongs to alice@x.io`,
    );
  });

  it('refuses a role that does not exist', async () => {
    await expectFailure(
      ['users', 'add', 'bob@x.io', '--public-key', `${bob}.pub`, '--role', 'owner', '--data', data],
      /'owner' is invalid.*Allowed choices are admin, member/,
    );
    await expectFailure(['users', 'set-role', 'alice@x.io', 'owner', '--data', data], /'owner' is invalid/);
  });

  it('refuses keys that are not Ed25519 public keys', async () => {
    await expectFailure(
      ['users', 'add', 'bob@x.io', '--public-key', `${rsa}.pub`, '--data', data],
      /needs an Ed25519 key.*ssh-rsa/,
    );
    await expectFailure(
      ['users', 'add', 'bob@x.io', '--public-key', bob, '--data', data],
      /is a private key.*\.pub/,
    );
    await expectFailure(
      ['users', 'add', 'bob@x.io', '--public-key', join(tmp, 'missing.pub'), '--data', data],
      'Cannot read the public key file',
    );
  });

  it('refuses something that is not an email', async () => {
    await expectFailure(
      ['users', 'add', 'bob', '--public-key', `${bob}.pub`, '--data', data],
      '"bob" is not an email',
    );
  });

  it('keeps at least one admin', async () => {
    await expectFailure(['users', 'remove', 'alice@x.io', '--data', data], 'it is the only admin');
    await expectFailure(
      ['users', 'set-role', 'alice@x.io', 'member', '--data', data],
      'it is the only admin',
    );
    expect(summary(await listJson())).toEqual([
      { email: 'alice@x.io', role: 'admin', publicKeyHex: aliceHex },
    ]);
  });

  it('does not create a database where there is none', async () => {
    const elsewhere = join(tmp, 'not-a-data-dir');
    await expectFailure(
      ['users', 'list', '--data', elsewhere],
      `No metaindex database at ${elsewhere}/metaindex.db`,
    );
    await expect(readFile(join(elsewhere, 'metaindex.db'))).rejects.toThrow(/ENOENT/);
  });
});
