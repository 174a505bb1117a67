import { isTokenStoreError } from '../../errors.js';
import { MAX_ID_LENGTH, MAX_VALUE_LENGTH, type OAuthToken } from '../../token.js';
import { assert, expectStoreError, observe, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

const boom = () => {
  throw new Error('hostile input');
};

/**
 * Objects that are not plain data: reading them runs code that throws, or they are built-ins
 * whose contents are not own properties. Each must be refused with INVALID_TOKEN.
 */
export function hostileTokens(): Array<[string, unknown]> {
  const base = sampleToken();
  const revoked = Proxy.revocable({ ...base }, {});
  revoked.revoke();
  const getter = { ...base };
  Object.defineProperty(getter, 'accessToken', { enumerable: true, get: boom });
  const quietGetter = { ...base };
  Object.defineProperty(quietGetter, 'refreshToken', { enumerable: true, get: () => 'from a getter' });
  return [
    ['an own getter that throws', getter],
    ['an own getter (not a data property)', quietGetter],
    ['a Proxy whose ownKeys throws', new Proxy({ ...base }, { ownKeys: boom })],
    ['a Proxy whose getOwnPropertyDescriptor throws', new Proxy({ ...base }, { getOwnPropertyDescriptor: boom })],
    ['a revoked Proxy', revoked.proxy],
    ['a Date', new Date()],
    ['a Map of the fields', new Map(Object.entries(base))],
    ['a Buffer', Buffer.from(JSON.stringify(base))],
    ['a boxed string', new String('token')],
    ['a function', Object.assign(() => {}, base)],
    ['a Promise', Promise.resolve(base)],
  ];
}

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
  'input/hostile-objects-refused': {
    title: 'getters, throwing Proxies and built-in objects are refused with INVALID_TOKEN',
    rule: 'Only a plain data object is a token: an own getter, a Proxy whose traps throw, a Date, Map, Buffer, boxed value, function or Promise is INVALID_TOKEN (never an untyped error, never a crash), for saveToken and findToken alike, and nothing is written.',
    async run(context) {
      await context.store.saveToken(sampleToken());
      const before = await observe(context, false);
      for (const [what, token] of hostileTokens()) {
        await expectStoreError(context.store.saveToken(token as OAuthToken), 'INVALID_TOKEN', `saveToken(${what})`);
        await expectStoreError(context.store.findToken(token as OAuthToken), 'INVALID_TOKEN', `findToken(${what})`);
      }
      assert.deepEqual(await observe(context, false), before, 'nothing was written');
    },
  },
  'input/readable-proxies-read-by-own-data': {
    title: 'a Proxy whose get or getPrototypeOf trap throws is read by its own data properties only',
    rule: 'A store reads a token through its own property descriptors, never through [[Get]] or its prototype: such a Proxy either saves its own data or is INVALID_TOKEN, never an untyped error.',
    async run({ store }) {
      for (const [what, handler] of [
        ['get', { get: boom }],
        ['getPrototypeOf', { getPrototypeOf: boom }],
      ] as const) {
        const token = sampleToken();
        const proxy = new Proxy({ ...token }, handler);
        try {
          const saved = await store.saveToken(proxy);
          assert.equal(saved.accessToken, token.accessToken, `a Proxy whose ${what} throws: its own data was saved`);
          const found = await store.findToken(new Proxy({ userSignature: token.userSignature }, handler));
          assert.equal(found?.id, saved.id, `findToken(a Proxy whose ${what} throws) finds by its own data`);
        } catch (error) {
          assert.ok(
            isTokenStoreError(error, 'INVALID_TOKEN'),
            `a Proxy whose ${what} throws: expected INVALID_TOKEN or a save, got ${String(error)}`,
          );
        }
      }
    },
  },
  'input/own-properties-only': {
    title: 'fields inherited through a polluted Object.prototype are not read',
    rule: 'Only own properties of a token are read: with Object.prototype.userSignature set by some other code, findToken({ accessToken }) finds by the access token, saveToken({ accessToken }) does not update that user, and stored tokens without a user come back with userSignature null.',
    async run({ store }) {
      const victim = await store.saveToken(sampleToken());
      const other = sampleToken({ userSignature: undefined });
      const saved = await store.saveToken(other);
      const prototype = Object.prototype as Record<string, unknown>;
      prototype.userSignature = victim.userSignature;
      try {
        const found = await store.findToken({ accessToken: other.accessToken });
        assert.equal(found?.id, saved.id, 'findToken({ accessToken }) found the token with that access token');
        assert.equal(found?.userSignature, null, 'the found token has no userSignature');
        const byId = await store.findTokenById(saved.id);
        assert.equal(byId?.userSignature, null, 'findTokenById: the token has no userSignature');
        const fresh = await store.saveToken({ accessToken: unique('at-polluted') });
        assert.notEqual(fresh.id, victim.id, 'saveToken({ accessToken }) created a token instead of updating the user');
        assert.equal(fresh.userSignature, null, 'the new token has no userSignature');
      } finally {
        delete prototype.userSignature;
      }
      const untouched = await store.findTokenById(victim.id);
      assert.equal(untouched?.accessToken, victim.accessToken, "the user's token was not changed");
    },
  },
  'input/unknown-field-name-not-echoed': {
    title: 'an unknown field whose name looks like a pasted token is not echoed',
    rule: 'INVALID_TOKEN for an unknown field names the field only when it looks like a field name: a key that is a pasted token (a common JSON mistake) never lands in the message.',
    async run({ store }) {
      for (const name of [`1000.${unique('pasted')}`, `ghp${'x7Yq2'.repeat(7)}`, 'eyJhbGciOiJIUzI1NiJ9']) {
        const error = await expectStoreError(
          store.saveToken({ ...sampleToken(), [name]: 'value' } as OAuthToken),
          'INVALID_TOKEN',
          'an unknown field named like a token',
        );
        assert.ok(!error.message.includes(name), 'the message does not quote the field name');
      }
      const named = await expectStoreError(
        store.saveToken({ ...sampleToken(), refresh_token: 'x' } as OAuthToken),
        'INVALID_TOKEN',
        'a snake_case field',
      );
      assert.ok(named.message.includes('refresh_token'), 'a plain field name is still named');
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
