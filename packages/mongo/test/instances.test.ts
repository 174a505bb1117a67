import { randomBytes } from 'node:crypto';
import { isTokenStoreError } from '@tokens/core';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const used: string[] = [];

function freshNamespace(): string {
  const namespace = `in_${randomBytes(6).toString('hex')}`;
  used.push(namespace);
  return namespace;
}

describe.skipIf(!test)('mongo instances and clients', () => {
  afterEach(async () => {
    if (test) await dropCollections(test.raw, used.splice(0));
  });

  it('two instances with their own clients racing on the same keys leave one record per key', async () => {
    const namespace = freshNamespace();
    await using first = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    await using second = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const users = Array.from({ length: 5 }, (_, i) => `racer-${i}@example.com`);
    const outcomes = await Promise.allSettled(
      users.flatMap((userSignature, u) =>
        Array.from({ length: 8 }, (_, i) => (i % 2 ? first : second).saveToken({ userSignature, accessToken: `at-${u}-${i}` })),
      ),
    );
    for (const outcome of outcomes) expect(outcome.status).toBe('fulfilled');
    const tokens = await first.getTokens();
    expect(tokens.map((token) => token.userSignature).sort()).toEqual(users);
    for (const token of tokens) expect(token.version).toBe(8);
    expect(await test!.raw.db(DATABASE).collection(namespace).countDocuments()).toBe(users.length);
    // 40 racing saves through FerretDB's claims: seconds on a loaded 2-core machine.
  }, 20_000);

  it('two instances saving different users with one refresh token: one wins, the other gets CONFLICT', async () => {
    const namespace = freshNamespace();
    await using first = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    await using second = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const outcomes = await Promise.allSettled([
      first.saveToken({ userSignature: 'a@example.com', refreshToken: 'shared-rt' }),
      second.saveToken({ userSignature: 'b@example.com', refreshToken: 'shared-rt' }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(isTokenStoreError(rejected?.reason, 'CONFLICT')).toBe(true);
    expect(await test!.raw.db(DATABASE).collection(namespace).countDocuments()).toBe(1);
  });

  it('never closes a client or db it was given', async () => {
    const client = new MongoClient(test!.server.url);
    try {
      const byClient = createMongoStore({ client, database: DATABASE, namespace: freshNamespace() });
      await byClient.saveToken({ accessToken: 'at' });
      await byClient.close();
      const byDb = createMongoStore({ db: client.db(DATABASE), namespace: freshNamespace() });
      await byDb.saveToken({ accessToken: 'at' });
      await byDb.close();
      expect(await client.db(DATABASE).command({ ping: 1 })).toMatchObject({ ok: 1 });
    } finally {
      await client.close();
    }
  });

  it('refuses options it cannot use, without echoing the connection string', () => {
    const url = 'mongodb://user:hunter2@127.0.0.1:1/?bad=';
    for (const options of [
      {},
      { url: test!.server.url, db: test!.raw.db(DATABASE) },
      { url, operationTimeoutMs: -1 },
      { url: 'http://x' },
    ]) {
      let error: unknown;
      try {
        createMongoStore(options);
      } catch (failure) {
        error = failure;
      }
      expect(isTokenStoreError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
