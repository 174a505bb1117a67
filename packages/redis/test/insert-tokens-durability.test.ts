import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { insertTokens, isTokenStoreError, type TokenStore } from '@tokens/core';
import { describeInsertTokens, startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { dropNamespaces, missingServer, Redis } from './helpers.js';

// A primary with one replica (standalone Redis), as in durability.test.ts: WAIT counts it.
const [primary, replica] = await Promise.all([startRedis(), startRedis()]);
afterAll(async () => {
  await Promise.all([primary?.dispose(), replica?.dispose()]);
});

describe.skipIf(!primary || !replica || primary.external)('insertTokens with durability on a replicated standalone Redis', async () => {
  if (!primary || !replica) return;
  const admin = new Redis(replica.port, primary.host);
  await admin.replicaof(primary.host, primary.port);
  for (let i = 0; i < 200 && !(await admin.info('replication')).includes('master_link_status:up'); i++) await delay(50);
  const inspector = new Redis(primary.url);
  afterAll(() => {
    admin.disconnect();
    inspector.disconnect();
  });

  // The whole harness with a WAIT at the end of every batch's pipeline.
  describeInsertTokens({
    name: 'redis (standalone, durability: 1 replica)',
    open: (namespace) => createRedisStore({ url: primary.url, namespace, durability: { replicas: 1, timeoutMs: 500 } }),
    cleanup: (namespaces) => dropNamespaces(inspector, namespaces),
  });

  const opened: TokenStore[] = [];
  const namespaces: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await dropNamespaces(inspector, namespaces.splice(0));
  });
  const open = (url: string, namespace: string, replicas?: number) => {
    const store = createRedisStore({ url, namespace, ...(replicas ? { durability: { replicas, timeoutMs: 200 } } : {}) });
    opened.push(store);
    return store;
  };
  const fresh = () => {
    const namespace = `dub_${randomBytes(6).toString('hex')}`;
    namespaces.push(namespace);
    return namespace;
  };
  const tokens = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ userSignature: `user-${i}@example.com`, accessToken: `secret-at-${i}` }));

  it('a confirmed batch is acknowledged, and the replica has every record', async () => {
    const namespace = fresh();
    const results = await insertTokens(open(primary.url, namespace, 1), tokens(300));
    expect(results.every((result) => result?.version === 1)).toBe(true);
    expect(await open(replica.url, namespace).getTokens()).toHaveLength(300);
  });

  it('a batch fewer replicas confirmed fails with UNAVAILABLE, says it landed, and inserting again reports duplicates', async () => {
    const namespace = fresh();
    const error = await insertTokens(open(primary.url, namespace, 2), tokens(50)).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /landed on the Redis master but was not confirmed by 2 replica\(s\) within 200 ms \(1 acknowledged\)/,
    );
    expect((error as Error).message).not.toContain('secret-at-');
    const plain = open(primary.url, namespace);
    expect(await plain.getTokens()).toHaveLength(50);
    expect((await insertTokens(plain, tokens(50))).every((result) => result === null)).toBe(true);
  });

  it('a batch that inserts nothing (all duplicates) needs no confirmation', async () => {
    const namespace = fresh();
    await insertTokens(open(primary.url, namespace), tokens(20));
    const results = await insertTokens(open(primary.url, namespace, 2), tokens(20));
    expect(results.every((result) => result === null)).toBe(true);
  });
});

if (!primary || !replica) it.skip(missingServer('redis-server'), () => {});
