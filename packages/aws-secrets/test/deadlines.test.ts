import { randomBytes } from 'node:crypto';
import { expectUnavailableWithinBound, type SlowProxy, startSlowProxy } from '@tokens/test-servers';
import { afterAll, describe, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, useServer } from './servers.js';

// operationTimeoutMs bounds a whole operation, not each backend step: behind an endpoint that
// answers each call in 1.1 s, a save (read by id, look up the user, claim the keys, create the
// token) took far longer than the bound.
const test = await useServer();

const TIMEOUT_MS = 2_000;
const DELAY_MS = 1_100;
// A bound, not a benchmark: generous for a loaded machine.
const MARGIN_MS = 1_000;

const hex = () => randomBytes(8).toString('hex');

describe.skipIf(!test || test.server.external)('aws-secrets: operationTimeoutMs bounds the whole operation', () => {
  if (!test) return;
  const { server, config, raw } = test;
  const namespaces: string[] = [];
  let proxy: SlowProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await deleteNamespaces(raw, namespaces);
  });

  it('behind a slow endpoint, an insert with an id and an update fail with UNAVAILABLE within the bound', async () => {
    proxy = await startSlowProxy(server);
    const namespace = `dl_${hex()}`;
    namespaces.push(namespace);
    await using store = createAwsSecretsStore({
      ...config,
      endpoint: `http://${proxy.host}:${proxy.port}`,
      namespace,
      operationTimeoutMs: TIMEOUT_MS,
    });
    await expectUnavailableWithinBound(store, proxy, {
      timeoutMs: TIMEOUT_MS,
      delayMs: DELAY_MS,
      marginMs: MARGIN_MS,
      warmUp: 'insert',
    });
  });
});
