import { createCipheriv, createDecipheriv, createHmac, type KeyObject, randomFillSync } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Layout of a sealed blob: format byte, 96-bit random nonce, ciphertext, 128-bit GCM tag. The
 * format byte is authenticated too (it is part of the associated data), so it cannot be switched.
 * - 1: the plaintext as UTF-8.
 * - 2: the plaintext deflated first. Only for large records (over 4 KiB), where it pays for itself:
 *   it keeps several 16 KiB tokens within Secrets Manager's 64 KiB once base64-encoded. One record
 *   is one user's own tokens, so no one else's chosen data is ever compressed with them.
 */
export const FORMAT_VERSION = 1;
const FORMAT_DEFLATED = 2;
const COMPRESS_FROM_BYTES = 4096;
/** Bound on an inflated plaintext: four fields of 65,536 UTF-16 units, as JSON-escaped UTF-8, fit. */
const MAX_PLAINTEXT_BYTES = 4 * 65_536 * 6 + 64;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

// Nonces come from a pool refilled in one call: a 12-byte randomBytes per write costs more than the cipher.
const POOL_NONCES = 256;
const pool = Buffer.alloc(NONCE_BYTES * POOL_NONCES);
let poolNext = POOL_NONCES;

function nextNonce(): Buffer {
  if (poolNext === POOL_NONCES) {
    randomFillSync(pool);
    poolNext = 0;
  }
  const start = poolNext++ * NONCE_BYTES;
  // A copy: the pool is overwritten on the next refill.
  return Buffer.from(pool.subarray(start, start + NONCE_BYTES));
}

/** AES-256-GCM of `plaintext` under `key`, authenticated together with `aad`. */
export function seal(key: KeyObject, aad: Buffer, plaintext: string): Buffer {
  let data: Buffer | string = plaintext;
  let format = FORMAT_VERSION;
  if (plaintext.length > COMPRESS_FROM_BYTES / 3 && Buffer.byteLength(plaintext, 'utf8') > COMPRESS_FROM_BYTES) {
    const deflated = deflateRawSync(plaintext);
    if (deflated.length < Buffer.byteLength(plaintext, 'utf8')) {
      data = deflated;
      format = FORMAT_DEFLATED;
    }
  }
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([Buffer.of(format), aad]));
  const body = typeof data === 'string' ? cipher.update(data, 'utf8') : cipher.update(data);
  const tail = cipher.final();
  return Buffer.concat([Buffer.of(format), nonce, body, tail, cipher.getAuthTag()]);
}

/** The plaintext, or `undefined` when the blob is malformed or fails authentication (tampered, wrong key or context). */
export function open(key: KeyObject, aad: Buffer, blob: Buffer): string | undefined {
  const format = blob[0];
  if (blob.length < 1 + NONCE_BYTES + TAG_BYTES || (format !== FORMAT_VERSION && format !== FORMAT_DEFLATED)) return undefined;
  const nonce = blob.subarray(1, 1 + NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([Buffer.of(format), aad]));
    decipher.setAuthTag(tag);
    const body = blob.subarray(1 + NONCE_BYTES, blob.length - TAG_BYTES);
    if (format === FORMAT_VERSION) return decipher.update(body, undefined, 'utf8') + decipher.final('utf8');
    // Only authenticated data is inflated (final() throws first otherwise), and to a bounded size.
    const deflated = Buffer.concat([decipher.update(body), decipher.final()]);
    return inflateRawSync(deflated, { maxOutputLength: MAX_PLAINTEXT_BYTES }).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * HMAC-SHA-256 of a lookup value, domain-separated by field: the same value as access and as
 * refresh token gives unrelated digests, and without the index key nobody can test a guess.
 */
export function keyedDigest(indexKey: KeyObject, field: string, value: string): string {
  return createHmac('sha256', indexKey).update(`@tokens/index:${field}:`).update(value, 'utf8').digest('base64url');
}
