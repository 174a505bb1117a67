import { describe, expect, it } from 'vitest';
import { checkToken } from '../src/validate.js';

describe('checkToken', () => {
  it('keeps only given fields and treats a null id or version as absent', () => {
    expect(checkToken({ id: null, version: null, userSignature: 'u', accessToken: null, expiryTime: 5 })).toEqual({
      userSignature: 'u',
      accessToken: null,
      expiryTime: 5,
    });
  });

  it.each([
    [{ accessToken: 1 }, 'accessToken must be a string or null, got a number'],
    [{ expiryTime: '5' }, 'expiryTime must be a non-negative integer (ms since the epoch) or null, got a string'],
    [{ expiryTime: 1.5 }, 'got a fraction'],
    [{ version: 0 }, 'version must be a positive integer'],
    [{ id: '' }, 'id must not be empty'],
    [{ refresh_token: 'x' }, 'unknown field "refresh_token"'],
    [{ 'eyJhbGciOi.secret.value': 'x' }, 'unknown field "<unprintable name>"'],
    [{ accessToken: '\uDC00' }, 'lone surrogate'],
    [[], 'expected a token object, got an array'],
  ])('refuses %j with a reason that names the problem', (token, reason) => {
    expect(checkToken(token)).toContain(reason);
  });

  it('never echoes a value in its reason', () => {
    const secret = 'super-secret-token-value';
    for (const token of [{ accessToken: [secret] }, { expiryTime: secret }, { id: { secret } }, { version: secret }]) {
      const reason = checkToken(token);
      expect(typeof reason).toBe('string');
      expect(reason).not.toContain(secret);
    }
  });
});
