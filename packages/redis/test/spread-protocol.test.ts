import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { isTokenStoreError, type OAuthToken, type StoredToken, type TokenStore } from '@tokens/core';
import { expectRefusalWithoutSecrets, secretsOf, startRedis } from '@tokens/test-servers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeToken } from '../src/codec.js';
import { createRedisStore, SpreadKeySpace } from '../src/index.js';
import { PENDING_MS } from '../src/spread/backend.js';
import { parseClaim } from '../src/spread/claims.js';
import { defineSpreadScripts } from '../src/spread/scripts.js';
import { missingServer, Redis } from './helpers.js';
import { kindOfKey, spreadKeys } from './spread-helpers.js';

// The steps of the claim protocol, driven one by one on a standalone server (the protocol does
// not care whether the slots are on one master or several), and the store's behaviour around them.
const server = await startRedis();
const opened: TokenStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});
afterAll(() => server?.dispose());

type Script = (...args: (string | number)[]) => Promise<unknown>;
const hex = () => randomBytes(6).toString('hex');

describe.skipIf(!server)('redis spread layout: the claim protocol step by step', () => {
  if (!server) return;
  const inspector = new Redis(server.url);
  defineSpreadScripts(inspector);
  const script = (name: string) => (inspector as unknown as Record<string, Script>)[name]!.bind(inspector);
  afterAll(() => inspector.disconnect());
  const open = (namespace: string, options: { operationTimeoutMs?: number } = {}) => {
    const store = createRedisStore({ url: server.url, namespace, layout: 'spread', ...options });
    opened.push(store);
    return store;
  };
  const setup = () => {
    const namespace = `sppr_${hex()}`;
    return { namespace, keys: new SpreadKeySpace(namespace), store: open(namespace) };
  };
  /** A writer's first step, then nothing: what a writer killed after claiming leaves. */
  const claimAndDie = async (keys: SpreadKeySpace, kind: 'user' | 'access', value: string, id: string, version: number) => {
    const nonce = `dead${hex()}`;
    const [written, text] = (await script('tokensSpreadClaim')(1, keys.index(kind, value), keys.ref(id), version, nonce, 5_000, '')) as [
      number,
      string,
    ];
    expect(written).toBe(1);
    return parseClaim(text);
  };
  const record = (id: string, version: number, user: string, access: string): StoredToken => ({
    id,
    version,
    userSignature: user,
    clientId: null,
    clientSecret: null,
    redirectUrl: null,
    grantToken: null,
    refreshToken: null,
    accessToken: access,
    expiryTime: null,
    apiDomain: null,
  });

  it('an insert that claimed and died: the next save waits for it (bounded), fences it, and its late write is refused', async () => {
    const { keys, store } = setup();
    const deadId = `dead-${hex()}`;
    const claim = await claimAndDie(keys, 'user', 'ann', deadId, 1);
    const started = Date.now();
    const saved = await store.saveToken({ userSignature: 'ann', accessToken: 'at-live' });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(PENDING_MS - 200);
    expect(await store.findToken({ userSignature: 'ann' })).toMatchObject({ id: saved.id, accessToken: 'at-live' });
    // The dead writer wakes up and writes its token under its claim: vetoed.
    const ref = keys.ref(deadId);
    const late = [...encodeToken(record(deadId, 1, 'ann', 'at-dead')), 'c:user', claim.nonce];
    expect(
      await script('tokensSpreadInsert')(2, keys.tokenByRef(ref), keys.bucketSetOf(ref), ref, claim.until, 1, claim.nonce, ...late),
    ).toBe(-1);
    expect((await store.getTokens()).map((token) => token.id)).toEqual([saved.id]);
  });

  it('an update that claimed and died: fenced without costing a version, its late write refused', async () => {
    const { keys, store } = setup();
    const saved = await store.saveToken({ userSignature: 'bob', accessToken: 'at-1' });
    const claim = await claimAndDie(keys, 'access', 'at-dead', saved.id, 2);
    // Another save of the same token (a new access token of its own) does not wait: it claims another value.
    expect(await store.saveToken({ userSignature: 'bob', accessToken: 'at-2' })).toMatchObject({ version: 2 });
    // A save of that very value: the dead claim is void (its token moved past the version it was for).
    const other = await store.saveToken({ userSignature: 'carl', accessToken: 'at-dead' });
    expect(await store.findToken({ accessToken: 'at-dead' })).toMatchObject({ id: other.id });
    const ref = keys.ref(saved.id);
    const late = [...encodeToken(record(saved.id, 2, 'bob', 'at-dead'))];
    const result = await script('tokensSpreadUpdate')(
      2,
      keys.tokenByRef(ref),
      keys.bucketSetOf(ref),
      ref,
      1,
      claim.until,
      '=',
      claim.nonce,
      '',
      '',
      ...late,
    );
    expect(result).toEqual([0]);
    expect(await store.findToken({ userSignature: 'bob' })).toMatchObject({ version: 2, accessToken: 'at-2' });
  });

  it('a pending update claim is fenced by a veto: the token keeps its version and data', async () => {
    const { keys, store } = setup();
    const saved = await store.saveToken({ userSignature: 'dan', accessToken: 'at-1' });
    const claim = await claimAndDie(keys, 'access', 'at-wanted', saved.id, 2);
    // Another token wants the value while the claim is pending: waits, then fences (a veto, no new version).
    const other = await store.saveToken({ userSignature: 'eve', accessToken: 'at-wanted' });
    expect(await store.findToken({ accessToken: 'at-wanted' })).toMatchObject({ id: other.id });
    const ref = keys.ref(saved.id);
    expect(await store.findTokenById(saved.id)).toMatchObject({ version: 1, accessToken: 'at-1' });
    expect(await inspector.hget(keys.tokenByRef(ref), `x:${claim.nonce}`)).not.toBeNull();
    const late = [...encodeToken(record(saved.id, 2, 'dan', 'at-wanted'))];
    const result = await script('tokensSpreadUpdate')(
      2,
      keys.tokenByRef(ref),
      keys.bucketSetOf(ref),
      ref,
      1,
      claim.until,
      '=',
      claim.nonce,
      '',
      '',
      ...late,
    );
    expect(result).toEqual([-1]);
    // The next real save of the token drops the veto once it has expired; until then it is kept.
    expect(await store.saveToken({ userSignature: 'dan', accessToken: 'at-3' })).toMatchObject({ version: 2 });
    expect(await inspector.hget(keys.tokenByRef(ref), `x:${claim.nonce}`)).not.toBeNull();
  });

  it("deleteTokens sweeps the claims of writers that died, and a dead writer's late write is refused after it", async () => {
    const { keys, store, namespace } = setup();
    await store.saveToken({ userSignature: 'hal', accessToken: 'at-h' });
    const deadId = `dead-${hex()}`;
    const claim = await claimAndDie(keys, 'user', 'ida', deadId, 1);
    await claimAndDie(keys, 'access', 'at-of-nobody', `dead-${hex()}`, 1);
    // Another namespace's claim (a name that shares the prefix) is not this store's to sweep.
    const neighbour = new SpreadKeySpace(`${namespace}x`);
    await claimAndDie(neighbour, 'user', 'ida', deadId, 1);
    await store.deleteTokens();
    expect((await spreadKeys(inspector, namespace)).filter((key) => kindOfKey(key) === 'index')).toEqual([]);
    expect(await inspector.exists(neighbour.index('user', 'ida'))).toBe(1);
    const ref = keys.ref(deadId);
    const late = [...encodeToken(record(deadId, 1, 'ida', 'at-dead')), 'c:user', claim.nonce];
    expect(
      await script('tokensSpreadInsert')(2, keys.tokenByRef(ref), keys.bucketSetOf(ref), ref, claim.until, 1, claim.nonce, ...late),
    ).toBe(-1);
    expect(await store.getTokens()).toEqual([]);
    await inspector.del(neighbour.index('user', 'ida'));
  });

  it('a write after the deadline of its claims is refused', async () => {
    const { keys } = setup();
    const id = `late-${hex()}`;
    const ref = keys.ref(id);
    const fields = [...encodeToken(record(id, 1, 'fay', 'at-f')), 'c:user', 'n1'];
    const past = Date.now() - 60_000;
    expect(await script('tokensSpreadInsert')(2, keys.tokenByRef(ref), keys.bucketSetOf(ref), ref, past, 1, 'n1', ...fields)).toBe(-2);
    expect(await inspector.exists(keys.tokenByRef(ref))).toBe(0);
  });

  it('a lookup ignores a claim whose token does not hold the value', async () => {
    const { keys, store } = setup();
    const saved = await store.saveToken({ userSignature: 'gus', accessToken: 'at-g' });
    // An index key pointing at a token that holds another value (data altered behind the store's back).
    await inspector.set(keys.index('user', 'not-gus'), `${keys.ref(saved.id)} 1 nonce 1 1`);
    expect(await store.findToken({ userSignature: 'not-gus' })).toBeNull();
    // ...and the next claimant takes it over at once.
    const other = await store.saveToken({ userSignature: 'not-gus', accessToken: 'at-ng' });
    expect(await store.findToken({ userSignature: 'not-gus' })).toMatchObject({ id: other.id });
  });

  it('racing first saves of one user in one process end as one record', async () => {
    const { namespace, store } = setup();
    const second = open(namespace);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? store : second).saveToken({ userSignature: 'hal', accessToken: `at-${i}` })),
    );
    expect(new Set(results.map((token) => token.id)).size).toBe(1);
    expect(await store.getTokens()).toHaveLength(1);
    const keys = await spreadKeys(inspector, namespace);
    expect(keys.filter((key) => kindOfKey(key) === 'index')).toHaveLength(2);
  });

  it('a corrupt claim is CORRUPT, a key of the wrong type is CORRUPT, without a secret', async () => {
    const { keys, store } = setup();
    await inspector.set(keys.index('user', 'ivy'), 'garbage');
    const lookup: OAuthToken = { userSignature: 'ivy', accessToken: `secret-${hex()}` };
    await expectRefusalWithoutSecrets(store.findToken(lookup), { code: 'CORRUPT', secrets: secretsOf(lookup), what: 'corrupt claim' });
    const token: OAuthToken = { userSignature: `jo-${hex()}`, accessToken: `1000.access-${hex()}`, refreshToken: `1000.refresh-${hex()}` };
    // Its bucket set becomes a string: the insert script's SADD fails with WRONGTYPE.
    const id = `id-${hex()}`;
    await inspector.set(keys.bucketSetOf(keys.ref(id)), 'not a set');
    await expectRefusalWithoutSecrets(store.saveToken({ ...token, id }), { code: 'CORRUPT', secrets: secretsOf(token), what: 'WRONGTYPE' });
    // The failed write's claims are abandoned in the background: fenced (a veto key that expires), then released.
    const claims = [
      keys.index('user', token.userSignature!),
      keys.index('access', token.accessToken!),
      keys.index('refresh', token.refreshToken!),
    ];
    for (let waited = 0; (await inspector.exists(...claims)) > 0 && waited < 3_000; waited += 50) await delay(50);
    expect(await inspector.exists(...claims)).toBe(0);
    expect(await inspector.hexists(keys.tokenByRef(keys.ref(id)), 'id')).toBe(0);
    expect(await inspector.pttl(keys.tokenByRef(keys.ref(id)))).toBeGreaterThan(0);
  });

  it('an unknown layout is INVALID_OPTIONS', () => {
    expect(() => createRedisStore({ url: server.url, layout: 'sharded' as 'spread' })).toThrow(
      expect.toSatisfy((error) => isTokenStoreError(error, 'INVALID_OPTIONS')),
    );
  });
});

if (!server) it.skip(missingServer('redis-server'), () => {});
