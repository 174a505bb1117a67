import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken, SECRET_FIELDS, type TokenStoreErrorCode } from '@tokens/core';
import { assertNoSecretsInError } from '@tokens/core/conformance';
import { expect } from 'vitest';

const hex = () => randomBytes(8).toString('hex');

/** A token with every secret field set to a fresh random value. */
export function secretToken(): OAuthToken {
  return {
    userSignature: `user-${hex()}`,
    clientId: 'cid',
    clientSecret: `cs-${hex()}`,
    grantToken: `gt-${hex()}`,
    refreshToken: `rt-${hex()}`,
    accessToken: `at-${hex()}`,
  };
}

/** The values of `value`'s secret fields that are set. */
export function secretsOf(value: OAuthToken): string[] {
  return SECRET_FIELDS.map((field) => value[field]).filter((item): item is string => Boolean(item));
}

/** The error `operation` fails with; fails the test when it succeeds. */
export async function refusal(operation: Promise<unknown>): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

export interface RefusalCheck {
  /** The TokenStoreError code the error must have; 'any': any TokenStoreError; 'unchecked': not checked. */
  code: TokenStoreErrorCode | 'any' | 'unchecked';
  /** None of these may be read from the error (see assertNoSecretsInError). */
  secrets: readonly string[];
  /** What was refused, for the assertion's message. */
  what: string;
  /** More checks on the error, run after the code's and before the secrets'. */
  also?: (error: unknown) => void;
}

/**
 * `operation` (one that provokes a real driver or server error) fails with a TokenStoreError of
 * `check.code`, and none of `check.secrets` can be read from the error or any of its causes
 * (util.inspect at depth Infinity, JSON.stringify, message and stack). Returns the error.
 */
export async function expectRefusalWithoutSecrets(operation: Promise<unknown>, check: RefusalCheck): Promise<unknown> {
  const error = await refusal(operation);
  if (check.code !== 'unchecked') {
    expect(isTokenStoreError(error, check.code === 'any' ? undefined : check.code), String(error)).toBe(true);
  }
  check.also?.(error);
  assertNoSecretsInError(error, check.secrets, check.what);
  return error;
}
