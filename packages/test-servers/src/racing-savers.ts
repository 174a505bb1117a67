import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const CHILD = fileURLToPath(new URL('./racing-saver-child.mjs', import.meta.url));

/** One saver process of `runRacingSavers`: the config `racing-saver-child.mjs` is started with. */
export interface RacingSaverConfig {
  /** A module whose default export opens a store from `storeOptions` (a package's `test/fixtures/open-store.mjs`). */
  module: string;
  /** Passed to the module as JSON. */
  storeOptions: Record<string, unknown>;
  /** Sets this process's order of the users (a different stride per worker) and its access tokens. */
  worker: number;
  /** The users are `u0` … `u<users - 1>`. */
  users: number;
  /** Saves this process makes in all. */
  saves: number;
  /** Saves in flight at once, as an app server has several requests. */
  lanes: number;
  /** A call made before "ready", so setup (schema, cluster slots) is not part of the race. */
  warmUp?: 'getTokens' | 'findToken';
}

/** A race: `processes` savers, numbered 0…, each with the rest of the config. */
export interface RacingSaversRun extends Omit<RacingSaverConfig, 'worker'> {
  processes: number;
}

/**
 * Runs saver child processes that race on one store: each opens its store, prints `ready`, waits for
 * `go` on stdin (so all start together), saves, and prints one JSON line of saves per user. Resolves
 * with the saves per user over all children; every child must exit 0.
 */
export async function runRacingSavers({ processes, ...shared }: RacingSaversRun): Promise<Map<string, number>> {
  const configs: RacingSaverConfig[] = Array.from({ length: processes }, (_, worker) => ({ ...shared, worker }));
  const children = configs.map((config) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    const exited = once(child, 'close');
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.startsWith('ready\n')) resolve();
      });
      child.once('close', (code, signal) => reject(new Error(`racing saver ${config.worker} exited before "ready" (${code ?? signal})`)));
    });
    return { child, worker: config.worker, ready, exited, output: () => output };
  });
  try {
    await Promise.all(children.map((saver) => saver.ready));
    for (const { child } of children) child.stdin.end('go\n');
    await Promise.all(children.map((saver) => saver.exited));
  } finally {
    // One that died before "ready" leaves the others waiting for "go".
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  const saves = new Map<string, number>();
  for (const saver of children) {
    expect(saver.child.exitCode, `saver ${saver.worker} exit code`).toBe(0);
    const counts = JSON.parse(saver.output().split('\n')[1] ?? '{}') as Record<string, number>;
    for (const [user, count] of Object.entries(counts)) saves.set(user, (saves.get(user) ?? 0) + count);
  }
  return saves;
}
