import { assert, expectStoreError, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

const client = { clientId: '1000.CLIENTID', clientSecret: 'any-secret' };

export const lookupCases: Record<string, CaseDefinition> = {
  'lookup/by-user': {
    title: 'findToken finds a token by userSignature',
    rule: 'Rule 1: a non-empty userSignature selects the token of that user.',
    async run({ store }) {
      const alice = await store.saveToken(sampleToken());
      await store.saveToken(sampleToken());
      assert.equal((await store.findToken({ userSignature: alice.userSignature }))?.id, alice.id);
      assert.equal(await store.findToken({ userSignature: unique('nobody') }), null, 'an unknown user gives null');
    },
  },
  'lookup/user-exact-case-sensitive': {
    title: 'userSignature matching is exact and case-sensitive',
    rule: 'Lookups compare exactly: "Alice@x.com", "alice@x.com" and "alice@x.com " are three users.',
    async run({ store }) {
      const base = unique('alice');
      const names = [`${base}@X.com`, `${base}@x.com`, `${base}@x.com `, `${base.toUpperCase()}@x.com`];
      const ids = [];
      for (const userSignature of names) ids.push((await store.saveToken(sampleToken({ userSignature }))).id);
      assert.equal(new Set(ids).size, names.length, 'each spelling is its own record');
      for (const [i, userSignature] of names.entries()) {
        assert.equal((await store.findToken({ userSignature }))?.id, ids[i], `finds exactly ${JSON.stringify(userSignature)}`);
      }
      assert.equal(await store.findToken({ userSignature: `${base}@x.co` }), null, 'a prefix matches nothing');
    },
  },
  'lookup/user-wins': {
    title: 'userSignature wins over every other field',
    rule: 'Rule 1 comes first: with a userSignature, access, refresh and grant tokens are not used for the lookup.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      const b = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      const found = await store.findToken({ userSignature: a.userSignature, accessToken: b.accessToken });
      assert.equal(found?.id, a.id, 'the user, not the access token, decides');
      const withClient = await store.findToken({
        userSignature: a.userSignature,
        refreshToken: b.refreshToken,
        grantToken: b.grantToken,
        ...client,
      });
      assert.equal(withClient?.id, a.id, 'the user, not the grant or refresh token, decides');
      const unknown = await store.findToken({ userSignature: unique('nobody'), accessToken: b.accessToken });
      assert.equal(unknown, null, 'an unknown user gives null even when the access token matches another token');
    },
  },
  'lookup/by-access-token': {
    title: 'findToken finds by accessToken when no client credentials are given',
    rule: 'Rule 2: without userSignature, an accessToken with neither clientId nor clientSecret selects by access token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      assert.equal((await store.findToken({ accessToken: saved.accessToken }))?.id, saved.id);
      assert.equal(await store.findToken({ accessToken: unique('at') }), null, 'an unknown access token gives null');
    },
  },
  'lookup/access-token-needs-no-client': {
    title: 'accessToken is not a lookup key when a client credential is given',
    rule: 'Rule 2 applies only when neither clientId nor clientSecret is given; otherwise rule 3 or no key.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken());
      const b = await store.saveToken(sampleToken());
      const found = await store.findToken({ accessToken: a.accessToken, refreshToken: b.refreshToken, ...client });
      assert.equal(found?.id, b.id, 'with client credentials the refresh token decides');
      await expectStoreError(
        store.findToken({ accessToken: a.accessToken, clientId: 'c' }),
        'INVALID_TOKEN',
        'accessToken with only clientId has no lookup key',
      );
      await expectStoreError(
        store.findToken({ accessToken: a.accessToken, clientSecret: 's' }),
        'INVALID_TOKEN',
        'accessToken with only clientSecret has no lookup key',
      );
    },
  },
  'lookup/by-refresh-token': {
    title: 'findToken finds by refreshToken with both client credentials',
    rule: 'Rule 3: without user or usable access token, refreshToken with clientId and clientSecret selects by refresh token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      assert.equal((await store.findToken({ refreshToken: saved.refreshToken, ...client }))?.id, saved.id);
      assert.equal(await store.findToken({ refreshToken: unique('rt'), ...client }), null, 'an unknown refresh token gives null');
    },
  },
  'lookup/by-grant-token': {
    title: 'findToken finds by grantToken with both client credentials',
    rule: 'Rule 3: grantToken with clientId and clientSecret selects by grant token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      assert.equal((await store.findToken({ grantToken: saved.grantToken, ...client }))?.id, saved.id);
    },
  },
  'lookup/grant-before-refresh-no-fallback': {
    title: 'grantToken wins over refreshToken, with no fallback',
    rule: 'Rule 3 uses the grant token when given, else the refresh token; an unknown grant token gives null even if the refresh token matches.',
    async run({ store }) {
      const a = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      const b = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      assert.equal((await store.findToken({ grantToken: a.grantToken, refreshToken: b.refreshToken, ...client }))?.id, a.id);
      assert.equal(await store.findToken({ grantToken: unique('gt'), refreshToken: b.refreshToken, ...client }), null);
    },
  },
  'lookup/client-credentials-not-matched': {
    title: 'client credentials enable rule 3 but are not compared',
    rule: 'clientId and clientSecret must both be given for rule 3, but their values are not matched against the stored token.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const found = await store.findToken({ refreshToken: saved.refreshToken, clientId: 'other-client', clientSecret: 'other-secret' });
      assert.equal(found?.id, saved.id);
    },
  },
  'lookup/refresh-needs-both-credentials': {
    title: 'refreshToken or grantToken without both client credentials is no lookup key',
    rule: 'Rule 3 needs both clientId and clientSecret; with one of them missing there is no lookup key (INVALID_TOKEN).',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      for (const partial of [
        { refreshToken: saved.refreshToken },
        { refreshToken: saved.refreshToken, clientId: 'c' },
        { refreshToken: saved.refreshToken, clientSecret: 's' },
        { grantToken: saved.grantToken, clientId: 'c' },
        { refreshToken: saved.refreshToken, clientId: 'c', clientSecret: null },
      ]) {
        await expectStoreError(store.findToken(partial), 'INVALID_TOKEN', `findToken(${Object.keys(partial).join(', ')})`);
      }
    },
  },
  'lookup/empty-key-is-absent': {
    title: 'an empty string in a key field counts as absent',
    rule: 'userSignature, accessToken, refreshToken or grantToken equal to "" is treated as not given when choosing the lookup key.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken({ grantToken: unique('gt') }));
      assert.equal(
        (await store.findToken({ userSignature: '', accessToken: saved.accessToken }))?.id,
        saved.id,
        'empty user → access token',
      );
      assert.equal(
        (await store.findToken({ userSignature: '', grantToken: '', refreshToken: saved.refreshToken, ...client }))?.id,
        saved.id,
        'empty user and grant token → refresh token',
      );
      await expectStoreError(store.findToken({ userSignature: '', accessToken: '' }), 'INVALID_TOKEN', 'only empty keys');
    },
  },
  'lookup/no-key-is-invalid': {
    title: 'findToken without a lookup key fails with INVALID_TOKEN',
    rule: 'No lookup key is an error, never "some token" (what `select … limit 1` would give).',
    async run({ store }) {
      await store.saveToken(sampleToken());
      for (const partial of [{}, { clientId: 'c', clientSecret: 's' }, { apiDomain: 'https://x' }, { expiryTime: 1 }, { id: null }]) {
        await expectStoreError(store.findToken(partial), 'INVALID_TOKEN', `findToken(${JSON.stringify(partial)})`);
      }
    },
  },
  'lookup/by-id': {
    title: 'findTokenById finds a token by id, or gives null',
    rule: 'findTokenById returns the token with that id, or null when there is none.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      assert.equal((await store.findTokenById(saved.id))?.id, saved.id);
      assert.equal(await store.findTokenById(unique('missing')), null);
    },
  },
};
