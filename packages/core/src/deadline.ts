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
    if (this.#end === undefined) return pending;
    const remaining = this.#end - performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), Math.max(0, remaining));
    });
    pending.catch(() => {});
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }
}

/** `operationTimeoutMs` as given to `createTokenStore`: a positive integer, or no bound. */
export function checkOperationTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError('createTokenStore: operationTimeoutMs must be a positive integer (ms)');
  }
  return value;
}
