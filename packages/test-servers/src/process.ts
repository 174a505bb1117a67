import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let cleanupRegistered = false;

/** Servers never outlive the test process: 'exit' handlers must be synchronous, so SIGKILL and rmSync. */
function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

export function makeTempDir(prefix: string): string {
  registerCleanup();
  const dir = mkdtempSync(join(tmpdir(), `tokens-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** One server process; its stdout and stderr go to a log file whose tail explains failures. */
export class ServerProcess {
  #child: ChildProcess | undefined;
  #exited = true;

  constructor(
    readonly binary: string,
    readonly args: readonly string[],
    readonly logFile: string,
    readonly stopSignal: NodeJS.Signals = 'SIGKILL',
  ) {}

  get exited(): boolean {
    return this.#exited;
  }

  start(): void {
    if (this.#child && !this.#exited) throw new Error(`${this.binary} is already running`);
    registerCleanup();
    const log = openSync(this.logFile, 'a');
    try {
      const child = spawn(this.binary, this.args, { stdio: ['ignore', log, log] });
      this.#child = child;
      this.#exited = false;
      live.add(child);
      child.once('exit', () => {
        this.#exited = true;
        live.delete(child);
      });
      child.once('error', () => {
        this.#exited = true;
        live.delete(child);
      });
    } finally {
      closeSync(log);
    }
  }

  /** Sends the stop signal and waits for the exit; SIGKILL if a graceful stop takes too long. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill(this.stopSignal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export function notSupported(): Promise<never> {
  return Promise.reject(new Error('stop/start are not supported with an external server'));
}
