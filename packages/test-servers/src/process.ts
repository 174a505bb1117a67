import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, HOST } from './net.js';
import { waitUntil } from './wait.js';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let cleanupRegistered = false;

/** Servers never outlive the test process: 'exit' handlers must be synchronous, so SIGKILL and rmSync. */
function cleanupNow(): void {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.once('exit', cleanupNow);
  // A runner that ends its workers with a signal skips 'exit': clean up, then let the signal do what
  // it would have done (unless someone else handles it).
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
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

  /**
   * Sends the stop signal (or `signal`: SIGKILL for a crash) and waits for the exit; SIGKILL if a
   * graceful stop takes too long.
   */
  async stop(signal: NodeJS.Signals = this.stopSignal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill(signal);
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

/** Polls `probe` until the server answers; the error carries its log tail. */
export function waitForServer(what: string, server: ServerProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  return waitUntil(what, probe, { timeoutMs, describe: () => server.logTail(), exited: () => server.exited });
}

/**
 * Starts a server on a fresh free port and waits until `ready` resolves. Another process may take
 * the port between the probe and the server's bind: when the server exits by itself, try another.
 */
export async function launch(
  create: (port: number) => ServerProcess,
  ready: (server: ServerProcess, port: number) => Promise<void>,
): Promise<{ server: ServerProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = create(port);
    try {
      server.start();
      await ready(server, port);
      return { server, port };
    } catch (error) {
      const exitedByItself = server.exited;
      await server.stop();
      if (!exitedByItself || attempt >= 3) throw error;
    }
  }
}

export interface LocalHandle {
  readonly host: string;
  readonly port: number;
  readonly external: false;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Launches a server whose files live in `dir` and returns the part of its handle every server
 * shares. `dir` is removed when the server never comes up, and on dispose. `firstReady` may do
 * one-time setup (users, databases); `ready` is what a restart waits for.
 */
export async function launchInDir(
  name: string,
  dir: string,
  create: (port: number) => ServerProcess,
  ready: (server: ServerProcess, port: number) => Promise<void>,
  firstReady: (server: ServerProcess, port: number) => Promise<void> = ready,
): Promise<LocalHandle> {
  let launched: { server: ServerProcess; port: number };
  try {
    launched = await launch(create, firstReady);
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  const { server, port } = launched;
  let disposed = false;
  return {
    host: HOST,
    port,
    external: false,
    stop: () => server.stop(),
    async start() {
      if (disposed) throw new Error(`${name}: start after dispose`);
      server.start();
      await ready(server, port);
    },
    async dispose() {
      disposed = true;
      await server.stop();
      removeTempDir(dir);
    },
  };
}
