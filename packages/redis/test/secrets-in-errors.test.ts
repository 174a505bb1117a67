import { randomBytes } from 'node:crypto';
import type { OAuthToken, TokenStore } from '@tokens/core';
import { expectRefusalWithoutSecrets, secretsOf, startRedis, startRedisCluster } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore, KeySpace } from '../src/index.js';
import { Cluster, Redis } from './helpers.js';

// Real refusals by a real Redis: ioredis' ReplyError carries `command.args`, the script's
// arguments, which hold every field of the token being written.
const server = await startRedis();
const cluster = await startRedisCluster();
afterAll(async () => {
  await server?.dispose();
  await cluster?.dispose();
});

const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

const hex = () => randomBytes(8).toString('hex');
const freshNamespace = () => `sie_${randomBytes(6).toString('hex')}`;
const token = (): OAuthToken => ({
  userSignature: `user-${hex()}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: `client-secret-${hex()}`,
  grantToken: `1000.grant-${hex()}`,
  refreshToken: `1000.refresh-${hex()}`,
  accessToken: `1000.access-${hex()}`,
});

describe.skipIf(!server)('redis: no secret in errors provoked from a real server', () => {
  if (!server) return;
  const inspector = new Redis(server.url);
  afterAll(() => inspector.disconnect());
  const open = (namespace: string) => {
    const store = createRedisStore({ url: server.url, namespace, operationTimeoutMs: 5_000 });
    opened.push(store);
    return store;
  };

  it('WRONGTYPE on an insert and on an update (a key of the namespace holds a string)', async () => {
    const namespace = freshNamespace();
    const store = open(namespace);
    const first = token();
    const saved = await store.saveToken(first);
    // The set of refs becomes a string: every write script's SADD now fails with WRONGTYPE.
    const keys = new KeySpace(namespace);
    await inspector.del(keys.ids);
    await inspector.set(keys.ids, 'not a set');

    const second = token();
    await expectRefusalWithoutSecrets(store.saveToken(second), {
      code: 'CORRUPT',
      secrets: secretsOf(second),
      what: 'insert refused with WRONGTYPE',
    });

    const rotated = { ...saved, refreshToken: `1000.refresh-${hex()}`, accessToken: `1000.access-${hex()}` };
    const updateError = await expectRefusalWithoutSecrets(store.saveToken(rotated), {
      code: 'CORRUPT',
      secrets: [...secretsOf(first), ...secretsOf(rotated)],
      what: 'update refused with WRONGTYPE',
    });
    // Still useful for debugging: the cause says which driver error it was.
    expect((updateError as Error).cause).toMatchObject({ name: 'ReplyError' });
    await inspector.del(keys.ids);
  });

  it('OOM with maxmemory reached and noeviction', async () => {
    const store = open(freshNamespace());
    await store.saveToken(token());
    const [, policy] = (await inspector.config('GET', 'maxmemory-policy')) as [string, string];
    await inspector.config('SET', 'maxmemory-policy', 'noeviction');
    await inspector.config('SET', 'maxmemory', '1');
    try {
      const refused = token();
      await expectRefusalWithoutSecrets(store.saveToken(refused), {
        code: 'UNAVAILABLE',
        secrets: secretsOf(refused),
        what: 'save refused with OOM',
        also: (error) => expect((error as Error).message).toMatch(/OOM/),
      });
    } finally {
      await inspector.config('SET', 'maxmemory', '0');
      await inspector.config('SET', 'maxmemory-policy', policy);
    }
  });
});

describe.skipIf(!cluster)('redis cluster: no secret in errors provoked from a real server', () => {
  if (!cluster) return;
  const inspector = new Cluster(cluster.nodes);
  afterAll(() => inspector.disconnect());

  it('WRONGTYPE on an insert', async () => {
    const namespace = freshNamespace();
    const store = createRedisStore({ cluster: { nodes: cluster.nodes }, namespace, operationTimeoutMs: 5_000 });
    opened.push(store);
    await store.saveToken(token());
    const keys = new KeySpace(namespace);
    await inspector.del(keys.ids);
    await inspector.set(keys.ids, 'not a set');
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'CORRUPT',
      secrets: secretsOf(refused),
      what: 'cluster insert refused with WRONGTYPE',
    });
    await inspector.del(keys.ids);
  });
});
