import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));

/** The child processes import the built package, which turbo builds before tests. */
export function requireBuild(): void {
  if (!existsSync(DIST)) throw new Error('dist/index.mjs is missing: run `npx tsdown` in packages/file first');
}

export interface Child {
  process: ChildProcess;
  /** Resolves with the next stdout line, or null at the end of output. */
  nextLine(): Promise<string | null>;
  exited: Promise<number | null>;
}

export function spawnFixture(name: string, args: string[]): Child {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  reader.on('close', () => {
    ended = true;
    for (const next of waiting.splice(0)) next(null);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    nextLine: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}
