import { assert, sampleToken, stringsIn, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

/** Values that break stores which build queries, keys or paths from strings. */
export const INJECTION_STRINGS = [
  "' OR '1'='1",
  '"; DROP TABLE tokens; --',
  '{"$gt":""}',
  '$where',
  '*',
  '%',
  '_',
  'a.b.c',
  '../../etc/passwd',
  '\\',
  '{hash}tag',
  'key:with:colons',
] as const;

export const injectionCases: Record<string, CaseDefinition> = {
  'injection/stored-verbatim': {
    title: 'injection-shaped strings are stored and matched verbatim',
    rule: 'Values are data, never query text, patterns or paths: SQL, NoSQL operators, wildcards and separators are stored and matched exactly.',
    async run({ store }) {
      const plain = await store.saveToken(sampleToken({ userSignature: unique('plain') }));
      for (const text of INJECTION_STRINGS) {
        const token = sampleToken({ userSignature: text, refreshToken: text, accessToken: `${text}${unique('at')}`, apiDomain: text });
        const saved = await store.saveToken(token);
        assert.equal((await store.findToken({ userSignature: text }))?.id, saved.id, `user ${JSON.stringify(text)}`);
        assert.equal(
          (await store.findToken({ refreshToken: text, clientId: 'c', clientSecret: 's' }))?.id,
          saved.id,
          `refresh token ${JSON.stringify(text)}`,
        );
        assert.equal((await store.findTokenById(saved.id))?.apiDomain, text, `apiDomain ${JSON.stringify(text)}`);
      }
      assert.equal((await store.findToken({ userSignature: plain.userSignature }))?.id, plain.id, 'other tokens untouched');
      assert.equal((await store.getTokens()).length, INJECTION_STRINGS.length + 1, 'one token per value, nothing lost or added');
      for (const text of ['%', '*', '_']) {
        assert.equal(await store.findToken({ userSignature: `${text}${text}` }), null, `${text}${text} is no wildcard`);
      }
    },
  },
  'injection/ids-verbatim': {
    title: 'injection-shaped ids are stored and matched verbatim',
    rule: 'Ids are data too: any id string is stored and found exactly, and deleting it removes only that token.',
    async run({ store }) {
      const ids = INJECTION_STRINGS.map((text) => `${text}`);
      for (const id of ids) await store.saveToken(sampleToken({ id }));
      for (const id of ids) assert.equal((await store.findTokenById(id))?.id, id, `id ${JSON.stringify(id)}`);
      await store.deleteToken('*');
      await store.deleteToken('%');
      assert.equal((await store.getTokens()).length, ids.length - 2, 'deleting "*" and "%" removed exactly two tokens');
    },
  },
  'injection/raw-verbatim': {
    title: 'what lands in the database holds the values verbatim',
    rule: 'The database holds the values themselves (one record per token), not escaped or rewritten forms.',
    requires: ['raw'],
    async run({ store, raw }) {
      for (const text of INJECTION_STRINGS) await store.saveToken(sampleToken({ userSignature: text, apiDomain: text }));
      const records = await raw();
      assert.equal(records.length, INJECTION_STRINGS.length, 'one raw record per token');
      const strings = stringsIn(records);
      for (const text of INJECTION_STRINGS) assert.ok(strings.has(text), `${JSON.stringify(text)} landed verbatim`);
    },
  },
};
