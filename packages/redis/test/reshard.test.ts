import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, KeySpace } from '../src/index.js';
import { missingServer } from './helpers.js';

/*
 * `redis-cli --cluster reshard` of a third of the slots while 4 processes save and find the same
 * users continuously (child processes: real app servers, their own connections and slot maps).
 * Every landed save changes the access token, hence adds one version: a user's final version is at
 * least its acknowledged saves (none lost) and at most acknowledged + failed ones (failures may have
 * landed: their outcome is unknown).
 */
// With a replica per master: the durability case WAITs for it; the replicas follow the reshard.
const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
afterAll(() => cluster?.dispose());

const CHILD = join(import.meta.dirname, 'fixtures', 'reshard-child.mjs');
const WORKERS = 4;
const USERS = 50;
/** Other tokens of the namespace, so that moving its slot takes a while (keys move in batches). */
const SEEDED = 2_000;
const MAX_OPS = 200_000;
const THIRD = Math.floor(16384 / 3);

interface ChildReport {
  acknowledged: Record<string, number>;
  failed: Record<string, number>;
  errors: Record<string, number>;
  finds: { found: number; missing: number; failed: number };
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  report: Promise<ChildReport>;
}

function spawnChild(config: Record<string, unknown>): Child {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  let onReady = () => {};
  let onReport: (report: ChildReport) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code, signal) => reject(new Error(`reshard child exited before it was ready (${code ?? signal})`)));
  });
  const report = new Promise<ChildReport>((resolve, reject) => {
    onReport = resolve;
    child.once('exit', (code, signal) => reject(new Error(`reshard child exited without a report (${code ?? signal})`)));
  });
  ready.catch(() => {});
  report.catch(() => {});
  lines.on('line', (line) => (line === 'ready' ? onReady() : line.startsWith('{') && onReport(JSON.parse(line) as ChildReport)));
  return { process: child, ready, report };
}

