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

/** An index secret as a save that died after claiming the key would leave it. */
async function plantOrphanClaim(namespace: string, user: string): Promise<void> {
  await test!.raw.send(
    new CreateSecretCommand({
      Name: userIndexName(namespace, user),
      SecretString: JSON.stringify({ id: 'ghost', c: 'nonce' }),
      Tags: [{ Key: 'tokens:namespace', Value: namespace }],
    }),
  );
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

  it('a fresh claim left by a save in flight blocks the key: CONFLICT, nothing written', async () => {
    const namespace = freshNamespace();
    // Lookups wait up to half the operation timeout for the claimed token to appear.
    await using store = createAwsSecretsStore({ ...test!.config, namespace, operationTimeoutMs: 2000 });
    await plantOrphanClaim(namespace, 'ana@example.com');
    const error = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1' }).catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'CONFLICT')).toBe(true);
    expect(await store.getTokens()).toEqual([]);
  }, 20_000);

  it('a claim older than staleClaimMs whose token never appeared is taken over', async () => {
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
