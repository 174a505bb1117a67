import { isTokenStoreError } from '@tokens/core';

/** Exit codes of `tokens` (documented in the README). */
export const EXIT = {
  OK: 0,
  /** The command ran, and what it found needs attention: failed conformance cases, failed or differing tokens, nothing matched. */
  FINDINGS: 1,
  /** Bad arguments, URL or option; a prompt refused (no TTY without --yes) or declined. */
  USAGE: 2,
  /** A store failed (TokenStoreError: UNAVAILABLE, CORRUPT, CONFLICT, ...). */
  STORE: 3,
  /** The backend package (or its driver) for a URL is not installed, or not in this version. */
  MISSING: 4,
  /** Stopped by Ctrl-C / SIGTERM; re-running the same command finishes the job. */
  INTERRUPTED: 130,
} as const;

/** An error the CLI reports as one line with a code; `exitCode` is one of {@link EXIT}. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', message, EXIT.USAGE);
  }
}

/** The one line printed for an error: `tokens: <CODE>: <message>`, with every known secret masked. */
export function describeError(error: unknown, context?: string): { line: string; exitCode: number } {
  const where = context ? ` (${context})` : '';
  if (error instanceof CliError) return { line: `tokens: ${error.code}: ${error.message}${where}`, exitCode: error.exitCode };
  if (isTokenStoreError(error)) return { line: `tokens: ${error.code}: ${error.message}${where}`, exitCode: EXIT.STORE };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `tokens: ERROR: ${message.split('\n')[0]}${where}`, exitCode: EXIT.STORE };
}

/** The stack and `cause` chain, for `--verbose`. */
export function describeVerbose(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(depth === 0 ? (current.stack ?? String(current)) : `caused by: ${current.stack ?? String(current)}`);
      current = current.cause;
    } else {
      lines.push(`caused by: ${String(current)}`);
      break;
    }
  }
  return lines.join('\n');
}
