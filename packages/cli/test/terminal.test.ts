import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MariaDbServer, startMariaDb } from '@tokens/test-servers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, CONTROL, tempDir, tokens } from './helpers.js';
import { seedSqlite } from './seed.js';

const COUNT = 6_000;
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

describe.skipIf(!hasTmux)('the progress display', () => {
  const tmp = tempDir('terminal');
  const dbPath = join(tmp.dir, 'source.db');
  // A server of our own for tmux (its own socket), so no other tmux session is touched.
  const socket = `tokens-cli-test-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  let server: MariaDbServer | null = null;
  let target = '';

  beforeAll(async () => {
    [server] = await Promise.all([startMariaDb(), seedSqlite(dbPath, COUNT)]);
    // A slow enough target that the bar is seen moving: MariaDB if present, else a second SQLite file.
    target = server
      ? `mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}`
      : `sqlite:${join(tmp.dir, 'target.db')}`;
  }, 120_000);
  afterAll(async () => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    await server?.dispose();
    tmp.dispose();
  });

  test('in a terminal (tmux) the bar redraws in place and the run ends on the summary', async () => {
    const raw = join(tmp.dir, 'raw.log');
    const command = `${process.execPath} ${CLI} copy sqlite:${dbPath} '${target}?namespace=tty'; echo "EXIT=$?"; sleep 600`;
    tmux('new-session', '-d', '-s', 'copy', '-x', '160', '-y', '40', command);
    tmux('pipe-pane', '-t', 'copy', '-o', `cat >> ${raw}`);
    const seen = new Set<string>();
    let screen = '';
    for (let i = 0; i < 1200 && !screen.includes('EXIT='); i++) {
      screen = tmux('capture-pane', '-p', '-t', 'copy');
      const bars = screen.split('\n').filter((line) => /^copy \[/.test(line));
      // Redrawn in place: never a second bar line on screen, whatever the moment.
      expect(bars.length).toBeLessThanOrEqual(1);
      if (bars[0]) seen.add(bars[0].replace(/\s+$/, ''));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(screen).toContain('EXIT=0');
    const lines = screen.split('\n').filter((line) => line.trim() !== '');
    const bar = lines.findIndex((line) => /^copy \[/.test(line));
    expect(lines[bar]).toMatch(new RegExp(`^copy \\[[^\\]]+\\] 100% \\| ${COUNT}/${COUNT} \\|`));
    // The summary comes right after the bar's last state, then the verification.
    expect(lines[bar + 1]).toMatch(new RegExp(`^copied ${COUNT}, updated 0, unchanged 0, failed 0 \\(`));
    expect(lines[bar + 2]).toBe(`verified: all ${COUNT} source tokens are in the target with the same data`);
    expect(lines[bar + 3]).toBe('EXIT=0');
    // It moved: several states of the bar were on screen, one line each time.
    expect(seen.size).toBeGreaterThan(1);
    // The terminal got cursor control (carriage returns / escape sequences) rather than new lines.
    const bytes = readFileSync(raw, 'utf8');
    expect(bytes).toMatch(/\r|\u001b\[/);
    expect(bytes.match(/copied \d+/g)).toHaveLength(1);
  }, 600_000);

  test('piped, it prints plain lines: no control characters at all', async () => {
    const result = await tokens(['copy', `sqlite:${dbPath}`, `${target}?namespace=piped`]);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(CONTROL);
    expect(result.stdout).toMatch(new RegExp(`^copied ${COUNT}, updated 0, unchanged 0, failed 0`));
    expect(result.stderr).toMatch(new RegExp(`^copy: ${COUNT}/${COUNT} \\(100%\\), \\d+/s, failed 0$`, 'm'));
  }, 600_000);

  test('in a terminal, purge asks first: "n" deletes nothing, "y" deletes', async () => {
    const url = `sqlite:${join(tmp.dir, 'prompt.db')}`;
    const seeded = await tokens(['copy', `sqlite:${dbPath}`, url, '--user', 'user1?@example.com']);
    expect(seeded.code).toBe(0);
    const ask = async (session: string, key: string) => {
      tmux(
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        '160',
        '-y',
        '40',
        `${process.execPath} ${CLI} purge ${url} --user 'user1?@*'; echo "EXIT=$?"; sleep 600`,
      );
      await untilScreen(session, (screen) => screen.includes('Delete 10 tokens from tokens?'));
      tmux('send-keys', '-t', session, key);
      return untilScreen(session, (screen) => screen.includes('EXIT='));
    };
    const declined = await ask('no', 'n');
    expect(declined).toContain('tokens: DECLINED: nothing was changed');
    expect(declined).toContain('EXIT=2');
    expect((await tokens(['list', url])).stdout).toMatch(/^10 tokens/m);
    const accepted = await ask('yes', 'y');
    expect(accepted).toContain('deleted 10 tokens from tokens');
    expect(accepted).toContain('EXIT=0');
    expect((await tokens(['list', url])).stdout).toBe('0 tokens in tokens\n');
  }, 120_000);

  async function untilScreen(session: string, done: (screen: string) => boolean): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const screen = tmux('capture-pane', '-p', '-t', session);
      if (done(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`tmux session ${session} never reached the expected screen`);
  }
});
