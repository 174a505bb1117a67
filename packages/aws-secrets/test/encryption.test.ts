import { randomBytes } from 'node:crypto';
import { reencryptTokens } from '@tokens/core';
import { checkEncryptionAtRest } from '@tokens/core/conformance';
import { describeConformance } from '@tokens/core/conformance/vitest';
import { describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { deleteNamespaces, rawTokens, useServer } from './servers.js';

const test = await useServer();
const encryption = { keys: [{ id: 'k1', key: randomBytes(32) }], indexKey: randomBytes(32) };

if (test) {
  const { config, raw } = test;
  const open = (namespace: string, withEncryption = true) =>
    // The bound covers a whole save, retries included: 20 racing first saves on moto take ~25 s.
    createAwsSecretsStore({ ...config, namespace, operationTimeoutMs: 60_000, ...(withEncryption ? { encryption } : {}) });
  describeConformance({
    name: 'aws-secrets (encrypted)',
    open: (namespace) => open(namespace),
    capabilities: { reopen: true, multiInstance: true, raw: (namespace) => rawTokens(raw, namespace) },
    cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
    timeoutMs: 90_000,
  });
  it(
    'encrypted at rest: no secret and no unkeyed digest in the secrets; a plain store refuses',
    () =>
      checkEncryptionAtRest({
        open: (namespace) => open(namespace),
        openPlain: (namespace) => open(namespace, false),
        raw: (namespace) => rawTokens(raw, namespace),
        cleanup: (namespaces) => deleteNamespaces(raw, namespaces),
        // A secret holds 64 KiB: sealed (deflated, then base64) a random token of about 57,000–64,000
        // characters fits, depending on its alphabet (plain: 63,000–65,000). Not the contract's 65,536.
        maxRefreshTokenLength: 56_000,
      }),
    120_000,
  );
  it('rotates through the store wrapper: reencryptTokens moves every secret to the new key', async () => {
    const namespace = `rot_${randomBytes(4).toString('hex')}`;
    const k2 = { id: 'k2', key: randomBytes(32) };
    try {
      const old = open(namespace);
      for (let i = 0; i < 5; i++) await old.saveToken({ userSignature: `u${i}`, accessToken: `at-${i}-${randomBytes(8).toString('hex')}` });
      await old.close();
      const rotated = createAwsSecretsStore({ ...config, namespace, encryption: { ...encryption, keys: [k2, ...encryption.keys] } });
      expect(await reencryptTokens(rotated)).toMatchObject({ total: 5, rewritten: 5, failed: 0 });
      await rotated.close();
      const onlyNew = createAwsSecretsStore({ ...config, namespace, encryption: { keys: [k2], indexKey: encryption.indexKey } });
      expect(await onlyNew.getTokens()).toHaveLength(5);
      await onlyNew.close();
    } finally {
      await deleteNamespaces(raw, [namespace]);
    }
  }, 120_000);
} else {
  describe.skip('aws-secrets encryption: moto not installed (bash scripts/install-test-servers.sh)', () => {
    it('needs moto', () => {});
  });
}
