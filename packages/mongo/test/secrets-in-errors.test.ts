import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken, SECRET_FIELDS } from '@tokens/core';
import { assertNoSecretsInError } from '@tokens/core/conformance';
import { describe, expect, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

// Real failures of a real FerretDB (or TOKENS_TEST_MONGO_URL). MongoDB driver errors carry the
// server's whole reply (`errorResponse`), key values (`keyValue`), `errInfo`, and some hold the
// topology they were raised on.
const test = await useServer();

const hex = () => randomBytes(8).toString('hex');
const freshNamespace = () => `sie_${hex()}`;
const token = (): OAuthToken => ({
  userSignature: `user-${hex()}`,
  clientId: 'cid',
  clientSecret: `cs-${hex()}`,
  grantToken: `gt-${hex()}`,
  refreshToken: `rt-${hex()}`,
  accessToken: `at-${hex()}`,
});
const secretsOf = (value: OAuthToken) => SECRET_FIELDS.map((field) => value[field]).filter((item): item is string => Boolean(item));

async function refusal(operation: Promise<unknown>): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe.skipIf(!test)('mongo: no secret in errors provoked from a real server', () => {
  if (!test) return;
  const { server, raw } = test;

  it.skipIf(server.external)('a wrong password in the connection string is not revealed', async () => {
    const password = `pw-${hex()}`;
    const url = server.url.replace('mongodb://', `mongodb://tokens_app:${password}@`);
    await using store = createMongoStore({ url, database: DATABASE, namespace: freshNamespace(), operationTimeoutMs: 5_000 });
    const refused = token();
    const error = await refusal(store.saveToken(refused));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    assertNoSecretsInError(error, [password, ...secretsOf(refused)], 'a refused login');
  });

  it('an index of the same name but another shape (a real server error on the first save)', async () => {
    const namespace = freshNamespace();
    try {
      await raw.db(DATABASE).collection(namespace).createIndex({ accessToken: 1 }, { name: 'tokens_user_unique' });
      await using store = createMongoStore({ client: raw, database: DATABASE, namespace, operationTimeoutMs: 5_000 });
      const refused = token();
      const error = await refusal(store.saveToken(refused));
      expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
      assertNoSecretsInError(error, secretsOf(refused), 'a failed index creation');
    } finally {
      await dropCollections(raw, [namespace]);
    }
  });

  it.skipIf(server.external)('the server going away mid-save', async () => {
    const namespace = freshNamespace();
    await using store = createMongoStore({
      url: server.url,
      database: DATABASE,
      namespace,
      operationTimeoutMs: 3_000,
      connectTimeoutMs: 1_000,
    });
    const saved = await store.saveToken(token());
    await server.stop();
    try {
      const rotated = { ...saved, refreshToken: `rt-${hex()}`, accessToken: `at-${hex()}` };
      const error = await refusal(store.saveToken(rotated));
      expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
      assertNoSecretsInError(error, [...secretsOf(saved), ...secretsOf(rotated)], 'a save while the server is down');
    } finally {
      await server.start();
      await dropCollections(raw, [namespace]);
    }
  });
});
