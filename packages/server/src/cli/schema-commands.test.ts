/**
 * `metaindex schema …` and `metaindex folders …`, run as users run them, against a live
 * server, signing with a key file (and once through the environment variables).
 */
import { formatOpenSshPrivateKey, formatOpenSshPublicKey, publicKeyHexFromPrivateKey } from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startCliServer, type CliServer } from './cli-testing.js';

let t: CliServer;

beforeAll(async () => {
  t = await startCliServer();
}, 60_000);

afterAll(async () => {
  await t.close();
});

async function schemaMap(): Promise<unknown> {
  return (await t.admin.get('organisation/client-metadata-schema-v2')).body;
}

describe('metaindex schema', () => {
  it('edits the schema key by key and shows it as the Python SDK prints it', async () => {
    const steps: [string[], string][] = [
      [['add-scalar', 'speed', 'number'], 'Saved the schema: speed (number)'],
      [['add-scalar', 'caption', 'long_string'], 'Saved the schema: caption (text)'],
      [['add-enum', 'weather', 'snow', 'rain'], 'Saved the schema: weather (enum: rain, snow)'],
      [['add-embedding', 'clip', '4'], 'Saved the schema: clip (embedding of size 4)'],
      [['add-geospatial', 'where'], 'Saved the schema: where (geospatial)'],
      [['add-scalar', 'old', 'boolean'], 'Saved the schema: old (boolean)'],
      [['delete', 'old'], 'Saved the schema: old (deleted)'],
      [['restore', 'old'], 'Saved the schema: old (boolean)'],
      [['add-scalar', 'gone', 'varchar'], 'Saved the schema: gone (varchar)'],
      [['delete', 'gone', '--hard'], 'Saved the schema: gone (deleted)'],
    ];
    for (const [args, said] of steps) {
      const result = await cli(['schema', ...args, ...t.connection]);
      expect(result, args.join(' ')).toMatchObject({ code: 0, stdout: `${said}\n`, stderr: '' });
    }
    expect(await schemaMap()).toEqual({
      speed: { ty: 'variant', hint: 'number' },
      caption: { ty: 'variant', hint: 'text' },
      weather: { ty: 'enum', values: ['rain', 'snow'] },
      clip: { ty: 'embedding', size: 4, api: null },
      where: { ty: 'geospatial' },
      old: { ty: 'variant', hint: 'boolean' },
      gone: { ty: 'tombstone', deleted_ty: null },
    });

    const shown = await cli(['schema', 'show'], { METAINDEX_URL: t.server.url, METAINDEX_KEY: t.keyFile });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Metadata Schema:');
    expect(shown.stdout).toContain("'speed':");
    expect(shown.stdout).toContain("enum(values=['rain', 'snow'])");
    expect(shown.stdout).toBe(`${(await t.client.metadataSchema()).toString()}\n`);
  });

  it('refuses an edit that breaks a rule, with the SDK message, and saves nothing', async () => {
    const before = await schemaMap();
    const revive = await cli(['schema', 'restore', 'gone', ...t.connection]);
    expect(revive.code).toBe(1);
    expect(revive.stdout).toBe('');
    expect(revive.stderr).toMatch(/^error: .*gone/);
    const badType = await cli(['schema', 'add-scalar', 'x', 'float', ...t.connection]);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toContain('Unknown simple schema type: float');
    const badSize = await cli(['schema', 'add-embedding', 'e', '5000', ...t.connection]);
    expect(badSize.stderr).toContain('Embedding size must be an integer from 1 to 4096, got 5000');
    expect(await schemaMap()).toEqual(before);
  });

  it('exports the wire map to stdout or a file, and imports it back', async () => {
    const exported = await cli(['schema', 'export', ...t.connection]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(await schemaMap());

    const file = join(t.dataDir, 'schema.json');
    const toFile = await cli(['schema', 'export', file, ...t.connection]);
    expect(toFile).toMatchObject({ code: 0, stdout: '' });
    expect(toFile.stderr).toContain(`Wrote 7 keys to ${file}`);
    const map = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(map).toEqual(await schemaMap());

    // An edited export replaces the schema: a new key and one more enum option.
    map.lens = { ty: 'enum', values: ['tele', 'wide'] };
    map.weather = { ty: 'enum', values: ['fog', 'rain', 'snow'] };
    await writeFile(file, JSON.stringify(map));
    const imported = await cli(['schema', 'import', file, ...t.connection]);
    expect(imported).toMatchObject({ code: 0, stdout: `Replaced the schema from ${file} (8 keys)\n` });
    expect(await schemaMap()).toEqual(map);

    // Dropping a key breaks a rule: the server says which, nothing changes.
    Reflect.deleteProperty(map, 'speed');
    await writeFile(file, JSON.stringify(map));
    const dropped = await cli(['schema', 'import', file, ...t.connection]);
    expect(dropped.code).toBe(1);
    expect(dropped.stderr).toContain('speed');
    expect((await schemaMap()) as object).toHaveProperty('speed');
  });

  it('imports a legacy flat map with --legacy, and says when a file looks like one', async () => {
    const file = join(t.dataDir, 'legacy.json');
    await writeFile(file, JSON.stringify({ speed: 'number', notes: 'long_string', seen: 'boolean' }));
    const plain = await cli(['schema', 'import', file, ...t.connection]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('it looks like a legacy flat key → type map: pass --legacy');
    // Keys the flat map leaves out must be kept; a flat replace of the whole schema would drop them.
    const legacyFull = Object.fromEntries(
      Object.entries((await t.client.getClientMetadataSchema()) ?? {}).concat([
        ['notes', 'long_string'],
        ['seen', 'boolean'],
      ]),
    );
    await writeFile(file, JSON.stringify(legacyFull));
    const legacy = await cli(['schema', 'import', file, '--legacy', ...t.connection]);
    expect(legacy.code, legacy.stderr).toBe(0);
    const map = (await schemaMap()) as Record<string, unknown>;
    expect(map.notes).toEqual({ ty: 'variant', hint: 'text' });
    expect(map.seen).toEqual({ ty: 'variant', hint: 'boolean' });
  });

  it('needs an admin key to save', async () => {
    const seed = randomBytes(32);
    const keyFile = join(t.dataDir, 'member_ed25519');
    await writeFile(keyFile, formatOpenSshPrivateKey({ seed }), { mode: 0o600 });
    await writeFile(
      `${keyFile}.pub`,
      formatOpenSshPublicKey(Buffer.from(publicKeyHexFromPrivateKey(seed), 'hex'), 'member'),
    );
    expect(
      (await cli(['users', 'add', 'member@x.io', '--public-key', `${keyFile}.pub`, '--data', t.dataDir]))
        .code,
    ).toBe(0);
    const shown = await cli(['schema', 'show', '--url', t.server.url, '--key', keyFile]);
    expect(shown.code).toBe(0);
    const edit = await cli(['schema', 'add-scalar', 'y', 'number', '--url', t.server.url, '--key', keyFile]);
    expect(edit.code).toBe(1);
    expect(edit.stderr).toMatch(/^error: .*admin/i);
  });

  it('reads a passphrase-protected key with --password or METAINDEX_KEY_PASSWORD', async () => {
    const keyFile = join(t.dataDir, 'admin-locked_ed25519');
    await writeFile(keyFile, formatOpenSshPrivateKey({ seed: t.admin.seed, passphrase: 'open sesame' }), {
      mode: 0o600,
    });
    const wrong = await cli([
      'schema',
      'show',
      '--url',
      t.server.url,
      '--key',
      keyFile,
      '--password',
      'nope',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(keyFile);
    const right = await cli(['schema', 'show', '--url', t.server.url, '--key', keyFile], {
      METAINDEX_KEY_PASSWORD: 'open sesame',
    });
    expect(right.code, right.stderr).toBe(0);
  });
});

describe('metaindex folders', () => {
  it('creates folders (uuid alone on stdout) and lists them', async () => {
    const top = await cli(['folders', 'create', 'drives', '--description', 'test drives', ...t.connection]);
    expect(top.code, top.stderr).toBe(0);
    const topUuid = top.stdout.trim();
    expect(topUuid).toMatch(/^[0-9a-f-]{36}$/);
    const child = await cli(['folders', 'create', 'front', '--parent', topUuid, ...t.connection]);
    const childUuid = child.stdout.trim();
    expect(child.code, child.stderr).toBe(0);

    const list = await cli(['folders', 'list', ...t.connection]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UUID\s+PATH\s+DESCRIPTION$/);
    expect(lines.some((l) => l.startsWith(topUuid) && /\bdrives\s+test drives$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith(childUuid))).toBe(false);

    const all = await cli(['folders', 'list', '--all', ...t.connection]);
    expect(all.stdout).toMatch(new RegExp(`^${childUuid}\\s+drives/front$`, 'm'));

    const search = await cli(['folders', 'list', '--search', 'FRO', '--json', ...t.connection]);
    const found = JSON.parse(search.stdout) as { uuid: string; parent: string | null; name: string }[];
    expect(found.map((f) => [f.uuid, f.parent, f.name])).toEqual([[childUuid, topUuid, 'front']]);
  });

  it('says so for an unknown parent', async () => {
    const result = await cli([
      'folders',
      'create',
      'x',
      '--parent',
      '00000000-0000-4000-8000-000000000000',
      ...t.connection,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*00000000-0000-4000-8000-000000000000/);
  });

  it('says when the server cannot be reached', async () => {
    const result = await cli(['folders', 'list', '--url', 'http://127.0.0.1:9', '--key', t.keyFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is the metaindex server running there?');
  }, 30_000);
});
