import { assert, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

export const removalCases: Record<string, CaseDefinition> = {
  'delete/by-id': {
    title: 'deleteToken removes that token and no other',
    rule: 'deleteToken(id) removes the token with that id: no lookup finds it afterwards.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken());
      const b = await store.saveToken(sampleToken());
      await store.deleteToken(a.id);
      assert.equal(await store.findTokenById(a.id), null);
      assert.equal(await store.findToken({ userSignature: a.userSignature }), null);
      assert.equal(await store.findToken({ accessToken: a.accessToken }), null);
      assert.deepEqual(
        (await store.getTokens()).map((token) => token.id),
        [b.id],
      );
    },
  },
  'delete/unknown-id-no-op': {
    title: 'deleting an unknown id is a no-op',
    rule: 'deleteToken of an id that is not stored succeeds and changes nothing.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken());
      await store.deleteToken(unique('missing'));
      await store.deleteToken(a.id);
      await store.deleteToken(a.id);
      assert.deepEqual(await store.getTokens(), []);
    },
  },
  'delete/user-can-return': {
    title: 'a deleted user can be saved again',
    rule: 'After deleteToken the same user, tokens and even id can be saved again as a new token (version 1).',
    async run({ store }) {
      const token = sampleToken();
      const first = await store.saveToken(token);
      await store.deleteToken(first.id);
      const again = await store.saveToken(token);
      assert.equal(again.version, 1);
      assert.equal((await store.findToken({ userSignature: token.userSignature }))?.id, again.id);
      await store.deleteToken(again.id);
      const sameId = await store.saveToken({ ...token, id: first.id });
      assert.equal(sameId.id, first.id);
      assert.equal(sameId.version, 1);
    },
  },
  'list/all-tokens': {
    title: 'getTokens lists every token of the namespace',
    rule: 'getTokens returns every stored token of this namespace, each once (order unspecified).',
    async run({ store }) {
      assert.deepEqual(await store.getTokens(), [], 'a fresh namespace is empty');
      const saved = [];
      for (let i = 0; i < 25; i++) saved.push(await store.saveToken(sampleToken()));
      const listed = await store.getTokens();
      assert.deepEqual(listed.map((token) => token.id).sort(), saved.map((token) => token.id).sort());
      for (const token of listed)
        assert.deepEqual(
          token,
          saved.find((s) => s.id === token.id),
          'listed tokens are complete',
        );
    },
  },
  'list/delete-all': {
    title: 'deleteTokens empties the namespace',
    rule: 'deleteTokens removes every token of this namespace; the store stays usable.',
    async run({ store }) {
      for (let i = 0; i < 5; i++) await store.saveToken(sampleToken());
      await store.deleteTokens();
      assert.deepEqual(await store.getTokens(), []);
      await store.deleteTokens();
      const again = await store.saveToken(sampleToken());
      assert.deepEqual(
        (await store.getTokens()).map((token) => token.id),
        [again.id],
      );
    },
  },
  'namespace/isolated': {
    title: 'namespaces do not see each other',
    rule: 'Tokens of one namespace are invisible to another: the same user may exist in both, and deleteTokens removes only its own.',
    async run({ store, open, freshNamespace }) {
      const otherNamespace = freshNamespace();
      const other = await open(otherNamespace);
      assert.equal(store.namespace !== other.namespace, true, 'stores report their own namespace');
      assert.equal(other.namespace, otherNamespace);
      const token = sampleToken();
      const mine = await store.saveToken(token);
      assert.equal(await other.findToken({ userSignature: token.userSignature }), null, 'not visible elsewhere');
      assert.equal(await other.findTokenById(mine.id), null, 'not visible by id elsewhere');
      const theirs = await other.saveToken(token);
      assert.notEqual(theirs.id, mine.id);
      assert.equal(theirs.version, 1, 'a new token there, not an update of ours');
      await other.deleteToken(mine.id);
      assert.ok(await store.findTokenById(mine.id), 'deleteToken elsewhere did not remove ours');
      await other.deleteTokens();
      assert.deepEqual(
        (await store.getTokens()).map((t) => t.id),
        [mine.id],
        'deleteTokens elsewhere left ours',
      );
      assert.deepEqual(await other.getTokens(), []);
    },
  },
  'namespace/same-id-in-two': {
    title: 'the same id may be used in two namespaces',
    rule: 'Ids are unique per namespace: two namespaces may each hold a token with one id.',
    async run({ store, open, freshNamespace }) {
      const other = await open(freshNamespace());
      const id = unique('shared-id');
      const a = await store.saveToken(sampleToken({ id }));
      const b = await other.saveToken(sampleToken({ id }));
      assert.equal((await store.findTokenById(id))?.userSignature, a.userSignature);
      assert.equal((await other.findTokenById(id))?.userSignature, b.userSignature);
    },
  },
};
