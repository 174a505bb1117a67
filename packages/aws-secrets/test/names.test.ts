import { randomBytes, randomUUID } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { hashKey, type StoredToken } from '@tokens/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { versionToken } from '../src/names.js';
import { secretNames, useServer } from './servers.js';

const test = await useServer();
/** Every test works under its own first path segment, removed afterwards. */
const roots: string[] = [];

function freshRoot(): string {
  const root = `names${randomBytes(5).toString('hex')}/`;
  roots.push(root);
  return root;
}

const hex = (value: string) => Buffer.from(hashKey(value), 'base64url').toString('hex');

/**
 * Writes a token as @tokens/aws-secrets 0.1.0 did (its names.ts and record.ts): secrets under
 * `<prefix><namespace>/`, the prefix joined straight to the namespace, tagged with the namespace.
 */
async function writeReleasedLayout(prefix: string, namespace: string, token: Omit<StoredToken, 'version'>): Promise<void> {
  const root = `${prefix}${namespace}/`;
  const tags = [{ Key: 'tokens:namespace', Value: namespace }];
  const record: StoredToken = { ...token, version: 1 };
  const kc: Record<string, string> = {};
  const keys = { user: record.userSignature, access: record.accessToken, refresh: record.refreshToken, grant: record.grantToken };
  for (const [kind, value] of Object.entries(keys)) {
    if (!value) continue;
    kc[kind] = randomUUID();
    await test!.raw.send(
      new CreateSecretCommand({
        Name: `${root}k/${kind}/${hex(value)}`,
        SecretString: JSON.stringify({ id: record.id, c: kc[kind] }),
        Tags: tags,
      }),
    );
  }
  await test!.raw.send(
    new CreateSecretCommand({
      Name: `${root}t/${hex(record.id)}`,
      SecretString: JSON.stringify({ ...record, kc, w: randomUUID() }),
      ClientRequestToken: versionToken(record.id, 0),
      Tags: tags,
    }),
  );
}

function token(id: string, user: string, accessToken: string): Omit<StoredToken, 'version'> {
  return {
    id,
    userSignature: user,
    clientId: 'client',
    clientSecret: 'secret',
    redirectUrl: null,
    grantToken: null,
    refreshToken: `rt-${accessToken}`,
    accessToken,
    expiryTime: 1_700_000_000_000,
    apiDomain: null,
  };
}

