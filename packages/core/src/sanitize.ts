/**
 * Driver errors are not safe to keep as a `cause`: ioredis' ReplyError carries the command and its
 * arguments (every field of the token being written), mysql2 errors the SQL, MongoDB errors the
 * key values and the server's whole reply (`keyValue`, `errInfo`, `errorResponse`), AWS SDK errors
 * the raw response, and any message may quote a value (a trigger's SIGNAL text, a user-defined
 * SQLite function). Loggers print causes at any depth and serialize them to JSON, so the cause of
 * a `TokenStoreError` is a copy that keeps only what identifies the failure: the name, the codes,
 * the stack frames, and the message only when it cannot be quoting a value.
 */

const BRAND = Symbol.for('@tokens/core:SanitizedError');
const MAX_DEPTH = 8;
const WITHHELD = '(message withheld: it may quote stored values)';

/** Identifier-like text (names, code names, syscalls, error labels). */
const NAME = /^[A-Za-z_$][\w$.-]{0,63}$/;
/** Driver and system codes: `ECONNREFUSED`, `ER_DUP_ENTRY`, `SQLITE_READONLY`, `ResourceNotFoundException`. */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;
const SQL_STATE = /^[0-9A-Z]{5}$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;

/** What a sanitized cause keeps of the driver's error; every field is optional. */
export interface SanitizedErrorFields {
  code?: string | number;
  errno?: number;
  codeName?: string;
  sqlState?: string;
  syscall?: string;
  /** HTTP status of an AWS SDK (or other HTTP) error. */
  httpStatusCode?: number;
  requestId?: string;
  errorLabels?: string[];
}

