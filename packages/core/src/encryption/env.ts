import type { EncryptionKey, EncryptionKeys } from './keyring.js';

export interface LoadKeysOptions {
  /** Variable holding the index key, base64 of 32 bytes (default `TOKENS_INDEX_KEY`). */
  indexKeyVariable?: string;
  /** Where to read (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * Keys from the environment:
 * `TOKENS_ENCRYPTION_KEYS="k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"` (current key first;
 * entries separated by commas, whitespace ignored) and `TOKENS_INDEX_KEY="<base64 of 32 bytes>"`.
 * Generate a key with `openssl rand -base64 32`. Errors name the variable and entry, never a value.
 */
export function loadKeysFromEnv(variable = 'TOKENS_ENCRYPTION_KEYS', options: LoadKeysOptions = {}): EncryptionKeys {
  const env = options.env ?? process.env;
  const indexVariable = options.indexKeyVariable ?? 'TOKENS_INDEX_KEY';
  const list = env[variable]?.trim();
  if (!list) throw new TypeError(`${variable} is not set (expected "keyId:base64key,..." with the current key first)`);
  const keys: EncryptionKey[] = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new TypeError(`${variable}: entry ${index + 1} must be "keyId:base64key"`);
      return { id: entry.slice(0, colon).trim(), key: entry.slice(colon + 1).trim() };
    });
  const indexKey = env[indexVariable]?.trim();
  if (!indexKey) throw new TypeError(`${indexVariable} is not set (expected the base64 of 32 bytes; never change it once data is written)`);
  return { keys, indexKey };
}
