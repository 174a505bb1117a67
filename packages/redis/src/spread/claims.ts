import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendFailure, hashKey, type LookupKind, type StoredToken, uniqueKeysOf } from '@tokens/core';
import type { SpreadKeySpace } from './keys.js';
import type { SpreadScript } from './scripts.js';

/**
 * A claim on one unique value, held by its index key: token `ref` is to hold the value from
 * version `version` on (the version its writer writes), under `nonce`; the server times at which
 * it was made and until which its write may land (`until`, checked by the write script itself).
 */
export interface Claim {
  readonly ref: string;
  readonly version: number;
  readonly nonce: string;
  readonly at: number;
  readonly until: number;
  /** The stored string, for compare-and-set. */
  readonly text: string;
}

export type ClaimResult = { claimed: true; claim: Claim } | { claimed: false; why: 'taken' | 'stale' };

/** What the claim protocol needs of the backend: its round trips. */
export interface ClaimIo {
  /** A write script (with `WAIT` when durability is on); `wrote` says whether a result changed anything. */
  write(script: SpreadScript, keysAndArgs: [number, ...(string | number)[]], wrote: (result: unknown) => boolean): Promise<unknown>;
  /** A read-only script. */
  read(script: SpreadScript, keysAndArgs: [number, ...(string | number)[]]): Promise<unknown>;
  /** The token with that ref, or null (none, or only vetoes). */
  token(ref: string): Promise<StoredToken | null>;
}

export interface ClaimOptions {
  /** How long a claim's write may land after the claim (server time); past it the write is refused. */
  ttlMs: number;
  /** How long a claim whose token is at the version before it counts as in flight before it is fenced. */
  pendingMs: number;
}

/** How long a veto outlives the claim it stops: covers a slot moving to a master whose clock is behind. */
export const VETO_MARGIN_MS = 5_000;
const POLL_MS = 15;
const MAX_STEPS = 400;

/**
 * The claim protocol of the spread layout (after aws-secrets' key-index.ts). A token and its
 * index keys are in different slots, so no script sees both: a save claims each new unique value
 * on its index key first (SET if absent, one script), then writes its token with a
 * compare-and-set on the version (one script on the token's slot) that also records the nonce of
 * each claim it holds (`c:<kind>`), then releases the values it dropped.
 *
 * A claim whose token does not hold the value is decided at once, never by a client clock:
 * - its token holds the value: taken;
 * - its token is at the version before the claim's (the write may be in flight): wait, up to
 *   `pendingMs` after the claim (server time), for the write to land;
 * - otherwise (written without it, gone, or its writer still silent after `pendingMs`): fence it
 *   (a veto on the token's slot: the write under that nonce is refused from then on, atomically
 *   against the write itself), then take the index key over by compare-and-set.
 * A fence costs no version and no data: a save either landed or can no longer land, and its
 * writer sees `stale` (and retries) or `duplicate`. Vetoes expire once the claim is past `until`
 * (the write script refuses it then anyway), so nothing is left behind.
 */
export class ClaimIndex {
  readonly #keys: SpreadKeySpace;
  readonly #io: ClaimIo;
  readonly #options: ClaimOptions;

  constructor(keys: SpreadKeySpace, io: ClaimIo, options: ClaimOptions) {
    this.#keys = keys;
    this.#io = io;
    this.#options = options;
  }

