import { describeInsertTokens } from '@tokens/test-servers';
import { describe, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { deleteNamespaces, TABLE, useServer } from './servers.js';

const test = await useServer();

// No batch insert of its own (a conditional write per item is the only way to keep uniqueness):
// core inserts one record at a time, 16 in flight.
if (test) {
  const { config, raw } = test;
  describeInsertTokens({
    name: 'dynamodb (one by one through core)',
    open: (namespace) => createDynamoDbStore({ ...config, table: TABLE, namespace, operationTimeoutMs: 20_000 }),
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    many: 120,
  });
} else {
  describe.skip('dynamodb insertTokens: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
