import { describe, expect, it } from 'vitest';
import { assertNoSecretsInError } from '../src/conformance/leaks.js';
import { BackendFailure, TokenStoreError } from '../src/errors.js';
import { SanitizedError, sanitizeCause } from '../src/sanitize.js';

const SECRET = '1000.secret-refresh-token-value';

/** Errors shaped as the drivers make them (the backend tests provoke the real ones). */
function driverErrors(): Record<string, Error> {
  const reply = Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), {
    name: 'ReplyError',
    command: { name: 'evalsha', args: ['sha', 3, 'key', 'refreshToken', SECRET] },
  });
  const mysql = Object.assign(new Error(`Duplicate entry '${SECRET}' for key 'refresh_key'`), {
    code: 'ER_DUP_ENTRY',
    errno: 1062,
    sqlState: '23000',
    sqlMessage: `Duplicate entry '${SECRET}'`,
    sql: `INSERT INTO t VALUES ('${SECRET}')`,
  });
  const mongo = Object.assign(new Error(`E11000 duplicate key error dup key: { refreshToken: "${SECRET}" }`), {
    name: 'MongoServerError',
    code: 11000,
    codeName: 'DuplicateKey',
    keyValue: { refreshToken: SECRET },
    errInfo: { details: SECRET },
    errorResponse: { errmsg: SECRET },
    errorLabelSet: new Set(['RetryableWriteError']),
  });
  const aws = Object.assign(new Error('Secrets Manager cannot do that'), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400, requestId: 'abc-123' },
    $response: { body: SECRET },
  });
  const system = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
  });
  return { reply, mysql, mongo, aws, system };
}

describe('sanitizeCause', () => {
  it('keeps names, codes and frames of every driver shape, and nothing that can hold a value', () => {
    const errors = driverErrors();
    for (const [driver, error] of Object.entries(errors)) {
      const wrapped = new TokenStoreError({ code: 'UNAVAILABLE', backend: 'x', operation: 'saveToken', reason: 'r', cause: error });
      assertNoSecretsInError(wrapped, [SECRET], driver);
      expect(wrapped.cause).toBeInstanceOf(SanitizedError);
      expect((wrapped.cause as Error).name).toBe(error.name);
      expect((wrapped.cause as Error).stack).toMatch(/\n\s+at /);
    }
    expect(sanitizeCause(errors.mysql)).toMatchObject({ code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' });
    expect(sanitizeCause(errors.mongo)).toMatchObject({ code: 11000, codeName: 'DuplicateKey', errorLabels: ['RetryableWriteError'] });
    expect(sanitizeCause(errors.aws)).toMatchObject({
      httpStatusCode: 400,
      requestId: 'abc-123',
      message: 'Secrets Manager cannot do that',
    });
    expect(sanitizeCause(errors.system)).toMatchObject({
      code: 'ECONNREFUSED',
      syscall: 'connect',
      message: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
    expect((sanitizeCause(errors.reply) as Error).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect((sanitizeCause(errors.mysql) as Error).message).toMatch(/withheld/);
  });

  it('sanitizes nested causes and AggregateError members, survives cycles, getters and odd throwables', () => {
    const { reply, mysql } = driverErrors();
    const outer = new Error('outer', { cause: new AggregateError([reply, mysql], 'all failed') });
    (reply as { cause?: unknown }).cause = outer;
    const hostile = new Proxy(new Error('x'), {
      get: () => {
        throw new Error(SECRET);
      },
    });
    for (const cause of [outer, hostile, SECRET, { message: SECRET, password: SECRET }, 42, Symbol('s')]) {
      const wrapped = new TokenStoreError({ code: 'UNAVAILABLE', backend: 'x', operation: 'findToken', reason: 'r', cause });
      assertNoSecretsInError(wrapped, [SECRET], `a cause of type ${typeof cause}`);
    }
    const chain = sanitizeCause(outer) as Error & { cause: Error & { errors: Error[] } };
    expect(chain.cause.errors.map((member) => member.name)).toEqual(['ReplyError', 'Error']);
  });

  it('withholds a plain-looking message that holds one of the operation secrets', () => {
    const short = 'pw-123';
    expect((sanitizeCause(new Error(`refused ${short}`), [short]) as Error).message).toMatch(/withheld/);
    expect((sanitizeCause(new Error('refused'), [short]) as Error).message).toBe('refused');
  });

  it('keeps TokenStoreErrors and the reason of a BackendFailure, sanitizing what is under them', () => {
    const inner = new TokenStoreError({ code: 'CORRUPT', backend: 'x', operation: 'getTokens', reason: 'bad row' });
    expect(sanitizeCause(inner)).toBe(inner);
    const failure = new BackendFailure('UNAVAILABLE', 'table "t" is locked', driverErrors().mysql);
    const copy = sanitizeCause(failure) as Error;
    expect(copy.message).toBe('table "t" is locked');
    assertNoSecretsInError(copy, [SECRET], 'a BackendFailure');
  });
});
