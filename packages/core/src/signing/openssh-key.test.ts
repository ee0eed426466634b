import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64Decode, base64Encode } from './base64.js';
import encryptedKeys from './openssh-encrypted-keys.fixture.json' with { type: 'json' };
import {
  formatOpenSshPrivateKey,
  formatOpenSshPublicKey,
  OpenSshKeyError,
  parseOpenSshPrivateKey,
  parseOpenSshPublicKey,
} from './openssh-key.js';
import type { OpenSshKeyCipher } from './openssh-key.js';
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

// `ssh-keygen -t ed25519 -N hunter2` (default 16 rounds)
const ENCRYPTED_KEY_PASSPHRASE = 'hunter2';
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

  it('rejects a passphrase-protected key read without a passphrase, saying one is needed', () => {
    const message = keyErrorMessage(() => parseOpenSshPrivateKey(ENCRYPTED_KEY), 'encrypted');
    expect(message).toContain('passphrase-protected (cipher aes256-ctr, kdf bcrypt)');
    expect(message).toContain('a passphrase is needed');
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

describe('passphrase-protected OpenSSH private keys', () => {
  const { passphrase } = encryptedKeys;
  const CIPHERS = Object.keys(encryptedKeys.encrypted) as OpenSshKeyCipher[];
  const plainKey = parseOpenSshPrivateKey(encryptedKeys.unencrypted);
  // One cipher of each construction, for the checks that need not run for all nine (each costs a bcrypt kdf).
  const CIPHER_KINDS: OpenSshKeyCipher[] = [
    'aes256-ctr',
    'aes256-cbc',
    'aes256-gcm@openssh.com',
    'chacha20-poly1305@openssh.com',
  ];
  const encryptedPem = (cipher: OpenSshKeyCipher): string => encryptedKeys.encrypted[cipher].pem;

  it('covers every cipher ssh-keygen -Z offers except 3des-cbc', () => {
    expect(CIPHERS.sort()).toStrictEqual(
      [
        'aes128-cbc',
        'aes128-ctr',
        'aes128-gcm@openssh.com',
        'aes192-cbc',
        'aes192-ctr',
        'aes256-cbc',
        'aes256-ctr',
        'aes256-gcm@openssh.com',
        'chacha20-poly1305@openssh.com',
      ].sort(),
    );
  });

  it('the unencrypted export matches the .pub file', () => {
    expect(bytesToHex(plainKey.publicKey)).toBe(encryptedKeys.publicKeyHex);
    expect(plainKey.publicKey).toStrictEqual(parseOpenSshPublicKey(encryptedKeys.publicKeyLine).publicKey);
    expect(plainKey.comment).toBe(encryptedKeys.comment);
  });

  it.each(CIPHERS)('decrypts the %s key to the same key as the unencrypted export', (cipher) => {
    const key = parseOpenSshPrivateKey(encryptedPem(cipher), { passphrase });
    expect(key).toStrictEqual(plainKey);
    expect(bytesToHex(key.publicKey)).toBe(encryptedKeys.publicKeyHex);
  });

  it.each(CIPHER_KINDS)('rejects a wrong passphrase for the %s key as bad-passphrase', (cipher) => {
    const message = keyErrorMessage(
      () => parseOpenSshPrivateKey(encryptedPem(cipher), { passphrase: 'correct horse!' }),
      'bad-passphrase',
    );
    expect(message).toBe(
      `Incorrect passphrase: it does not decrypt this OpenSSH private key (cipher ${cipher}).`,
    );
  });

  it.each([
    ['no options', undefined],
    ['no passphrase', {}],
    ['an empty passphrase', { passphrase: '' }],
    ['an empty byte passphrase', { passphrase: new Uint8Array(0) }],
  ])('asks for a passphrase when given %s', (_, options) => {
    for (const cipher of CIPHERS) {
      const message = keyErrorMessage(
        () => parseOpenSshPrivateKey(encryptedPem(cipher), options),
        'encrypted',
      );
      expect(message).toContain(
        `passphrase-protected (cipher ${cipher}, kdf bcrypt): a passphrase is needed`,
      );
    }
  });

  it('reads an encrypted RSA key as not-ed25519, with or without its passphrase', () => {
    for (const options of [undefined, { passphrase: encryptedKeys.rsa.passphrase }]) {
      expect(
        keyErrorMessage(() => parseOpenSshPrivateKey(encryptedKeys.rsa.pem, options), 'not-ed25519'),
      ).toBe('Provided key is not an Ed25519 private key [ssh-rsa]');
    }
  });

  it('accepts and ignores a passphrase given for an unencrypted key', () => {
    expect(parseOpenSshPrivateKey(encryptedKeys.unencrypted, { passphrase })).toStrictEqual(plainKey);
    expect(parseOpenSshPrivateKey(SSH_KEYGEN_KEY, { passphrase: 'anything' })).toStrictEqual(
      parseOpenSshPrivateKey(SSH_KEYGEN_KEY),
    );
  });

  it('names an unsupported cipher (3des-cbc) rather than asking for a passphrase', () => {
    for (const options of [undefined, { passphrase }]) {
      const message = keyErrorMessage(
        () => parseOpenSshPrivateKey(encryptedKeys.unsupportedCipher.pem, options),
        'unsupported-format',
      );
      expect(message).toContain('encrypted with cipher "3des-cbc", which is not supported');
      expect(message).toContain('aes256-ctr');
    }
  });

  it('reads a non-ASCII passphrase as UTF-8, given as a string or as bytes', () => {
    const { pem, publicKeyHex, publicKeyLine } = encryptedKeys.utf8;
    const key = parseOpenSshPrivateKey(pem, { passphrase: encryptedKeys.utf8.passphrase });
    expect(bytesToHex(key.publicKey)).toBe(publicKeyHex);
    expect(key.comment).toBe(publicKeyLine.split(' ')[2]);
    expect(
      parseOpenSshPrivateKey(pem, { passphrase: utf8ToBytes(encryptedKeys.utf8.passphrase) }),
    ).toStrictEqual(key);
  });

  it('decrypts the older ssh-keygen fixture', () => {
    const key = parseOpenSshPrivateKey(ENCRYPTED_KEY, { passphrase: ENCRYPTED_KEY_PASSPHRASE });
    expect(bytesToHex(ed25519.getPublicKey(key.seed))).toBe(bytesToHex(key.publicKey));
  });
});

describe('formatOpenSshPrivateKey with a passphrase', () => {
  const { passphrase } = encryptedKeys;
  const plainKey = parseOpenSshPrivateKey(encryptedKeys.unencrypted);
  const CIPHERS = Object.keys(encryptedKeys.encrypted) as OpenSshKeyCipher[];

  it.each(CIPHERS)('reproduces the ssh-keygen %s file byte for byte', (cipher) => {
    const { checkInt, saltHex, rounds, pem } = encryptedKeys.encrypted[cipher];
    expect(
      formatOpenSshPrivateKey({
        seed: plainKey.seed,
        comment: plainKey.comment,
        checkInt,
        passphrase,
        cipher,
        rounds,
        salt: hexToBytes(saltHex),
      }),
    ).toBe(pem);
  });

  it.each(CIPHERS)('round-trips a %s key and rejects a wrong passphrase for it', (cipher) => {
    const pem = formatOpenSshPrivateKey({ seed, comment: 'round trip', passphrase: 'pw', cipher, rounds: 1 });
    expect(parseOpenSshPrivateKey(pem, { passphrase: 'pw' })).toStrictEqual({
      seed,
      publicKey: ed25519.getPublicKey(seed),
      comment: 'round trip',
    });
    keyErrorMessage(() => parseOpenSshPrivateKey(pem, { passphrase: 'wp' }), 'bad-passphrase');
    keyErrorMessage(() => parseOpenSshPrivateKey(pem), 'encrypted');
  });

  it('encrypts with aes256-ctr, 16 rounds and a fresh 16-byte salt by default', () => {
    const first = formatOpenSshPrivateKey({ seed, passphrase: 'pw', checkInt: 1 });
    const second = formatOpenSshPrivateKey({ seed, passphrase: 'pw', checkInt: 1 });
    expect(first).not.toBe(second);
    const binary = base64Decode(first.split('\n').slice(1, -2).join(''))!;
    // magic, "aes256-ctr", "bcrypt", kdf options (string salt of 16 bytes, uint32 rounds)
    const header = 15 + 14 + 10;
    expect(bytesToHex(binary.subarray(15, header))).toBe(
      bytesToHex(utf8ToBytes('\0\0\0\naes256-ctr\0\0\0\x06bcrypt')),
    );
    expect(bytesToHex(binary.subarray(header, header + 8))).toBe('0000001800000010');
    expect(bytesToHex(binary.subarray(header + 24, header + 28))).toBe('00000010');
  });

  it('writes the key in clear for an empty passphrase', () => {
    expect(formatOpenSshPrivateKey({ seed, comment: 'test', checkInt: 0x01020304, passphrase: '' })).toBe(
      formatted,
    );
  });

  it('rejects bad rounds and an empty salt', () => {
    expect(() => formatOpenSshPrivateKey({ seed, passphrase: 'pw', rounds: 0 })).toThrow(RangeError);
    expect(() => formatOpenSshPrivateKey({ seed, passphrase: 'pw', rounds: 1.5 })).toThrow(RangeError);
    expect(() => formatOpenSshPrivateKey({ seed, passphrase: 'pw', salt: new Uint8Array(0) })).toThrow(
      RangeError,
    );
  });

  describe('malformed encrypted keys', () => {
    const gcmKey = formatOpenSshPrivateKey({
      seed,
      passphrase: 'pw',
      cipher: 'aes256-gcm@openssh.com',
      rounds: 1,
      salt: new Uint8Array(16).fill(7),
    });
    const ctrKey = formatOpenSshPrivateKey({
      seed,
      passphrase: 'pw',
      rounds: 1,
      salt: new Uint8Array(16).fill(7),
    });
    const replaceText = (pem: string, from: string, to: string): string =>
      withEditedBinary(pem, (b) => {
        const hex = bytesToHex(b);
        const fromHex = bytesToHex(utf8ToBytes(from));
        expect(hex).toContain(fromHex);
        return hexToBytes(hex.replace(fromHex, bytesToHex(utf8ToBytes(to))));
      });

    it('parses the re-encoded keys without edits (control)', () => {
      for (const pem of [gcmKey, ctrKey]) {
        expect(
          parseOpenSshPrivateKey(
            withEditedBinary(pem, (b) => b),
            { passphrase: 'pw' },
          ).seed,
        ).toStrictEqual(seed);
      }
    });

    it.each([
      ['a missing GCM tag', withEditedBinary(gcmKey, (b) => b.subarray(0, -16))],
      ['a tag after a CTR section', withEditedBinary(ctrKey, (b) => Uint8Array.from([...b, 0, 0, 0, 0]))],
      [
        'kdf "none" with a cipher',
        replaceText(ctrKey, '\0\0\0\x06bcrypt\0\0\0\x18', '\0\0\0\x04none\0\0\0\x1a\0\0'),
      ],
    ])('rejects %s as malformed', (_, pem) => {
      expect(keyErrorMessage(() => parseOpenSshPrivateKey(pem, { passphrase: 'pw' }), 'malformed')).toMatch(
        /^Malformed OpenSSH key: /,
      );
    });

    it('rejects an unknown kdf as unsupported-format', () => {
      const pem = replaceText(ctrKey, 'bcrypt', 'scrypt');
      expect(
        keyErrorMessage(() => parseOpenSshPrivateKey(pem, { passphrase: 'pw' }), 'unsupported-format'),
      ).toContain('kdf "scrypt"');
    });

    it('reports a tampered GCM tag as a wrong passphrase, as OpenSSH does', () => {
      const pem = withEditedBinary(gcmKey, (b) => b.map((byte, i) => (i === b.length - 1 ? byte ^ 1 : byte)));
      keyErrorMessage(() => parseOpenSshPrivateKey(pem, { passphrase: 'pw' }), 'bad-passphrase');
    });
  });
});
