import { randomBytes } from 'node:crypto';
import { createTokenStore, isTokenStoreError, type OAuthToken, type TokenStore } from '@tokens/core';
import { INJECTION_STRINGS } from '@tokens/core/conformance';
import { startRedis, startRedisCluster } from '@tokens/test-servers';
import type { Command } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRedisStore, KeySpace, RedisBackend } from '../src/index.js';
import { Cluster, missingServer, namespaceKeys, Redis, rawTokens } from './helpers.js';

const [server, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
const opened: TokenStore[] = [];
const clients: (Redis | Cluster)[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([server?.dispose(), cluster?.dispose()]);
});

const freshNamespace = () => `lay_${randomBytes(6).toString('hex')}`;
const token = (overrides: OAuthToken = {}): OAuthToken => ({
  userSignature: `user-${randomBytes(6).toString('hex')}@example.com`,
  clientId: '1000.CLIENT',
  clientSecret: 'secret',
  refreshToken: `rt-${randomBytes(8).toString('hex')}`,
  accessToken: `at-${randomBytes(8).toString('hex')}`,
  expiryTime: 1_900_000_000_000,
  ...overrides,
});
function track<T extends Redis | Cluster>(client: T): T {
  clients.push(client);
  return client;
}
function open(store: TokenStore): TokenStore {
  opened.push(store);
  return store;
}

/** Records the name of every command the client sends, as the server receives them. */
function recordCommands(client: Redis): string[] {
  const names: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: Command, ...rest: unknown[]) => {
    names.push(command.name.toLowerCase());
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return names;
}

describe.skipIf(!cluster)('redis layout in a cluster', () => {
  it('every key of a namespace hashes to one slot, whatever the ids and values', async () => {
    if (!cluster) return;
    const namespace = freshNamespace();
    const client = track(new Cluster(cluster.nodes));
    const store = open(createRedisStore({ client, namespace }));
    for (const text of INJECTION_STRINGS) {
      await store.saveToken(token({ id: text, userSignature: text, accessToken: `{${text}}`, grantToken: `}${text}{` }));
    }
    const keys = await namespaceKeys(client, namespace);
    expect(keys.length).toBe(1 + INJECTION_STRINGS.length * 5);
    const slots = new Set<number>();
    for (const key of keys) slots.add(Number(await client.cluster('KEYSLOT', key)));
    expect([...slots]).toEqual([Number(await client.cluster('KEYSLOT', `{${namespace}}`))]);
  });
});

