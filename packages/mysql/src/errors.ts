import { BackendFailure } from '@tokens/core';

export const ER_DUP_ENTRY = 1062;
export const ER_NO_SUCH_TABLE = 1146;
export const ER_BAD_FIELD_ERROR = 1054;
export const ER_SP_ALREADY_EXISTS = 1304;
export const ER_SP_DOES_NOT_EXIST = 1305;
const ER_LOCK_WAIT_TIMEOUT = 1205;
const ER_LOCK_DEADLOCK = 1213;

interface DriverError {
  errno?: unknown;
  code?: unknown;
  fatal?: unknown;
}

export function errnoOf(error: unknown): number | undefined {
  const { errno } = (error ?? {}) as DriverError;
  return typeof errno === 'number' ? errno : undefined;
}

function codeOf(error: unknown): string | undefined {
  const { code } = (error ?? {}) as DriverError;
  return typeof code === 'string' ? code : undefined;
}

/** InnoDB rolled the statement back (autocommit): running it again is safe and cannot duplicate. */
export function isLockConflict(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

/**
 * Refusals of a missing privilege on a routine: 1044 (no CREATE ROUTINE on the database), 1142,
 * 1227, 1370 (no EXECUTE or ALTER ROUTINE on it), 1449 (a definer that no longer exists).
 */
const ROUTINE_DENIED = new Set([1044, 1142, 1227, 1370, 1449]);

export function isAccessDenied(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno !== undefined && ROUTINE_DENIED.has(errno);
}

export function isQueryTimeout(error: unknown): boolean {
  return codeOf(error) === 'PROTOCOL_SEQUENCE_TIMEOUT';
}

/**
 * The connection cannot be trusted any more: network errors, and mysql2's query timeout, which
 * answers the caller but leaves the statement running on the connection.
 */
export function isConnectionBroken(error: unknown): boolean {
  if (error instanceof BackendFailure) return false;
  const { fatal } = (error ?? {}) as DriverError;
  return fatal === true || errnoOf(error) === undefined || isQueryTimeout(error);
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);

/** The server refused the login: a wrong user or password, or no access to the database. */
const ACCESS_DENIED = new Set([1044, 1045, 1698]);

/** Names what failed by its code only: driver messages may quote values (keys, statements). */
export function describeMysqlError(error: unknown): { code: 'UNAVAILABLE'; reason: string } {
  const code = codeOf(error);
  const errno = errnoOf(error);
  if (errno !== undefined && ACCESS_DENIED.has(errno)) {
    return {
      code: 'UNAVAILABLE',
      reason: `authentication failed: the server refused the user, password or database (${code ?? 'error'} ${errno})`,
    };
  }
  if (code === 'PROTOCOL_SEQUENCE_TIMEOUT') return { code: 'UNAVAILABLE', reason: 'the database did not answer in time' };
  if (code && UNREACHABLE.has(code)) return { code: 'UNAVAILABLE', reason: `the database is unreachable (${code})` };
  if (errno !== undefined) return { code: 'UNAVAILABLE', reason: `the database refused the statement (${code ?? 'error'} ${errno})` };
  return { code: 'UNAVAILABLE', reason: `the database failed (${code ?? (error instanceof Error ? error.name : 'unknown error')})` };
}
