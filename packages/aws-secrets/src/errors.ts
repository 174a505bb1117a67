const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);

export function errorName(error: unknown): string | undefined {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' ? name : undefined;
}

export function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  if (name && THROTTLING.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return status === 429;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** Reasons carry error names and codes only: AWS messages quote secret names and ARNs. */
export function describeAwsError(error: unknown): { code: 'UNAVAILABLE'; reason: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code))
    return { code: 'UNAVAILABLE', reason: `Secrets Manager is unreachable (${code})` };
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    return { code: 'UNAVAILABLE', reason: `Secrets Manager did not answer in time (${error.name})` };
  }
  if (isThrottling(error)) return { code: 'UNAVAILABLE', reason: `Secrets Manager kept throttling the calls (${error.name})` };
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined) return { code: 'UNAVAILABLE', reason: `Secrets Manager refused the call (${error.name}, HTTP ${status})` };
  return undefined;
}
