import { setTimeout as delay } from 'node:timers/promises';
import { BackendFailure } from '@tokens/core';
import { Cluster, type Redis } from 'ioredis';
import type { Durability } from './durability.js';

type KeysAndArgs = readonly (string | number)[];

/**
 * Runs the script defined on `client` as `name` once per entry of `calls` (each `keysAndArgs` as
 * for the defined command: the key count first), all in one pipeline on the master that runs them,
 * followed by one `WAIT` when `durability` is given. Each script is atomic on the server; the
 * batch is not. The scripts' results, in order.
 *
 * With `durability`, when some result `wrote` (changed something) and fewer replicas acknowledged
 * than asked, fails with UNAVAILABLE: WAIT covers every write the connection sent before it, so
 * one WAIT confirms the whole pipeline. Results that wrote nothing need no confirmation.
 *
 * Why not the defined commands inside a pipeline: on NOSCRIPT ioredis re-sends them outside the
 * pipeline, after the WAIT, which would then confirm nothing; and a Cluster pipeline in which a
 * write succeeded (WAIT counts as one) is never retried on MOVED/ASK. So redirections are followed
 * here: only for the calls whose script did not run (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, NOSCRIPT),
 * a bounded number of times (ioredis' own bounds: 16 redirections, 100 ms between retries).
 */
export async function writeAll(
  client: Redis | Cluster,
  durability: Durability | undefined,
  name: string,
  calls: readonly KeysAndArgs[],
  wrote: (result: unknown) => boolean,
): Promise<unknown[]> {
  const script = scriptOf(client, name);
  const results: unknown[] = new Array(calls.length);
  let pending = calls.map((_, at) => at);
  let target: Redis | Cluster = client;
  let asking = false;
  let loadScript = !loadedOn(client).has(name);
  for (let attempt = 1; ; attempt++) {
    const pipeline = target.pipeline();
    // SCRIPT LOAD has no key: in a Cluster the pipeline still goes to the node of the scripts' slot.
    if (loadScript) pipeline.script('LOAD', script.lua);
    for (const at of pending) {
      // ASKING lets only the next command in.
      if (asking) pipeline.asking();
      pipeline.evalsha(script.sha, ...(calls[at] as [number, ...(string | number)[]]));
    }
    if (durability) pipeline.wait(durability.replicas, durability.timeoutMs);
    const replies = (await pipeline.exec()) ?? [];
    if (loadScript && target === client) loadedOn(client).add(name);
    let at = loadScript ? 1 : 0;
    const notRun: number[] = [];
    let redirect: { kind: Redirect['kind']; address?: string; error: unknown } | undefined;
    let failure: unknown;
    let changed = false;
    for (const call of pending) {
      if (asking) at++;
      const [error, result] = replies[at++] ?? [new Error('no reply to the write script')];
      if (!error) {
        results[call] = result;
        changed ||= wrote(result);
        continue;
      }
      const redirection = redirectionOf(error);
      if (redirection) {
        redirect ??= { ...redirection, error };
        notRun.push(call);
      } else failure ??= error;
    }
    if (durability && changed) {
      const [waitError, acknowledged] = replies[at] ?? [new Error('no reply to WAIT')];
      if (waitError) throw waitError;
      if (Number(acknowledged) < durability.replicas) throw unconfirmed(durability, Number(acknowledged));
    }
    // The batch is not atomic: what ran has landed (and is confirmed); the caller learns of the failure.
    if (failure !== undefined) throw failure;
    if (!redirect) return results;
    if (attempt >= MAX_ATTEMPTS) throw redirect.error;
    pending = notRun;
    asking = false;
    loadScript = false;
    target = client;
    if (redirect.kind === 'NOSCRIPT') {
      loadScript = true;
      continue;
    }
    if (client instanceof Cluster) {
      if (redirect.kind === 'MOVED') await refreshSlots(client);
      if (redirect.kind === 'ASK') {
        const node = nodeAt(client, redirect.address as string);
        if (node) {
          target = node;
          asking = true;
          // The target has never seen the script on this connection, perhaps.
          loadScript = true;
          continue;
        }
        await refreshSlots(client);
      }
    }
    if (redirect.kind === 'TRYAGAIN' || redirect.kind === 'CLUSTERDOWN') await delay(RETRY_DELAY_MS);
  }
}

/**
 * Scripts a client has sent SCRIPT LOAD for: its first pipeline of a script loads it in the same
 * round trip, so even the first batch is one round trip. The server may forget it (a restart, a
 * failover, another Cluster master): NOSCRIPT then costs one more.
 */
const loaded = new WeakMap<Redis | Cluster, Set<string>>();

function loadedOn(client: Redis | Cluster): Set<string> {
  const names = loaded.get(client) ?? new Set<string>();
  loaded.set(client, names);
  return names;
}

const MAX_ATTEMPTS = 16;
const RETRY_DELAY_MS = 100;

export function unconfirmed(durability: Durability, acknowledged: number): BackendFailure {
  return new BackendFailure(
    'UNAVAILABLE',
    `the write landed on the Redis master but was not confirmed by ${durability.replicas} replica(s) within ` +
      `${durability.timeoutMs} ms (${acknowledged} acknowledged): whether it survives a failover is unknown; saving again is safe`,
  );
}

type Redirect = { kind: 'MOVED' | 'ASK'; address: string } | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' | 'NOSCRIPT' };

/** Errors that mean the script did not run at all, so sending it again cannot apply it twice. */
function redirectionOf(error: unknown): Redirect | undefined {
  const message = error instanceof Error ? error.message : '';
  const redirect = /^(MOVED|ASK) \d+ (\S+)/.exec(message);
  if (redirect) return { kind: redirect[1] as 'MOVED' | 'ASK', address: redirect[2] as string };
  const word = /^(TRYAGAIN|CLUSTERDOWN|NOSCRIPT)\b/.exec(message)?.[1];
  return word ? { kind: word as 'TRYAGAIN' | 'CLUSTERDOWN' | 'NOSCRIPT' } : undefined;
}

/** The connection ioredis itself keeps to that node (`nodes()` hands out the pool's clients). */
function nodeAt(cluster: Cluster, address: string): Redis | undefined {
  return cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === address);
}

function refreshSlots(cluster: Cluster): Promise<void> {
  // A failed refresh leaves the old map: the next attempt's redirection says so.
  return new Promise((resolve) => cluster.refreshSlotsCache(() => resolve()));
}

/** The Lua and SHA of a script `defineCommand` added (ioredis keeps them in `scriptsSet`). */
function scriptOf(client: Redis | Cluster, name: string): { lua: string; sha: string } {
  const script = (client as unknown as { scriptsSet?: Record<string, { lua: string; sha: string }> }).scriptsSet?.[name];
  if (!script) throw new BackendFailure('UNAVAILABLE', `the Redis script ${name} is not defined on this client`);
  return script;
}
