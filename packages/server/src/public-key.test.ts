import { MetaindexError } from '@metaindex/core';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKeyText, readPublicKeyFile } from './public-key.js';

const run = promisify(execFile);

let tmp: string;

/** `ssh-keygen -t <type>` without a passphrase; returns the private key path (`.pub` beside it). */
async function sshKeygen(name: string, ...typeArgs: string[]): Promise<string> {
  const path = join(tmp, name);
  await run('ssh-keygen', ['-q', ...typeArgs, '-N', '', '-C', 'test', '-f', path]);
  return path;
}

/** The raw public key as OpenSSH sees it: the base64 blob of `ssh-keygen -y`, minus its 19-byte header. */
async function rawKeyHex(privateKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-y', '-f', privateKeyPath]);
  const blob = Buffer.from(stdout.split(' ')[1]!, 'base64');
  return blob.subarray(blob.length - 32).toString('hex');
}

async function errorOf(promise: Promise<unknown>): Promise<MetaindexError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MetaindexError);
  expect((error as MetaindexError).code).toBe('invalid_argument');
  return error as MetaindexError;
}

let ed25519: string;
let rsa: string;
let ecdsa: string;
let pemPrivate: string;
let pemPublic: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'metaindex-public-key-'));
  [ed25519, rsa, ecdsa] = await Promise.all([
    sshKeygen('ed', '-t', 'ed25519'),
    sshKeygen('rsa', '-t', 'rsa', '-b', '2048'),
    sshKeygen('ec', '-t', 'ecdsa'),
  ]);
  pemPrivate = join(tmp, 'ed.pem');
  pemPublic = join(tmp, 'ed.pub.pem');
  await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pemPrivate]);
  await run('openssl', ['pkey', '-in', pemPrivate, '-pubout', '-out', pemPublic]);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('readPublicKeyFile', () => {
  it('reads an OpenSSH ssh-ed25519 .pub file', async () => {
    const hex = await readPublicKeyFile(`${ed25519}.pub`);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(hex).toBe(await rawKeyHex(ed25519));
  });

  it('reads a PEM public key from openssl', async () => {
    const hex = await readPublicKeyFile(pemPublic);
    // The last 32 bytes of the DER SubjectPublicKeyInfo are the raw key.
    const { stdout: der } = await run('openssl', ['pkey', '-pubin', '-in', pemPublic, '-outform', 'DER'], {
      encoding: 'buffer',
    });
    expect(hex).toBe(der.subarray(der.length - 32).toString('hex'));
  });

  it('rejects an RSA key, naming its type', async () => {
    const error = await errorOf(readPublicKeyFile(`${rsa}.pub`));
    expect(error.message).toContain('needs an Ed25519 key');
    expect(error.message).toContain('ssh-rsa');
    expect(error.message).toContain(`${rsa}.pub`);
  });

  it('rejects an ECDSA key, naming its type', async () => {
    const error = await errorOf(readPublicKeyFile(`${ecdsa}.pub`));
    expect(error.message).toContain('needs an Ed25519 key');
    expect(error.message).toContain('ecdsa-sha2-nistp256');
  });

  it('rejects a PEM RSA public key, naming its type', async () => {
    const rsaPem = join(tmp, 'rsa.pub.pem');
    const { stdout } = await run('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', `${rsa}.pub`]);
    await writeFile(rsaPem, stdout);
    const error = await errorOf(readPublicKeyFile(rsaPem));
    expect(error.message).toMatch(/needs an Ed25519 key, .* type rsa/);
  });

  it.each([
    ['OpenSSH', () => ed25519],
    ['PKCS#8 PEM', () => pemPrivate],
    ['RSA OpenSSH', () => rsa],
  ])('rejects a %s private key and points at the .pub file', async (_, path) => {
    const error = await errorOf(readPublicKeyFile(path()));
    expect(error.message).toContain('is a private key');
    expect(error.message).toContain('.pub');
  });

  it('names the file it cannot read', async () => {
    const missing = join(tmp, 'nope.pub');
    const error = await errorOf(readPublicKeyFile(missing));
    expect(error.message).toContain(`Cannot read the public key file ${missing}`);
  });
});

describe('parsePublicKeyText', () => {
  it('ignores surrounding whitespace, comments and blank lines', async () => {
    const line = (await readFile(`${ed25519}.pub`, 'utf8')).trim();
    expect(parsePublicKeyText(`\n# admin key\n\n  ${line}  \n`)).toBe(await rawKeyHex(ed25519));
  });

  it('accepts a line without a comment', async () => {
    const [type, blob] = (await readFile(`${ed25519}.pub`, 'utf8')).split(' ');
    expect(parsePublicKeyText(`${type!} ${blob!}`)).toBe(await rawKeyHex(ed25519));
  });

  it.each([
    ['empty text', '  \n', /is empty/],
    ['several keys', 'ssh-ed25519 AAAA a\nssh-ed25519 AAAA b', /holds 2 lines/],
    ['text that is no key', 'hello world', /not a public key metaindex can read/],
    ['a corrupt blob', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x', /not a public key metaindex can read/],
    ['a certificate PEM', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /"CERTIFICATE"/],
    ['a broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /not a PEM public key/],
  ])('rejects %s', (_, text, message) => {
    const parse = () => parsePublicKeyText(text, 'key.pub');
    expect(parse).toThrow(MetaindexError);
    expect(parse).toThrow(message);
    expect(parse).toThrow('key.pub');
  });
});
