import type { EncryptionKeys } from './keyring.js';

/** `createTokenStore(backend, { encryption })`, and every backend's `encryption` option. */
export interface EncryptionOptions extends Partial<EncryptionKeys> {
  /**
   * Instead of `keys` and `indexKey`: called once, at the store's first operation (a KMS unwrapping
   * data keys, a secrets service). Operations wait for it; if it fails they fail with
   * `KEY_UNAVAILABLE` and the next operation calls it again.
   */
  keyProvider?: () => EncryptionKeys | Promise<EncryptionKeys>;
  /**
   * Migration mode: plain records (written before encryption was turned on) are read as they are,
   * found by their plain token values, and encrypted when next written or by `reencryptTokens`.
   * Off (default): a plain record is `CORRUPT`, so nobody can slip unencrypted tokens in.
   */
  allowPlaintext?: boolean;
  /**
   * Decrypted records kept in memory (least recently used first out, default 1,000; 0: none):
   * reading a record whose stored bytes did not change skips the cipher. Entries are only used
   * when every authenticated part of the stored record is identical, so tampering is still caught.
   */
  cacheSize?: number;
}
