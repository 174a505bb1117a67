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
    [{ 'eyJhbGciOi.secret.value': 'x' }, 'unknown field (its name is not shown'],
    [{ ghpA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8: 'x' }, 'unknown field (its name is not shown'],
    [new Date(), 'expected a plain token object, got a Date'],
    [new Map([['accessToken', 'a']]), 'expected a plain token object, got a Map or Set'],
    [Buffer.from('{}'), 'got binary data'],
    [{ accessToken: '\uDC00' }, 'lone surrogate'],
    [[], 'expected a token object, got an array'],
  ])('refuses %j with a reason that names the problem', (token, reason) => {
    expect(checkToken(token)).toContain(reason);
  });

  it('reads own data properties only: no getter runs, nothing inherited counts, a throwing Proxy is a refusal', () => {
    const getter = { userSignature: 'u' };
    Object.defineProperty(getter, 'accessToken', {
      enumerable: true,
      get: () => {
        throw new Error('getter ran');
      },
    });
    expect(checkToken(getter)).toBe('field accessToken is a getter or setter, not a data property');
    const throwing = (trap: keyof ProxyHandler<object>) =>
      new Proxy(
        { userSignature: 'u' },
        {
          [trap]: () => {
            throw new Error('trap ran');
          },
        },
      );
    expect(checkToken(throwing('ownKeys'))).toContain('cannot be read');
    expect(checkToken(throwing('getOwnPropertyDescriptor'))).toContain('cannot be read');
    expect(checkToken(throwing('get'))).toEqual({ userSignature: 'u' });
    expect(checkToken(throwing('getPrototypeOf'))).toEqual({ userSignature: 'u' });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(checkToken(revoked.proxy)).toContain('cannot be read');

    const prototype = Object.prototype as Record<string, unknown>;
    prototype.userSignature = 'someone-else';
    try {
      const checked = checkToken({ accessToken: 'a' });
      expect(typeof checked).toBe('object');
      expect((checked as Record<string, unknown>).userSignature).toBeUndefined();
    } finally {
      delete prototype.userSignature;
    }
    class SdkToken {
      accessToken = 'a';
      describe() {
        return 'methods on the prototype are not fields';
      }
    }
    expect(checkToken(new SdkToken())).toEqual({ accessToken: 'a' });
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
