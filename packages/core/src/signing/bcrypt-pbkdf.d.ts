// Types for bcrypt-pbkdf 1.0.2 (pure JS port of OpenBSD's bcrypt_pbkdf, CommonJS, ships no types):
// only the function openssh-key.ts uses.
declare module 'bcrypt-pbkdf' {
  interface BcryptPbkdf {
    /** Fills `key[0..keyLength)`; returns 0, or -1 for invalid arguments (empty password or salt, rounds < 1). */
    pbkdf(
      password: Uint8Array,
      passwordLength: number,
      salt: Uint8Array,
      saltLength: number,
      key: Uint8Array,
      keyLength: number,
      rounds: number,
    ): number;
  }
  const bcryptPbkdf: BcryptPbkdf;
  export default bcryptPbkdf;
}
