import { startCountingProxy } from '@tokens/test-servers';
import { latency, loaded, roundTrips } from './measure.js';
import { type DataSet, dataSet, FIND_BY_USER, operations, type Pass, SAVE_UPDATE } from './operations.js';
import type { LatencyRow, ThroughputRow } from './report.js';
import type { Prepared, Subject } from './subject.js';

export interface RunSettings {
  samples: number;
  serverSamples: number;
  throughputMs: number;
  /** Operations per round-trip count (one in flight, through the counting proxy). */
  roundTripOps: number;
  /** The share of a slow subject's own `samples` to take (quick runs: a third; FerretDB and moto dominate them). */
  slowShare: number;
}

/**
 * One backend at one size, on a seeded store: latency and CPU per operation (ours, then raw), then
 * round trips counted through a proxy (server backends), then throughput with 32 in flight.
 */
export async function runBackend(
  subject: Subject,
  prepared: Prepared,
  n: number,
  ids: string[],
  settings: RunSettings,
  log: (message: string) => void,
): Promise<{ latency: LatencyRow[]; throughput: ThroughputRow[] }> {
  const started = performance.now();
  const data = dataSet(n, ids);
  const run = Date.now().toString(36);
  const own = subject.samples === undefined ? Number.POSITIVE_INFINITY : Math.ceil(subject.samples * settings.slowShare);
  const samples = Math.min(own, subject.server ? settings.serverSamples : settings.samples);
  // Each ring token sees about 8 of the timed compare-and-sets.
  const ring = Math.min(64, Math.ceil(samples / 8));
  const rows: LatencyRow[] = [];
  for (const pair of await operations(prepared, data, { run, pass: 0, ring })) {
    const count = pair.heavy ? Math.max(20, Math.floor(samples / 20)) : samples;
    const row: LatencyRow = {
      backend: subject.backend,
      n,
      operation: pair.name,
      server: subject.server,
      ours: await latency(pair.ours, count),
    };
    if (pair.raw) row.raw = await latency(pair.raw, count);
    rows.push(row);
    const cpu = `cpu ${row.ours.cpuUs.toFixed(1)}${row.raw ? ` / ${row.raw.cpuUs.toFixed(1)}` : ''} µs`;
    log(`  ${pair.name}: ${row.ours.medianUs.toFixed(1)} µs${row.raw ? ` (raw ${row.raw.medianUs.toFixed(1)} µs)` : ''}, ${cpu}`);
  }
  const timed = performance.now();
  if (prepared.server) await countRoundTrips(prepared, data, rows, Math.min(samples, settings.roundTripOps), { run, pass: 1, ring }, log);
  const counted = performance.now();
  const throughput = subject.server ? await measureThroughput(subject, prepared, data, settings.throughputMs, { run, pass: 2, ring }) : [];
  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
  log(`  took ${seconds(started, timed)} timed, ${seconds(timed, counted)} counting, ${seconds(counted, performance.now())} under load`);
  return { latency: rows, throughput };
}

/**
 * Opens a second store and raw driver on the same data through a counting proxy and counts, one
 * operation in flight at a time, the client→server bursts each operation costs.
 */
async function countRoundTrips(
  prepared: Prepared,
  data: DataSet,
  rows: LatencyRow[],
  ops: number,
  pass: Pass,
  log: (message: string) => void,
): Promise<void> {
  const server = prepared.server;
  if (!server) return;
  const proxy = await startCountingProxy(server.endpoint);
  try {
    const connected = await server.connect(proxy);
    try {
      for (const pair of await operations(connected, data, pass)) {
        const count = pair.heavy ? Math.max(5, Math.floor(ops / 10)) : ops;
        const row = rows.find((candidate) => candidate.operation === pair.name);
        if (!row) continue;
        row.roundTrips = { ours: await roundTrips(pair.ours, proxy, count) };
        if (pair.raw) row.roundTrips.raw = await roundTrips(pair.raw, proxy, count);
        log(`  ${pair.name}: ${row.roundTrips.ours.toFixed(2)} round trips${pair.raw ? ` (raw ${row.roundTrips.raw?.toFixed(2)})` : ''}`);
      }
    } finally {
      await connected.close();
    }
  } finally {
    await proxy.close();
  }
}

/** Find (an existing user) and save-update with 32 operations in flight, ours then raw. */
async function measureThroughput(
  subject: Subject,
  prepared: Prepared,
  data: DataSet,
  durationMs: number,
  pass: Pass,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const pairs = await operations(prepared, data, pass, false);
  for (const name of [FIND_BY_USER, SAVE_UPDATE]) {
    const pair = pairs.find((candidate) => candidate.name === name);
    if (!pair) continue;
    const ours = await loaded(pair.ours, 32, durationMs);
    const raw = pair.raw ? await loaded(pair.raw, 32, durationMs) : undefined;
    rows.push({
      backend: subject.backend,
      n: data.n,
      operation: name,
      oursOps: ours.opsPerSecond,
      oursCpuUs: ours.cpuUs,
      rawOps: raw?.opsPerSecond,
      rawCpuUs: raw?.cpuUs,
    });
  }
  return rows;
}
