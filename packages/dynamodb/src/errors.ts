import { BackendFailure } from '@tokens/core';

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TooManyRequestsException',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);

export function errorName(error: unknown): string | undefined {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

export function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  return (name !== undefined && THROTTLING.has(name)) || httpStatus(error) === 429;
}

/** The `Code` of each cancellation reason of a cancelled transaction, in the order of its items. */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return Array.isArray(reasons) ? reasons.map((reason) => reason.Code ?? 'None') : [];
}

/**
 * A stand-in for a driver error that keeps only what identifies it: name, code, HTTP status,
 * request id and cancellation codes. The SDK's errors may carry item values (a cancellation
 * reason's `Item`), messages that quote expressions, and the raw response: none of it may reach
 * our error's `cause`, its `util.inspect` or its JSON.
 */
export class DynamoDbCallError extends Error {
  readonly code: string | undefined;
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly cancellationCodes: string[] | undefined;

  constructor(error: unknown) {
    const name = errorName(error) ?? 'unknown error';
    const rawCode = (error as { code?: unknown } | null)?.code;
    const code = typeof rawCode === 'string' && /^[A-Z_]{2,40}$/.test(rawCode) ? rawCode : undefined;
    const status = httpStatus(error);
    const codes = cancellationCodes(error);
    super([name, code, status === undefined ? undefined : `HTTP ${status}`, codes && `[${codes.join(', ')}]`].filter(Boolean).join(' '));
    this.name = 'DynamoDbCallError';
    this.code = code ?? (name === 'unknown error' ? undefined : name);
    this.httpStatusCode = status;
    const requestId = (error as { $metadata?: { requestId?: unknown } } | null)?.$metadata?.requestId;
    this.requestId = typeof requestId === 'string' ? requestId : undefined;
    this.cancellationCodes = codes;
    // Our own stack, not the driver's: a stack line can quote a message.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Turns any driver failure into a {@link BackendFailure} whose reason and cause name no value. */
export function describeFailure(error: unknown): BackendFailure {
  if (error instanceof BackendFailure) return error;
  const cause = new DynamoDbCallError(error);
  const name = errorName(error);
  const code = cause.code;
  if (code && NETWORK_CODES.has(code)) return new BackendFailure('UNAVAILABLE', `DynamoDB is unreachable (${code})`, cause);
  if (name === 'AbortError' || name === 'TimeoutError' || name === 'RequestTimeout') {
    return new BackendFailure('UNAVAILABLE', `DynamoDB did not answer in time (${name})`, cause);
  }
  if (isThrottling(error)) return new BackendFailure('UNAVAILABLE', `DynamoDB kept throttling the calls (${name})`, cause);
  if (name === 'ResourceNotFoundException') {
    return new BackendFailure(
      'UNAVAILABLE',
      'the DynamoDB table does not exist (create it, or let the store create it: createTable)',
      cause,
    );
  }
  const codes = cause.cancellationCodes;
  if (codes) return new BackendFailure('UNAVAILABLE', `DynamoDB cancelled the transaction (${codes.join(', ')})`, cause);
  const status = httpStatus(error);
  if (status !== undefined) {
    return new BackendFailure('UNAVAILABLE', `DynamoDB refused the call (${name ?? 'unknown error'}, HTTP ${status})`, cause);
  }
  return new BackendFailure('UNAVAILABLE', `the DynamoDB call failed (${cause.message})`, cause);
}
