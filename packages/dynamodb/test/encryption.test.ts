import { randomBytes } from 'node:crypto';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, it } from 'vitest';
import { createDynamoDbStore } from '../src/index.js';
import { deleteNamespaces, rawTokens, TABLE, useServer } from './servers.js';

const test = await useServer();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

if (test) {
  const { config, raw } = test;
  const open = (namespace: string, withEncryption = true) =>
    createDynamoDbStore({ ...config, table: TABLE, namespace, operationTimeoutMs: 20_000, ...(withEncryption ? { encryption } : {}) });
  describeConformance({
    name: 'dynamodb (encrypted)',
    open: (namespace) => open(namespace),
    capabilities: { reopen: true, multiInstance: true, raw: (namespace) => rawTokens(raw, namespace) },
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    timeoutMs: 60_000,
  });
  it(
    'encrypted at rest: no secret and no unkeyed digest in the items; a plain store refuses',
    () =>
      checkEncryptionAtRest({
        open: (namespace) => open(namespace),
        openPlain: (namespace) => open(namespace, false),
        raw: (namespace) => rawTokens(raw, namespace),
        cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
      }),
    120_000,
  );
} else {
  describe.skip('dynamodb encryption: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
