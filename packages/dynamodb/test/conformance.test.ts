import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { deleteNamespaces, rawTokens, TABLE, useServer } from './servers.js';

const test = await useServer();

if (test) {
  const { config, raw } = test;
  describeConformance({
    name: 'dynamodb',
    open: (namespace) => createDynamoDbStore({ ...config, table: TABLE, namespace, operationTimeoutMs: 20_000 }),
    capabilities: {
      reopen: true,
      multiInstance: true,
      raw: (namespace) => rawTokens(raw, namespace),
    },
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    timeoutMs: 60_000,
  });
} else {
  describe.skip('dynamodb conformance: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
