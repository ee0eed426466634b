/**
 * First start: an organisation needs one admin before anyone can sign a request.
 * Either the operator names the admin's public key, or metaindex generates a key pair
 * in the data directory and prints how to use it.
 */
import {
  formatOpenSshPrivateKey,
  formatOpenSshPublicKey,
  MetaindexError,
  OpenSshKeyError,
  parseOpenSshPrivateKey,
  publicKeyHexFromPrivateKey,
} from '@metaindex/core';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isMissingFile, writeFileAtomic, type DataDirPaths } from './data-dir.js';
import { readPublicKeyFile } from './public-key.js';
import type { Engine } from './store/engine.js';
import type { UserRecord } from './store/records.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@metaindex.local';

export interface EnsureAdminOptions {
  paths: Pick<DataDirPaths, 'adminKeyPath' | 'adminPublicKeyPath'>;
  /** A public key file (OpenSSH or PEM) for the admin; without it a key pair is generated. */
  adminPublicKeyFile?: string;
  /** The admin's email; DEFAULT_ADMIN_EMAIL when omitted. */
  email?: string;
}

export interface EnsureAdminResult {
  /** Whether this call created the admin; false when the organisation already had users. */
  created: boolean;
  /** The new admin or, when nothing was created, the earliest existing admin. */
  email: string;
  publicKeyHex: string;
  /** The private key file to sign with, when metaindex generated (or earlier generated) it. */
  generatedKeyPath?: string;
}

/**
 * The data directory's admin key pair, created if absent. An existing key is reused
 * rather than replaced: it exists when an earlier start wrote it but never recorded the
 * admin (a crash, or a deleted database), and its owner may already have copied it.
 */
async function loadOrCreateAdminKey(paths: EnsureAdminOptions['paths'], comment: string): Promise<string> {
  let key: { seed: Uint8Array; comment: string };
  try {
    key = parseOpenSshPrivateKey(await readFile(paths.adminKeyPath, 'utf8'));
  } catch (error) {
    if (error instanceof OpenSshKeyError) {
      throw new MetaindexError(
        'invalid_argument',
        `${paths.adminKeyPath} exists but is not a usable admin key (${error.message}). ` +
          'Move it away to let metaindex generate a new one.',
      );
    }
    if (!isMissingFile(error)) throw error;
    key = { seed: randomBytes(32), comment };
    await writeFileAtomic(paths.adminKeyPath, formatOpenSshPrivateKey(key), 0o600);
  }
  // Rewritten every time so it always matches the private key beside it.
  const publicKeyHex = publicKeyHexFromPrivateKey(key.seed);
  const publicLine = formatOpenSshPublicKey(Buffer.from(publicKeyHex, 'hex'), key.comment);
  await writeFileAtomic(paths.adminPublicKeyPath, `${publicLine}\n`, 0o644);
  return publicKeyHex;
}

/** The earliest admin, or the earliest user if (against the CLI's rules) no admin is left. */
function existingAdmin(users: readonly UserRecord[]): UserRecord | undefined {
  const byAge = [...users].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return byAge.find((user) => user.role === 'admin') ?? byAge[0];
}

/**
 * Makes sure the organisation has an admin. Does nothing when it already has any user
 * (the operator manages users with `metaindex users` from then on, so a leftover
 * --admin-public-key never adds a second admin behind their back).
 */
export async function ensureAdmin(
  engine: Pick<Engine, 'listUsers' | 'addUser'>,
  options: EnsureAdminOptions,
): Promise<EnsureAdminResult> {
  const current = existingAdmin(await engine.listUsers());
  if (current !== undefined) {
    return { created: false, email: current.email, publicKeyHex: current.publicKeyHex };
  }
  const email = options.email ?? DEFAULT_ADMIN_EMAIL;
  const addAdmin = (publicKeyHex: string) =>
    engine.addUser({ email, role: 'admin', publicKeyHex, createdAt: new Date().toISOString() });
  if (options.adminPublicKeyFile !== undefined) {
    const publicKeyHex = await readPublicKeyFile(options.adminPublicKeyFile);
    await addAdmin(publicKeyHex);
    return { created: true, email, publicKeyHex };
  }
  const publicKeyHex = await loadOrCreateAdminKey(options.paths, email);
  await addAdmin(publicKeyHex);
  return { created: true, email, publicKeyHex, generatedKeyPath: options.paths.adminKeyPath };
}

export interface AdminInstructionsOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  privateKeyPath: string;
  publicKeyHex: string;
}

/** What to print on first start: how to reach the server with the admin key. */
export function adminInstructions(options: AdminInstructionsOptions): string {
  const { url, privateKeyPath, publicKeyHex } = options;
  // JSON string literals are valid Python string literals, and escape any quote or
  // backslash in the path (Windows paths, odd directory names).
  const pythonPath = JSON.stringify(privateKeyPath);
  const pythonUrl = JSON.stringify(url);
  return [
    `Organisation admin key: ${privateKeyPath}`,
    `(public key ${publicKeyHex}). Anyone holding this file administers the server; keep it private.`,
    '',
    'Python (pip install encord):',
    '',
    '    from encord import EncordUserClient',
    '    user_client = EncordUserClient.create_with_ssh_private_key(',
    `        ssh_private_key_path=${pythonPath},`,
    `        domain=${pythonUrl},`,
    '    )',
    '    print(user_client.metadata_schema())',
    '',
    'curl:',
    '',
    `    curl ${url}/healthz`,
    '',
    'Other endpoints need requests signed with the key: use the Python SDK (or, later, the metaindex CLI).',
    '',
  ].join('\n');
}
