/**
 * One public operation's bound. Backends time out each round trip, but an operation makes
 * several (a save reads by id, by key, then writes, and retries on races): only a bound on the
 * whole operation keeps `operationTimeoutMs` a promise the caller can plan with.
 */
export class OperationScope {
  /** `performance.now()` past which the operation fails; undefined: no bound of its own. */
  readonly #end: number | undefined;
  /** Set once a write was sent: past the deadline, its outcome is unknown. */
  wrote = false;

  constructor(
    readonly timeoutMs: number | undefined,
    /** The values the operation handles, so a driver message quoting one is never kept. */
    readonly secrets: () => readonly string[],
  ) {
    this.#end = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
  }

  get expired(): boolean {
    return this.#end !== undefined && performance.now() >= this.#end;
  }

  /**
   * Settles with `pending`, or rejects with `timedOut()` when the deadline comes first. The
   * backend call is not cancelled (the primitive takes no signal): its own round-trip timeout
   * ends it, and its late outcome is ignored.
   */
  race<T>(pending: Promise<T>, timedOut: () => unknown): Promise<T> {
    const end = this.#end;
    if (end === undefined) return pending;
    return new Promise<T>((resolve, reject) => {
      const entry: Deadline = { end, fire: () => reject(timedOut()) };
      deadlines.add(entry);
      // Settling after the deadline fired changes nothing: the promise has already rejected.
      pending.then(
        (value) => {
          deadlines.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          deadlines.delete(entry);
          reject(error);
        },
      );
    });
  }
}

interface Deadline {
  readonly end: number;
  readonly fire: () => void;
}

/**
 * Every pending backend call's deadline, under one timer set for the earliest. A setTimeout,
 * clearTimeout and Promise.race per call cost more than a lookup in memory; here a call costs a
 * Set insertion and deletion, and the timer is re-armed about once per timeout period.
 */
class Deadlines {
  readonly #pending = new Set<Deadline>();
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  add(entry: Deadline): void {
    this.#pending.add(entry);
    if (entry.end < this.#armedFor) this.#arm(entry.end);
    else if (this.#pending.size === 1) this.#timer?.ref();
  }

  delete(entry: Deadline): void {
    this.#pending.delete(entry);
    // Nothing left to bound: an idle process may exit; the timer finds nothing when it fires.
    if (this.#pending.size === 0) this.#timer?.unref();
  }

  #arm(end: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = end;
    this.#timer = setTimeout(this.#expire, Math.max(0, Math.ceil(end - performance.now())));
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending) {
      if (entry.end <= now) {
        this.#pending.delete(entry);
        entry.fire();
      } else if (entry.end < next) {
        next = entry.end;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  };
}

const deadlines = new Deadlines();

/** `operationTimeoutMs` as given to `createTokenStore`: a positive integer, or no bound. */
export function checkOperationTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError('createTokenStore: operationTimeoutMs must be a positive integer (ms)');
  }
  return value;
}
