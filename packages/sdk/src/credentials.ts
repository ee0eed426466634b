/**
 * Where `EncordUserClient.createWithSshPrivateKey` gets its key, in the Python SDK's order:
 * the `sshPrivateKeyPath` file, the `sshPrivateKey` text, then the environment
 * (`ENCORD_SSH_KEY_FILE`, a path; `ENCORD_SSH_KEY`, the key text). Reading a file is the
 * SDK's only Node-specific step; it is imported lazily, so a browser bundle never loads it.
 */
import { OpenSshKeyError, parseOpenSshPrivateKey } from '@metaindex/core';
import { InvalidArgumentsError, ResourceNotFoundError } from './errors.js';

export interface SshKeySource {
  /** Path of an OpenSSH Ed25519 private key file (`~` is expanded). */
  sshPrivateKeyPath?: string;
  /** The key file's text. */
  sshPrivateKey?: string;
  /** The key's passphrase, for a passphrase-protected key. */
  password?: string;
}

function environment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value === '' ? undefined : value;
}

async function readKeyFile(path: string): Promise<string> {
  const [{ readFile }, { homedir }] = await Promise.all([import('node:fs/promises'), import('node:os')]);
  const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  try {
    return await readFile(expanded, 'utf8');
  } catch (error) {
    throw new ResourceNotFoundError(
      `Cannot read the SSH private key file ${expanded}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function keyText(source: SshKeySource): Promise<string> {
  if (source.sshPrivateKeyPath !== undefined) return readKeyFile(source.sshPrivateKeyPath);
  if (source.sshPrivateKey !== undefined) return source.sshPrivateKey;
  const file = environment('ENCORD_SSH_KEY_FILE');
  if (file !== undefined) return readKeyFile(file);
  const text = environment('ENCORD_SSH_KEY');
  if (text !== undefined) return text;
  throw new ResourceNotFoundError(
    'No SSH private key: pass sshPrivateKeyPath or sshPrivateKey, or set ENCORD_SSH_KEY_FILE or ENCORD_SSH_KEY.',
  );
}

/** Loads the Ed25519 seed; a key of another type, a bad passphrase or a malformed file is an InvalidArgumentsError saying so. */
export async function loadEd25519Seed(source: SshKeySource): Promise<Uint8Array> {
  const text = await keyText(source);
  try {
    return parseOpenSshPrivateKey(text, source.password === undefined ? {} : { passphrase: source.password })
      .seed;
  } catch (error) {
    if (error instanceof OpenSshKeyError) {
      throw new InvalidArgumentsError(error.message, { code: error.code, cause: error });
    }
    throw error;
  }
}
