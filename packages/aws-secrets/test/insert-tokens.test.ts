import { describeInsertTokens } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, useServer } from './servers.js';

const test = await useServer();

// No batch insert of its own (a secret per token and per key): core inserts one record at a time, 16 in flight.
if (test) {
  const { config, raw } = test;
  describeInsertTokens({
    name: 'aws-secrets (one by one through core)',
    open: (namespace) => createAwsSecretsStore({ ...config, namespace, operationTimeoutMs: 20_000 }),
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    many: 60,
  });
} else {
  describe.skip('aws-secrets insertTokens: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
