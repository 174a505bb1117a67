import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));

/** The child processes import the built package, which turbo builds before tests. */
export function requireBuild(): void {
  if (!existsSync(DIST)) throw new Error('dist/index.mjs is missing: run `npx tsdown` in packages/mongo first');
}

export interface Saver {
  process: ChildProcess;
  /** Resolves once the child has acknowledged `count` saves (false if it ended first). */
  acks(count: number): Promise<boolean>;
  /** The version of the last save the child acknowledged (0: none). */
  lastVersion(): number;
  exited: Promise<unknown>;
}

/** A process saving `user` in a loop (test/fixtures/saver.mjs). */
export function spawnSaver(args: string[]): Saver {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/saver.mjs', import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let acked = 0;
  let lastVersion = 0;
  const waiting: Array<{ count: number; resolve: (ok: boolean) => void }> = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith('ack ')) return;
    acked++;
    lastVersion = Number(line.split(' ')[2]);
    for (const wait of waiting.filter((w) => w.count <= acked)) {
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve(true);
    }
  });
  lines.on('close', () => {
    for (const wait of waiting.splice(0)) wait.resolve(false);
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    process: child,
    exited,
    lastVersion: () => lastVersion,
    acks: (count) => (acked >= count ? Promise.resolve(true) : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
}
