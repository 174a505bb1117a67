import { BackendFailure } from '@tokens/core';

export const UNIQUE_VIOLATION = '23505';
export const UNDEFINED_TABLE = '42P01';
export const UNDEFINED_COLUMN = '42703';
const QUERY_CANCELED = '57014';
const LOCK_NOT_AVAILABLE = '55P03';
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

const CONDITION_NAMES: Record<string, string> = {
  '23505': 'unique_violation',
  '25P02': 'in_failed_sql_transaction',
  '28000': 'invalid_authorization_specification',
  '28P01': 'invalid_password',
  '3D000': 'invalid_catalog_name',
  '3F000': 'invalid_schema_name',
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '42501': 'insufficient_privilege',
  '42703': 'undefined_column',
  '42P01': 'undefined_table',
  '53300': 'too_many_connections',
  '55P03': 'lock_not_available',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
};

/** The SQLSTATE of a server error (pg's DatabaseError), or undefined for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string' ? code : undefined;
}

function systemCodeOf(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' && /^E[A-Z_]{2,30}$/.test(code) ? code : undefined;
}

/** The server rolled the statement back (autocommit): running it again is safe and cannot duplicate. */
export function isTransientConflict(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === DEADLOCK_DETECTED || state === SERIALIZATION_FAILURE;
}

/**
 * The connection cannot be trusted any more: anything that is not an answer of the server
 * (network errors, pg's "Connection terminated"), connection exceptions (class 08), the server
 * shutting down (57P0x), and FATAL errors, after which the server closes the session.
 */
export function isConnectionBroken(error: unknown): boolean {
  if (error instanceof BackendFailure) return false;
  const state = sqlStateOf(error);
  if (state === undefined) return true;
  const { severity } = error as { severity?: unknown };
  return state.startsWith('08') || state.startsWith('57P') || severity === 'FATAL' || severity === 'PANIC';
}

/**
 * Messages of pg's own errors that name no value. Server messages are left out on purpose: they may
 * quote input ("invalid input syntax for type integer: ..."), and `detail` quotes key values
 * (`Key (user_key)=(...) already exists`).
 */
const SAFE_DRIVER_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'timeout expired',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
]);

/**
 * What the store keeps of a driver error as `cause`: its class, SQLSTATE or system code and, for
 * pg's own fixed messages, the message. Never the server's message, detail, hint, where, the
 * statement's parameters or the connection string, which a pg error may carry.
 */
export class PostgresDriverError extends Error {
  readonly code: string | undefined;
  readonly severity: string | undefined;

  constructor(error: unknown) {
    const state = sqlStateOf(error);
    const system = systemCodeOf(error);
    const kind = error instanceof Error ? error.constructor.name : typeof error;
    const message = (error as { message?: unknown } | null)?.message;
    let text: string;
    if (state) text = `SQLSTATE ${state}${CONDITION_NAMES[state] ? ` (${CONDITION_NAMES[state]})` : ''}`;
    else if (system) text = system;
    else if (typeof message === 'string' && SAFE_DRIVER_MESSAGES.has(message)) text = message;
    else text = `${kind} (message withheld: it may quote values)`;
    super(text);
    this.name = 'PostgresDriverError';
    this.code = state ?? system;
    const { severity } = (error ?? {}) as { severity?: unknown };
    this.severity = state && typeof severity === 'string' ? severity : undefined;
    // The sanitised copy has no useful stack of its own; the original's frames name no value, but keep it short.
    this.stack = `${this.name}: ${text}`;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Names what failed by its SQLSTATE or system code only: server messages and details may quote values. */
export function describePostgresError(error: unknown): { code: 'UNAVAILABLE'; reason: string } {
  const state = sqlStateOf(error);
  const system = systemCodeOf(error);
  const reason = (why: string) => ({ code: 'UNAVAILABLE' as const, reason: why });
  if (state === QUERY_CANCELED) return reason('the database cancelled the statement (statement_timeout, SQLSTATE 57014)');
  if (state === LOCK_NOT_AVAILABLE) return reason('the database gave up waiting for a lock (lock_timeout, SQLSTATE 55P03)');
  if (state === '28P01' || state === '28000') return reason(`the database refused the credentials (SQLSTATE ${state})`);
  if (state === '42501') return reason('the database role lacks a privilege this store needs (SQLSTATE 42501)');
  if (state === '3D000') return reason('the database does not exist (SQLSTATE 3D000)');
  if (state?.startsWith('08') || state?.startsWith('57P') || state === '53300') {
    return reason(`the database is unreachable or shutting down (SQLSTATE ${state})`);
  }
  if (state) return reason(`the database refused the statement (SQLSTATE ${state})`);
  if (system && UNREACHABLE.has(system)) return reason(`the database is unreachable (${system})`);
  if (system) return reason(`the database connection failed (${system})`);
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && SAFE_DRIVER_MESSAGES.has(message)) return reason(`the database connection failed (${message})`);
  return reason(`the database failed (${error instanceof Error ? error.constructor.name : 'unknown error'})`);
}

/** The failure the store reports for a driver error, carrying only the sanitised copy as its cause. */
export function toBackendFailure(error: unknown): BackendFailure {
  if (error instanceof BackendFailure) return error;
  return new BackendFailure('UNAVAILABLE', describePostgresError(error).reason, new PostgresDriverError(error));
}