describe.skipIf(!cluster || cluster.external)('redis cluster: a reshard under load', () => {
  if (!cluster) return;

  /**
   * A namespace whose slot (default layout) is among the third of the slots that the master with
   * the most slots hands over to the one with the fewest (a master left without slots becomes a
   * replica: this keeps three masters from one case to the next).
   */
  async function namespaceOnMovedSlot(): Promise<{ namespace: string; from: number; to: number; slot: number }> {
    const masters = (await cluster!.waitForHealthy())
      .filter((node) => node.role === 'master')
      .sort((a, b) => b.slots.length - a.slots.length);
    const [source, target] = [masters[0], masters.at(-1)];
    if (!source || !target || source === target) throw new Error('the cluster needs two masters');
    const moved = new Set(source.slots.slice(0, THIRD));
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const namespace = `rs_${randomBytes(5).toString('hex')}`;
      const slot = await cluster!.keySlot(new KeySpace(namespace).ids);
      if (moved.has(slot)) return { namespace, from: source.port, to: target.port, slot };
    }
    throw new Error('no namespace found on the slots to move');
  }

  const cases = [
    { name: 'slot', layout: 'slot' },
    { name: 'spread', layout: 'spread' },
    // Writes with WAIT follow MOVED/ASK/TRYAGAIN themselves (durability.ts): this is their test.
    { name: 'slot + durability', layout: 'slot', durability: { replicas: 1 } },
  ] as const;

  it.each(cases)(
    'layout $name: 0 lost acknowledged saves, 0 duplicates, typed UNAVAILABLE errors only',
    async (setup) => {
      const { layout } = setup;
      const durability = 'durability' in setup ? setup.durability : undefined;
      const { namespace, from, to, slot } = await namespaceOnMovedSlot();
      const options = { cluster: { nodes: cluster!.nodes }, namespace, layout, durability };
      const seeder = createRedisStore(options);
      const children: Child[] = [];
      try {
        // Every racing user exists before the run: any find that returns nothing is a miss.
        for (let user = 0; user < USERS; user++) await seeder.saveToken({ userSignature: `u${user}`, accessToken: `seed-${user}` });
        for (let start = 0; start < SEEDED; start += 100) {
          await Promise.all(
            Array.from({ length: 100 }, (_, i) => seeder.saveToken({ userSignature: `seed-${start + i}`, accessToken: `s-${start + i}` })),
          );
        }

        for (let worker = 0; worker < WORKERS; worker++) {
          children.push(spawnChild({ nodes: cluster!.nodes, namespace, layout, durability, worker, users: USERS, maxOps: MAX_OPS }));
        }
        await Promise.all(children.map((child) => child.ready));
        for (const child of children) child.process.stdin!.write('go\n');
        await delay(500);
        const started = performance.now();
        // The default layout's namespace slot is among the moved ones (namespaceOnMovedSlot).
        const moved = await cluster!.reshard({ from, to, slots: THIRD, include: layout === 'slot' ? slot : undefined });
        const reshardMs = performance.now() - started;
        await delay(500);
        for (const child of children) child.process.stdin!.end('stop\n');
        const reports = await Promise.all(children.map((child) => child.report));

        const acknowledged = new Map<string, number>();
        const failed = new Map<string, number>();
        const errors = new Map<string, number>();
        const finds = { found: 0, missing: 0, failed: 0 };
        for (const report of reports) {
          for (const [user, count] of Object.entries(report.acknowledged)) acknowledged.set(user, (acknowledged.get(user) ?? 0) + count);
          for (const [user, count] of Object.entries(report.failed)) failed.set(user, (failed.get(user) ?? 0) + count);
          for (const [reason, count] of Object.entries(report.errors)) errors.set(reason, (errors.get(reason) ?? 0) + count);
          finds.found += report.finds.found;
          finds.missing += report.finds.missing;
          finds.failed += report.finds.failed;
        }

        const tokens = await seeder.getTokens();
        const perUser = new Map<string, number>();
        for (const token of tokens) perUser.set(token.userSignature ?? '', (perUser.get(token.userSignature ?? '') ?? 0) + 1);
        const duplicates = [...perUser].filter(([, count]) => count > 1).map(([user]) => user);
        let lost = 0;
        let landedUnsure = 0;
        for (let user = 0; user < USERS; user++) {
          const name = `u${user}`;
          const stored = await seeder.findToken({ userSignature: name });
          const saves = (stored?.version ?? 0) - 1; // version 1 was the seed
          const acked = acknowledged.get(name) ?? 0;
          lost += Math.max(0, acked - saves);
          landedUnsure += Math.max(0, saves - acked);
          expect(saves, `saves of ${name}`).toBeLessThanOrEqual(acked + (failed.get(name) ?? 0));
        }
        const totalAcked = [...acknowledged.values()].reduce((sum, count) => sum + count, 0);
        console.log(
          `[reshard ${setup.name}] ${moved.length} slots moved in ${Math.round(reshardMs)} ms` +
            `${layout === 'slot' ? ` (namespace slot ${slot} among them, ${SEEDED + USERS} tokens in it)` : ''}; ` +
            `${totalAcked} acknowledged saves, ${lost} lost, ${landedUnsure} failed saves that landed, ` +
            `${duplicates.length} duplicated users; finds: ${finds.found} found, ${finds.missing} missed, ${finds.failed} failed\n` +
            `  errors told to the callers:\n${[...errors].map(([reason, count]) => `    ${count} × ${reason}`).join('\n') || '    none'}`,
        );
        expect(lost).toBe(0);
        expect(duplicates).toEqual([]);
        expect(tokens).toHaveLength(USERS + SEEDED);
        for (const reason of errors.keys()) expect(reason).toMatch(/^UNAVAILABLE: /);
        expect(finds.missing, 'finds that returned nothing for an existing user').toBe(0);
        expect(totalAcked).toBeGreaterThan(0);
      } finally {
        for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
        await seeder.deleteTokens().catch(() => {});
        await seeder.close();
      }
    },
    // 20-60 s alone on 2 loaded cores; minutes beside the rest of the suite.
    420_000,
  );
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
