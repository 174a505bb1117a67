import { SEALED_PREFIX } from '../save-plan.js';
import type { StoredToken } from '../token.js';
import type { DecryptCache } from './cache.js';
import { keyedDigest, open, seal } from './cipher.js';
import type { Keyring } from './keyring.js';

/**
 * Markers of encrypted records. OAuth tokens and client secrets are printable ASCII (RFC 6749,
 * VSCHAR), so a value starting with `§` is never a real one: a reader can tell an encrypted record
 * from a plain one by looking, and a stand-in is never mistaken for a token.
 */
export const ENVELOPE_PREFIX = SEALED_PREFIX;
export const DIGEST_PREFIX = '§tokens-hmac:';

/** The indexed token fields: in an encrypted record they hold keyed digests. */
export const DIGEST_FIELDS = ['grantToken', 'refreshToken', 'accessToken'] as const;
export type DigestField = (typeof DIGEST_FIELDS)[number];

/** What the envelope holds, in this order. */
const SEALED_FIELDS = ['clientSecret', 'grantToken', 'refreshToken', 'accessToken'] as const;

/** Why a record cannot be decoded; the codes of the errors the store raises. */
export class DecodeProblem {
  constructor(
    readonly code: 'CORRUPT' | 'KEY_UNAVAILABLE',
    readonly reason: string,
  ) {}
}

/** The stand-in of a token value in an indexed field: `null` and `""` (absent) stay as they are. */
export function digestOf(ring: Keyring, field: DigestField, value: string | null): string | null {
  return value ? DIGEST_PREFIX + keyedDigest(ring.indexKey, field, value) : value;
}

export function isEncryptedRecord(record: StoredToken): boolean {
  return record.clientSecret?.startsWith(ENVELOPE_PREFIX) === true;
}

/** The id of the key a record is encrypted with, read without decrypting; `null` for a plain record. */
export function keyIdOf(record: StoredToken): string | null {
  const envelope = record.clientSecret;
  if (!envelope?.startsWith(ENVELOPE_PREFIX)) return null;
  const end = envelope.indexOf(':', ENVELOPE_PREFIX.length);
  return end < 0 ? '' : envelope.slice(ENVELOPE_PREFIX.length, end);
}

/**
 * What the AES-GCM tag also authenticates: the store (namespace), the record (id), the key id,
 * every readable field and the digests. A ciphertext copied to another record or namespace, or a
 * record whose user, client, domain, expiry or digests were edited in the database, fails to open.
 */
function associatedData(namespace: string, keyId: string, record: StoredToken): Buffer {
  return Buffer.from(
    JSON.stringify([
      '@tokens/encrypted-record',
      1,
      namespace,
      record.id,
      keyId,
      record.userSignature,
      record.clientId,
      record.redirectUrl,
      record.expiryTime,
      record.apiDomain,
      record.grantToken,
      record.refreshToken,
      record.accessToken,
    ]),
    'utf8',
  );
}

/**
 * The record as the backend stores it: secrets sealed into `clientSecret`, token fields replaced
 * by their digests. `digests` may carry digests already computed (unchanged values of an update).
 */
export function encodeRecord(
  ring: Keyring,
  namespace: string,
  record: StoredToken,
  digests?: Partial<Record<DigestField, string | null>>,
  cache?: DecryptCache,
): StoredToken {
  const stored: StoredToken = {
    id: record.id,
    version: record.version,
    userSignature: record.userSignature,
    clientId: record.clientId,
    clientSecret: null,
    redirectUrl: record.redirectUrl,
    grantToken: digests?.grantToken !== undefined ? digests.grantToken : digestOf(ring, 'grantToken', record.grantToken),
    refreshToken: digests?.refreshToken !== undefined ? digests.refreshToken : digestOf(ring, 'refreshToken', record.refreshToken),
    accessToken: digests?.accessToken !== undefined ? digests.accessToken : digestOf(ring, 'accessToken', record.accessToken),
    expiryTime: record.expiryTime,
    apiDomain: record.apiDomain,
  };
  const { id: keyId, key } = ring.current;
  const sealed = SEALED_FIELDS.map((field) => record[field]) as unknown as Sealed;
  const blob = seal(key, associatedData(namespace, keyId, stored), JSON.stringify(sealed));
  stored.clientSecret = `${ENVELOPE_PREFIX}${keyId}:${blob.toString('base64url')}`;
  // What we just wrote is what we will read next (a save is usually followed by finds).
  cache?.set(stored, sealed);
  return stored;
}

