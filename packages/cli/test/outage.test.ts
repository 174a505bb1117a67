import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type MariaDbServer, startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, tempDir, tokens } from './helpers.js';
import { seedSqlite } from './seed.js';

// Enough that the copy (new tokens go in batches) is still running when the server stops.
const COUNT = 40_000;

describe('the target goes down in the middle of a copy', () => {
  const tmp = tempDir('outage');
  const dbPath = join(tmp.dir, 'source.db');
  let server: MariaDbServer | null = null;

  beforeAll(async () => {
    [server] = await Promise.all([startMariaDb(), seedSqlite(dbPath, COUNT)]);
  }, 300_000);
  afterAll(async () => {
    await server?.dispose();
    tmp.dispose();
  });

  test('the copy stops with one UNAVAILABLE line and how far it got; once the server is back a re-run finishes', async (context) => {
    if (!server || server.external) return context.skip('needs a MariaDB the test can stop (not TOKENS_TEST_MYSQL_URL)');
    const target = `mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}?operationTimeoutMs=2000&connectTimeoutMs=1000`;
    const child = spawn(process.execPath, [CLI, 'copy', `sqlite:${dbPath}`, target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const pool = mysql.createPool({ uri: target.replace(/\?.*$/, ''), connectionLimit: 1 });
    try {
      for (;;) {
        const [rows] = await pool.query('SELECT COUNT(*) AS n FROM tokens').catch(() => [[{ n: 0 }]]);
        if (Number((rows as { n: number }[])[0]?.n) >= 200) break;
        if (child.exitCode !== null) throw new Error(`the copy ended early: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await pool.end();
    }
    await server.stop();
    const code = await exited;
    expect(code).toBe(3);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-2)).toMatch(
      new RegExp(`^copy stopped after \\d+ of ${COUNT} tokens \\(copied \\d+, .*\\): run the same command again to finish$`),
    );
    expect(lines.at(-1)).toMatch(/^tokens: UNAVAILABLE: @tokens\/mysql: (saveToken|insertTokens): .*\(mysql:\/\/app:\*\*\*@/);
    expect(stderr).not.toContain(server.password);

    await server.start();
    const rerun = await tokens(['copy', `sqlite:${dbPath}`, target]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`verified: all ${COUNT} source tokens are in the target with the same data`);
  }, 300_000);
});
