import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { KeySpace, RedisBackend } from '../src/index.js';
import { Cluster, missingServer, Redis } from './helpers.js';

/*
 * The default layout's own scripts while the namespace's slot is MIGRATING with its keys still on
 * the source: Redis runs a script there only if its declared keys are all present, and a command on
 * a key missing from the node fails the script midway, keeping what ran before. An update that
 * deleted and rewrote the hash lost the token that way.
 */
const cluster = await startRedisCluster();
afterAll(() => cluster?.dispose());

describe.skipIf(!cluster || cluster.external)('redis cluster: scripts on a migrating slot', () => {
  it('an update that keeps every unique key, and a delete, run in place and keep the namespace consistent', async () => {
    if (!cluster) return;
    const namespace = `mig_${randomBytes(5).toString('hex')}`;
    const client = new Cluster(cluster.nodes);
    const backend = new RedisBackend(client, { namespace, owned: false, operationTimeoutMs: 3_000 });
    const record = {
      id: 'tok-1',
      version: 1,
      userSignature: 'mo@example.com',
      clientId: 'client',
      clientSecret: null,
      redirectUrl: null,
      grantToken: null,
      refreshToken: 'rt-1',
      accessToken: 'at-1',
      expiryTime: 1,
      apiDomain: 'https://api.example.com',
    };
    expect(await backend.insert(record)).toBe('inserted');
    expect(
      await backend.insert({ ...record, id: 'tok-2', userSignature: 'jo@example.com', refreshToken: 'rt-2', accessToken: 'at-2' }),
    ).toBe('inserted');
    const slot = await cluster.keySlot(new KeySpace(namespace).ids);
    const masters = (await cluster.topology()).filter((node) => node.role === 'master');
    const source = masters.find((node) => node.slots.includes(slot))!;
    const target = masters.find((node) => node.id !== source.id)!;
    const [from, to] = [new Redis(source.port), new Redis(target.port)];
    await to.cluster('SETSLOT', slot, 'IMPORTING', source.id);
    await from.cluster('SETSLOT', slot, 'MIGRATING', target.id);
    try {
      // Same unique keys, other fields (apiDomain cleared): every declared key is on the source.
      const updated = { ...record, version: 2, expiryTime: 2, apiDomain: null };
      expect(await backend.update(updated, 1)).toBe('updated');
      expect(await backend.getById('tok-1')).toEqual(updated);
      expect(await backend.findByKey({ kind: 'user', value: 'mo@example.com' })).toEqual(updated);
      await backend.delete('tok-2');
      expect(await backend.getById('tok-2')).toBeNull();
      expect(await backend.findByKey({ kind: 'access', value: 'at-2' })).toBeNull();
      expect((await backend.list()).map((token) => token.id)).toEqual(['tok-1']);
    } finally {
      await from.cluster('SETSLOT', slot, 'STABLE');
      await to.cluster('SETSLOT', slot, 'STABLE');
      from.disconnect();
      to.disconnect();
      await backend.clear();
      client.disconnect();
    }
  });

  // A new record's keys exist on neither node: the source answers ASK, the importing node TRYAGAIN
  // (a multi-key script needs all its keys there). The batch retries (bounded) until the slot is moved.
  it('a batch sent while its slot migrates is retried through ASK, TRYAGAIN and MOVED, and lands once on the new master', async () => {
    if (!cluster) return;
    const namespace = `migb_${randomBytes(5).toString('hex')}`;
    const keys = new KeySpace(namespace);
    const client = new Cluster(cluster.nodes);
    const backend = new RedisBackend(client, { namespace, owned: false, operationTimeoutMs: 5_000 });
    const record = (n: number) => ({
      id: `tok-${n}`,
      version: 1,
      userSignature: `user-${n}@example.com`,
      clientId: 'client',
      clientSecret: null,
      redirectUrl: null,
      grantToken: null,
      refreshToken: `rt-${n}`,
      accessToken: `at-${n}`,
      expiryTime: 1,
      apiDomain: null,
    });
    // The ids set exists, then moves: every new record's script then has all its keys elsewhere.
    expect(await backend.insert(record(0))).toBe('inserted');
    const slot = await cluster.keySlot(keys.ids);
    const masters = (await cluster.topology()).filter((node) => node.role === 'master');
    const source = masters.find((node) => node.slots.includes(slot))!;
    const target = masters.find((node) => node.id !== source.id)!;
    const [from, to] = [new Redis(source.port, source.host), new Redis(target.port, target.host)];
    try {
      await to.cluster('SETSLOT', slot, 'IMPORTING', source.id);
      await from.cluster('SETSLOT', slot, 'MIGRATING', target.id);
      const moved = (await from.cluster('GETKEYSINSLOT', slot, 100)) as string[];
      await from.migrate(target.host, target.port, '', 0, 5_000, 'KEYS', ...moved);
      const batch = Array.from({ length: 50 }, (_, i) => record(i + 1));
      const inserting = backend.insertMany([...batch, { ...record(99), userSignature: 'user-0@example.com' }]);
      await delay(400);
      for (const node of [to, from]) await node.cluster('SETSLOT', slot, 'NODE', target.id);
      expect(await inserting).toEqual([...batch.map(() => 'inserted'), 'duplicate']);
      expect(await from.cluster('COUNTKEYSINSLOT', slot)).toBe(0);
      const listed = await backend.list();
      expect(listed.map((token) => token.id).sort()).toEqual(['tok-0', ...batch.map((token) => token.id)].sort());
      expect(await backend.findByKey({ kind: 'access', value: 'at-50' })).toEqual(record(50));
    } finally {
      await backend.clear().catch(() => {});
      from.disconnect();
      to.disconnect();
      client.disconnect();
    }
  });
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
