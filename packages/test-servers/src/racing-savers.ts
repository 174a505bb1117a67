import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'vitest';

/**
 * Runs saver child processes that race on one store: each is started with its `node` arguments,
 * prints `ready`, waits for `go` on stdin (so all start together), saves, and prints one JSON line
 * of saves per user. Resolves with the saves per user over all children; every child must exit 0.
 */
export async function runRacingSavers(commands: readonly (readonly string[])[]): Promise<Map<string, number>> {
  const children = commands.map((args) => {
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = once(child, 'close');
    const ready = (async () => {
      while (!output.startsWith('ready\n')) await once(child.stdout, 'data');
    })();
    return { child, ready, exited, output: () => output };
  });
  await Promise.all(children.map((worker) => worker.ready));
  for (const { child } of children) child.stdin.end('go\n');
  await Promise.all(children.map((worker) => worker.exited));

  const saves = new Map<string, number>();
  for (const worker of children) {
    expect(worker.child.exitCode, 'worker exit code').toBe(0);
    const counts = JSON.parse(worker.output().split('\n')[1] ?? '{}') as Record<string, number>;
    for (const [user, count] of Object.entries(counts)) saves.set(user, (saves.get(user) ?? 0) + count);
  }
  return saves;
}
