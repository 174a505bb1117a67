import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isTokenStoreError, type TokenStore } from '@tokens/core';
import { startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index.js';
import { missingServer, Redis } from './helpers.js';

const invalidOptions = (error: unknown) => isTokenStoreError(error, 'INVALID_OPTIONS');

describe('durability option', () => {
  it('rejects replicas and timeouts that are not positive integers, and a wait as long as the operation', () => {
    for (const durability of [{ replicas: 0 }, { replicas: 1.5 }, { replicas: 1, timeoutMs: 0 }, { replicas: 1, timeoutMs: 5_000 }, null]) {
      expect(() => createRedisStore({ durability: durability as never })).toThrow(expect.toSatisfy(invalidOptions));
    }
    expect(() => createRedisStore({ operationTimeoutMs: 1_000, durability: { replicas: 1, timeoutMs: 1_000 } })).toThrow(
      expect.toSatisfy(invalidOptions),
    );
  });
});

// A primary with one replica (standalone Redis): WAIT counts it.
const [primary, replica] = await Promise.all([startRedis(), startRedis()]);
afterAll(async () => {
  await Promise.all([primary?.dispose(), replica?.dispose()]);
});

describe.skipIf(!primary || !replica || primary.external)('durability on a replicated standalone Redis', async () => {
  if (!primary || !replica) return;
  const admin = new Redis(replica.port, primary.host);
  await admin.replicaof(primary.host, primary.port);
  for (let i = 0; i < 200 && !(await admin.info('replication')).includes('master_link_status:up'); i++) await delay(50);
  afterAll(() => admin.disconnect());

  const opened: TokenStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  const open = (replicas: number) => {
    const namespace = `du_${randomBytes(6).toString('hex')}`;
    const store = createRedisStore({ url: primary.url, namespace, durability: { replicas, timeoutMs: 200 } });
    opened.push(store);
    return store;
  };

  it('a save confirmed by the replica is acknowledged, and the replica has it', async () => {
    const store = open(1);
    const saved = await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'at-1' });
    await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'at-2' });
    const onReplica = createRedisStore({ url: replica.url, namespace: store.namespace });
    opened.push(onReplica);
    expect(await onReplica.findTokenById(saved.id)).toMatchObject({ accessToken: 'at-2', version: 2 });
    await store.deleteToken(saved.id);
    expect(await onReplica.findTokenById(saved.id)).toBeNull();
  });

  it('a save fewer replicas confirmed fails with UNAVAILABLE, says it landed, and saving again is safe', async () => {
    const store = open(2);
    const error = await store.saveToken({ userSignature: 'bob@example.com', accessToken: 'at-1' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /landed on the Redis master but was not confirmed by 2 replica\(s\) within 200 ms \(1 acknowledged\)/,
    );
    expect((error as Error).message).not.toContain('at-1');
    // It did land: a plain store sees it, and saving again updates that one record.
    const plain = createRedisStore({ url: primary.url, namespace: store.namespace });
    opened.push(plain);
    expect(await plain.findToken({ userSignature: 'bob@example.com' })).toMatchObject({ accessToken: 'at-1', version: 1 });
    await plain.saveToken({ userSignature: 'bob@example.com', accessToken: 'at-2' });
    expect(await plain.getTokens()).toHaveLength(1);
  });

  it('a save that changes nothing, or that a compare-and-set refuses, needs no confirmation', async () => {
    const plain = createRedisStore({ url: primary.url, namespace: `du_${randomBytes(6).toString('hex')}` });
    opened.push(plain);
    const saved = await plain.saveToken({ userSignature: 'carol@example.com', accessToken: 'at-1' });
    const strict = createRedisStore({ url: primary.url, namespace: plain.namespace, durability: { replicas: 2, timeoutMs: 200 } });
    opened.push(strict);
    expect(await strict.saveToken({ userSignature: 'carol@example.com', accessToken: 'at-1' })).toMatchObject({ version: 1 });
    await plain.saveToken({ id: saved.id, accessToken: 'at-2' });
    const stale = strict.saveToken({ id: saved.id, accessToken: 'at-3', version: 1 });
    await expect(stale).rejects.toSatisfy((failure) => isTokenStoreError(failure, 'CONFLICT'));
  });
});

if (!primary || !replica) it.skip(missingServer('redis-server'), () => {});
