/**
 * Reads the public key that identifies a user. Requests are signed with Ed25519 and
 * carry the raw public key as their `keyid`, so every accepted format is reduced to
 * those 32 bytes, as 64 lowercase hex characters.
 */
import { MetaindexError, OpenSshKeyError, parseOpenSshPublicKey } from '@metaindex/core';
import { readFile } from 'node:fs/promises';
import sshpk from 'sshpk';

const ED25519_KEY_BYTES = 32;

/** Any PEM private key: OpenSSH, PKCS#8, PKCS#1 (RSA), SEC1 (EC), encrypted PKCS#8. */
const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const PEM_LABEL = /^-----BEGIN ([A-Z0-9 ]+)-----/;
/** ssh-rsa, ssh-dss, ecdsa-sha2-nistp256, sk-ssh-ed25519@openssh.com, …-cert-v01@openssh.com. */
const SSH_KEY_TYPE = /^(?:ssh|ecdsa|sk)-[\w@.-]+$/;

function invalid(message: string): MetaindexError {
  return new MetaindexError('invalid_argument', message);
}

function notEd25519(source: string, found: string): MetaindexError {
  return invalid(
    `metaindex needs an Ed25519 key, but ${source} holds a key of type ${found}. ` +
      'Create one with `ssh-keygen -t ed25519` and pass its .pub file.',
  );
}

/** `ssh-ed25519 AAAA… [comment]`, as in a `.pub` or `authorized_keys` file. */
function parseOpenSshLine(text: string, source: string): Uint8Array {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length !== 1) {
    throw invalid(`${source} holds ${lines.length} lines; expected exactly one public key line.`);
  }
  const [line = ''] = lines;
  try {
    return parseOpenSshPublicKey(line).publicKey;
  } catch (error) {
    if (!(error instanceof OpenSshKeyError)) throw error;
    const expected =
      'Expected an OpenSSH line "ssh-ed25519 AAAA…" or a PEM "-----BEGIN PUBLIC KEY-----" block.';
    if (error.code !== 'not-ed25519') {
      throw invalid(`${source} is not a public key metaindex can read (${error.message}). ${expected}`);
    }
    // Name the type as the user will recognise it (the line's first word), but only when
    // it looks like an SSH key type rather than the first word of some other file.
    const type = line.split(/\s+/)[0] ?? '';
    if (SSH_KEY_TYPE.test(type)) throw notEd25519(source, type);
    throw invalid(`${source} is not a public key metaindex can read. ${expected}`);
  }
}

/** `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo), e.g. from `openssl pkey -pubout`. */
function parsePem(text: string, source: string): Uint8Array {
  let key: sshpk.Key;
  try {
    key = sshpk.parseKey(text, 'pem');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`${source} is not a PEM public key metaindex can read (${reason}).`);
  }
  if (key.type !== 'ed25519') {
    throw notEd25519(source, key.curve === undefined ? key.type : `${key.type} (${key.curve})`);
  }
  // sshpk names the Ed25519 public point "A" (RFC 8032).
  const point = key.parts.find((part) => part.name === 'A')?.data;
  if (point?.length !== ED25519_KEY_BYTES) {
    throw invalid(`${source} holds an Ed25519 key that is not ${ED25519_KEY_BYTES} bytes long.`);
  }
  return point;
}

/**
 * The raw Ed25519 public key (64 hex characters) in an OpenSSH public key line or a
 * PEM public key. `source` names the key in error messages (a file path, say).
 * Throws MetaindexError `invalid_argument` for another key type, a private key, or
 * anything unreadable.
 */
export function parsePublicKeyText(text: string, source = 'the key'): string {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(`${source} is empty; expected an Ed25519 public key.`);
  // Private keys contain their public half, so they would parse; refuse them anyway so
  // nobody gets used to copying private keys around.
  if (PRIVATE_KEY_PEM.test(trimmed)) {
    throw invalid(
      `${source} is a private key. Pass the public key instead: the .pub file next to it ` +
        '(or `ssh-keygen -y -f <private key>` prints it).',
    );
  }
  const pemLabel = PEM_LABEL.exec(trimmed)?.[1];
  let publicKey: Uint8Array;
  if (pemLabel === undefined) {
    publicKey = parseOpenSshLine(trimmed, source);
  } else if (pemLabel === 'PUBLIC KEY') {
    publicKey = parsePem(trimmed, source);
  } else {
    throw invalid(`${source} is a "${pemLabel}" PEM block; expected "PUBLIC KEY" or an OpenSSH .pub line.`);
  }
  return Buffer.from(publicKey).toString('hex');
}

/** parsePublicKeyText on a file's contents; errors name the file. */
export async function readPublicKeyFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`Cannot read the public key file ${path}: ${reason}`);
  }
  return parsePublicKeyText(text, path);
}
