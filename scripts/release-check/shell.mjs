// Runs commands with a readable log, and owns every process and temp dir the check starts, so that
// one cleanup (normal end, failure, Ctrl-C) stops the servers and removes the files.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set();
const cleanups = [];
let cleaning;

export const log = (line = '') => console.log(line);
const started = performance.now();
export const section = (title) => log(`\n=== ${title} (at ${((performance.now() - started) / 1000).toFixed(1)} s) ===`);
const indent = (text) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');

/** Adds a directory to remove at cleanup, and returns it. */
export function tempDir(dir) {
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs a command to its end: resolves { code, output } (stdout and stderr together). A non-zero exit
 * rejects unless `allowFailure`; `show` is 'all' (stream it), 'tail' (last lines), a RegExp (the
 * lines it matches) or 'none'. Colours are off so that logs stay readable.
 */
export function run(command, args, { cwd, env, allowFailure = false, show = 'all', timeoutMs = 300_000 } = {}) {
  log(`$ ${[command, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (show === 'all') log(indent(String(chunk)));
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (show === 'tail') log(indent(output.trimEnd().split('\n').slice(-8).join('\n')));
      if (show instanceof RegExp)
        log(
          indent(
            output
              .split('\n')
              .filter((line) => show.test(line))
              .join('\n'),
          ),
        );
      if (code === 0 || allowFailure) return resolve({ code: code ?? -1, output });
      if (show === 'none') log(indent(output.trimEnd().split('\n').slice(-40).join('\n')));
      reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

/** Starts a long-running server; its output goes to `logFd`. Stopped by cleanup(). */
export function startDaemon(command, args, { cwd, env, logFd } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Stops every process still running (TERM, then KILL after 5 s) and removes the temp dirs. */
export function cleanup() {
  cleaning ??= (async () => {
    const running = [...children];
    await Promise.all(
      running.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const remove of cleanups.reverse()) remove();
    return running.length;
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`\nrelease check: ${signal}, cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}