describe.skipIf(!test)('aws-secrets names: prefix and namespace never meet', () => {
  afterEach(async () => {
    for (const root of roots.splice(0)) {
      for (const name of await secretNames(test!.raw, root)) {
        await test!.raw.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })).catch(() => undefined);
      }
    }
  });

  it('prefix "…/xa" with namespace "b" and prefix "…/" with namespace "xab" are two stores', async () => {
    const root = freshRoot();
    await using one = createAwsSecretsStore({ ...test!.config, prefix: `${root}xa`, namespace: 'b' });
    await using two = createAwsSecretsStore({ ...test!.config, prefix: root, namespace: 'xab' });
    const a = await one.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-one' });
    const b = await two.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-two' });
    expect(b.id).not.toBe(a.id);
    expect(b.version).toBe(1);
    expect((await one.findToken({ userSignature: 'ana@example.com' }))?.accessToken).toBe('at-one');
    expect((await two.findToken({ userSignature: 'ana@example.com' }))?.accessToken).toBe('at-two');
    expect(await one.findTokenById(b.id)).toBeNull();
    expect((await one.getTokens()).map((t) => t.id)).toEqual([a.id]);
    await two.deleteTokens();
    expect((await one.getTokens()).map((t) => t.id)).toEqual([a.id]);
  });

  it("a store whose root lies below another's (and whose namespace starts with the other's) stays out of its listing and clearing", async () => {
    const root = freshRoot();
    await using outer = createAwsSecretsStore({ ...test!.config, prefix: root, namespace: 'app' });
    // Its secrets are named `<root>app/t/app2/…`, under outer's token prefix, and tagged "app2",
    // which a tag-value filter "app" matches (AWS matches tag values by prefix).
    await using inner = createAwsSecretsStore({ ...test!.config, prefix: `${root}app/t/`, namespace: 'app2' });
    const kept = await inner.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-inner' });
    const own = await outer.saveToken({ userSignature: 'bob@example.com', accessToken: 'at-outer' });
    expect((await outer.getTokens()).map((t) => t.id)).toEqual([own.id]);
    await outer.deleteTokens();
    expect(await outer.getTokens()).toEqual([]);
    expect((await inner.findTokenById(kept.id))?.accessToken).toBe('at-inner');
    expect((await inner.getTokens()).map((t) => t.id)).toEqual([kept.id]);
  });

  it('tokens written by 0.1.0 under a prefix ending in "/" are found where they are', async () => {
    const root = freshRoot();
    await writeReleasedLayout(root, 'kept', token('id-kept', 'ana@example.com', 'at-old'));
    await using store = createAwsSecretsStore({ ...test!.config, prefix: root, namespace: 'kept' });
    expect((await store.findToken({ userSignature: 'ana@example.com' }))?.id).toBe('id-kept');
    expect((await store.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-new' })).version).toBe(2);
    expect((await secretNames(test!.raw, root)).every((name) => name.startsWith(`${root}kept/`))).toBe(true);
  });

  it('tokens written by 0.1.0 under other prefixes move to the new names, and only the store they belong to takes them', async () => {
    const root = freshRoot();
    // All three wrote under `<root>oldaa/` in 0.1.0 (so they could not even hold the same user);
    // only the tag said whose secret was whose.
    await writeReleasedLayout(`${root}olda`, 'a', token('id-a', 'ana@example.com', 'at-a'));
    await writeReleasedLayout(`${root}old`, 'aa', token('id-aa', 'bob@example.com', 'at-aa'));
    await writeReleasedLayout(root, 'oldaa', token('id-oldaa', 'cy@example.com', 'at-oldaa'));
    await using a = createAwsSecretsStore({ ...test!.config, prefix: `${root}olda`, namespace: 'a' });
    await using aa = createAwsSecretsStore({ ...test!.config, prefix: `${root}old`, namespace: 'aa' });
    await using oldaa = createAwsSecretsStore({ ...test!.config, prefix: root, namespace: 'oldaa' });

    expect((await a.findToken({ userSignature: 'ana@example.com' }))?.id).toBe('id-a');
    expect((await aa.findToken({ userSignature: 'bob@example.com' }))?.id).toBe('id-aa');
    expect((await oldaa.findToken({ userSignature: 'cy@example.com' }))?.id).toBe('id-oldaa');
    for (const [store, others] of [
      [a, ['bob@example.com', 'cy@example.com']],
      [aa, ['ana@example.com', 'cy@example.com']],
      [oldaa, ['ana@example.com', 'bob@example.com']],
    ] as const) {
      for (const user of others) expect(await store.findToken({ userSignature: user })).toBeNull();
    }
    expect((await a.getTokens()).map((t) => t.id)).toEqual(['id-a']);
    expect((await aa.getTokens()).map((t) => t.id)).toEqual(['id-aa']);
    expect((await oldaa.getTokens()).map((t) => t.id)).toEqual(['id-oldaa']);
    expect((await a.findToken({ accessToken: 'at-a' }))?.refreshToken).toBe('rt-at-a');
    // The same user can now be saved in each store.
    expect((await aa.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-ana-in-aa' })).version).toBe(1);
    expect((await a.findToken({ userSignature: 'ana@example.com' }))?.id).toBe('id-a');

    const names = await secretNames(test!.raw, root);
    expect(names.filter((name) => name.startsWith(`${root}olda.a/`))).toHaveLength(4);
    expect(names.filter((name) => name.startsWith(`${root}old.aa/`))).toHaveLength(4 + 3);
    expect(
      names.filter((name) => name.startsWith(`${root}oldaa/`)),
      'only the store whose layout did not change is left there',
    ).toHaveLength(4);

    // Compare-and-set and key claims carry on from the moved secrets.
    const updated = await a.saveToken({ userSignature: 'ana@example.com', accessToken: 'at-a2' });
    expect(updated.version).toBe(2);
    expect(await a.findToken({ accessToken: 'at-a' })).toBeNull();
    expect((await a.findToken({ accessToken: 'at-a2' }))?.id).toBe('id-a');
    await a.deleteTokens();
    expect(await a.getTokens()).toEqual([]);
    expect((await aa.getTokens()).map((t) => t.userSignature).sort()).toEqual(['ana@example.com', 'bob@example.com']);
    expect((await oldaa.getTokens()).map((t) => t.id)).toEqual(['id-oldaa']);
  });
});