/** The caller's record back from a stored one, or why it cannot be read. Never a partial record. */
export function decodeRecord(ring: Keyring, namespace: string, stored: StoredToken, cache?: DecryptCache): StoredToken | DecodeProblem {
  const hit = cache?.get(stored);
  if (hit) return recordOf(stored, hit);
  const envelope = stored.clientSecret as string;
  const keyEnd = envelope.indexOf(':', ENVELOPE_PREFIX.length);
  if (keyEnd < 0) return new DecodeProblem('CORRUPT', `token ${describeId(stored.id)} has a malformed encryption envelope`);
  const keyId = envelope.slice(ENVELOPE_PREFIX.length, keyEnd);
  const key = ring.byId.get(keyId);
  if (!key) {
    return new DecodeProblem(
      'KEY_UNAVAILABLE',
      `token ${describeId(stored.id)} is encrypted with key "${safeKeyId(keyId)}", which is not among this store's keys`,
    );
  }
  const plaintext = open(key, associatedData(namespace, keyId, stored), Buffer.from(envelope.slice(keyEnd + 1), 'base64url'));
  const values = plaintext === undefined ? undefined : parseSealed(plaintext);
  if (!values) {
    return new DecodeProblem(
      'CORRUPT',
      `token ${describeId(stored.id)} fails authentication: its ciphertext or readable fields were altered, or it was copied from another record or namespace`,
    );
  }
  const [, grantToken, refreshToken, accessToken] = values;
  // The digests are authenticated with the ciphertext; this only catches a writer that broke the "absent" rule.
  if (
    !sameAbsence(stored.grantToken, grantToken) ||
    !sameAbsence(stored.refreshToken, refreshToken) ||
    !sameAbsence(stored.accessToken, accessToken)
  ) {
    return new DecodeProblem('CORRUPT', `token ${describeId(stored.id)} has digests that do not match its sealed values`);
  }
  cache?.set(stored, values);
  return recordOf(stored, values);
}

function recordOf(stored: StoredToken, [clientSecret, grantToken, refreshToken, accessToken]: Sealed): StoredToken {
  return {
    id: stored.id,
    version: stored.version,
    userSignature: stored.userSignature,
    clientId: stored.clientId,
    clientSecret,
    redirectUrl: stored.redirectUrl,
    grantToken,
    refreshToken,
    accessToken,
    expiryTime: stored.expiryTime,
    apiDomain: stored.apiDomain,
  };
}

type Sealed = readonly [string | null, string | null, string | null, string | null];

function parseSealed(plaintext: string): Sealed | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== SEALED_FIELDS.length) return undefined;
  return parsed.every((value) => value === null || typeof value === 'string') ? (parsed as unknown as Sealed) : undefined;
}

function sameAbsence(digest: string | null, value: string | null): boolean {
  return digest === null || digest === '' ? digest === value : typeof value === 'string' && value !== '';
}

/** Ids are not secret, but one read back from a damaged record could be anything: show a short, safe form. */
export function describeId(id: unknown): string {
  return typeof id === 'string' && /^[\w.@:-]{1,64}$/.test(id) ? `"${id}"` : '(id not printable)';
}

function safeKeyId(keyId: string): string {
  return /^[A-Za-z0-9_.-]{1,32}$/.test(keyId) ? keyId : '(unprintable)';
}
