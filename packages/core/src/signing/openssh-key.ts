// Reads and writes unencrypted OpenSSH Ed25519 keys ("openssh-key-v1", as written by `ssh-keygen -t ed25519`)
// without Node APIs, so the SDK can sign in a browser too. Passphrase-protected keys need bcrypt-pbkdf and a
// cipher; they are rejected with a distinct error code so a passphrase-aware loader (sshpk) can take over.
//
// Binary layout (PROTOCOL.key in OpenSSH): "openssh-key-v1\0", string cipher, string kdf, string kdfoptions,
// uint32 key count, string public key blob, string private section. The private section is uint32 check,
// uint32 check (equal), string type, string public key, string seed||public key, string comment, then
// padding bytes 1, 2, 3, … up to the cipher block size (8 for "none").

import { ed25519 } from '@noble/curves/ed25519';
import { equalBytes } from '@noble/curves/utils';
import { bytesToUtf8, concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils';

import { base64Decode, base64Encode } from './base64.js';

export type OpenSshKeyErrorCode = 'malformed' | 'unsupported-format' | 'encrypted' | 'not-ed25519';

export class OpenSshKeyError extends Error {
  override readonly name = 'OpenSshKeyError';
  readonly code: OpenSshKeyErrorCode;

  constructor(code: OpenSshKeyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface OpenSshEd25519PrivateKey {
  /** 32-byte Ed25519 seed: the private key used for signing. */
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly comment: string;
}

export interface OpenSshEd25519PublicKey {
  readonly publicKey: Uint8Array;
  readonly comment: string;
}

export interface FormatOpenSshPrivateKeyOptions {
  readonly seed: Uint8Array;
  readonly comment?: string;
  /** The uint32 check value stored twice in the private section; random by default, as ssh-keygen does. */
  readonly checkInt?: number;
}

const KEY_TYPE = 'ssh-ed25519';
const PRIVATE_KEY_LABEL = 'OPENSSH PRIVATE KEY';
const MAGIC = utf8ToBytes('openssh-key-v1\0');
const LINE_WIDTH = 70;
const BLOCK_SIZE = 8;
const KEY_BYTES = 32;

function malformed(message: string): OpenSshKeyError {
  return new OpenSshKeyError('malformed', `Malformed OpenSSH key: ${message}`);
}

/** Sequential reader for SSH wire encoding (big-endian uint32, length-prefixed strings). */
class SshReader {
  private offset = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  uint32(): number {
    const field = this.take(4);
    return new DataView(field.buffer, field.byteOffset, 4).getUint32(0);
  }

  string(): Uint8Array {
    return this.take(this.uint32());
  }

  text(): string {
    return bytesToUtf8(this.string());
  }

  rest(): Uint8Array {
    return this.take(this.remaining);
  }

  private take(length: number): Uint8Array {
    if (length > this.remaining) throw malformed('data is truncated');
    const field = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return field;
  }
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function sshString(value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === 'string' ? utf8ToBytes(value) : value;
  return concatBytes(uint32(bytes.length), bytes);
}

function publicKeyBlob(publicKey: Uint8Array): Uint8Array {
  return concatBytes(sshString(KEY_TYPE), sshString(publicKey));
}

/** Parses an `ssh-ed25519` public key blob; `kind` only shapes the error message. */
function readEd25519PublicBlob(blob: Uint8Array, kind: 'private' | 'public'): Uint8Array {
  const reader = new SshReader(blob);
  const type = reader.text();
  if (type !== KEY_TYPE) {
    throw new OpenSshKeyError('not-ed25519', `Provided key is not an Ed25519 ${kind} key [${type}]`);
  }
  const publicKey = reader.string();
  if (publicKey.length !== KEY_BYTES || reader.remaining !== 0) {
    throw malformed('the ssh-ed25519 public key blob is not a 32-byte key');
  }
  return publicKey;
}

/** Extracts the binary body of the single PEM block that `text` must consist of. */
function decodePem(text: string): Uint8Array {
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*)-----END ([A-Z0-9 ]+)-----$/.exec(text.trim());
  if (pem === null) {
    throw malformed(`expected -----BEGIN ${PRIVATE_KEY_LABEL}----- … -----END ${PRIVATE_KEY_LABEL}-----`);
  }
  const [, beginLabel = '', body = '', endLabel = ''] = pem;
  if (beginLabel !== endLabel) throw malformed(`BEGIN ${beginLabel} does not match END ${endLabel}`);
  if (beginLabel !== PRIVATE_KEY_LABEL) {
    throw new OpenSshKeyError(
      'unsupported-format',
      `Expected an OpenSSH private key (-----BEGIN ${PRIVATE_KEY_LABEL}-----), got a "${beginLabel}" PEM block`,
    );
  }
  const bytes = base64Decode(body.replace(/\s+/g, ''));
  if (bytes === undefined) throw malformed('the key body is not valid base64');
  return bytes;
}

/**
 * Parses an unencrypted OpenSSH Ed25519 private key. Throws OpenSshKeyError with code `encrypted` for a
 * passphrase-protected key, `not-ed25519` for another key type, otherwise `malformed`/`unsupported-format`.
 */
export function parseOpenSshPrivateKey(text: string): OpenSshEd25519PrivateKey {
  const binary = decodePem(text);
  if (!equalBytes(binary.subarray(0, MAGIC.length), MAGIC)) {
    throw malformed('missing the "openssh-key-v1" header');
  }
  const body = new SshReader(binary.subarray(MAGIC.length));
  const cipher = body.text();
  const kdf = body.text();
  body.string(); // kdf options: only meaningful for encrypted keys
  const keyCount = body.uint32();
  if (keyCount !== 1) throw malformed(`the file holds ${keyCount} keys; expected exactly 1`);
  // The public half is stored in clear even in encrypted files, so report a wrong key type first:
  // no passphrase would make an RSA key usable.
  const publicKey = readEd25519PublicBlob(body.string(), 'private');
  if (cipher !== 'none') {
    throw new OpenSshKeyError(
      'encrypted',
      `This OpenSSH private key is passphrase-protected (cipher ${cipher}, kdf ${kdf}). ` +
        'Only unencrypted keys can be read here; load it with a passphrase-aware loader, ' +
        'or remove the passphrase with `ssh-keygen -p -f <keyfile>`.',
    );
  }
  if (kdf !== 'none') throw malformed(`kdf is "${kdf}" but the key is not encrypted`);
  const privateSection = body.string();
  if (body.remaining !== 0) throw malformed('unexpected data after the private section');
  if (privateSection.length % BLOCK_SIZE !== 0) {
    throw malformed(`the private section is not padded to ${BLOCK_SIZE} bytes`);
  }

  const section = new SshReader(privateSection);
  if (section.uint32() !== section.uint32()) throw malformed('the check integers differ (corrupted key)');
  const type = section.text();
  if (type !== KEY_TYPE) throw malformed(`the private section holds a "${type}" key, not ${KEY_TYPE}`);
  if (!equalBytes(section.string(), publicKey)) {
    throw malformed('the private section names a different public key');
  }
  // OpenSSH stores the 64-byte "expanded" form: seed followed by the public key.
  const secret = section.string();
  if (secret.length !== 2 * KEY_BYTES || !equalBytes(secret.subarray(KEY_BYTES), publicKey)) {
    throw malformed('the private key is not seed||public key (64 bytes)');
  }
  const seed = secret.slice(0, KEY_BYTES);
  if (!equalBytes(ed25519.getPublicKey(seed), publicKey)) {
    throw malformed('the public key does not belong to the private key');
  }
  const comment = section.text();
  const padding = section.rest();
  if (padding.length >= BLOCK_SIZE || padding.some((byte, index) => byte !== index + 1)) {
    throw malformed('invalid padding in the private section');
  }
  return { seed, publicKey: publicKey.slice(), comment };
}

/** Writes an unencrypted OpenSSH private key exactly as `ssh-keygen -t ed25519 -N ''` lays it out. */
export function formatOpenSshPrivateKey(options: FormatOpenSshPrivateKeyOptions): string {
  const { seed, comment = '' } = options;
  if (seed.length !== KEY_BYTES) {
    throw new RangeError(`Ed25519 seed must be ${KEY_BYTES} bytes, got ${seed.length}`);
  }
  const checkInt = options.checkInt ?? new DataView(randomBytes(4).buffer).getUint32(0);
  if (!Number.isInteger(checkInt) || checkInt < 0 || checkInt > 0xffffffff) {
    throw new RangeError(`checkInt must be a uint32, got ${checkInt}`);
  }
  const publicKey = ed25519.getPublicKey(seed);
  const unpadded = concatBytes(
    uint32(checkInt),
    uint32(checkInt),
    sshString(KEY_TYPE),
    sshString(publicKey),
    sshString(concatBytes(seed, publicKey)),
    sshString(comment),
  );
  const paddingLength = (BLOCK_SIZE - (unpadded.length % BLOCK_SIZE)) % BLOCK_SIZE;
  const padding = Uint8Array.from({ length: paddingLength }, (_, index) => index + 1);
  const binary = concatBytes(
    MAGIC,
    sshString('none'),
    sshString('none'),
    sshString(new Uint8Array(0)),
    uint32(1),
    sshString(publicKeyBlob(publicKey)),
    sshString(concatBytes(unpadded, padding)),
  );
  const encoded = base64Encode(binary);
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += LINE_WIDTH) lines.push(encoded.slice(i, i + LINE_WIDTH));
  return [`-----BEGIN ${PRIVATE_KEY_LABEL}-----`, ...lines, `-----END ${PRIVATE_KEY_LABEL}-----`, ''].join(
    '\n',
  );
}

/** `ssh-ed25519 <base64 blob>[ comment]`, the line of a `.pub` or `authorized_keys` file (no newline). */
export function formatOpenSshPublicKey(publicKey: Uint8Array, comment = ''): string {
  if (publicKey.length !== KEY_BYTES) {
    throw new RangeError(`Ed25519 public key must be ${KEY_BYTES} bytes, got ${publicKey.length}`);
  }
  const line = `${KEY_TYPE} ${base64Encode(publicKeyBlob(publicKey))}`;
  return comment === '' ? line : `${line} ${comment}`;
}

/** Parses `ssh-ed25519 <base64 blob> [comment]` (authorized_keys options before the type are not supported). */
export function parseOpenSshPublicKey(line: string): OpenSshEd25519PublicKey {
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line.trim());
  if (match === null) throw malformed('expected "ssh-ed25519 <base64> [comment]"');
  const [, type = '', encoded = '', comment = ''] = match;
  if (type !== KEY_TYPE) {
    throw new OpenSshKeyError('not-ed25519', `Provided key is not an Ed25519 public key [${type}]`);
  }
  const blob = base64Decode(encoded);
  if (blob === undefined) throw malformed('the public key is not valid base64');
  return { publicKey: readEd25519PublicBlob(blob, 'public').slice(), comment };
}
