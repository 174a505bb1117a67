import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isTokenStoreError } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, secretNames, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

function freshNamespace(): string {
  const namespace = `calls_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  return namespace;
}

/** A client that records the name of every command sent through it (once per send, retries aside). */
function countingClient(): { client: SecretsManagerClient; sent: string[] } {
  const client = new SecretsManagerClient({ ...test!.config });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, sent };
}

const WRITES = new Set(['CreateSecret', 'PutSecretValue', 'DeleteSecret', 'UpdateSecret', 'UpdateSecretVersionStage', 'TagResource']);

describe.skipIf(!test)('aws-secrets call counts (moto or TOKENS_TEST_AWS=1)', () => {
  afterEach(async () => {
    if (test) await deleteNamespaces(test.raw, used.splice(0));
  });

  it('findTokenById makes one GetSecretValue; findToken by any key makes two, and neither lists', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    sent.length = 0;
    expect((await store.findTokenById(saved.id))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetSecretValue']);
    sent.length = 0;
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetSecretValue', 'GetSecretValue']);
    sent.length = 0;
    expect((await store.findToken({ refreshToken: 'rt-1', clientId: 'c', clientSecret: 's' }))?.id).toBe(saved.id);
    expect(sent).toEqual(['GetSecretValue', 'GetSecretValue']);
    sent.length = 0;
    expect(await store.findToken({ userSignature: 'nobody@example.com' })).toBeNull();
    expect(sent).toEqual(['GetSecretValue']);
    client.destroy();
  });

  it('a new token costs one CreateSecret per key plus one for the token, after one lookup', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(sent).toEqual(['GetSecretValue', 'CreateSecret', 'CreateSecret', 'CreateSecret', 'CreateSecret']);
    client.destroy();
  });

  it('a save that changes no key writes the token secret once, and a save that changes nothing writes nothing', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    const saved = await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    sent.length = 0;
    await store.saveToken({ userSignature: 'ana@example.com', expiryTime: 42 });
    expect(sent.filter((name) => WRITES.has(name))).toEqual(['PutSecretValue']);
    sent.length = 0;
    // A save that changes nothing is a no-op in core: one lookup, no write, same version.
    const same = await store.saveToken({ userSignature: 'ana@example.com', expiryTime: 42 });
    expect(same.version).toBe(saved.version + 1);
    expect(sent.filter((name) => WRITES.has(name))).toEqual([]);
    expect(sent).not.toContain('ListSecrets');
    client.destroy();
  });

  it('a refreshed access token claims the new key and releases the old one', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-1', refreshToken: 'rt-1' });
    sent.length = 0;
    await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-2' });
    expect(sent.filter((name) => WRITES.has(name))).toEqual(['CreateSecret', 'PutSecretValue', 'PutSecretValue', 'DeleteSecret']);
    expect(sent).not.toContain('ListSecrets');
    client.destroy();
  });

  it('only getTokens and deleteTokens list, and getTokens reads values 20 at a time', async () => {
    const { client, sent } = countingClient();
    const namespace = freshNamespace();
    await using store = createAwsSecretsStore({ client, namespace });
    for (let i = 0; i < 3; i++) await store.saveToken({ accessToken: `at-${i}` });
    sent.length = 0;
    expect(await store.getTokens()).toHaveLength(3);
    expect(sent).toEqual(['BatchGetSecretValue']);
    sent.length = 0;
    await store.deleteTokens();
    expect(sent.filter((name) => name !== 'DeleteSecret')).toEqual(['ListSecrets']);
    expect(sent.filter((name) => name === 'DeleteSecret')).toHaveLength(6);
    expect(await secretNames(test!.raw, `tokens/${namespace}/`)).toEqual([]);
    client.destroy();
  });

  it('refuses a token over the 64 KiB secret limit before making any call', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    const error = await store
      .saveToken({ userSignature: 'big@example.com', accessToken: 'é'.repeat(40_000) })
      .catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expect((error as Error).message).toMatch(/65536 bytes/);
    expect(sent).toEqual([]);
    client.destroy();
  });

  it('refuses an update whose merged token would exceed 64 KiB, writing nothing', async () => {
    const { client, sent } = countingClient();
    await using store = createAwsSecretsStore({ client, namespace: freshNamespace() });
    const saved = await store.saveToken({ userSignature: 'big@example.com', refreshToken: 'r'.repeat(40_000) });
    sent.length = 0;
    const error = await store
      .saveToken({ userSignature: 'big@example.com', accessToken: 'a'.repeat(30_000) })
      .catch((failure: unknown) => failure);
    expect(isTokenStoreError(error, 'INVALID_TOKEN')).toBe(true);
    expect(sent.filter((name) => WRITES.has(name))).toEqual([]);
    expect((await store.findTokenById(saved.id))?.version).toBe(1);
    client.destroy();
  });
});
