import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./refresh-child.mjs', import.meta.url));

export interface CallerResult {
  ok: boolean;
  accessToken?: string;
  code?: string;
  message?: string;
  /** Time from "go" to this caller's answer. */
  ms: number;
}

export interface ChildConfig {
  module: string;
  storeOptions: Record<string, unknown>;
  tokenUrl: string;
  user: string;
  callers: number;
  timeoutMs: number;
  refresher: { leaseMs: number; waitMs: number; refreshAheadMs: number; retries: number; retryDelayMs: number };
}

export interface RefreshChild {
  readonly process: ChildProcess;
  /** Resolves once the child opened its store. */
  ready: Promise<void>;
  go(): void;
  /** The callers' results; rejects if the child dies first. */
  results: Promise<CallerResult[]>;
  kill(): void;
}

/** A `node` process running `refresh-child.mjs`; it imports the built `@tokens/core` and the store module. */
export function spawnRefreshChild(config: ChildConfig): RefreshChild {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout! });
  let onReady: () => void = () => {};
  let onResults: (results: CallerResult[]) => void = () => {};
  let onFailure: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code, signal) =>
      reject(new Error(`refresh child exited before it was ready (${code ?? signal}): ${stderr.slice(0, 2000)}`)),
    );
  });
  const results = new Promise<CallerResult[]>((resolve, reject) => {
    onResults = resolve;
    onFailure = reject;
  });
  ready.catch(() => {});
  results.catch(() => {});
  lines.on('line', (line) => {
    if (line === 'ready') onReady();
    else if (line.startsWith('[')) onResults(JSON.parse(line) as CallerResult[]);
  });
  child.once('exit', (code, signal) =>
    onFailure(new Error(`refresh child exited without results (${code ?? signal}): ${stderr.slice(0, 2000)}`)),
  );
  return {
    process: child,
    ready,
    results,
    go: () => child.stdin?.write('go\n'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
