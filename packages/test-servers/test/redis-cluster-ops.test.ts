import { describe, expect, it } from 'vitest';
import { startRedisCluster } from '../src/index.js';

describe('Redis Cluster with replicas: kill, failover, reshard', () => {
  it('promotes the replica of a SIGKILLed master, takes the master back as a replica, and moves slots', async () => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
    if (!cluster) return;
    try {
      expect(cluster.nodes).toHaveLength(6);
      if (cluster.external) return;
      const before = await cluster.topology();
      const masters = before.filter((node) => node.role === 'master');
      expect(masters).toHaveLength(3);
      expect(masters.reduce((sum, node) => sum + node.slots.length, 0)).toBe(16384);
      const victim = masters[0]!;
      const replica = before.find((node) => node.masterId === victim.id)!;
      expect(replica).toBeDefined();

      await cluster.kill(victim.port);
      const after = await cluster.waitForHealthy();
      const promoted = after.find((node) => node.id === replica.id)!;
      expect(promoted.role).toBe('master');
      expect(promoted.slots).toEqual(victim.slots);

      await cluster.start();
      const back = (await cluster.waitForHealthy()).find((node) => node.id === victim.id)!;
      expect(back).toMatchObject({ role: 'replica', masterId: replica.id, failed: false });

      const slot = await cluster.keySlot('tokens:{ns}:ids');
      const owner = (await cluster.topology()).find((node) => node.slots.includes(slot))!;
      const other = (await cluster.topology()).find((node) => node.role === 'master' && node.id !== owner.id)!;
      const rank = owner.slots.indexOf(slot);
      await expect(cluster.reshard({ from: owner.port, to: other.port, slots: rank, include: slot })).rejects.toThrow(/not among/);
      const moved = await cluster.reshard({ from: owner.port, to: other.port, slots: rank + 1, include: slot });
      expect(moved).toContain(slot);
      const final = await cluster.topology();
      expect(final.find((node) => node.id === other.id)!.slots).toEqual(expect.arrayContaining(moved));
    } finally {
      await cluster.dispose();
    }
  }, 180_000);
});
