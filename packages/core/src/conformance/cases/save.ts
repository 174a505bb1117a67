import { assert, assertSameData, expectStoreError, observe, sampleToken, snapshot, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

const client = { clientId: '1000.CLIENTID', clientSecret: 'any-secret' };

export const saveCases: Record<string, CaseDefinition> = {
  'save/update-by-user': {
    title: 'saving the same user again updates the one record and bumps its version',
    rule: 'saveToken upserts: a token whose lookup key matches a stored token updates it (version + 1), never adds a second one.',
    async run({ store }) {
      const first = await store.saveToken(sampleToken());
      const second = await store.saveToken({ userSignature: first.userSignature, accessToken: unique('at2'), expiryTime: 42 });
      assert.equal(second.id, first.id, 'same record');
      assert.equal(second.version, 2, 'version went from 1 to 2');
      const third = await store.saveToken({ userSignature: first.userSignature, accessToken: unique('at3') });
      assert.equal(third.version, 3, 'version went from 2 to 3');
      assert.equal((await store.getTokens()).length, 1, 'still one token');
      assert.equal(await store.findToken({ accessToken: first.accessToken }), null, 'the old access token no longer finds it');
      assert.equal((await store.findToken({ accessToken: third.accessToken }))?.id, first.id, 'the new access token finds it');
    },
  },
  'save/undefined-keeps': {
    title: 'fields left undefined keep their stored value',
    rule: 'Merge rule: undefined (or a missing property) keeps the stored value, so a refresh response without a new refresh token erases nothing.',
    async run({ store }) {
      const token = sampleToken({ grantToken: unique('gt') });
      const saved = await store.saveToken(token);
      const accessToken = unique('at-new');
      const updated = await store.saveToken({ userSignature: saved.userSignature, accessToken, expiryTime: 99, refreshToken: undefined });
      assertSameData(updated, { ...token, accessToken, expiryTime: 99 }, 'saveToken result');
      assertSameData(await store.findTokenById(saved.id), { ...token, accessToken, expiryTime: 99 }, 'stored token');
    },
  },
  'save/null-clears': {
    title: 'null clears a stored field',
    rule: 'Merge rule: null explicitly empties a field.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      const updated = await store.saveToken({ userSignature: saved.userSignature, grantToken: null, apiDomain: null, expiryTime: null });
      assert.equal(updated.grantToken, null);
      const found = await store.findTokenById(saved.id);
      assert.equal(found?.grantToken, null, 'grantToken cleared');
      assert.equal(found?.apiDomain, null, 'apiDomain cleared');
      assert.equal(found?.expiryTime, null, 'expiryTime cleared');
      assert.equal(found?.refreshToken, saved.refreshToken, 'refreshToken kept');
      assert.equal(await store.findToken({ grantToken: saved.grantToken, ...client }), null, 'the cleared grant token finds nothing');
    },
  },
  'save/unchanged-is-no-op': {
    title: 'a save that changes nothing writes nothing and keeps the version',
    rule: 'A save whose merged result equals the stored token is a no-op: it returns the stored token with its version unchanged.',
    async run({ store }) {
      const token = sampleToken();
      const saved = await store.saveToken(token);
      assert.deepEqual(await store.saveToken(token), saved, 'saving the same token again');
      assert.deepEqual(await store.saveToken({ userSignature: saved.userSignature }), saved, 'saving only the lookup key');
      assert.deepEqual(await store.saveToken({ ...saved }), saved, 'a compare-and-set that changes nothing');
      assert.equal(
        (await store.saveToken({ userSignature: saved.userSignature, expiryTime: 1 })).version,
        2,
        'a real change bumps the version',
      );
    },
  },
  'save/update-by-id': {
    title: 'a save with a stored id updates that token, even its lookup keys',
    rule: 'The record to update is chosen by id first (when given and stored), so every field, the user included, can change.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const userSignature = unique('renamed');
      const updated = await store.saveToken({ id: saved.id, userSignature, refreshToken: unique('rt') });
      assert.equal(updated.id, saved.id);
      assert.equal(updated.version, 2);
      assert.equal((await store.findToken({ userSignature }))?.id, saved.id, 'found under the new user');
      assert.equal(await store.findToken({ userSignature: saved.userSignature }), null, 'gone under the old user');
      assert.equal(await store.findToken({ refreshToken: saved.refreshToken, ...client }), null, 'gone under the old refresh token');
      assert.equal((await store.getTokens()).length, 1);
    },
  },
  'save/update-by-refresh-token': {
    title: 'a save without user, with client credentials, updates the token holding its refresh token',
    rule: 'Without id, the lookup key chooses the record to update (here rule 3, by refresh token).',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const accessToken = unique('at');
      const updated = await store.saveToken({ refreshToken: saved.refreshToken, ...client, accessToken });
      assert.equal(updated.id, saved.id);
      assert.equal(updated.userSignature, saved.userSignature, 'the user is kept');
      assert.equal(updated.clientId, client.clientId, 'given fields are written');
      assert.equal((await store.getTokens()).length, 1);
    },
  },
  'save/unknown-id-falls-back-to-key': {
    title: 'an id that is not stored falls back to the lookup key',
    rule: 'Record to update: by id if given and stored, else by lookup key; the stored record keeps its own id.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const updated = await store.saveToken({ id: unique('other-id'), userSignature: saved.userSignature, accessToken: unique('at') });
      assert.equal(updated.id, saved.id);
      assert.equal(updated.version, 2);
      assert.equal((await store.getTokens()).length, 1);
    },
  },
  'save/needs-a-token': {
    title: 'a token with no access, refresh or grant token is refused, nothing written',
    rule: 'saveToken needs at least one of accessToken, refreshToken, grantToken (non-empty): otherwise INVALID_TOKEN and nothing is written.',
    async run(context) {
      const { store } = context;
      const before = await snapshot(store);
      for (const token of [
        { userSignature: unique('u') },
        { userSignature: unique('u'), accessToken: '', refreshToken: null, grantToken: '' },
        { clientId: 'c', clientSecret: 's', expiryTime: 5 },
      ]) {
        await expectStoreError(store.saveToken(token), 'INVALID_TOKEN', `saveToken(${Object.keys(token).join(', ')})`);
      }
      assert.deepEqual(await snapshot(store), before, 'nothing was written');
    },
  },
  'save/cannot-strip-all-tokens': {
    title: 'an update that would leave no token is refused, nothing written',
    rule: 'The stored result must keep at least one of accessToken, refreshToken, grantToken: otherwise INVALID_TOKEN, nothing written.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      await expectStoreError(
        store.saveToken({ userSignature: saved.userSignature, accessToken: null, refreshToken: '' }),
        'INVALID_TOKEN',
        'clearing every token',
      );
      assert.deepEqual(await store.findTokenById(saved.id), saved, 'unchanged');
    },
  },
  'save/partial-update-allowed': {
    title: 'a partial update by user needs no token fields of its own',
    rule: 'The token rule applies to the stored result: { userSignature, expiryTime } updates a stored token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const updated = await store.saveToken({ userSignature: saved.userSignature, expiryTime: 7 });
      assert.equal(updated.expiryTime, 7);
      assert.equal(updated.accessToken, saved.accessToken);
    },
  },
  'cas/matching-version-updates': {
    title: 'a save with the current version succeeds',
    rule: 'Compare-and-set: a given version equal to the stored one lets the save through (and bumps it).',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const updated = await store.saveToken({ ...saved, accessToken: unique('at') });
      assert.equal(updated.version, 2);
      const again = await store.saveToken({ ...updated, expiryTime: 1 });
      assert.equal(again.version, 3);
    },
  },
  'cas/stale-version-conflicts': {
    title: 'a save with a stale version fails with CONFLICT, nothing written',
    rule: 'Compare-and-set: a given version that differs from the stored one gives CONFLICT and writes nothing.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const winner = await store.saveToken({ ...saved, accessToken: unique('winner') });
      await expectStoreError(store.saveToken({ ...saved, accessToken: unique('loser') }), 'CONFLICT', 'stale version 1');
      await expectStoreError(store.saveToken({ ...saved, version: 99 }), 'CONFLICT', 'future version 99');
      assert.deepEqual(await store.findTokenById(saved.id), winner, 'the winner is stored, unchanged');
    },
  },
  'cas/deleted-token-conflicts': {
    title: 'a versioned save of a token deleted meanwhile fails with CONFLICT',
    rule: 'Compare-and-set on a token that no longer exists gives CONFLICT: a read-modify-write never resurrects a deleted token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      await store.deleteToken(saved.id);
      await expectStoreError(store.saveToken({ ...saved, accessToken: unique('at') }), 'CONFLICT', 'save of a deleted token');
      assert.deepEqual(await store.getTokens(), [], 'nothing was written');
    },
  },
  'unique/user': {
    title: 'renaming a token to another stored user fails with CONFLICT',
    rule: 'At most one token per userSignature: a save that would give two tokens one user is CONFLICT, nothing written.',
    async run(context) {
      const { store } = context;
      const a = await store.saveToken(sampleToken());
      await store.saveToken(sampleToken());
      const before = await observe(context, false);
      const b = (await store.getTokens()).find((token) => token.id !== a.id);
      await expectStoreError(store.saveToken({ id: b?.id, userSignature: a.userSignature }), 'CONFLICT', 'rename to a taken user');
      assert.deepEqual(await observe(context, false), before, 'nothing was written');
    },
  },
  'unique/refresh-token': {
    title: 'two users cannot share a refresh token',
    rule: 'At most one token per refreshToken: a new user with a stored refresh token is CONFLICT, nothing written.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken());
      const before = await snapshot(store);
      await expectStoreError(store.saveToken(sampleToken({ refreshToken: a.refreshToken })), 'CONFLICT', 'shared refresh token');
      assert.deepEqual(await snapshot(store), before, 'nothing was written');
    },
  },
  'unique/access-token': {
    title: 'two users cannot share an access token',
    rule: 'At most one token per accessToken: CONFLICT, nothing written.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken());
      const b = await store.saveToken(sampleToken());
      const before = await snapshot(store);
      await expectStoreError(
        store.saveToken({ userSignature: b.userSignature, accessToken: a.accessToken }),
        'CONFLICT',
        'update to a taken access token',
      );
      assert.deepEqual(await snapshot(store), before, 'nothing was written');
    },
  },
  'unique/grant-token': {
    title: 'two users cannot share a grant token',
    rule: 'At most one token per grantToken: CONFLICT, nothing written.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      const before = await snapshot(store);
      await expectStoreError(store.saveToken(sampleToken({ grantToken: a.grantToken })), 'CONFLICT', 'shared grant token');
      assert.deepEqual(await snapshot(store), before, 'nothing was written');
    },
  },
  'unique/empty-keys-do-not-collide': {
    title: 'empty and null key fields never collide',
    rule: 'An empty or null userSignature, accessToken, refreshToken or grantToken is absent: any number of tokens may have one.',
    async run({ store }) {
      for (let i = 0; i < 3; i++) {
        await store.saveToken({
          userSignature: '',
          refreshToken: unique('rt'),
          accessToken: '',
          grantToken: null,
          clientId: 'c',
          clientSecret: 's',
        });
        await store.saveToken({ userSignature: null, accessToken: unique('at'), refreshToken: '' });
      }
      assert.equal((await store.getTokens()).length, 6);
    },
  },
};
