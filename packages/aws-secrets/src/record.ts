import { randomUUID } from 'node:crypto';
import { BackendFailure, type LookupKind, STRING_FIELDS, type StoredToken } from '@tokens/core';

/** Secrets Manager's limit on a secret value, in bytes. */
export const MAX_SECRET_BYTES = 65_536;

/** The claim nonce of each index secret the record holds (see key-index.ts). */
export type ClaimNonces = Partial<Record<LookupKind, string>>;

export interface TokenSecret {
  record: StoredToken;
  claims: ClaimNonces;
  /** A fence (see `encodeFence`): no token, to readers as if the secret were not there. */
  fence?: true;
}

/**
 * A token secret: the record, `kc` (the claim nonce of each of its index secrets) and `w`, a
 * nonce per write. Two writers never send the same value, so a repeated version id always
 * means "someone else got there first", never an idempotent retry of another writer's request.
 */
export function encodeRecord(record: StoredToken, claims: ClaimNonces): string {
  const value = JSON.stringify({ ...record, kc: claims, w: randomUUID() });
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_BYTES) throw tooLarge(bytes);
  return value;
}

/**
 * What a save puts under the name of a token whose insert another save claimed keys for and
 * never completed (see key-index.ts): that insert can then never happen, so its claims are void.
 * Shaped like a record (0.1.x readers see an empty token, not a corrupt one).
 */
export function encodeFence(id: string): string {
  const record: Record<string, unknown> = { id, version: 1, expiryTime: null };
  for (const field of STRING_FIELDS) record[field] = null;
  return JSON.stringify({ ...record, kc: {}, w: randomUUID(), fence: true });
}

export function tooLarge(bytes: number): BackendFailure {
  return new BackendFailure(
    'INVALID_TOKEN',
    `the token takes ${bytes} bytes as a secret value; AWS Secrets Manager holds at most ${MAX_SECRET_BYTES} bytes per secret`,
  );
}

export function decodeRecord(value: string | undefined): TokenSecret {
  let parsed: unknown;
  try {
    parsed = value === undefined ? undefined : JSON.parse(value);
  } catch {
    throw corrupt('a token secret does not hold JSON');
  }
  if (!parsed || typeof parsed !== 'object') throw corrupt('a token secret does not hold a token');
  const source = parsed as Record<string, unknown>;
  if (typeof source.id !== 'string') throw corrupt('a token secret has no id');
  if (!Number.isSafeInteger(source.version) || (source.version as number) < 1) throw corrupt('a token secret has no valid version');
  const record = { id: source.id, version: source.version } as StoredToken;
  for (const field of STRING_FIELDS) {
    const fieldValue = source[field] ?? null;
    if (fieldValue !== null && typeof fieldValue !== 'string') throw corrupt(`a token secret has a non-string ${field}`);
    record[field] = fieldValue as string | null;
  }
  const expiry = source.expiryTime ?? null;
  if (expiry !== null && !Number.isSafeInteger(expiry)) throw corrupt('a token secret has a non-integer expiryTime');
  record.expiryTime = expiry as number | null;
  const claims = source.kc && typeof source.kc === 'object' ? (source.kc as ClaimNonces) : {};
  return source.fence === true ? { record, claims, fence: true } : { record, claims };
}

function corrupt(reason: string): BackendFailure {
  return new BackendFailure('CORRUPT', reason);
}
