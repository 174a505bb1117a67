import { DATA_FIELDS, type OAuthToken } from '../../token.js';
import { assert, assertSameData, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

const LONG = 16 * 1024;

export const modelCases: Record<string, CaseDefinition> = {
  'model/save-returns-stored-token': {
    title: 'saveToken returns the stored token with a generated id and version 1',
    rule: 'A new token gets an id (generated when not given) and version 1; saveToken returns it.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      assert.equal(typeof saved.id, 'string', 'the returned token has a string id');
      assert.ok(saved.id.length >= 16, 'a generated id is long enough to be unguessable (UUID-like)');
      assert.equal(saved.version, 1, 'a new token starts at version 1');
      assert.deepEqual(await store.findTokenById(saved.id), saved, 'findTokenById returns what saveToken returned');
    },
  },
  'model/generated-ids-are-unique': {
    title: 'generated ids differ from one token to the next',
    rule: 'Ids are generated unguessable and unique (e.g. random UUIDs), never counters reused per namespace.',
    async run({ store, open, freshNamespace }) {
      const other = await open(freshNamespace());
      const ids = new Set<string>();
      for (let i = 0; i < 10; i++) {
        ids.add((await store.saveToken(sampleToken())).id);
        ids.add((await other.saveToken(sampleToken())).id);
      }
      assert.equal(ids.size, 20, 'twenty saves in two namespaces gave twenty distinct ids');
    },
  },
  'model/caller-id-kept': {
    title: 'an id given by the caller is kept for a new token',
    rule: 'A new token takes the id given in the token, when there is one.',
    async run({ store }) {
      const id = unique('my-id');
      const saved = await store.saveToken(sampleToken({ id }));
      assert.equal(saved.id, id);
      assert.equal((await store.findTokenById(id))?.id, id);
    },
  },
  'model/all-fields-round-trip': {
    title: 'every field round-trips exactly',
    rule: 'Every field of OAuthToken is stored and returned exactly as given.',
    async run({ store }) {
      const token = sampleToken({ grantToken: unique('1000.grant'), expiryTime: 1_893_456_000_123 });
      const saved = await store.saveToken(token);
      assertSameData(saved, token, 'saveToken result');
      assertSameData(await store.findTokenById(saved.id), token, 'findTokenById');
      assertSameData(await store.findToken({ userSignature: token.userSignature }), token, 'findToken by user');
      assertSameData((await store.getTokens())[0] ?? null, token, 'getTokens');
    },
  },
  'model/absent-fields-are-null': {
    title: 'fields never given come back as null',
    rule: 'A stored token has every field; those never given are null (not undefined, not "").',
    async run({ store }) {
      const saved = await store.saveToken({ refreshToken: unique('rt'), clientId: 'c', clientSecret: 's' });
      const found = await store.findTokenById(saved.id);
      assert.ok(found);
      for (const field of DATA_FIELDS) {
        if (field === 'refreshToken' || field === 'clientId' || field === 'clientSecret') continue;
        assert.equal(found[field], null, `${field} was never given and must be null`);
      }
    },
  },
  'model/empty-strings-kept': {
    title: 'empty strings are stored and returned as empty strings',
    rule: 'In non-key fields "" is a value: stored and returned as "", not turned into null.',
    async run({ store }) {
      const token = sampleToken({ redirectUrl: '', apiDomain: '', clientId: '', clientSecret: '' });
      const saved = await store.saveToken(token);
      assertSameData(await store.findTokenById(saved.id), token, 'findTokenById');
    },
  },
  'model/unusual-text-round-trips': {
    title: 'unicode, quotes, commas, newlines, tabs and NUL round-trip',
    rule: 'Values are stored byte for byte: any Unicode text, including quotes, commas, newlines and NUL.',
    async run({ store }) {
      const texts = [
        'Zoë 🐙 Ünïcødé 日本語 עברית',
        `quote ' double " backtick \` backslash \\`,
        'comma, separated, values',
        'line one\nline two\r\nline three\ttab',
        'nul \u0000 inside',
        '  leading and trailing spaces  ',
      ];
      for (const text of texts) {
        const token = sampleToken({ userSignature: `${text} ${unique('u')}`, apiDomain: text, refreshToken: `${text} ${unique('rt')}` });
        const saved = await store.saveToken(token);
        assertSameData(await store.findTokenById(saved.id), token, `text ${JSON.stringify(text)}`);
        assertSameData(await store.findToken({ userSignature: token.userSignature }), token, 'findToken by that user');
        assertSameData(
          await store.findToken({ refreshToken: token.refreshToken, clientId: 'c', clientSecret: 's' }),
          token,
          'findToken by that refresh token',
        );
      }
    },
  },
  'model/long-values': {
    title: '16 KiB tokens are stored, returned and found',
    rule: 'Token values may be many KiB (JWTs): 16 KiB access, refresh and grant tokens work, also as lookup keys.',
    async run({ store }) {
      const long = (prefix: string) => `${unique(prefix)}.${'x'.repeat(LONG)}`;
      const token: OAuthToken = sampleToken({ accessToken: long('at'), refreshToken: long('rt'), grantToken: long('gt') });
      const saved = await store.saveToken(token);
      assertSameData(await store.findTokenById(saved.id), token, 'findTokenById');
      const client = { clientId: 'c', clientSecret: 's' };
      assert.equal((await store.findToken({ accessToken: token.accessToken }))?.id, saved.id, 'found by 16 KiB access token');
      assert.equal((await store.findToken({ refreshToken: token.refreshToken, ...client }))?.id, saved.id, 'found by 16 KiB refresh token');
      assert.equal((await store.findToken({ grantToken: token.grantToken, ...client }))?.id, saved.id, 'found by 16 KiB grant token');
      const almost = `${token.accessToken?.slice(0, -1)}y`;
      assert.equal(await store.findToken({ accessToken: almost }), null, 'a value differing in its last character matches nothing');
    },
  },
  'model/returned-tokens-are-copies': {
    title: 'mutating a returned token does not change the store',
    rule: 'Stores return fresh plain objects; the caller may mutate them without touching stored state.',
    async run({ store }) {
      const token = sampleToken();
      const saved = await store.saveToken(token);
      saved.accessToken = 'mutated';
      const found = await store.findTokenById(saved.id);
      assert.ok(found);
      found.refreshToken = 'mutated';
      const listed = await store.getTokens();
      for (const item of listed) item.userSignature = 'mutated';
      assertSameData(await store.findTokenById(saved.id), token, 'after mutating returned objects');
    },
  },
  'model/input-not-retained': {
    title: 'mutating the saved object afterwards does not change the store',
    rule: 'saveToken copies its argument; later changes to that object are not stored.',
    async run({ store }) {
      const token = sampleToken();
      const expected = { ...token };
      const saved = await store.saveToken(token);
      token.accessToken = 'mutated';
      token.userSignature = 'mutated';
      assertSameData(await store.findTokenById(saved.id), expected, 'after mutating the input');
    },
  },
  'model/plain-objects': {
    title: 'returned tokens are plain data objects',
    rule: 'Returned tokens are plain objects that survive JSON and structuredClone unchanged.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const found = await store.findTokenById(saved.id);
      assert.equal(Object.getPrototypeOf(found), Object.prototype, 'a plain object');
      assert.deepEqual(JSON.parse(JSON.stringify(found)), { ...found }, 'JSON round-trip keeps every field');
      assert.deepEqual(structuredClone(found), { ...found }, 'structuredClone keeps every field');
    },
  },
};
