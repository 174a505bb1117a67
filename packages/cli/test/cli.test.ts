import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CLI, tempDir, tokens } from './helpers.js';

const COMMANDS = ['list', 'show', 'copy', 'check', 'delete', 'purge', 'rotate-keys'];

describe('the tokens command', () => {
  test('--help on the program and on every command; --version', async () => {
    const help = await tokens(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command}`);
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 findings');
    for (const command of COMMANDS) {
      const result = await tokens([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: tokens ${command}`));
    }
    expect((await tokens(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('usage errors exit 2 with one line', async () => {
    const unknown = await tokens(['list']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: missing required argument 'store'/);
    const badUrl = await tokens(['list', 'nosuch://host']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toBe(
      'tokens: USAGE: not a store URL: nosuch:… (try e.g. sqlite:./tokens.db, file:./tokens.jsonl, mysql://user:pass@host:3306/db)\n',
    );
    const badOption = await tokens(['list', 'sqlite:x.db?fsync=maybe']);
    expect(badOption.stderr).toBe('tokens: USAGE: sqlite:x.db?fsync=maybe: fsync must be true or false\n');
    const badDuration = await tokens(['list', 'memory:', '--expiring-within', 'soon']);
    expect(badDuration.stderr).toBe('tokens: USAGE: --expiring-within: "soon" is not a duration (e.g. 90s, 15m, 1h, 30d, 1h30m)\n');
    const awsCredentials = await tokens(['list', 'aws-secrets://AKIA:hunter22@eu-west-1']);
    expect(awsCredentials.code).toBe(2);
    expect(awsCredentials.stderr).not.toContain('hunter22');
  });

  test('a store error is one line with its code and the password masked, exit 3', async () => {
    const result = await tokens(['list', 'redis://:s3cretpass@127.0.0.1:1/0?connectTimeoutMs=500&operationTimeoutMs=1000']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^tokens: UNAVAILABLE: @tokens\/redis: getTokens: .*\(redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0\?/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('s3cretpass');
  });

  test('a backend package that is not installed: a one-line install hint, exit 4', async () => {
    // The binary alone with only its own dependencies, as after `npm install @tokens/cli`.
    const tmp = tempDir('bare');
    try {
      const modules = join(tmp.dir, 'node_modules');
      const own = fileURLToPath(new URL('../node_modules/', import.meta.url));
      for (const name of ['commander', '@clack/prompts', 'cli-progress', '@tokens/core']) {
        mkdirSync(join(modules, name, '..'), { recursive: true });
        symlinkSync(realpathSync(join(own, name)), join(modules, name));
      }
      mkdirSync(join(tmp.dir, 'dist'));
      cpSync(CLI, join(tmp.dir, 'dist', 'cli.mjs'));
      const result = await tokens(['list', 'sqlite:./tokens.db'], { cwd: tmp.dir, cli: join(tmp.dir, 'dist', 'cli.mjs') });
      expect(result.code).toBe(4);
      expect(result.stderr).toBe(
        'tokens: MISSING_PACKAGE: sqlite: URLs need @tokens/sqlite better-sqlite3: npm install @tokens/sqlite better-sqlite3\n',
      );
    } finally {
      tmp.dispose();
    }
  });
});
