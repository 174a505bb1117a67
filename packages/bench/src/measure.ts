/** Latency in microseconds over many samples, and throughput with many operations in flight. */
export interface Latency {
  medianUs: number;
  p95Us: number;
  samples: number;
}

export type Operation = (i: number) => unknown;

/**
 * Times `op` sample by sample. Operations much faster than the clock's resolution (a Map lookup)
 * are timed in batches, so each sample is the mean of a batch of at least ~20 µs.
 */
export async function latency(op: Operation, samples: number, warmup = Math.min(200, samples)): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await op(i);
  const probeStart = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) await op(warmup + i);
  const probeUs = Number(process.hrtime.bigint() - probeStart) / 50_000;
  const batch = Math.max(1, Math.ceil(20 / Math.max(probeUs, 0.001)));
  const times: number[] = [];
  let i = warmup + 50;
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let b = 0; b < batch; b++) await op(i++);
    times.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  times.sort((a, b) => a - b);
  return { medianUs: quantile(times, 0.5), p95Us: quantile(times, 0.95), samples };
}

/** Operations per second with `inFlight` concurrent callers, for `durationMs`. */
export async function throughput(op: Operation, inFlight: number, durationMs: number): Promise<number> {
  let next = 0;
  const deadline = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) await op(next++);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return (next / (performance.now() - start)) * 1000;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
