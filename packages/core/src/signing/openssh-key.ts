// Reads and writes OpenSSH Ed25519 private keys ("openssh-key-v1", as written by `ssh-keygen -t ed25519`),
// plain or passphrase-protected, without Node APIs, so the SDK can sign in a browser too.
//
// Binary layout (PROTOCOL.key in OpenSSH): "openssh-key-v1\0", string cipher, string kdf, string kdfoptions,
// uint32 key count, string public key blob, string private section, then the cipher's authentication tag
// (GCM and chacha20-poly1305 only). The private section is uint32 check, uint32 check (equal), string type,
// string public key, string seed||public key, string comment, then padding bytes 1, 2, 3, … up to the
// cipher block size (8 for "none").
//
// Encrypted keys use kdf "bcrypt" (kdfoptions: string salt, uint32 rounds): bcrypt_pbkdf(passphrase, salt,
// rounds) yields the cipher key followed by its IV, and the whole private section is encrypted. A wrong
// passphrase shows as differing check ints (or a failed tag for the AEAD ciphers).

import { poly1305 } from '@noble/ciphers/_poly1305';
import { cbc, ctr, gcm } from '@noble/ciphers/aes';
import { chacha20orig } from '@noble/ciphers/chacha';
import { ed25519 } from '@noble/curves/ed25519';
import { equalBytes } from '@noble/curves/utils';
import { bytesToUtf8, concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils';
import bcryptPbkdf from 'bcrypt-pbkdf';

import { base64Decode, base64Encode } from './base64.js';

export type OpenSshKeyErrorCode =
  'malformed' | 'unsupported-format' | 'encrypted' | 'bad-passphrase' | 'not-ed25519';

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

/** The ciphers OpenSSH can encrypt a private key with (`ssh-keygen -Z`) that this module reads and writes. */
export type OpenSshKeyCipher =
  | 'aes128-ctr'
  | 'aes192-ctr'
  | 'aes256-ctr'
  | 'aes128-cbc'
  | 'aes192-cbc'
  | 'aes256-cbc'
  | 'aes128-gcm@openssh.com'
  | 'aes256-gcm@openssh.com'
  | 'chacha20-poly1305@openssh.com';

export interface ParseOpenSshPrivateKeyOptions {
  /**
   * Decrypts a passphrase-protected key (a string is taken as UTF-8, as ssh-keygen reads a typed passphrase).
   * Ignored for an unencrypted key; an empty passphrase counts as none.
   */
  readonly passphrase?: string | Uint8Array;
}

export interface FormatOpenSshPrivateKeyOptions {
  readonly seed: Uint8Array;
  readonly comment?: string;
  /** The uint32 check value stored twice in the private section; random by default, as ssh-keygen does. */
  readonly checkInt?: number;
  /** Encrypts the key as `ssh-keygen -N <passphrase>` does; without it (or with '') the key is written in clear. */
  readonly passphrase?: string | Uint8Array;
  /** Cipher for an encrypted key; `aes256-ctr` by default, as ssh-keygen. */
  readonly cipher?: OpenSshKeyCipher;
  /** bcrypt_pbkdf rounds for an encrypted key (`ssh-keygen -a`); 16 by default, as ssh-keygen. */
  readonly rounds?: number;
  /** bcrypt_pbkdf salt for an encrypted key; 16 random bytes by default, as ssh-keygen. */
  readonly salt?: Uint8Array;
}

const KEY_TYPE = 'ssh-ed25519';
const PRIVATE_KEY_LABEL = 'OPENSSH PRIVATE KEY';
const MAGIC = utf8ToBytes('openssh-key-v1\0');
const LINE_WIDTH = 70;
const BLOCK_SIZE = 8;
const KEY_BYTES = 32;
const KDF = 'bcrypt';
const DEFAULT_ROUNDS = 16;
const DEFAULT_SALT_BYTES = 16;
const DEFAULT_CIPHER: OpenSshKeyCipher = 'aes256-ctr';

/**
 * One of OpenSSH's private-key ciphers (cipher.c): bcrypt_pbkdf derives keyLength + ivLength bytes, the
 * private section is padded to blockSize, and tagLength bytes of authentication tag follow it.
 */
interface KeyCipher {
  readonly keyLength: number;
  readonly ivLength: number;
  readonly blockSize: number;
  readonly tagLength: number;
  /** ciphertext || tag in, plaintext out; undefined when the tag does not verify. */
  decrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** plaintext (a multiple of blockSize) in, ciphertext || tag out. */
  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
}

function aesCtr(keyLength: number): KeyCipher {
  return {
    keyLength,
    ivLength: 16,
    blockSize: 16,
    tagLength: 0,
    decrypt: (key, iv, sealed) => ctr(key, iv).decrypt(sealed),
    encrypt: (key, iv, plaintext) => ctr(key, iv).encrypt(plaintext),
  };
}

function aesCbc(keyLength: number): KeyCipher {
  // OpenSSH pads the section itself (1, 2, 3, …), so the cipher adds no PKCS#7 padding.
  return {
    keyLength,
    ivLength: 16,
    blockSize: 16,
    tagLength: 0,
    decrypt: (key, iv, sealed) => cbc(key, iv, { disablePadding: true }).decrypt(sealed),
    encrypt: (key, iv, plaintext) => cbc(key, iv, { disablePadding: true }).encrypt(plaintext),
  };
}

function aesGcm(keyLength: number): KeyCipher {
  // The key file is OpenSSH's first "packet": the derived 12-byte IV is used as is, with no AAD.
  return {
    keyLength,
    ivLength: 12,
    blockSize: 16,
    tagLength: 16,
    decrypt: (key, iv, sealed) => {
      try {
        return gcm(key, iv).decrypt(sealed);
      } catch {
        return undefined; // the only failure left once the lengths are checked: the tag does not verify
      }
    },
    encrypt: (key, iv, plaintext) => gcm(key, iv).encrypt(plaintext),
  };
}

// chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305) with sequence number 0 and no length header:
// the first 32 key bytes drive the original 64-bit-nonce ChaCha20; block 0 of its stream is the Poly1305 key,
// the data is encrypted from block 1 on, and the tag covers the ciphertext alone.
const CHACHA_NONCE = new Uint8Array(8);

function chachaPolyKey(mainKey: Uint8Array): Uint8Array {
  return chacha20orig(mainKey, CHACHA_NONCE, new Uint8Array(32));
}

const chacha20Poly1305: KeyCipher = {
  keyLength: 64,
  ivLength: 0,
  blockSize: 8,
  tagLength: 16,
  decrypt: (key, _iv, sealed) => {
    const mainKey = key.subarray(0, 32);
    const ciphertext = sealed.subarray(0, sealed.length - 16);
    const tag = poly1305(ciphertext, chachaPolyKey(mainKey));
    if (!equalBytes(tag, sealed.subarray(sealed.length - 16))) return undefined;
    return chacha20orig(mainKey, CHACHA_NONCE, ciphertext, undefined, 1);
  },
  encrypt: (key, _iv, plaintext) => {
    const mainKey = key.subarray(0, 32);
    const ciphertext = chacha20orig(mainKey, CHACHA_NONCE, plaintext, undefined, 1);
    return concatBytes(ciphertext, poly1305(ciphertext, chachaPolyKey(mainKey)));
  },
};

const CIPHERS: Readonly<Record<OpenSshKeyCipher, KeyCipher>> = {
  'aes128-ctr': aesCtr(16),
  'aes192-ctr': aesCtr(24),
  'aes256-ctr': aesCtr(32),
  'aes128-cbc': aesCbc(16),
  'aes192-cbc': aesCbc(24),
  'aes256-cbc': aesCbc(32),
  'aes128-gcm@openssh.com': aesGcm(16),
  'aes256-gcm@openssh.com': aesGcm(32),
  'chacha20-poly1305@openssh.com': chacha20Poly1305,
};

function isSupportedCipher(name: string): name is OpenSshKeyCipher {
  return Object.hasOwn(CIPHERS, name);
}

/** A passphrase as bytes; undefined when none (or an empty one) was given. */
function passphraseBytes(passphrase: string | Uint8Array | undefined): Uint8Array | undefined {
  if (passphrase === undefined) return undefined;
  const bytes = typeof passphrase === 'string' ? utf8ToBytes(passphrase) : passphrase;
  return bytes.length === 0 ? undefined : bytes;
}

/** bcrypt_pbkdf as OpenSSH uses it: the cipher key followed by its IV. */
function deriveKeyAndIv(
  passphrase: Uint8Array,
  salt: Uint8Array,
  rounds: number,
  cipher: KeyCipher,
): { key: Uint8Array; iv: Uint8Array } {
  const derived = new Uint8Array(cipher.keyLength + cipher.ivLength);
  const status = bcryptPbkdf.pbkdf(
    passphrase,
    passphrase.length,
    salt,
    salt.length,
    derived,
    derived.length,
    rounds,
  );
  if (status !== 0) throw malformed('bcrypt kdf options are invalid');
  return { key: derived.subarray(0, cipher.keyLength), iv: derived.subarray(cipher.keyLength) };
}

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
 * Parses an OpenSSH Ed25519 private key, decrypting it with `options.passphrase` when it is
 * passphrase-protected (the passphrase is ignored for an unencrypted key). Throws OpenSshKeyError with code
 * `not-ed25519` for another key type, `encrypted` for a protected key read without a passphrase,
 * `bad-passphrase` when the passphrase does not decrypt it, `unsupported-format` for a cipher or kdf this
 * module does not implement (or a PEM block of another kind), otherwise `malformed`.
 */
export function parseOpenSshPrivateKey(
  text: string,
  options: ParseOpenSshPrivateKeyOptions = {},
): OpenSshEd25519PrivateKey {
  const binary = decodePem(text);
  if (!equalBytes(binary.subarray(0, MAGIC.length), MAGIC)) {
    throw malformed('missing the "openssh-key-v1" header');
  }
  const body = new SshReader(binary.subarray(MAGIC.length));
  const cipherName = body.text();
  const kdf = body.text();
  const kdfOptions = body.string();
  const keyCount = body.uint32();
  if (keyCount !== 1) throw malformed(`the file holds ${keyCount} keys; expected exactly 1`);
  // The public half is stored in clear even in encrypted files, so report a wrong key type first:
  // no passphrase would make an RSA key usable.
  const publicKey = readEd25519PublicBlob(body.string(), 'private');
  const sealedSection = body.string();

  if (cipherName === 'none') {
    if (kdf !== 'none') throw malformed(`kdf is "${kdf}" but the key is not encrypted`);
    if (body.remaining !== 0) throw malformed('unexpected data after the private section');
    return readPrivateSection(sealedSection, publicKey, BLOCK_SIZE, cipherName);
  }

  if (!isSupportedCipher(cipherName)) {
    throw new OpenSshKeyError(
      'unsupported-format',
      `This OpenSSH private key is encrypted with cipher "${cipherName}", which is not supported ` +
        `(supported: ${Object.keys(CIPHERS).join(', ')}). ` +
        'Re-encrypt it with `ssh-keygen -p -Z aes256-ctr -f <keyfile>`.',
    );
  }
  if (kdf === 'none') throw malformed(`the key is encrypted (cipher ${cipherName}) but its kdf is "none"`);
  if (kdf !== KDF) {
    throw new OpenSshKeyError(
      'unsupported-format',
      `This OpenSSH private key uses kdf "${kdf}", which is not supported (only "${KDF}").`,
    );
  }
  const passphrase = passphraseBytes(options.passphrase);
  if (passphrase === undefined) {
    throw new OpenSshKeyError(
      'encrypted',
      `This OpenSSH private key is passphrase-protected (cipher ${cipherName}, kdf ${kdf}): ` +
        'a passphrase is needed to read it. Supply it, or remove it with `ssh-keygen -p -f <keyfile>`.',
    );
  }

  const kdfReader = new SshReader(kdfOptions);
  const salt = kdfReader.string();
  const rounds = kdfReader.uint32();
  if (kdfReader.remaining !== 0) throw malformed('unexpected data after the bcrypt kdf options');
  if (salt.length === 0 || rounds === 0) {
    throw malformed('the bcrypt kdf options have an empty salt or 0 rounds');
  }
  const cipher = CIPHERS[cipherName];
  const tag = body.rest();
  if (tag.length !== cipher.tagLength) {
    throw malformed(
      cipher.tagLength === 0
        ? 'unexpected data after the private section'
        : `expected a ${cipher.tagLength}-byte authentication tag after the private section, got ${tag.length} bytes`,
    );
  }
  if (sealedSection.length === 0 || sealedSection.length % cipher.blockSize !== 0) {
    throw malformed(`the encrypted private section is not a multiple of ${cipher.blockSize} bytes`);
  }
  const { key, iv } = deriveKeyAndIv(passphrase, salt, rounds, cipher);
  const privateSection = cipher.decrypt(key, iv, concatBytes(sealedSection, tag));
  if (privateSection === undefined) throw badPassphrase(cipherName);
  return readPrivateSection(privateSection, publicKey, cipher.blockSize, cipherName);
}

function badPassphrase(cipherName: string): OpenSshKeyError {
  return new OpenSshKeyError(
    'bad-passphrase',
    `Incorrect passphrase: it does not decrypt this OpenSSH private key (cipher ${cipherName}).`,
  );
}

/** Reads a plain or decrypted private section (the cipher name only shapes the errors). */
function readPrivateSection(
  privateSection: Uint8Array,
  publicKey: Uint8Array,
  blockSize: number,
  cipherName: string,
): OpenSshEd25519PrivateKey {
  if (privateSection.length % blockSize !== 0) {
    throw malformed(`the private section is not padded to ${blockSize} bytes`);
  }
  const section = new SshReader(privateSection);
  if (section.uint32() !== section.uint32()) {
    // The check ints are random and equal, so a wrong key decrypts them to two different values.
    if (cipherName !== 'none') throw badPassphrase(cipherName);
    throw malformed('the check integers differ (corrupted key)');
  }
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
  if (padding.length >= blockSize || padding.some((byte, index) => byte !== index + 1)) {
    throw malformed('invalid padding in the private section');
  }
  return { seed, publicKey: publicKey.slice(), comment };
}

/**
 * Writes an OpenSSH private key exactly as `ssh-keygen -t ed25519` lays it out: in clear (`-N ''`), or with
 * `passphrase` encrypted like `ssh-keygen -N <passphrase> -a <rounds> -Z <cipher>`.
 */
export function formatOpenSshPrivateKey(options: FormatOpenSshPrivateKeyOptions): string {
  const { seed, comment = '' } = options;
  if (seed.length !== KEY_BYTES) {
    throw new RangeError(`Ed25519 seed must be ${KEY_BYTES} bytes, got ${seed.length}`);
  }
  const checkInt = options.checkInt ?? new DataView(randomBytes(4).buffer).getUint32(0);
  if (!Number.isInteger(checkInt) || checkInt < 0 || checkInt > 0xffffffff) {
    throw new RangeError(`checkInt must be a uint32, got ${checkInt}`);
  }
  const passphrase = passphraseBytes(options.passphrase);
  const cipherName = passphrase === undefined ? 'none' : (options.cipher ?? DEFAULT_CIPHER);
  if (cipherName !== 'none' && !isSupportedCipher(cipherName)) {
    throw new RangeError(`Unsupported cipher ${String(cipherName)}`);
  }
  const cipher = cipherName === 'none' ? undefined : CIPHERS[cipherName];
  const blockSize = cipher?.blockSize ?? BLOCK_SIZE;

  const publicKey = ed25519.getPublicKey(seed);
  const unpadded = concatBytes(
    uint32(checkInt),
    uint32(checkInt),
    sshString(KEY_TYPE),
    sshString(publicKey),
    sshString(concatBytes(seed, publicKey)),
    sshString(comment),
  );
  const paddingLength = (blockSize - (unpadded.length % blockSize)) % blockSize;
  const padding = Uint8Array.from({ length: paddingLength }, (_, index) => index + 1);
  const privateSection = concatBytes(unpadded, padding);

  let header: Uint8Array;
  let sealed: Uint8Array;
  if (passphrase === undefined || cipher === undefined) {
    header = concatBytes(sshString('none'), sshString('none'), sshString(new Uint8Array(0)));
    sealed = sshString(privateSection);
  } else {
    const rounds = options.rounds ?? DEFAULT_ROUNDS;
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 0xffffffff) {
      throw new RangeError(`rounds must be a positive uint32, got ${rounds}`);
    }
    const salt = options.salt ?? randomBytes(DEFAULT_SALT_BYTES);
    if (salt.length === 0) throw new RangeError('salt must not be empty');
    const { key, iv } = deriveKeyAndIv(passphrase, salt, rounds, cipher);
    const ciphertext = cipher.encrypt(key, iv, privateSection);
    header = concatBytes(
      sshString(cipherName),
      sshString(KDF),
      sshString(concatBytes(sshString(salt), uint32(rounds))),
    );
    // The tag follows the section's string, outside its length.
    sealed = concatBytes(
      sshString(ciphertext.subarray(0, privateSection.length)),
      ciphertext.subarray(privateSection.length),
    );
  }
  const binary = concatBytes(MAGIC, header, uint32(1), sshString(publicKeyBlob(publicKey)), sealed);
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
