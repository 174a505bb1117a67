import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { reencryptTokens } from '@tokens/core';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, tempDir } from './helpers.js';

const CHILD = join(import.meta.dirname, 'rotation-child.mjs');
const USERS = 10_000;

interface ChildResult {
  saves: number;
  finds: number;
  errors: number;
  errorCodes: Record<string, number>;
  last: Record<string, string>;
  savesPerUser: Record<string, number>;
}

it('rotation under load: 2 processes save and find while the pass moves 10,000 tokens to the new key', async () => {
  const file = join(tempDir(), 'rotation.db');
  const [k1, k2, index] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const before = { keys: [{ id: 'k1', key: k1 }], indexKey: index };
  const after = {
    keys: [
      { id: 'k2', key: k2 },
      { id: 'k1', key: k1 },
    ],
    indexKey: index,
  };

  const seed = createSqliteStore({ path: file, encryption: before });
  for (let i = 0; i < USERS; i++) {
    await seed.saveToken({
      userSignature: `user${i}@example.com`,
      clientId: 'c',
      clientSecret: 's',
      accessToken: `1000.seed.${i}.access`,
      refreshToken: `1000.refresh.${i}`,
      expiryTime: 0,
    });
  }
  await seed.close();

  // The application runs with the new key current (step 2 of the rotation), keys from the environment.
  const env = {
    ...process.env,
    TOKENS_ENCRYPTION_KEYS: `k2:${k2.toString('base64')},k1:${k1.toString('base64')}`,
    TOKENS_INDEX_KEY: index.toString('base64'),
  };
  const children = [0, 1].map((worker) => {
    const child = spawn(process.execPath, [CHILD, file, String(worker), String(USERS)], { stdio: ['pipe', 'pipe', 'inherit'], env });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const ready = (async () => {
      while (!output.startsWith('ready\n')) await once(child.stdout, 'data');
    })();
    return { child, ready, exited: once(child, 'close'), output: () => output };
  });
  await Promise.all(children.map((worker) => worker.ready));
  await new Promise((resolve) => setTimeout(resolve, 300));

  const store = createSqliteStore({ path: file, encryption: after });
  const progress: number[] = [];
  const result = await reencryptTokens(store, { batchSize: 500, onProgress: (p) => progress.push(p.scanned) });
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const { child } of children) child.stdin.end('stop\n');
  await Promise.all(children.map((worker) => worker.exited));
  const outcomes = children.map((worker) => {
    expect(worker.child.exitCode).toBe(0);
    return JSON.parse(worker.output().split('\n')[1] as string) as ChildResult;
  });
  await store.close();

  console.log(
    `rotation under load (sqlite file): pass ${JSON.stringify({ ...result, failures: result.failures.length })}; ` +
      outcomes
        .map((o, w) => `process ${w}: ${o.saves} saves, ${o.finds} finds, ${o.errors} errors ${JSON.stringify(o.errorCodes)}`)
        .join('; '),
  );
  expect(outcomes.map((o) => o.errors)).toEqual([0, 0]);
  expect(outcomes.every((o) => o.saves > 100)).toBe(true);
  expect(result).toMatchObject({ total: USERS, scanned: USERS, failed: 0, aborted: false });
  expect(result.rewritten + result.alreadyCurrent).toBe(USERS);
  expect(progress).toHaveLength(USERS / 500);

  // Every record on the new key, readable with the new key alone.
  const raw = new Database(file, { readonly: true });
  const rows = raw.prepare('SELECT client_secret FROM "tokens"').all() as { client_secret: string }[];
  raw.close();
  expect(rows).toHaveLength(USERS);
  expect(rows.filter((row) => !row.client_secret.startsWith('§tokens-enc:k2:'))).toHaveLength(0);
  const onlyNew = createSqliteStore({ path: file, encryption: { keys: [{ id: 'k2', key: k2 }], indexKey: index } });
  const tokens = await onlyNew.getTokens();
  await onlyNew.close();
  expect(tokens).toHaveLength(USERS);

  // No lost update: each user holds the last value its process wrote, and its version counts every
  // write: the seed, each save, and the pass's rewrite if it made one.
  const last = { ...outcomes[0]?.last, ...outcomes[1]?.last };
  let extraVersions = 0;
  let saves = 0;
  for (const token of tokens) {
    const user = token.userSignature as string;
    const i = Number(user.slice(4, user.indexOf('@')));
    expect(token.accessToken, user).toBe(last[user] ?? `1000.seed.${i}.access`);
    const mySaves = outcomes[i % 2]?.savesPerUser[user] ?? 0;
    saves += mySaves;
    extraVersions += token.version - 1 - mySaves;
  }
  expect(saves).toBe(outcomes[0]!.saves + outcomes[1]!.saves);
  expect(extraVersions).toBe(result.rewritten);
}, 300_000);
