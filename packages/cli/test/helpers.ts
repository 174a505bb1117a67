import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary, run as a user runs it (`pnpm build` / `npx tsdown` first). */
export const CLI = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Another copy of the binary (default: dist/cli.mjs of this package). */
  cli?: string;
}

/** Spawns `node dist/cli.mjs ...args` with stdin, stdout and stderr as pipes (not a terminal). */
export function tokens(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const cli = options.cli ?? CLI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `tokens list URL --json --reveal`, parsed. */
export async function listJson(url: string, extra: readonly string[] = []): Promise<Record<string, unknown>[]> {
  const result = await tokens(['list', url, '--json', '--reveal', ...extra]);
  if (result.code !== 0) throw new Error(`list ${url} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

export function tempDir(label: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tokens-cli-${label}-`));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Data fields only (ids and versions are per store), sorted by user, for comparing two stores. */
export function dataOf(tokens: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return tokens
    .map(({ version: _version, ...rest }) => rest)
    .sort((a, b) => String(a.userSignature).localeCompare(String(b.userSignature)));
}

/** Control characters other than newline: what must never reach a pipe. */
export const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f\u009b]/;