describe.skipIf(!server)('redis layout', () => {
  const url = server?.url ?? '';
  const inspector = server ? track(new Redis(url)) : (undefined as unknown as Redis);

  it('keys are the documented ones: a hash per token, an index key per unique value, one ids set', async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    const saved = await store.saveToken(token({ grantToken: null }));
    const keys = new KeySpace(namespace);
    expect(await namespaceKeys(inspector, namespace)).toEqual(
      [
        keys.token(saved.id),
        keys.ids,
        keys.index('user', saved.userSignature ?? ''),
        keys.index('access', saved.accessToken ?? ''),
        keys.index('refresh', saved.refreshToken ?? ''),
      ].sort(),
    );
  });

  it('null fields are left out of the hash and "" is stored as ""', async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    await store.saveToken(token({ redirectUrl: null, apiDomain: '', clientId: 'a\u0000b\u{1F600}' }));
    const [hash] = await rawTokens(inspector, namespace);
    expect(hash).toBeDefined();
    expect(hash).not.toHaveProperty('redirectUrl');
    expect(hash?.apiDomain).toBe('');
    expect(hash?.clientId).toBe('a\u0000b\u{1F600}');
  });

  it('an update moves the index keys: the old value finds nothing and leaves no key', async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    const first = await store.saveToken(token());
    const before = await namespaceKeys(inspector, namespace);
    const updated = await store.saveToken({ userSignature: first.userSignature, accessToken: 'at-new', refreshToken: null });
    expect(await store.findToken({ accessToken: first.accessToken })).toBeNull();
    expect((await store.findToken({ accessToken: 'at-new' }))?.id).toBe(first.id);
    const keys = new KeySpace(namespace);
    const after = await namespaceKeys(inspector, namespace);
    expect(after).not.toContain(keys.index('access', first.accessToken ?? ''));
    expect(after).not.toContain(keys.index('refresh', first.refreshToken ?? ''));
    expect(after).toContain(keys.index('access', 'at-new'));
    expect(after.length).toBe(before.length - 1);
    expect(updated.version).toBe(2);
  });

  it('deleting every token leaves no key behind', async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.saveToken(token({ grantToken: `gt-${i}` }))).id);
    await store.saveToken({ id: ids[0], accessToken: 'changed', refreshToken: 'changed too' });
    for (const id of ids) await store.deleteToken(id);
    expect(await namespaceKeys(inspector, namespace)).toEqual([]);
  });

  it('deleteTokens leaves no key behind and a neighbouring namespace untouched', async () => {
    const namespace = freshNamespace();
    const neighbour = `${namespace}_2`;
    const store = open(createRedisStore({ url, namespace }));
    const other = open(createRedisStore({ url, namespace: neighbour }));
    for (let i = 0; i < 3; i++) {
      await store.saveToken(token());
      await other.saveToken(token());
    }
    const neighbourKeys = await namespaceKeys(inspector, neighbour);
    await store.deleteTokens();
    expect(await namespaceKeys(inspector, namespace)).toEqual([]);
    expect(await namespaceKeys(inspector, neighbour)).toEqual(neighbourKeys);
    expect(await other.getTokens()).toHaveLength(3);
  });

  it('listing and clearing a namespace larger than one batch', async () => {
    const namespace = freshNamespace();
    const client = track(new Redis(url));
    const store = open(createTokenStore(new RedisBackend(client, { namespace, owned: false, operationTimeoutMs: 5_000, batchSize: 7 })));
    const ids = new Set<string>();
    for (let i = 0; i < 60; i++) ids.add((await store.saveToken(token())).id);
    expect(new Set((await store.getTokens()).map((saved) => saved.id))).toEqual(ids);
    await store.deleteTokens();
    expect(await store.getTokens()).toEqual([]);
    expect(await namespaceKeys(inspector, namespace)).toEqual([]);
  });

  it('findToken and findTokenById take one round trip each', async () => {
    const namespace = freshNamespace();
    const client = track(new Redis(url));
    const store = open(createRedisStore({ client, namespace }));
    const saved = await store.saveToken(token());
    await store.findToken({ userSignature: saved.userSignature });
    const commands = recordCommands(client);
    expect((await store.findToken({ userSignature: saved.userSignature }))?.id).toBe(saved.id);
    expect((await store.findToken({ accessToken: saved.accessToken }))?.id).toBe(saved.id);
    expect(await store.findToken({ userSignature: 'nobody' })).toBeNull();
    expect(commands).toEqual(['evalsha', 'evalsha', 'evalsha']);
    commands.length = 0;
    await store.findTokenById(saved.id);
    expect(commands).toEqual(['hgetall']);
  });

  it('saves and deletes are one script call each', async () => {
    const namespace = freshNamespace();
    const client = track(new Redis(url));
    const store = open(createRedisStore({ client, namespace }));
    const warmUp = await store.saveToken(token());
    await store.saveToken({ id: warmUp.id, accessToken: 'warm' });
    await store.deleteToken(warmUp.id);
    const commands = recordCommands(client);
    const saved = await store.saveToken(token());
    // One script looks the token up (by id, then by user) and inserts or updates it.
    expect(commands).toEqual(['evalsha']);
    commands.length = 0;
    await store.saveToken({ id: saved.id, accessToken: 'new' });
    expect(commands).toEqual(['evalsha']);
    commands.length = 0;
    await store.saveToken({ userSignature: saved.userSignature, accessToken: 'newer', version: 2 });
    expect(commands).toEqual(['evalsha']);
    commands.length = 0;
    await store.deleteToken(saved.id);
    expect(commands).toEqual(['evalsha']);
  });

  it('no operation uses KEYS or SCAN', async () => {
    const namespace = freshNamespace();
    const client = track(new Redis(url));
    const store = open(createRedisStore({ client, namespace }));
    await client.ping();
    const commands = recordCommands(client);
    const saved = await store.saveToken(token());
    await store.saveToken({ userSignature: saved.userSignature, accessToken: 'again' });
    await store.findToken({ userSignature: saved.userSignature });
    await store.getTokens();
    await store.deleteToken(saved.id);
    await store.deleteTokens();
    expect(commands.length).toBeGreaterThan(5);
    expect(commands.filter((name) => !['evalsha', 'eval', 'hgetall'].includes(name))).toEqual([]);
  });

  it('scripts flushed from the server are reloaded transparently', async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    const saved = await store.saveToken(token());
    await inspector.script('FLUSH');
    expect((await store.findToken({ userSignature: saved.userSignature }))?.id).toBe(saved.id);
    expect((await store.saveToken({ id: saved.id, accessToken: 'after flush' })).version).toBe(2);
  });

  it("a token hash altered behind the store's back reads as CORRUPT", async () => {
    const namespace = freshNamespace();
    const store = open(createRedisStore({ url, namespace }));
    const saved = await store.saveToken(token());
    const key = new KeySpace(namespace).token(saved.id);
    await inspector.hset(key, 'version', 'not a number');
    await expect(store.findTokenById(saved.id)).rejects.toSatisfy((error) => isTokenStoreError(error, 'CORRUPT'));
    await inspector.del(key);
    await inspector.set(key, 'a string, not a hash');
    await expect(store.findTokenById(saved.id)).rejects.toSatisfy((error) => isTokenStoreError(error, 'CORRUPT'));
  });

  it('a client given by the caller stays open after the store closes', async () => {
    const client = track(new Redis(url));
    const store = createRedisStore({ client, namespace: freshNamespace() });
    await store.saveToken(token());
    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });
});

if (!server && !cluster) it.skip(missingServer('redis-server'), () => {});
