import type { TokenBackend } from '../backend.js';
import type { TokenStore } from '../store.js';

export type Capability = 'reopen' | 'multiInstance' | 'raw';

/** What the suite is pointed at. */
export interface ConformanceTarget {
  /** Shown in reports, e.g. `sqlite` or `my-redis-store`. */
  name: string;
  /**
   * Opens a store (or a backend primitive, which the suite wraps with `createTokenStore`) on the
   * given namespace. Each case uses fresh namespaces; the suite closes what it opened.
   */
  open(namespace: string): TokenStore | TokenBackend | Promise<TokenStore | TokenBackend>;
  capabilities?: {
    /** Closing and opening the same namespace again keeps the tokens. */
    reopen?: boolean;
    /** Several stores open on one namespace at once share their tokens (processes, app servers). */
    multiInstance?: boolean;
    /** Reads what actually landed in the database for a namespace: one entry per stored record. */
    raw?: (namespace: string) => Promise<readonly unknown[]>;
  };
  /** Called after each case with the namespaces it used, to drop tables, files or keys. */
  cleanup?: (namespaces: readonly string[]) => void | Promise<void>;
  /** Per-case time limit in ms (default 30,000): a hanging store fails instead of hanging. */
  timeoutMs?: number;
}

export interface CaseContext {
  /** A fresh namespace for this case. */
  readonly namespace: string;
  /** A store open on {@link namespace}. */
  readonly store: TokenStore;
  /** Opens another store, on this case's namespace unless told otherwise. */
  open(namespace?: string): Promise<TokenStore>;
  /** Another fresh namespace. */
  freshNamespace(): string;
  /** Raw records of a namespace (only for cases that require `raw`). */
  raw(namespace?: string): Promise<readonly unknown[]>;
}

export interface CaseDefinition {
  title: string;
  /** The rule of the contract this case checks, in words a store author understands. */
  rule: string;
  requires?: readonly Capability[];
  run(context: CaseContext): Promise<void>;
}

export interface ConformanceCase {
  /** Stable identifier, e.g. `lookup/user-first`. */
  id: string;
  title: string;
  rule: string;
  /** Capabilities the target lacks for this case (the case does not apply when non-empty). */
  missing: readonly Capability[];
  /** Runs the case in isolation: opens, checks, closes and cleans up. */
  run(): Promise<void>;
}

export interface CaseResult {
  id: string;
  title: string;
  rule: string;
  status: 'passed' | 'failed' | 'not-applicable';
  ms: number;
  error?: unknown;
}

export interface ConformanceReport {
  target: string;
  passed: number;
  failed: number;
  notApplicable: number;
  results: CaseResult[];
}
