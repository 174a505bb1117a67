/**
 * Driver errors are recognised by name and code rather than `instanceof`, so a caller's client
 * from another copy of the driver is understood too. Reasons carry names and codes only: a
 * server message may quote a key or a connection string.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  // FerretDB 1.24 (SQLite) answers an update that breaks a unique index with InternalError 1
  // quoting SQLite, where MongoDB says E11000 (its insert does say E11000).
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoClientClosedError',
  'MongoPoolClosedError',
  'MongoPoolClearedError',
]);

export function isNetworkError(error: unknown): boolean {
  return error instanceof Error && UNREACHABLE.has(error.name);
}

export function describeMongoError(error: unknown): { code: 'UNAVAILABLE'; reason: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  if (UNREACHABLE.has(error.name)) return { code: 'UNAVAILABLE', reason: `the server is unreachable (${error.name})` };
  const { code, codeName } = error as { code?: unknown; codeName?: unknown };
  // AuthenticationFailed, or Unauthorized (13): a wrong user or password, or a user without access.
  if (error.name.startsWith('Mongo') && (code === 18 || code === 13)) {
    const label = typeof codeName === 'string' ? `${codeName} ${code}` : String(code);
    return { code: 'UNAVAILABLE', reason: `authentication failed: the server refused the credentials (${label})` };
  }
  if (typeof code === 'number' && error.name.startsWith('Mongo')) {
    const label = typeof codeName === 'string' ? `${codeName} ${code}` : String(code);
    return { code: 'UNAVAILABLE', reason: `the server refused the operation (${error.name} ${label})` };
  }
  return undefined;
}