  /** Claims `kind=value` for token `ref` at `version` (the version the caller writes; its token is at `version - 1`). */
  async claim(kind: LookupKind, value: string, ref: string, version: number): Promise<ClaimResult> {
    const key = this.#keys.index(kind, value);
    const nonce = randomBytes(12).toString('base64url');
    let expected = '';
    for (let step = 1; step <= MAX_STEPS; step++) {
      const args: [number, ...string[]] = [1, key, ref, String(version), nonce, String(this.#options.ttlMs), expected];
      const [written, text, now] = (await this.#io.write('tokensSpreadClaim', args, claimWritten)) as [number, string, string];
      if (written === 1) return { claimed: true, claim: parseClaim(text) };
      expected = '';
      if (text === '') continue; // released meanwhile
      const current = parseClaim(text);
      const holder = await this.#io.token(current.ref);
      if (holder && uniqueKeysOf(holder)[kind] === value) return { claimed: false, why: current.ref === ref ? 'stale' : 'taken' };
      // Our own token moved on (or went) since the caller read it: the caller's save is stale.
      if (current.ref === ref && (holder?.version ?? 0) !== version - 1) return { claimed: false, why: 'stale' };
      const pending = (holder?.version ?? 0) === current.version - 1;
      if (pending && Number(now) - current.at < this.#options.pendingMs) {
        await sleep(POLL_MS);
        continue;
      }
      const fenced = await this.#fence(current, kind, value);
      // 0: the write landed meanwhile (seen as taken on the next step).
      if (fenced !== 0) expected = text;
    }
    return { claimed: false, why: 'taken' };
  }

  /** Deletes the claim on `kind`/`digest` if it is token `ref`'s under `nonce` ('' = any of `ref`). */
  async release(kind: LookupKind, digest: string, ref: string, nonce: string): Promise<void> {
    await this.#io.write('tokensSpreadRelease', [1, this.#keys.indexByDigest(kind, digest), ref, nonce], released);
  }

  /**
   * Gives up this writer's own claim after its token write failed with an unknown outcome: fenced
   * first (so a write still on its way cannot land), then released unless the write did land.
   */
  async abandon(kind: LookupKind, value: string, claim: Claim): Promise<void> {
    if ((await this.#fence(claim, kind, value)) !== 0) await this.release(kind, hashKey(value), claim.ref, claim.nonce);
  }

  /**
   * The token holding `kind=value`, in two round trips (the claim, then its token). While the
   * claim's write may still land (its token at the version before it, for less than `pendingMs`),
   * waits for it: a racing first save is found rather than missed.
   */
  async lookup(kind: LookupKind, value: string): Promise<StoredToken | null> {
    const key = this.#keys.index(kind, value);
    for (let step = 1; step <= MAX_STEPS; step++) {
      const [text, now] = (await this.#io.read('tokensSpreadPeek', [1, key])) as [string, string];
      if (text === '') return null;
      const current = parseClaim(text);
      const holder = await this.#io.token(current.ref);
      if (holder && uniqueKeysOf(holder)[kind] === value) return holder;
      const pending = (holder?.version ?? 0) === current.version - 1;
      if (!pending || Number(now) - current.at >= this.#options.pendingMs) return null;
      await sleep(POLL_MS);
    }
    return null;
  }

  /**
   * Deletes the claim on `kind`/`digest` unless a token holds that value (or its write lands
   * before the fence): the tidying of `deleteTokens`, for claims that no bucket lists (a writer
   * killed between its claim and its write, a release that failed). True if it was void and went.
   */
  async sweep(kind: LookupKind, digest: string): Promise<boolean> {
    const [text] = (await this.#io.read('tokensSpreadPeek', [1, this.#keys.indexByDigest(kind, digest)])) as [string, string];
    if (text === '') return false;
    const claim = parseClaim(text);
    const holder = await this.#io.token(claim.ref);
    const held = holder ? uniqueKeysOf(holder)[kind] : null;
    if (held !== null && hashKey(held) === digest) return false;
    if ((await this.#fenceDigest(claim, kind, digest)) === 0) return false;
    await this.release(kind, digest, claim.ref, claim.nonce);
    return true;
  }

  /** 0: the claim's write landed; 1 or 2: it can no longer land. */
  #fence(claim: Claim, kind: LookupKind, value: string): Promise<number> {
    return this.#fenceDigest(claim, kind, hashKey(value));
  }

  async #fenceDigest(claim: Claim, kind: LookupKind, digest: string): Promise<number> {
    const args: [number, ...string[]] = [
      1,
      this.#keys.tokenByRef(claim.ref),
      claim.nonce,
      kind,
      digest,
      String(claim.until),
      String(VETO_MARGIN_MS),
    ];
    return Number(await this.#io.write('tokensSpreadFence', args, (result) => result === 2));
  }
}

const claimWritten = (result: unknown) => Array.isArray(result) && result[0] === 1;
const released = (result: unknown) => result === 1;

const CLAIM_PATTERN = /^([A-Za-z0-9_-]{1,64}) (\d{1,16}) ([A-Za-z0-9_-]{1,64}) (\d{1,16}) (\d{1,16})$/;

export function parseClaim(text: string): Claim {
  const match = CLAIM_PATTERN.exec(text);
  if (!match) throw new BackendFailure('CORRUPT', 'an index key of this namespace does not hold a claim');
  const [, ref, version, nonce, at, until] = match as unknown as [string, string, string, string, string, string];
  return { ref, version: Number(version), nonce, at: Number(at), until: Number(until), text };
}
