import { describe, expect, it } from 'vitest';
import { lookupKeyOf } from '../src/lookup.js';

const client = { clientId: 'id', clientSecret: 'secret' };

describe('lookupKeyOf follows the Zoho order', () => {
  it.each([
    ['user first', { userSignature: 'u', accessToken: 'a', ...client, grantToken: 'g' }, { kind: 'user', value: 'u' }],
    ['access token without client credentials', { accessToken: 'a', refreshToken: 'r' }, { kind: 'access', value: 'a' }],
    [
      'grant token with both credentials',
      { accessToken: 'a', grantToken: 'g', refreshToken: 'r', ...client },
      { kind: 'grant', value: 'g' },
    ],
    ['refresh token with both credentials', { refreshToken: 'r', ...client }, { kind: 'refresh', value: 'r' }],
    ['empty user is absent', { userSignature: '', accessToken: 'a' }, { kind: 'access', value: 'a' }],
    ['empty grant token is absent', { grantToken: '', refreshToken: 'r', ...client }, { kind: 'refresh', value: 'r' }],
    [
      'empty client id still counts as given',
      { accessToken: 'a', refreshToken: 'r', clientId: '', clientSecret: '' },
      { kind: 'refresh', value: 'r' },
    ],
  ])('%s', (_, token, expected) => {
    expect(lookupKeyOf(token)).toEqual(expected);
  });

  it.each([
    ['nothing', {}],
    ['access token with a client id', { accessToken: 'a', clientId: 'c' }],
    ['refresh token with one credential', { refreshToken: 'r', clientId: 'c' }],
    ['refresh token with a null secret', { refreshToken: 'r', clientId: 'c', clientSecret: null }],
    ['only empty keys', { userSignature: '', accessToken: '' }],
  ])('no key for %s', (_, token) => {
    expect(lookupKeyOf(token)).toBeNull();
  });
});
