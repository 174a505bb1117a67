import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { PENDING_MS } from '../src/spread/backend.js';
import { Cluster, missingServer } from './helpers.js';
import { kindOfKey, spreadKeys } from './spread-helpers.js';

const cluster = await startRedisCluster();
const CHILD = join(import.meta.dirname, 'spread-crash-child.mjs');
const ROUNDS = 24;
const AT_ONCE = 4;

/** Starts a writer and SIGKILLs it at a random point of one of its first saves; how many saves it had finished. */
async function killWriterMidway(nodes: string, namespace: string, user: string): Promise<number> {
  const child = spawn(process.execPath, [CHILD, nodes, namespace, user], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'close');
  let output = '';
  try {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    while (!output.startsWith('ready\n')) await Promise.race([once(child.stdout, 'data'), exited]);
    child.stdin.write('go\n');
    // After 0–7 finished saves (the first an insert, the fifth followed by a delete), at a random point of the next.
    const saves = Math.floor(Math.random() * 8);
    const finished = () => output.split('\n').filter((line) => line === 's').length;
    for (let waited = 0; finished() < saves && waited < 10_000; waited += 2) await sleep(2);
    await sleep(Math.random() * 10);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return output.split('\n').filter((line) => line === 's').length;
}

describe.skipIf(!cluster)('redis spread layout: a writer killed between the steps of the claim protocol', () => {
  if (!cluster) return;
  const inspector = new Cluster(cluster.nodes);
  afterAll(async () => {
    inspector.disconnect();
    await cluster.dispose();
  });

  it(`${ROUNDS} writers killed at random points: the next save of each user succeeds and leaves one record`, async () => {
    const namespace = `spc_${randomBytes(5).toString('hex')}`;
    await using store = createRedisStore({ cluster: { nodes: cluster.nodes }, namespace, layout: 'spread' });
    const waits: number[] = [];
    const finished: number[] = [];
    for (let first = 0; first < ROUNDS; first += AT_ONCE) {
      const users = Array.from({ length: AT_ONCE }, (_, i) => `crash-${first + i}@example.com`);
      finished.push(...(await Promise.all(users.map((user) => killWriterMidway(JSON.stringify(cluster.nodes), namespace, user)))));
      for (const user of users) {
        const started = Date.now();
        const saved = await store.saveToken({ userSignature: user, accessToken: `final-${user}`, refreshToken: `final-r-${user}` });
        waits.push(Date.now() - started);
        expect(await store.findToken({ userSignature: user })).toMatchObject({ id: saved.id, accessToken: `final-${user}` });
        expect(await store.findToken({ accessToken: `final-${user}` })).toMatchObject({ id: saved.id });
      }
    }
    const tokens = await store.getTokens();
    expect(tokens).toHaveLength(ROUNDS);
    expect(new Set(tokens.map((token) => token.userSignature)).size).toBe(ROUNDS);

    // Claims a killed writer left: void (no token holds their value), invisible to lookups.
    const keys = await spreadKeys(inspector, namespace);
    const left = keys.filter((key) => kindOfKey(key) === 'index').length - ROUNDS * 3;
    console.log(
      `spread crash: ${ROUNDS} writers killed; next save took max ${Math.max(...waits)} ms, median ${waits.sort((a, b) => a - b)[waits.length >> 1]} ms; ` +
        `${left} void claims left behind; saves finished before the kill: ${finished.sort((a, b) => a - b).join(' ')}`,
    );
    // A claim in flight is waited for PENDING_MS at most, then fenced: the bound documented in the README.
    expect(Math.max(...waits)).toBeLessThan(PENDING_MS * 2 + 3_000);

    // deleteTokens sweeps the void claims too: no index key is left, and what remains (vetoes
    // that fenced a dead writer) is on its way out, each with a TTL.
    await store.deleteTokens();
    const after = await spreadKeys(inspector, namespace);
    expect(after.filter((key) => kindOfKey(key) !== 'token')).toEqual([]);
    const ttls = await Promise.all(after.map((key) => inspector.pttl(key)));
    expect(ttls.filter((ttl) => ttl < 0)).toEqual([]);
    console.log(`spread crash: after deleteTokens, ${after.length} veto-only keys left, expiring within ${Math.max(0, ...ttls)} ms`);
  }, 120_000);
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
