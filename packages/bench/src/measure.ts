/** Latency in microseconds over many samples, and throughput with many operations in flight. */
export interface Latency {
  medianUs: number;
  /** The mean, to set beside `cpuUs` (also a mean). */
  meanUs: number;
  p95Us: number;
  p99Us: number;
  /**
   * Process CPU time (user + system, `process.cpuUsage()`) over the timed loop, per operation:
   * the client's work for a server backend, the client's and the "server's" for an in-process one.
   */
  cpuUs: number;
  samples: number;
}

export type Operation = (i: number) => unknown;

const WARMUP_MS = 50;
const MAX_WARMUP = 20_000;

/**
 * Times `op` sample by sample. Operations much faster than the clock's resolution (a Map lookup)
 * are timed in batches, so each sample is the mean of a batch of at least ~20 µs.
 */
export async function latency(op: Operation, samples: number, warmup = Math.min(200, samples)): Promise<Latency> {
  // Also at least WARMUP_MS of it (fast operations), so the JIT's background compiles are done
  // before the CPU time is read: a quick run has few samples to spread them over.
  const warmupEnd = performance.now() + WARMUP_MS;
  let i = 0;
  while (i < warmup || (i < MAX_WARMUP && performance.now() < warmupEnd)) await op(i++);
  // Slow operations (moto's inserts take ~0.4 s) need no batching: probe them briefly.
  const probes = Math.min(50, samples);
  const probeStart = process.hrtime.bigint();
  for (let p = 0; p < probes; p++) await op(i++);
  const probeUs = Number(process.hrtime.bigint() - probeStart) / 1000 / probes;
  const batch = Math.max(1, Math.ceil(20 / Math.max(probeUs, 0.001)));
  const times: number[] = new Array(samples);
  const cpuStart = process.cpuUsage();
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) await op(i++);
    times[s] = Number(process.hrtime.bigint() - start) / 1000 / batch;
  }
  const cpu = process.cpuUsage(cpuStart);
  times.sort((a, b) => a - b);
  return {
    medianUs: quantile(times, 0.5),
    meanUs: times.reduce((sum, time) => sum + time, 0) / samples,
    p95Us: quantile(times, 0.95),
    p99Us: quantile(times, 0.99),
    cpuUs: (cpu.user + cpu.system) / (samples * batch),
    samples,
  };
}

/** Operations per second with `inFlight` concurrent callers, for `durationMs`. */
export async function throughput(op: Operation, inFlight: number, durationMs: number): Promise<number> {
  return (await loaded(op, inFlight, durationMs)).opsPerSecond;
}

/** {@link throughput}, and the process CPU time (user + system) per operation meanwhile. */
export async function loaded(op: Operation, inFlight: number, durationMs: number): Promise<{ opsPerSecond: number; cpuUs: number }> {
  let next = 0;
  const deadline = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) await op(next++);
  };
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { opsPerSecond: (next / elapsedMs) * 1000, cpuUs: (cpu.user + cpu.system) / next };
}

/**
 * Client→server round trips per operation, from a counting proxy's burst counter: one operation in
 * flight at a time, after `warmup` operations (connections, handshakes, prepared statements and
 * script loading are paid once per connection, not per operation).
 */
export async function roundTrips(
  op: Operation,
  counter: { readonly bursts: number; reset(): void },
  ops: number,
  warmup = 5,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await op(i);
  counter.reset();
  for (let i = warmup; i < warmup + ops; i++) await op(i);
  return counter.bursts / ops;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
