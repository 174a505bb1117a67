import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { hashKey, isTokenStoreError } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, secretNames, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

function freshNamespace(): string {
  const namespace = `keys_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  return namespace;
}

function userIndexName(namespace: string, user: string): string {
  return `tokens/${namespace}/k/user/${Buffer.from(hashKey(user), 'base64url').toString('hex')}`;
}

/** An index secret as a save of 0.1.x that died after claiming the key would leave it (or, with `entry`, this version's). */
async function plantOrphanClaim(namespace: string, user: string, entry: object = { id: 'ghost', c: 'nonce' }): Promise<void> {
  await test!.raw.send(
    new CreateSecretCommand({
      Name: userIndexName(namespace, user),
      SecretString: JSON.stringify(entry),
      Tags: [{ Key: 'tokens:namespace', Value: namespace }],
    }),
  );
}

function tokenName(namespace: string, id: string): string {
  return `tokens/${namespace}/t/${Buffer.from(hashKey(id), 'base64url').toString('hex')}`;
}

describe.skipIf(!test)('aws-secrets secrets, names and key claims', () => {
  afterEach(async () => {
    if (test) await deleteNamespaces(test.raw, used.splice(0));
  });

  it('keeps every secret under the namespace prefix, tagged as ours, one per token and per key', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1', grantToken: '' });
    const out = await test!.raw.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`tokens/${namespace}/`] }] }));
    const names = (out.SecretList ?? []).map((secret) => secret.Name ?? '').sort();
    expect(names).toHaveLength(4);
    expect(names.filter((name) => name.startsWith(`tokens/${namespace}/t/`))).toHaveLength(1);
    expect(names.filter((name) => name.startsWith(`tokens/${namespace}/k/`))).toHaveLength(3);
    for (const secret of out.SecretList ?? []) expect(secret.Tags).toContainEqual({ Key: 'tokens:namespace', Value: namespace });
  });

  it('deleting a token removes its secrets at once, so the same id and user can be saved again', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    await store.saveToken({ id: 'same-id', userSignature: 'ana@example.com', accessToken: 'at-1' });
    await store.deleteToken('same-id');
    expect(await secretNames(test!.raw, `tokens/${namespace}/`)).toEqual([]);
    const again = await store.saveToken({ id: 'same-id', userSignature: 'ana@example.com', accessToken: 'at-1' });
    expect(again.version).toBe(1);
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe('same-id');
  });

  it('with a recovery window, a deleted token is gone for readers and its id stays reserved', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace, forceDeleteWithoutRecovery: false });
    await store.saveToken({ id: 'kept', userSignature: 'ana@example.com', accessToken: 'at-1' });
    await store.deleteToken('kept');
    expect(await store.findTokenById('kept')).toBeNull();
    expect(await store.findToken({ userSignature: 'ana@example.com' })).toBeNull();
    const error = await store.saveToken({ id: 'kept', accessToken: 'at-2' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    // Index secrets are always deleted for good: the user can be saved under a new id.
    expect((await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-3' })).version).toBe(1);
  });

  it('a save killed after claiming the user for its insert blocks nobody: the next save fences that insert off and takes the key', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    await plantOrphanClaim(namespace, 'ana@example.com', { id: 'ghost', c: 'nonce', v: 1 });
    const started = Date.now();
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' });
    // A lookup waits up to 1 s for an insert in flight, then the insert goes ahead.
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    const index = await test!.raw.send(new GetSecretValueCommand({ SecretId: userIndexName(namespace, 'ana@example.com') }));
    expect(JSON.parse(index.SecretString ?? '{}')).toMatchObject({ id: saved.id, v: 1 });
    // The killed insert can never land now: its token name holds a fence, invisible to readers.
    const fence = await test!.raw.send(new GetSecretValueCommand({ SecretId: tokenName(namespace, 'ghost') }));
    expect(JSON.parse(fence.SecretString ?? '{}')).toMatchObject({ id: 'ghost', fence: true, accessToken: null });
    expect(await store.findTokenById('ghost')).toBeNull();
    expect((await store.getTokens()).map((token) => token.id)).toEqual([saved.id]);
  });

  it('a claim for a version its token already has without the key is void and taken over at once', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    const other = await store.saveToken({ userSignature: 'bob@example.com', accessToken: 'at-bob' });
    // bob's save of version 1 claimed ana's user key too and was killed before it released it.
    await plantOrphanClaim(namespace, 'ana@example.com', { id: other.id, c: 'nonce', v: 1 });
    const started = Date.now();
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-ana' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    expect((await store.findTokenById(other.id))?.version).toBe(1);
  });

  it('an update killed after claiming a new key: a save of that key by another token fences the update (a version, no data) and takes it', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    const bob = await store.saveToken({ userSignature: 'bob@example.com', accessToken: 'at-bob' });
    await plantOrphanClaim(namespace, 'ana@example.com', { id: bob.id, c: 'nonce', v: 2 });
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-ana' });
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    expect(await store.findTokenById(bob.id)).toMatchObject({ version: 2, userSignature: 'bob@example.com', accessToken: 'at-bob' });
    expect((await store.findToken({ accessToken: 'at-bob' }))?.id).toBe(bob.id);
  });

  it('the same save retried after its writer was killed shares the claim it left', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' });
    const accessIndex = `tokens/${namespace}/k/access/${Buffer.from(hashKey('at-2'), 'base64url').toString('hex')}`;
    await test!.raw.send(
      new CreateSecretCommand({
        Name: accessIndex,
        SecretString: JSON.stringify({ id: saved.id, c: 'killed-nonce', v: 2 }),
        Tags: [{ Key: 'tokens:namespace', Value: namespace }],
      }),
    );
    expect((await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2' })).version).toBe(2);
    expect((await store.findToken({ accessToken: 'at-2' }))?.id).toBe(saved.id);
    expect(JSON.parse((await test!.raw.send(new GetSecretValueCommand({ SecretId: accessIndex }))).SecretString ?? '{}').c).toBe(
      'killed-nonce',
    );
  });

  it('a release killed between its tombstone and its deletion blocks nobody', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    await plantOrphanClaim(namespace, 'ana@example.com', { id: null, c: 'nonce', d: 1 });
    const started = Date.now();
    expect((await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' })).version).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a fresh claim of 0.1.x (no version recorded) left by a save in flight blocks the key: CONFLICT, nothing written', async () => {
    const namespace = freshNamespace();
    // Each lookup of the save waits up to 1 s for the claimed token to appear.
    await using store = createAwsSecretsStore({ ...test!.config, namespace, operationTimeoutMs: 8000 });
    await plantOrphanClaim(namespace, 'ana@example.com');
    const error = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expect(await store.getTokens()).toEqual([]);
  }, 20_000);

  it('a claim of 0.1.x older than staleClaimMs whose token never appeared is taken over', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace, staleClaimMs: 0 });
    await plantOrphanClaim(namespace, 'ana@example.com');
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' });
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    const index = await test!.raw.send(new GetSecretValueCommand({ SecretId: userIndexName(namespace, 'ana@example.com') }));
    expect(JSON.parse(index.SecretString ?? '{}').id).toBe(saved.id);
  });

  it('an index pointing at a token that does not hold the key finds nothing', async () => {
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ ...test!.config, namespace, staleClaimMs: 0 });
    await plantOrphanClaim(namespace, 'ana@example.com');
    expect(await store.findToken({ userSignature: 'ana@example.com' })).toBeNull();
  });
});
