import { randomBytes } from 'node:crypto';
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
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
