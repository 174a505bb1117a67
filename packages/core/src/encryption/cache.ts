import type { StoredToken } from '../token.js';

type Sealed = readonly [string | null, string | null, string | null, string | null];

interface Entry {
  stored: StoredToken;
  sealed: Sealed;
}

/** Envelopes longer than this are not cached (a few huge tokens must not pin megabytes). */
const MAX_CACHED_ENVELOPE = 16_384;

/**
 * Recently decrypted (or written) envelopes and what they hold, so reading an unchanged record
 * again skips the cipher. Sound because an entry is used only when the stored record is identical
 * in every authenticated part (envelope, id, readable fields, digests): the cipher would give the
 * same answer. It holds plaintext in process memory, which already holds the keys (a compromised
 * process is outside the threat model). Least recently used entries go first.
 */
export class DecryptCache {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  get(stored: StoredToken): Sealed | undefined {
    if (this.capacity === 0) return undefined;
    const envelope = stored.clientSecret as string;
    const entry = this.#entries.get(envelope);
    if (!entry || !sameAuthenticatedFields(entry.stored, stored)) return undefined;
    this.#entries.delete(envelope);
    this.#entries.set(envelope, entry);
    return entry.sealed;
  }

  set(stored: StoredToken, sealed: Sealed): void {
    const envelope = stored.clientSecret as string;
    if (this.capacity === 0 || envelope.length > MAX_CACHED_ENVELOPE) return;
    this.#entries.delete(envelope);
    this.#entries.set(envelope, { stored: { ...stored }, sealed });
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

function sameAuthenticatedFields(a: StoredToken, b: StoredToken): boolean {
  return (
    a.id === b.id &&
    a.userSignature === b.userSignature &&
    a.clientId === b.clientId &&
    a.redirectUrl === b.redirectUrl &&
    a.expiryTime === b.expiryTime &&
    a.apiDomain === b.apiDomain &&
    a.grantToken === b.grantToken &&
    a.refreshToken === b.refreshToken &&
    a.accessToken === b.accessToken
  );
}
