import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64Decode, base64Encode } from './base64.js';
import {
  formatOpenSshPrivateKey,
  formatOpenSshPublicKey,
  OpenSshKeyError,
  parseOpenSshPrivateKey,
  parseOpenSshPublicKey,
} from './openssh-key.js';
import vectors from './signing-vectors.fixture.json' with { type: 'json' };

// Throwaway keys written by `ssh-keygen` (OpenSSH 9.2p1) on the dev machine; check ints read from the files.
const SSH_KEYGEN_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBfv/3c/JoE7fo6HqUibwoJ6dqCqNY9Ob2TOPTIKQ0JpQAAAJg16XFjNelx
YwAAAAtzc2gtZWQyNTUxOQAAACBfv/3c/JoE7fo6HqUibwoJ6dqCqNY9Ob2TOPTIKQ0JpQ
AAAECybwO8vGD7HsZ1DTgT14BOXGWogox6n3o/vwcj1FqC9V+//dz8mgTt+joepSJvCgnp
2oKo1j05vZM49MgpDQmlAAAAEWZpeHR1cmVAbWV0YWluZGV4AQIDBA==
-----END OPENSSH PRIVATE KEY-----
`;
const SSH_KEYGEN_CHECK_INT = 0x35e97163;
const SSH_KEYGEN_PUBLIC_LINE =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF+//dz8mgTt+joepSJvCgnp2oKo1j05vZM49MgpDQml fixture@metaindex';
const VECTOR_CHECK_INT = 0x59d2e2e7;

// `ssh-keygen -t ed25519 -N hunter2`
const ENCRYPTED_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABAUdZezPw
b04wAHtzUC9rudAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIMxhG8L2S+/7jY75
Odt2kXYTr1+FH/GgiwKE5rAPOvo5AAAAkFr//etOLPbHCwRXBdAPO8ViV6fGpzacdwfhjU
Qy0WmgCl4Nqdy0lcLVmy+X7PnMcW3dsM73+qc4kaXQimEVfO/SGQc3VKyvJDh/5739uqgu
Uu+v4Df6R0tZHNk/ldz0v3IH7veyzXiFXXo2T4FQGCju4IFmGCAzHcACngRvGEJTEtduy/
RWxWMu6rmLo71Jmg==
-----END OPENSSH PRIVATE KEY-----
`;

// `ssh-keygen -t ecdsa -b 256 -N ''`
const ECDSA_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS
1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQTISrBpizOAB7Yu+JWJlguVdKVLgWA5
LO9BHI0hBeJ69x2kbJFqiYS30A4cvfoVgSPoUJK1Pf9C813d7RYPIbvHAAAAoDWNeG01jX
htAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMhKsGmLM4AHti74
lYmWC5V0pUuBYDks70EcjSEF4nr3HaRskWqJhLfQDhy9+hWBI+hQkrU9/0LzXd3tFg8hu8
cAAAAgalBHqVajWOGurd7AJCVJq02lfBLTqUhzCrbjw13n4LEAAAAFZWNkc2EBAgM=
-----END OPENSSH PRIVATE KEY-----
`;

// `openssl genpkey -algorithm ed25519`: PKCS#8, not the OpenSSH format.
const PKCS8_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJv79pPRNhjJ90ICPPHB+3Lv9lxihS5HnJdNxSd0TKP+
-----END PRIVATE KEY-----
`;

/** Expects `action` to throw an OpenSshKeyError with this code, and returns its message. */
function keyErrorMessage(action: () => unknown, code: OpenSshKeyError['code']): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(OpenSshKeyError);
    expect((error as OpenSshKeyError).code).toBe(code);
    return (error as OpenSshKeyError).message;
  }
  throw new Error('expected an OpenSshKeyError');
}

