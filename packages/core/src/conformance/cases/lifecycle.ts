import { assert, assertSameData, expectStoreError, sampleToken } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

export const lifecycleCases: Record<string, CaseDefinition> = {
  'close/idempotent-then-closed': {
    title: 'close is idempotent and every operation after it fails with CLOSED',
    rule: 'close() may be called any number of times; afterwards every operation rejects with CLOSED.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      await Promise.all([store.close(), store.close()]);
      await store.close();
      await expectStoreError(store.findToken({ userSignature: saved.userSignature }), 'CLOSED', 'findToken');
      await expectStoreError(store.findTokenById(saved.id), 'CLOSED', 'findTokenById');
      await expectStoreError(store.saveToken(sampleToken()), 'CLOSED', 'saveToken');
      await expectStoreError(store.deleteToken(saved.id), 'CLOSED', 'deleteToken');
      await expectStoreError(store.getTokens(), 'CLOSED', 'getTokens');
      await expectStoreError(store.deleteTokens(), 'CLOSED', 'deleteTokens');
    },
  },
  'close/async-dispose': {
    title: 'Symbol.asyncDispose closes the store',
    rule: 'Stores work with `await using`: [Symbol.asyncDispose]() closes them.',
    async run({ store }) {
      assert.equal(typeof store[Symbol.asyncDispose], 'function');
      await store[Symbol.asyncDispose]();
      await expectStoreError(store.getTokens(), 'CLOSED', 'getTokens after dispose');
    },
  },
  'close/namespace-fixed': {
    title: 'the namespace is fixed at construction',
    rule: 'store.namespace reports the namespace it was opened on and cannot be changed afterwards.',
    async run({ store, namespace }) {
      assert.equal(store.namespace, namespace);
      try {
        (store as { namespace: string }).namespace = 'other_namespace';
      } catch {
        // a frozen or getter-only property may throw: that is fine too
      }
      assert.equal(store.namespace, namespace, 'still the original namespace');
      const saved = await store.saveToken(sampleToken());
      assert.ok(await store.findTokenById(saved.id));
    },
  },
  'reopen/tokens-survive': {
    title: 'tokens survive closing and reopening the store',
    rule: 'A persistent store keeps every acknowledged save across close and reopen, with ids and versions.',
    requires: ['reopen'],
    async run({ store, open }) {
      const token = sampleToken({ grantToken: 'g' });
      const saved = await store.saveToken(token);
      const updated = await store.saveToken({ userSignature: saved.userSignature, expiryTime: 5 });
      const deleted = await store.saveToken(sampleToken());
      await store.deleteToken(deleted.id);
      await store.close();
      const reopened = await open();
      assert.deepEqual(await reopened.findTokenById(saved.id), updated);
      assertSameData(await reopened.findToken({ userSignature: token.userSignature }), { ...token, expiryTime: 5 }, 'by user');
      assert.equal(await reopened.findTokenById(deleted.id), null, 'the delete survived too');
      const next = await reopened.saveToken({ userSignature: saved.userSignature, expiryTime: 6 });
      assert.equal(next.version, 3, 'versions continue');
    },
  },
};