/** A copy of a driver error with nothing in it that could hold a token, secret or password. */
export class SanitizedError extends Error implements SanitizedErrorFields {
  declare code?: string | number;
  declare errno?: number;
  declare codeName?: string;
  declare sqlState?: string;
  declare syscall?: string;
  declare httpStatusCode?: number;
  declare requestId?: string;
  declare errorLabels?: string[];
  /** Sanitized members of an AggregateError (e.g. one connection error per address tried). */
  declare errors?: unknown[];
  declare readonly [BRAND]: true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * The cause to keep for `error`: a {@link SanitizedError} copy (recursively, for its own cause and
 * an AggregateError's members). Errors this package made (`TokenStoreError`, already sanitized
 * copies) are kept as they are; `BackendFailure` keeps its message, which is a reason written for
 * users. `secrets` are values the current operation handles: a message containing one is withheld
 * even when it looks harmless.
 */
export function sanitizeCause(error: unknown, secrets: readonly string[] = []): unknown {
  return copy(error, secrets, 0, new Map());
}

function copy(error: unknown, secrets: readonly string[], depth: number, seen: Map<unknown, unknown>): unknown {
  if (error === undefined || error === null) return error;
  if (isOwnError(error)) return error;
  const done = seen.get(error);
  if (done !== undefined) return done;
  const source = (typeof error === 'object' || typeof error === 'function' ? error : {}) as Record<string, unknown>;
  const name = read(source, 'name');
  const sanitized = new SanitizedError(
    typeof error === 'object' && isBackendFailure(error)
      ? String(read(source, 'message'))
      : safeMessage(read(source, 'message'), secrets, error),
  );
  seen.set(error, sanitized);
  Object.defineProperty(sanitized, BRAND, { value: true });
  const label = typeof name === 'string' && NAME.test(name) ? name : error instanceof Error ? 'Error' : `thrown ${typeof error}`;
  Object.defineProperty(sanitized, 'name', { value: label, enumerable: false, configurable: true, writable: true });
  Object.assign(sanitized, fieldsOf(source));
  sanitized.stack = `${label}: ${sanitized.message}${framesOf(read(source, 'stack'))}`;
  if (depth < MAX_DEPTH) {
    const cause = read(source, 'cause');
    if (cause !== undefined) {
      Object.defineProperty(sanitized, 'cause', {
        value: copy(cause, secrets, depth + 1, seen),
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
    const members = read(source, 'errors');
    if (Array.isArray(members)) sanitized.errors = members.slice(0, 16).map((member) => copy(member, secrets, depth + 1, seen));
  }
  return sanitized;
}

function fieldsOf(source: Record<string, unknown>): SanitizedErrorFields {
  const fields: SanitizedErrorFields = {};
  const code = read(source, 'code');
  if ((typeof code === 'string' && CODE.test(code)) || Number.isSafeInteger(code)) fields.code = code as string | number;
  const errno = read(source, 'errno');
  if (Number.isSafeInteger(errno)) fields.errno = errno as number;
  const codeName = read(source, 'codeName');
  if (typeof codeName === 'string' && NAME.test(codeName)) fields.codeName = codeName;
  const sqlState = read(source, 'sqlState');
  if (typeof sqlState === 'string' && SQL_STATE.test(sqlState)) fields.sqlState = sqlState;
  const syscall = read(source, 'syscall');
  if (typeof syscall === 'string' && NAME.test(syscall)) fields.syscall = syscall;
  const metadata = read(source, '$metadata');
  if (metadata && typeof metadata === 'object') {
    const status = read(metadata as Record<string, unknown>, 'httpStatusCode');
    if (Number.isSafeInteger(status)) fields.httpStatusCode = status as number;
    const requestId = read(metadata as Record<string, unknown>, 'requestId');
    if (typeof requestId === 'string' && REQUEST_ID.test(requestId)) fields.requestId = requestId;
  }
  const labels = read(source, 'errorLabels') ?? read(source, 'errorLabelSet');
  const labelList = labels instanceof Set ? [...labels] : labels;
  if (Array.isArray(labelList)) {
    const safe = labelList.filter((label): label is string => typeof label === 'string' && NAME.test(label)).slice(0, 8);
    if (safe.length > 0) fields.errorLabels = safe;
  }
  return fields;
}

/**
 * Keeps a message only when it cannot be quoting a value: one short line, no quotes, braces or
 * `=`, no long unbroken run of characters (tokens, keys, ARNs, connection strings; 20 or more
 * with a digit, or more than 32), and none of
 * the operation's own secrets. Node's system errors (`connect ECONNREFUSED 127.0.0.1:6379`)
 * and fixed texts (`Command timed out`, `WRONGTYPE Operation against a key ...`) pass.
 */
function safeMessage(message: unknown, secrets: readonly string[], error: unknown): string {
  if (typeof message !== 'string') return error instanceof Error || typeof error === 'object' ? '' : WITHHELD;
  if (message === '') return '';
  if (message.length > 200 || /[\r\n"`{}[\]<>=\\]/.test(message)) return WITHHELD;
  // An apostrophe inside a word (can't) is prose; anywhere else it may open a quoted value.
  if (/'/.test(message.replace(/(?<=[A-Za-z])'(?=[A-Za-z])/g, ''))) return WITHHELD;
  // Tokens and keys are long runs, usually with digits; words of prose and codes are not.
  if (message.split(/\s+/).some((word) => word.length > 32 || (word.length >= 20 && /\d/.test(word)))) return WITHHELD;
  if (secrets.some((secret) => secret.length > 0 && message.includes(secret))) return WITHHELD;
  return message;
}

/** The `at ...` lines of a stack (code locations only): its first line repeats the message. */
function framesOf(stack: unknown): string {
  if (typeof stack !== 'string') return '';
  const frames = stack.split('\n').filter((line) => /^\s+at [^'"`]*$/.test(line) && line.length < 300);
  return frames.length > 0 ? `\n${frames.slice(0, 30).join('\n')}` : '';
}

/** Reads a property without letting a getter or a Proxy trap throw out of the sanitizer. */
function read(source: Record<string, unknown>, key: string): unknown {
  try {
    return source[key];
  } catch {
    return undefined;
  }
}

function isOwnError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const own = error as Record<symbol, unknown>;
  try {
    return own[BRAND] === true || own[Symbol.for('@tokens/core:TokenStoreError')] === true;
  } catch {
    return false;
  }
}

/** `BackendFailure`s are branded by errors.ts (a symbol, so copies of this package agree). */
function isBackendFailure(error: object): boolean {
  try {
    return (error as Record<symbol, unknown>)[Symbol.for('@tokens/core:BackendFailure')] === true;
  } catch {
    return false;
  }
}
