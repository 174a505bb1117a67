import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, SpreadKeySpace } from '../src/index.js';
import { Cluster, missingServer, Redis } from './helpers.js';

/*
 * A third of the slots moved (`redis-cli --cluster reshard`) while 4 stores save and find their own
 * users continuously. Each writer saves its users one after another, so the last acknowledged value
 * of each user is known, and so are the values tried after it that failed (their outcome is unknown).
 */
const cluster = await startRedisCluster();
afterAll(() => cluster?.dispose());

const WRITERS = 4;
const USERS_PER_WRITER = 50;
const SAVES_AFTER_RESHARD = 200;

interface UserLog {
  acknowledged?: string;
  unsure: string[];
}

describe.skipIf(!cluster || cluster.external)('redis spread layout: a reshard under load', () => {
  if (!cluster) return;

  it('a token whose slot is being migrated (keys not moved yet) is updated, listed and deleted in place', async () => {
    // A script may not touch a key missing on its node while its slot migrates, and is not rolled
    // back: one that deleted and rewrote a hash would lose the token halfway.
    const namespace = `sprm_${randomBytes(5).toString('hex')}`;
    const keys = new SpreadKeySpace(namespace);
    const store = createRedisStore({ cluster: { nodes: cluster.nodes }, namespace, layout: 'spread' });
    const inspector = new Cluster(cluster.nodes);
    const saved = await store.saveToken({ userSignature: 'mo', accessToken: 'at-1', refreshToken: 'rt-1' });
    const slot = await cluster.keySlot(keys.tokenByRef(keys.ref(saved.id)));
    const masters = (await cluster.topology()).filter((node) => node.role === 'master');
    const source = masters.find((node) => node.slots.includes(slot))!;
    const target = masters.find((node) => node.id !== source.id)!;
    const [from, to] = [new Redis(source.port), new Redis(target.port)];
    await to.cluster('SETSLOT', slot, 'IMPORTING', source.id);
    await from.cluster('SETSLOT', slot, 'MIGRATING', target.id);
    try {
      const updated = await store.saveToken({ userSignature: 'mo', accessToken: 'at-2', expiryTime: 7 });
      expect(updated).toMatchObject({ version: 2, accessToken: 'at-2', refreshToken: 'rt-1', expiryTime: 7 });
      expect(await store.findToken({ accessToken: 'at-2' })).toMatchObject({ id: saved.id, version: 2 });
      expect((await store.getTokens()).map((token) => token.id)).toEqual([saved.id]);
      await store.deleteToken(saved.id);
      expect(await store.findTokenById(saved.id)).toBeNull();
    } finally {
      await from.cluster('SETSLOT', slot, 'STABLE');
      await to.cluster('SETSLOT', slot, 'STABLE');
      from.disconnect();
      to.disconnect();
      inspector.disconnect();
      await store.close();
    }
  });

  it('a third of the slots moved while 4 stores save and find: 0 acknowledged saves lost, 0 duplicates', async () => {
    const namespace = `sprs_${randomBytes(5).toString('hex')}`;
    const options = { cluster: { nodes: cluster.nodes }, namespace, layout: 'spread' as const, operationTimeoutMs: 5_000 };
    const stores: TokenStore[] = Array.from({ length: WRITERS }, () => createRedisStore(options));
    const logs = new Map<string, UserLog>();
    const failures = new Map<string, number>();
    let acknowledged = 0;
    let finds = 0;
    let resharded = false;
    let afterReshard = 0;
    const wrongFinds: string[] = [];

    const writer = async (store: TokenStore, writer: number) => {
      for (let i = 0; afterReshard < SAVES_AFTER_RESHARD && i < 50_000; i++) {
        const user = `w${writer}-u${i % USERS_PER_WRITER}@example.com`;
        const value = `at-${writer}-${i}`;
        const log = logs.get(user) ?? { unsure: [] };
        logs.set(user, log);
        try {
          await store.saveToken({ userSignature: user, accessToken: value, refreshToken: `rt-${user}` });
          log.acknowledged = value;
          log.unsure = [];
          acknowledged++;
          if (resharded) afterReshard++;
          // A find of another of its users, whose last save is known.
          const other = `w${writer}-u${(i * 7) % USERS_PER_WRITER}@example.com`;
          const otherLog = logs.get(other);
          const found = await store.findToken({ userSignature: other });
          finds++;
          if (
            otherLog?.acknowledged !== undefined &&
            found?.accessToken !== otherLog.acknowledged &&
            !otherLog.unsure.includes(found?.accessToken ?? '')
          ) {
            wrongFinds.push(`${other}: ${found?.accessToken} (acknowledged ${otherLog.acknowledged}, unsure ${otherLog.unsure})`);
          }
        } catch (error) {
          if (!isTokenStoreError(error)) throw error;
          log.unsure.push(value);
          const key = `${error.code}: ${error.reason}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
          await delay(20);
        }
      }
    };

    // getTokens all along: a listing must never miss a token that was saved before it started.
    const listings = { done: 0, short: 0, failed: new Map<string, number>() };
    const lister = async (store: TokenStore) => {
      while (afterReshard < SAVES_AFTER_RESHARD) {
        const known = [...logs.values()].filter((log) => log.acknowledged !== undefined).length;
        try {
          const tokens = await store.getTokens();
          listings.done++;
          if (tokens.length < known) listings.short++;
        } catch (error) {
          if (!isTokenStoreError(error)) throw error;
          const key = `${error.code}: ${error.reason}`;
          listings.failed.set(key, (listings.failed.get(key) ?? 0) + 1);
        }
        await delay(50);
      }
    };

    try {
      const writers = [...stores.map((store, index) => writer(store, index)), lister(stores[0]!)];
      while (acknowledged < 200) await delay(10);
      const [from, to] = (await cluster.topology()).filter((node) => node.role === 'master');
      const started = Date.now();
      const moved = await cluster.reshard({ from: from!.port, to: to!.port, slots: 5461 });
      const reshardMs = Date.now() - started;
      const atReshard = acknowledged;
      resharded = true;
      await Promise.all(writers);

      const reader = createRedisStore(options);
      stores.push(reader);
      const lost: string[] = [];
      for (const [user, log] of logs) {
        if (log.acknowledged === undefined) continue;
        const value = (await reader.findToken({ userSignature: user }))?.accessToken;
        if (value !== log.acknowledged && !log.unsure.includes(value ?? '')) lost.push(user);
      }
      const tokens = await reader.getTokens();
      const listFailed = [...listings.failed].map(([reason, count]) => `${count} × ${reason}`).join('; ');
      const failed = [...failures].map(([reason, count]) => `    ${count} × ${reason}`).join('\n');
      console.log(
        `[spread reshard] ${moved.length} slots moved in ${reshardMs} ms; ${acknowledged} acknowledged saves (${atReshard} by the end of the reshard), ` +
          `${finds} finds, ${lost.length} lost, ${wrongFinds.length} wrong finds, ${tokens.length} tokens; ` +
          `${listings.done} listings (${listings.short} short), failed: ${listFailed || 'none'}\n  failed saves:\n${failed || '    none'}`,
      );
      expect(moved.length).toBe(5461);
      expect(lost).toEqual([]);
      expect(wrongFinds).toEqual([]);
      expect(tokens).toHaveLength(logs.size);
      expect(new Set(tokens.map((token) => token.userSignature)).size).toBe(tokens.length);
      for (const reason of failures.keys()) expect(reason).toMatch(/^UNAVAILABLE: /);
      expect(listings.short).toBe(0);
      for (const reason of listings.failed.keys()) expect(reason).toMatch(/^UNAVAILABLE: /);
      await reader.deleteTokens();
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 240_000);
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
