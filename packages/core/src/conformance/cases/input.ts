import { MAX_ID_LENGTH, MAX_VALUE_LENGTH, type OAuthToken } from '../../token.js';
import { assert, expectStoreError, observe, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

/** Every shape a caller might hand over by mistake; each one must be refused. */
export function invalidTokens(): Array<[string, unknown]> {
  const base = sampleToken();
  const bad = (what: string, patch: Record<string, unknown>): [string, unknown] => [what, { ...base, ...patch }];
  return [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'token'],
    ['a number', 42],
    ['an array', [base]],
    bad('userSignature as a number', { userSignature: 42 }),
    bad('accessToken as an object', { accessToken: { value: 'x' } }),
    bad('refreshToken as a boolean', { refreshToken: true }),
    bad('grantToken as an array', { grantToken: ['x'] }),
    bad('clientSecret as a number', { clientSecret: 1 }),
    bad('apiDomain as an object', { apiDomain: {} }),
    bad('redirectUrl as a Buffer', { redirectUrl: Buffer.from('x') }),
    bad('expiryTime as a string', { expiryTime: '1700000000000' }),
    bad('expiryTime NaN', { expiryTime: Number.NaN }),
    bad('expiryTime Infinity', { expiryTime: Number.POSITIVE_INFINITY }),
    bad('expiryTime negative', { expiryTime: -1 }),
    bad('expiryTime a fraction', { expiryTime: 1.5 }),
    bad('expiryTime a Date', { expiryTime: new Date() }),
    bad('version 0', { version: 0 }),
    bad('version negative', { version: -1 }),
    bad('version a fraction', { version: 1.5 }),
    bad('version a string', { version: '1' }),
    bad('id empty', { id: '' }),
    bad('id a number', { id: 7 }),
    bad('id too long', { id: 'i'.repeat(MAX_ID_LENGTH + 1) }),
    bad('an unknown field', { refresh_token: 'x' }),
    bad('a lone surrogate', { accessToken: 'abc\uD800def' }),
    bad('a value over the length limit', { accessToken: 'a'.repeat(MAX_VALUE_LENGTH + 1) }),
  ];
}

export const inputCases: Record<string, CaseDefinition> = {
  'input/invalid-save-refused': {
    title: 'invalid tokens are refused with INVALID_TOKEN and nothing is written',
    rule: 'saveToken checks its argument first: a wrong type, an unknown field, an out-of-range number or a value too long is INVALID_TOKEN, and the store is unchanged.',
    async run(context) {
      await context.store.saveToken(sampleToken());
      const before = await observe(context, false);
      for (const [what, token] of invalidTokens()) {
        await expectStoreError(context.store.saveToken(token as OAuthToken), 'INVALID_TOKEN', `saveToken(${what})`);
      }
      assert.deepEqual(await observe(context, false), before, 'nothing was written');
    },
  },
  'input/invalid-save-raw-unchanged': {
    title: 'refused tokens leave nothing in the database',
    rule: 'A refused save writes nothing at all, not even a partial record.',
    requires: ['raw'],
    async run(context) {
      await context.store.saveToken(sampleToken());
      const before = await observe(context, true);
      for (const [what, token] of invalidTokens()) {
        await expectStoreError(context.store.saveToken(token as OAuthToken), 'INVALID_TOKEN', `saveToken(${what})`);
      }
      assert.deepEqual(await observe(context, true), before, 'the raw records are unchanged');
    },
  },
  'input/invalid-arguments': {
    title: 'findToken, findTokenById and deleteToken refuse invalid arguments',
    rule: 'Every operation checks its argument: a bad id or partial token is INVALID_TOKEN, never a crash or a silent null.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      for (const [what, token] of invalidTokens()) {
        if (what.startsWith('version') || what.startsWith('id')) continue;
        await expectStoreError(store.findToken(token as OAuthToken), 'INVALID_TOKEN', `findToken(${what})`);
      }
      for (const id of [undefined, null, '', 42, {}, 'i'.repeat(MAX_ID_LENGTH + 1)]) {
        await expectStoreError(store.findTokenById(id as string), 'INVALID_TOKEN', `findTokenById(${String(id).slice(0, 20)})`);
        await expectStoreError(store.deleteToken(id as string), 'INVALID_TOKEN', `deleteToken(${String(id).slice(0, 20)})`);
      }
      assert.ok(await store.findTokenById(saved.id), 'the stored token is still there');
    },
  },
  'input/extra-prototype-fields-ignored': {
    title: 'class instances with methods are accepted by their own fields',
    rule: 'Only own enumerable properties are read: a token object with methods on its prototype is fine.',
    async run({ store }) {
      class SdkToken {
        userSignature = unique('sdk-user');
        accessToken = unique('at');
        describe() {
          return 'an SDK token';
        }
      }
      const saved = await store.saveToken(new SdkToken());
      assert.equal(saved.version, 1);
    },
  },
};
