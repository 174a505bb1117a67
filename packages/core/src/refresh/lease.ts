import { randomUUID } from 'node:crypto';
import { isTokenStoreError } from '../errors.js';
import type { TokenStore } from '../store.js';
import type { StoredToken } from '../token.js';
import { INSERT_NEW, type InsertNew, leaseSignature } from './lease-record.js';

/** A lease this process holds: the lease record's id and version as this process wrote them. */
export interface Lease {
  readonly recordId: string;
  readonly version: number;
  readonly nonce: string;
  /** Lease expiry, ms since the epoch: work under the lease must be over by then. */
  readonly expiresAt: number;
}

/** Why a lease was not taken: someone holds it until `expiresAt` (or it is being created). */
export interface LeaseBusy {
  readonly expiresAt: number;
}

/**
 * The lease protocol:
 * - acquire: no lease record → insert one. Stores built by `createTokenStore` have a true insert
 *   (`INSERT_NEW`: the unique user key refuses a second one). On any other store it is a
 *   `saveToken`, and only an insert yields version 1: a save that lost the insert race merges into
 *   the winner's record and comes back at version ≥ 2, so the loser knows it does not hold the
 *   lease. The winner keeps working and deletes the record at release all the same.
 * - take over: the record's lease has expired → a compare-and-set save on its version.
 * - release: delete while our lease is still far from expiry (nobody may take it over between
 *   our read and our delete); later, mark it expired by compare-and-set if it is still ours.
 */
export async function tryAcquireLease(store: TokenStore, tokenId: string, leaseMs: number): Promise<Lease | LeaseBusy> {
  const userSignature = leaseSignature(tokenId);
  const existing = await store.findToken({ userSignature });
  const nonce = randomUUID();
  const expiresAt = Date.now() + leaseMs;
  if (!existing) {
    const lease = { userSignature, accessToken: nonce, expiryTime: expiresAt };
    if (hasInsertNew(store)) {
      const inserted = await store[INSERT_NEW](lease);
      return inserted ? { recordId: inserted.id, version: inserted.version, nonce, expiresAt } : { expiresAt };
    }
    try {
      const saved = await store.saveToken(lease);
      if (saved.version === 1 && saved.accessToken === nonce) return { recordId: saved.id, version: 1, nonce, expiresAt };
      return { expiresAt };
    } catch (error) {
      // Two first saves of the lease collided and the store gave up: someone else is taking it.
      // Poll again soon (the record may be still half-written on stores that claim keys first).
      if (isTokenStoreError(error, 'CONFLICT')) return { expiresAt: Date.now() };
      throw error;
    }
  }
  if (existing.expiryTime !== null && existing.expiryTime > Date.now()) return { expiresAt: existing.expiryTime };
  try {
    const saved = await store.saveToken({ id: existing.id, version: existing.version, accessToken: nonce, expiryTime: expiresAt });
    return { recordId: saved.id, version: saved.version, nonce, expiresAt };
  } catch (error) {
    if (isTokenStoreError(error, 'CONFLICT')) return { expiresAt: Date.now() };
    throw error;
  }
}

export function isHeld(lease: Lease | LeaseBusy): lease is Lease {
  return 'nonce' in lease;
}

/**
 * Best effort: a release that fails leaves a lease that expires on its own after `leaseMs`.
 * Before our lease expires nobody can take the record over, so any change to it (a save that
 * lost the insert race and merged its nonce into it) is no one else's lease: delete it. Later,
 * someone may have taken it over: only a record still at our version and nonce is marked expired.
 * Read by id, so a record re-created under the same user key is never touched.
 */
export async function releaseLease(store: TokenStore, lease: Lease, marginMs: number): Promise<void> {
  try {
    const current: StoredToken | null = await store.findTokenById(lease.recordId);
    if (!current) return;
    if (lease.expiresAt - Date.now() > marginMs) {
      await store.deleteToken(lease.recordId);
      return;
    }
    if (current.version !== lease.version || current.accessToken !== lease.nonce) return;
    await store.saveToken({ id: lease.recordId, version: lease.version, expiryTime: 0 });
  } catch {
    // Nothing to do: the lease expires by itself, and the caller already has its token.
  }
}

function hasInsertNew(store: TokenStore): store is TokenStore & InsertNew {
  return typeof (store as Partial<InsertNew>)[INSERT_NEW] === 'function';
}
