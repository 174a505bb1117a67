import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TokenStoreError } from '../src/errors.js';
import { presentToken, redactToken } from '../src/present.js';
import type { StoredToken } from '../src/token.js';

const stored: StoredToken = {
  id: 'id-1',
  version: 1,
  userSignature: 'alice@example.com',
  clientId: '1000.CLIENT',
  clientSecret: 'the-client-secret',
  redirectUrl: 'https://app/cb',
  grantToken: '',
  refreshToken: 'the-refresh-token',
  accessToken: 'the-access-token',
  expiryTime: 1,
  apiDomain: null,
};

describe('presented tokens', () => {
  it('print redacted but stay plain, complete data', () => {
    const token = presentToken(stored);
    const printed = inspect(token);
    expect(printed).not.toMatch(/the-client-secret|the-refresh-token|the-access-token/);
    expect(printed).toContain('alice@example.com');
    expect(printed).toContain("grantToken: ''");
    expect({ ...token }).toEqual(stored);
    expect(JSON.parse(JSON.stringify(token))).toEqual(stored);
    expect(Object.keys(token)).toEqual(Object.keys(stored));
  });

  it('redactToken masks only non-empty credentials', () => {
    expect(redactToken(stored)).toMatchObject({
      clientSecret: '[redacted]',
      accessToken: '[redacted]',
      grantToken: '',
      clientId: '1000.CLIENT',
    });
  });
});

describe('TokenStoreError', () => {
  it('formats its message and keeps a sanitized copy of its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new TokenStoreError({
      code: 'UNAVAILABLE',
      backend: 'redis',
      operation: 'findToken',
      reason: 'connection refused',
      cause,
    });
    expect(error.message).toBe('@tokens/redis: findToken: connection refused');
    // A sanitized copy (see sanitize.test.ts): the name and a message that cannot hold a value.
    expect(error.cause).not.toBe(cause);
    expect(error.cause).toMatchObject({ name: 'Error', message: 'ECONNREFUSED' });
    expect(error.name).toBe('TokenStoreError');
  });

  it('is recognised by instanceof across the ESM and CommonJS builds', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/index.cjs') as typeof import('../src/index.js');
    const fromCjs = new cjs.TokenStoreError({ code: 'CLOSED', backend: 'x', operation: 'close', reason: 'closed' });
    expect(fromCjs).toBeInstanceOf(TokenStoreError);
    expect(new TokenStoreError({ code: 'CLOSED', backend: 'x', operation: 'y', reason: 'z' })).toBeInstanceOf(cjs.TokenStoreError);
    expect(new Error('plain')).not.toBeInstanceOf(TokenStoreError);
  });
});