/** Re-encodes a formatted key after editing its binary body. */
function withEditedBinary(pem: string, edit: (binary: Uint8Array) => Uint8Array): string {
  const body = pem.split('\n').slice(1, -2).join('');
  const binary = edit(base64Decode(body)!);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${base64Encode(binary)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const formatted = formatOpenSshPrivateKey({ seed, comment: 'test', checkInt: 0x01020304 });
// Offset of the first check int: magic (15) + "none" (8) + "none" (8) + empty kdf options (4) + key count (4)
// + public blob (4 + 51) + private section length (4).
const CHECK_INT_OFFSET = 15 + 8 + 8 + 4 + 4 + 55 + 4;

describe('parseOpenSshPrivateKey', () => {
  it('reads the signing-vector key', () => {
    const key = parseOpenSshPrivateKey(vectors.privateKeyOpenSSH);
    expect(bytesToHex(key.publicKey)).toBe(vectors.publicKeyHex);
    expect(bytesToHex(ed25519.getPublicKey(key.seed))).toBe(vectors.publicKeyHex);
    expect(key.comment).toBe('metaindex-test-vector');
  });

  it('reads a key written by ssh-keygen, matching its .pub line', () => {
    const key = parseOpenSshPrivateKey(SSH_KEYGEN_KEY);
    expect(key.comment).toBe('fixture@metaindex');
    expect(key.publicKey).toStrictEqual(parseOpenSshPublicKey(SSH_KEYGEN_PUBLIC_LINE).publicKey);
  });

  it('tolerates CRLF line endings and surrounding whitespace', () => {
    const key = parseOpenSshPrivateKey(`\n  ${SSH_KEYGEN_KEY.replaceAll('\n', '\r\n')}  `);
    expect(key.comment).toBe('fixture@metaindex');
  });

  it('rejects a passphrase-protected key with a pointer to a passphrase-aware loader', () => {
    const message = keyErrorMessage(() => parseOpenSshPrivateKey(ENCRYPTED_KEY), 'encrypted');
    expect(message).toContain('passphrase-protected (cipher aes256-ctr, kdf bcrypt)');
    expect(message).toContain('passphrase-aware loader');
  });

  it('rejects a key that is not Ed25519, naming its type', () => {
    const message = keyErrorMessage(() => parseOpenSshPrivateKey(ECDSA_KEY), 'not-ed25519');
    expect(message).toBe('Provided key is not an Ed25519 private key [ecdsa-sha2-nistp256]');
  });

  it('rejects PEM formats other than OpenSSH', () => {
    const message = keyErrorMessage(() => parseOpenSshPrivateKey(PKCS8_KEY), 'unsupported-format');
    expect(message).toContain('got a "PRIVATE KEY" PEM block');
  });

  it.each([
    ['an empty string', ''],
    ['a public key line', SSH_KEYGEN_PUBLIC_LINE],
    ['no END line', SSH_KEYGEN_KEY.replace('-----END OPENSSH PRIVATE KEY-----', '')],
    ['mismatched BEGIN/END labels', SSH_KEYGEN_KEY.replace('END OPENSSH', 'END RSA')],
    [
      'a truncated body',
      SSH_KEYGEN_KEY.replace('2oKo1j05vZM49MgpDQmlAAAAEWZpeHR1cmVAbWV0YWluZGV4AQIDBA==\n', ''),
    ],
    ['invalid base64', SSH_KEYGEN_KEY.replace('AQIDBA==', 'AQIDB===')],
    ['a wrong magic', withEditedBinary(formatted, (b) => b.map((byte, i) => (i === 0 ? 0x41 : byte)))],
    [
      'differing check ints',
      withEditedBinary(formatted, (b) => b.map((byte, i) => (i === CHECK_INT_OFFSET ? byte ^ 1 : byte))),
    ],
    [
      'a tampered seed',
      withEditedBinary(formatted, (b) =>
        b.map((byte, i) => (i === CHECK_INT_OFFSET + 8 + 51 + 4 ? byte ^ 1 : byte)),
      ),
    ],
    ['bad padding', withEditedBinary(formatted, (b) => b.map((byte, i) => (i === b.length - 1 ? 9 : byte)))],
    ['trailing data', withEditedBinary(formatted, (b) => Uint8Array.from([...b, 0]))],
  ])('rejects %s as malformed', (_, text) => {
    expect(keyErrorMessage(() => parseOpenSshPrivateKey(text), 'malformed')).toMatch(
      /^Malformed OpenSSH key: /,
    );
  });

  it('parses the same key re-encoded without edits (control for the cases above)', () => {
    expect(parseOpenSshPrivateKey(withEditedBinary(formatted, (b) => b))).toStrictEqual({
      seed,
      publicKey: ed25519.getPublicKey(seed),
      comment: 'test',
    });
  });
});

describe('formatOpenSshPrivateKey', () => {
  it('reproduces the ssh-keygen file byte for byte', () => {
    const { seed: keygenSeed, comment } = parseOpenSshPrivateKey(SSH_KEYGEN_KEY);
    expect(formatOpenSshPrivateKey({ seed: keygenSeed, comment, checkInt: SSH_KEYGEN_CHECK_INT })).toBe(
      SSH_KEYGEN_KEY,
    );
  });

  it('reproduces the signing-vector key byte for byte', () => {
    const { seed: vectorSeed, comment } = parseOpenSshPrivateKey(vectors.privateKeyOpenSSH);
    expect(formatOpenSshPrivateKey({ seed: vectorSeed, comment, checkInt: VECTOR_CHECK_INT })).toBe(
      vectors.privateKeyOpenSSH,
    );
  });

  it('wraps the base64 body at 70 columns', () => {
    const long = formatOpenSshPrivateKey({ seed, comment: 'x'.repeat(200) });
    const bodyLines = long.trimEnd().split('\n').slice(1, -1);
    expect(bodyLines.slice(0, -1).every((line) => line.length === 70)).toBe(true);
    expect(bodyLines.at(-1)!.length).toBeLessThanOrEqual(70);
  });

  it('round-trips any seed and comment (parse(format(x)) == x)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ unit: 'grapheme' }),
        (s, comment) => {
          const key = parseOpenSshPrivateKey(formatOpenSshPrivateKey({ seed: s, comment }));
          expect(key).toStrictEqual({ seed: s, publicKey: ed25519.getPublicKey(s), comment });
        },
      ),
    );
  });

  it('rejects a seed of the wrong size and an out-of-range check int', () => {
    expect(() => formatOpenSshPrivateKey({ seed: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => formatOpenSshPrivateKey({ seed, checkInt: 2 ** 32 })).toThrow(RangeError);
  });
});

describe('OpenSSH public key lines', () => {
  it('formats and parses the signing-vector public key', () => {
    const { publicKey, comment } = parseOpenSshPrivateKey(vectors.privateKeyOpenSSH);
    expect(formatOpenSshPublicKey(publicKey, 'metaindex-test-vector')).toBe(vectors.publicKeyOpenSSH);
    expect(parseOpenSshPublicKey(vectors.publicKeyOpenSSH)).toStrictEqual({ publicKey, comment: comment });
  });

  it('round-trips the ssh-keygen .pub line, a comment with spaces and no comment', () => {
    const { publicKey, comment } = parseOpenSshPublicKey(`${SSH_KEYGEN_PUBLIC_LINE}\n`);
    expect(formatOpenSshPublicKey(publicKey, comment)).toBe(SSH_KEYGEN_PUBLIC_LINE);
    expect(parseOpenSshPublicKey(formatOpenSshPublicKey(publicKey, 'two words'))).toStrictEqual({
      publicKey,
      comment: 'two words',
    });
    expect(formatOpenSshPublicKey(publicKey)).toBe(SSH_KEYGEN_PUBLIC_LINE.split(' ').slice(0, 2).join(' '));
    expect(parseOpenSshPublicKey(formatOpenSshPublicKey(publicKey)).comment).toBe('');
  });

  it('rejects another key type, naming it', () => {
    const line = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCXRXX6prjbycdY rsa';
    expect(keyErrorMessage(() => parseOpenSshPublicKey(line), 'not-ed25519')).toBe(
      'Provided key is not an Ed25519 public key [ssh-rsa]',
    );
  });

  it.each([
    ['a bare type', 'ssh-ed25519'],
    ['invalid base64', 'ssh-ed25519 AAAA$'],
    ['a truncated blob', `ssh-ed25519 ${SSH_KEYGEN_PUBLIC_LINE.split(' ')[1]!.slice(0, -4)}`],
    [
      'an ssh-rsa blob under an ssh-ed25519 label',
      'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQCXRXX6prjbycdY',
    ],
  ])('rejects %s', (_, line) => {
    expect(() => parseOpenSshPublicKey(line)).toThrow(OpenSshKeyError);
  });
});
