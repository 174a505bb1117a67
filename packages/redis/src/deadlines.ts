import { BackendFailure } from '@tokens/core';

interface Pending {
  readonly end: number;
  readonly reject: (error: unknown) => void;
}

/**
 * Round-trip timeouts without a timer per round trip. Every round trip of one queue has the same
 * timeout, so deadlines come in the order round trips start: one timer, set for the oldest, is
 * enough. It is created about once per timeout period under steady traffic (instead of a
 * setTimeout, clearTimeout and Promise.race per command) and unref'd while nothing is pending,
 * so an idle process can still exit.
 */
class DeadlineQueue {
  readonly #pending = new Set<Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  run<T>(command: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { end: performance.now() + this.timeoutMs, reject };
      this.#pending.add(entry);
      if (this.#timer === undefined) this.#arm(this.timeoutMs);
      else if (this.#pending.size === 1) this.#timer.ref();
      let sent: Promise<T>;
      try {
        sent = command();
      } catch (error) {
        this.#settled(entry);
        reject(error);
        return;
      }
      // A late answer after the deadline settles nothing: the promise has already rejected.
      sent.then(
        (value) => {
          this.#settled(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#settled(entry);
          reject(error);
        },
      );
    });
  }

  #settled(entry: Pending): void {
    this.#pending.delete(entry);
    if (this.#pending.size === 0) this.#timer?.unref();
  }

  #arm(ms: number): void {
    // A millisecond late on purpose: an operation bound of the same length set just before (core's
    // operationTimeoutMs) answers first, with its own words (e.g. "whether the write landed is unknown").
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(ms)) + 1);
    if (this.#pending.size === 0) this.#timer.unref();
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.end > now) {
        this.#arm(entry.end - now);
        return;
      }
      this.#pending.delete(entry);
      entry.reject(new BackendFailure('UNAVAILABLE', `no answer from Redis within ${this.timeoutMs} ms`));
    }
  };
}

const queues = new Map<number, DeadlineQueue>();

/** Runs `command`, rejecting with UNAVAILABLE if it has not settled within `timeoutMs`. */
export function withinDeadline<T>(timeoutMs: number, command: () => Promise<T>): Promise<T> {
  let queue = queues.get(timeoutMs);
  if (!queue) {
    queue = new DeadlineQueue(timeoutMs);
    queues.set(timeoutMs, queue);
  }
  return queue.run(command);
}
