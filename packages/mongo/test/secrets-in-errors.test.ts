import { randomBytes } from 'node:crypto';
import { expectRefusalWithoutSecrets, secretsOf, secretToken as token } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createMongoStore } from '../src/index.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

// Real failures of a real FerretDB (or TOKENS_TEST_MONGO_URL). MongoDB driver errors carry the
// server's whole reply (`errorResponse`), key values (`keyValue`), `errInfo`, and some hold the
// topology they were raised on.
const test = await useServer();

const hex = () => randomBytes(8).toString('hex');
const freshNamespace = () => `sie_${hex()}`;

describe.skipIf(!test)('mongo: no secret in errors provoked from a real server', () => {
  if (!test) return;
  const { server, raw } = test;

  it.skipIf(server.external)('a wrong password in the connection string is not revealed', async () => {
    const password = `pw-${hex()}`;
    const url = server.url.replace('mongodb://', `mongodb://tokens_app:${password}@`);
    await using store = createMongoStore({ url, database: DATABASE, namespace: freshNamespace(), operationTimeoutMs: 5_000 });
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: [password, ...secretsOf(refused)],
      what: 'a refused login',
    });
  });

  it('an index of the same name but another shape (a real server error on the first save)', async () => {
    const namespace = freshNamespace();
    try {
      await raw.db(DATABASE).collection(namespace).createIndex({ accessToken: 1 }, { name: 'tokens_user_unique' });
      await using store = createMongoStore({ client: raw, database: DATABASE, namespace, operationTimeoutMs: 5_000 });
      const refused = token();
      await expectRefusalWithoutSecrets(store.saveToken(refused), {
        code: 'UNAVAILABLE',
        secrets: secretsOf(refused),
        what: 'a failed index creation',
      });
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
      await expectRefusalWithoutSecrets(store.saveToken(rotated), {
        code: 'UNAVAILABLE',
        secrets: [...secretsOf(saved), ...secretsOf(rotated)],
        what: 'a save while the server is down',
      });
    } finally {
      await server.start();
      await dropCollections(raw, [namespace]);
    }
  });
});
