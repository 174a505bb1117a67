import { fileURLToPath } from 'node:url';
import { describeRefreshConformance } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, useServer } from './servers.js';

const test = await useServer();

if (test) {
  const { config, raw } = test;
  const options = (namespace: string) => ({ ...config, namespace, operationTimeoutMs: 20_000 });
  describeRefreshConformance({
    name: 'aws-secrets',
    open: (namespace) => createAwsSecretsStore(options(namespace)),
    processes: { module: fileURLToPath(new URL('./fixtures/open-store.mjs', import.meta.url)), options },
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
  });
} else {
  describe.skip('aws-secrets refresh: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
