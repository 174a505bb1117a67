import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, KeySpace, type RedisStoreOptions } from '../src/index.js';
import { missingServer } from './helpers.js';

/*
 * A master SIGKILLed under load, its replica promoted: which acknowledged saves survive? Each writer
 * saves its own users one after another, so the last acknowledged value of a user is known exactly,
 * and so are the values tried after it (failed saves may have landed: their outcome is unknown).
 */

// A short node timeout keeps the failover quick; not so short that a busy machine fails nodes over.
const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 3_000 });
afterAll(() => cluster?.dispose());

const WRITERS = 4;
const USERS_PER_WRITER = 25;
/** Saves that must succeed once the killed node is back before the writers stop (the stores recovered). */
const SAVES_AFTER_RECOVERY = 100;
/** Writers save until the stores recovered, or this long (a bound, not a count: a quiet machine saves fast). */
const MAX_WRITING_MS = 60_000;

interface UserLog {
  /** The value of the last acknowledged save. */
  acknowledged?: string;
  /** Values of the saves tried since then that failed: any of them may have landed. */
  unsure: string[];
}

interface Run {
  acknowledged: number;
  failures: Map<string, number>;
  lost: string[];
}

describe.skipIf(!cluster || cluster.external)('redis cluster: a master killed under load', () => {
  if (!cluster) return;

  async function killUnderLoad(extra: Pick<RedisStoreOptions, 'durability'>): Promise<Run> {
    const namespace = `fo_${randomBytes(6).toString('hex')}`;
    const slot = await cluster!.keySlot(new KeySpace(namespace).ids);
    const before = await cluster!.waitForHealthy();
    const master = before.find((node) => node.role === 'master' && node.slots.includes(slot));
    if (!master) throw new Error(`no master serves slot ${slot}`);
    const options = { cluster: { nodes: cluster!.nodes }, namespace, operationTimeoutMs: 2_000, ...extra };
    const stores: TokenStore[] = Array.from({ length: WRITERS }, () => createRedisStore(options));
    const logs = new Map<string, UserLog>();
    const failures = new Map<string, number>();
    let acknowledged = 0;
    let recovered = false;
    let afterRecovery = 0;

    const stopAt = Date.now() + MAX_WRITING_MS;
    const writer = async (store: TokenStore, writer: number) => {
      for (let i = 0; Date.now() < stopAt && afterRecovery < SAVES_AFTER_RECOVERY; i++) {
        const user = `w${writer}-u${i % USERS_PER_WRITER}@example.com`;
        const value = `at-${writer}-${i}`;
        const log = logs.get(user) ?? { unsure: [] };
        logs.set(user, log);
        try {
          await store.saveToken({ userSignature: user, accessToken: value });
          log.acknowledged = value;
          log.unsure = [];
          acknowledged++;
          if (recovered) afterRecovery++;
        } catch (error) {
          if (!isTokenStoreError(error)) throw error;
          log.unsure.push(value);
          const key = `${error.code}: ${error.reason}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
          // The cluster is failing over: no busy loop against it.
          await delay(20);
        }
      }
    };

    try {
      const writers = stores.map((store, index) => writer(store, index));
      // Under load first, then the crash.
      while (acknowledged < 400) await delay(10);
      await cluster!.kill(master.port);
      const after = await cluster!.waitForHealthy();
      const newMaster = after.find((node) => node.role === 'master' && node.slots.includes(slot));
      expect(newMaster?.port, 'the slot moved to the replica').not.toBe(master.port);
      // The promoted replica has no replica of its own until the killed master is back (as its
      // replica): until then a save with durability lands but is not confirmed.
      await cluster!.start();
      recovered = true;
      await Promise.all(writers);
      expect(afterRecovery, 'the stores recovered').toBeGreaterThanOrEqual(SAVES_AFTER_RECOVERY);

      // Read every user back through a fresh store, on the promoted replica.
      const reader = createRedisStore(options);
      stores.push(reader);
      const lost: string[] = [];
      for (const [user, log] of logs) {
        if (log.acknowledged === undefined) continue;
        const stored = await reader.findToken({ userSignature: user });
        const value = stored?.accessToken;
        if (value !== log.acknowledged && !log.unsure.includes(value ?? '')) lost.push(user);
      }
      const tokens = await reader.getTokens();
      expect(new Set(tokens.map((token) => token.userSignature)).size, 'one record per user').toBe(tokens.length);
      return { acknowledged, failures, lost };
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      // Every node up again for the next case (a no-op unless this one failed early).
      await cluster!.start();
    }
  }

  function report(label: string, run: Run): void {
    const failures = [...run.failures].map(([reason, count]) => `    ${count} × ${reason}`).join('\n');
    console.log(
      `[failover ${label}] ${run.acknowledged} acknowledged saves, ${run.lost.length} lost after the promotion\n` +
        `  failed saves (told to the caller):\n${failures || '    none'}`,
    );
  }

  it('with durability { replicas: 1 }: no acknowledged save is lost', async () => {
    const run = await killUnderLoad({ durability: { replicas: 1, timeoutMs: 500 } });
    report('durability replicas=1', run);
    expect(run.lost).toEqual([]);
    for (const reason of run.failures.keys()) expect(reason).toMatch(/^UNAVAILABLE: /);
  }, 120_000);

  it('without durability (the default): the acknowledged saves lost are counted', async () => {
    const run = await killUnderLoad({});
    report('no durability', run);
    // A measurement, not a guarantee either way: replication is asynchronous.
    expect(run.lost.length).toBeGreaterThanOrEqual(0);
    for (const reason of run.failures.keys()) expect(reason).toMatch(/^UNAVAILABLE: /);
  }, 120_000);
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
