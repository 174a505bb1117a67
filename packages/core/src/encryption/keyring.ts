import { createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** One data key: `key` is 32 bytes, as bytes or base64 (standard or url-safe). */
export interface EncryptionKey {
  /** Stored in every record it encrypts, so a reader knows which key to use: 1–32 of `A-Z a-z 0-9 _ . -`. */
  id: string;
  key: Uint8Array | string;
}

/** The keys an encrypted store needs. */
export interface EncryptionKeys {
  /** Data keys, current first: new writes use `keys[0]`, reads accept every listed key. */
  keys: readonly EncryptionKey[];
  /**
   * 32 bytes for the keyed digests (HMAC-SHA-256) that stand in for token values in the
   * indexed fields. It must never change for the life of the data, and must differ from the data keys.
   */
  indexKey: Uint8Array | string;
}

/**
 * Keys as `KeyObject`s: their bytes live outside the JS heap's plain objects, and
 * `util.inspect` of a key prints its type and size, never its material.
 */
export interface Keyring {
  readonly current: { readonly id: string; readonly key: KeyObject };
  readonly byId: ReadonlyMap<string, KeyObject>;
  readonly indexKey: KeyObject;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
const KEY_BYTES = 32;

/** Checks and converts caller keys; the error says what is wrong without ever quoting a key. */
export function buildKeyring(input: EncryptionKeys): Keyring | string {
  if (!input || typeof input !== 'object') return 'encryption needs { keys, indexKey } or a keyProvider';
  if (!Array.isArray(input.keys) || input.keys.length === 0) return 'encryption.keys must be a non-empty array of { id, key }';
  const byId = new Map<string, KeyObject>();
  const raw: Buffer[] = [];
  for (const [index, entry] of input.keys.entries()) {
    const id = (entry as Partial<EncryptionKey> | null)?.id;
    if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
      return `encryption.keys[${index}].id must be 1-32 characters of A-Z a-z 0-9 _ . -`;
    }
    if (byId.has(id)) return `encryption key id "${id}" is listed twice`;
    const bytes = keyBytes(entry.key);
    if (!bytes) return `encryption key "${id}" must be ${KEY_BYTES} bytes (a Uint8Array, or base64 of 32 bytes)`;
    raw.push(bytes);
    byId.set(id, createSecretKey(bytes));
  }
  const index = keyBytes(input.indexKey);
  if (!index) return `encryption.indexKey must be ${KEY_BYTES} bytes (a Uint8Array, or base64 of 32 bytes)`;
  // One key for two jobs would tie the digests' secrecy to a key that is meant to be dropped.
  if (raw.some((bytes) => timingSafeEqual(bytes, index))) return 'encryption.indexKey must differ from every data key';
  const [first] = input.keys as readonly EncryptionKey[];
  const currentId = (first as EncryptionKey).id;
  const ring: Keyring = {
    current: { id: currentId, key: byId.get(currentId) as KeyObject },
    byId,
    indexKey: createSecretKey(index),
  };
  for (const bytes of [...raw, index]) bytes.fill(0);
  return ring;
}

function keyBytes(key: unknown): Buffer | undefined {
  let bytes: Buffer | undefined;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(key.trim())) {
    bytes = Buffer.from(key.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  return bytes?.length === KEY_BYTES ? bytes : undefined;
}
