import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createMysqlStore } from '@tokens/mysql';
import { createSqliteStore } from '@tokens/sqlite';
import { type MariaDbServer, startMariaDb } from '@tokens/test-servers';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI, tempDir, tokens } from './helpers.js';
import { seedSqlite } from './seed.js';

const COUNT = Number(process.env.TOKENS_TEST_RESUME_N ?? 100_000);
const KILLS = 5;

describe(`copy of ${COUNT} tokens sqlite → mysql, killed ${KILLS} times and resumed`, () => {
  const tmp = tempDir('resume');
  const dbPath = join(tmp.dir, 'source.db');
  let server: MariaDbServer | null = null;
  let pool: mysql.Pool | undefined;
  let target = '';

  beforeAll(async () => {
    [server] = await Promise.all([startMariaDb(), seedSqlite(dbPath, COUNT)]);
    if (!server) return;
    target = `mysql://${server.user}:${server.password}@${server.host}:${server.port}/${server.database}`;
    pool = mysql.createPool({ uri: target, connectionLimit: 1 });
  }, 300_000);
  afterAll(async () => {
    await pool?.end();
    await server?.dispose();
    tmp.dispose();
  });

  /** Rows in the target table (the namespace `tokens` is its table name). */
  const targetCount = async (): Promise<number> => {
    try {
      const [rows] = await pool!.query('SELECT COUNT(*) AS n FROM tokens');
      return Number((rows as { n: number }[])[0]?.n ?? 0);
    } catch {
      return 0; // the table is created by the first save
    }
  };

  /**
   * Rows written on this (test-only) server so far, by every engine (`Handler_write`): a counter,
   * read in O(1) however busy the copy keeps the table, where COUNT(*) can take seconds under the
   * insert load and let the copy finish before the count that should stop it comes back (seen in CI).
   */
  const insertedRows = async (): Promise<number> => {
    const [rows] = await pool!.query("SHOW GLOBAL STATUS LIKE 'Handler_write'");
    return Number((rows as { Value: string }[])[0]?.Value ?? 0);
  };

  test('the target ends with exactly the source tokens, each written once (version 1)', async (context) => {
    if (!server) return context.skip('MariaDB not installed (bash scripts/install-test-servers.sh)');
    const kills: { signal: NodeJS.Signals; at: number; code: number | null }[] = [];
    for (let run = 0; run < KILLS; run++) {
      // A random point past what the previous runs wrote, leaving room for the next ones.
      const before = await targetCount();
      const room = (COUNT - before) / (KILLS - run + 1);
      const threshold = before + Math.max(1, Math.floor(room * (0.2 + Math.random() * 0.4)));
      // Ctrl-C (a graceful stop) twice, a hard kill otherwise: a kill lands between a write and its acknowledgement.
      const signal: NodeJS.Signals = run % 2 === 1 ? 'SIGINT' : 'SIGKILL';
      // Few saves in flight, so each run lasts a few seconds and the kill lands mid-copy.
      const args = [CLI, 'copy', '--concurrency', '4', `sqlite:${dbPath}`, target];
      const insertedBefore = await insertedRows();
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await untilCount(threshold - before, child, async () => (await insertedRows()) - insertedBefore);
      child.kill(signal);
      const code = await exited;
      kills.push({ signal, at: await targetCount(), code });
      if (signal === 'SIGINT') {
        expect(code, `run ${run + 1}, stopped at ${threshold} rows:\n${output.slice(-2000)}`).toBe(130);
        expect(output).toMatch(/interrupted after \d+ of \d+ tokens: run the same command again to finish/);
      } else expect(code).toBeNull();
    }
    console.log(`resume: interrupted at ${kills.map((kill) => `${kill.at} (${kill.signal})`).join(', ')} of ${COUNT}`);
    const written = kills.map((kill) => kill.at);
    // Each run got further, and none finished before it was stopped.
    for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThan(written[i - 1] as number);
    expect(written.at(-1)).toBeLessThan(COUNT);

    const last = await tokens(['copy', `sqlite:${dbPath}`, target], { timeoutMs: 900_000 });
    expect(last.code).toBe(0);
    const [, copied, , unchanged] = /^copied (\d+), updated (\d+), unchanged (\d+), failed 0/.exec(last.stdout) ?? [];
    expect(Number(copied) + Number(unchanged)).toBe(COUNT);
    expect(Number(unchanged)).toBeGreaterThanOrEqual(written.at(-1) as number);
    expect(last.stdout).toContain(`verified: all ${COUNT} source tokens are in the target with the same data`);

    const source = createSqliteStore({ path: dbPath });
    const sink = createMysqlStore({ uri: target });
    try {
      const [expected, actual] = await Promise.all([source.getTokens(), sink.getTokens()]);
      expect(actual).toHaveLength(COUNT);
      const byId = new Map(actual.map((token) => [token.id, token]));
      let differing = 0;
      for (const token of expected) {
        const copy = byId.get(token.id);
        if (!copy || JSON.stringify({ ...copy, version: 0 }) !== JSON.stringify({ ...token, version: 0 })) differing++;
      }
      expect(differing).toBe(0);
      // Written once each: never a second write (a re-run leaves equal tokens alone), never a duplicate.
      expect(actual.filter((token) => token.version !== 1)).toHaveLength(0);
    } finally {
      await Promise.all([source.close(), sink.close()]);
    }
  }, 1_800_000);
});

async function untilCount(threshold: number, child: ChildProcess, count: () => Promise<number>): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the copy ended (exit ${child.exitCode}) before it was interrupted`);
    if ((await count()) >= threshold) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
