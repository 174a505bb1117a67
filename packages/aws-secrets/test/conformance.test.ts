import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, rawTokens, useServer } from './servers.js';

const test = await useServer();

if (test) {
  const { config, raw } = test;
  describeConformance({
    name: 'aws-secrets',
    // The bound covers a whole save, retries included: 20 racing first saves on moto take ~25 s.
    open: (namespace) => createAwsSecretsStore({ ...config, namespace, operationTimeoutMs: 60_000 }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawTokens(raw, namespace),
    },
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    // moto answers in milliseconds, but racing saves cost many calls each.
    timeoutMs: 90_000,
  });
} else {
  describe.skip('aws-secrets conformance: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
