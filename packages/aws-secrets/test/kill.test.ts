import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { hashKey, isTokenStoreError, type StoredToken } from '@tokens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsSecretsStore } from '../src/index.js';
import { PENDING_INSERT_WAIT_MS } from '../src/key-index.js';
import { requireBuild, spawnSaver } from './children.js';
import { deleteNamespaces, rawTokens, secretNames, useServer } from './servers.js';

const test = await useServer();
const ROUNDS = 24;
/** The documented bound (README, "A save killed half-way") plus a generous margin for a loaded machine. */
const BOUND_MS = PENDING_INSERT_WAIT_MS;
const MARGIN_MS = 4000;

describe.skipIf(!test)('aws-secrets: a writer killed mid-save blocks the token for at most the pending-insert wait', () => {
  const namespace = `kill_${randomBytes(6).toString('hex')}`;
  beforeAll(requireBuild);
  afterAll(async () => {
    if (test) await deleteNamespaces(test.raw, [namespace]);
  });

  it(`kill -9 of a process inserting, updating and deleting in a loop, ${ROUNDS} times: the next save is not refused, one record`, async () => {
    const user = 'killed@example.com';
    await using store = createAwsSecretsStore({ ...test!.config, namespace });
    const rows: { round: number; claimsLeft: number; userClaimLeft: boolean; waitedMs: number; refused: number }[] = [];
    let saved: StoredToken | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      // The parent's token from the last round goes, so that the child starts with an insert.
      if (saved) await store.deleteToken(saved.id);
      const before = await danglingIndexes(namespace);
      const child = spawnSaver([JSON.stringify(test!.config), namespace, user]);
      expect(await child.acks(1 + (round % 3)), 'the child saves').toBe(true);
      await sleep(Math.random() * 60);
      child.process.kill('SIGKILL');
      await child.exited;
      expect(child.errors, 'the child saved without errors').toEqual([]);
      const killedAt = Date.now();
      const after = await danglingIndexes(namespace);
      const claimsLeft = after.size - [...before].filter((name) => after.has(name)).length;
      const userClaimLeft = after.has(`tokens/${namespace}/k/user/${hexDigest(user)}`);
      let refused = 0;
      saved = undefined;
      while (!saved) {
        try {
          saved = await store.saveToken({ userSignature: user, accessToken: `parent-at-${round}`, refreshToken: `parent-rt-${round}` });
        } catch (error) {
          if (!isTokenStoreError(error, 'CONFLICT') || Date.now() - killedAt > 90_000) throw error;
          refused++;
        }
      }
      rows.push({ round, claimsLeft, userClaimLeft, waitedMs: Date.now() - killedAt, refused });

      // Exactly one record, with the data of the last save, found by every key.
      const records = (await rawTokens(test!.raw, namespace)) as Array<{ fence?: boolean; userSignature: string | null }>;
      expect(records.filter((record) => !record.fence && record.userSignature === user)).toHaveLength(1);
      expect(await store.getTokens()).toMatchObject([
        { id: saved.id, accessToken: `parent-at-${round}`, refreshToken: `parent-rt-${round}` },
      ]);
      expect((await store.findToken({ userSignature: user }))?.id).toBe(saved.id);
      expect((await store.findToken({ accessToken: `parent-at-${round}` }))?.id).toBe(saved.id);
      expect((await store.findToken({ refreshToken: `parent-rt-${round}`, clientId: 'c', clientSecret: 's' }))?.id).toBe(saved.id);
    }
    const withClaims = rows.filter((row) => row.claimsLeft > 0);
    const withUserClaim = rows.filter((row) => row.userClaimLeft);
    const leftOver = (await danglingIndexes(namespace)).size;
    const maxWait = Math.max(...rows.map((row) => row.waitedMs));
    const maxWaitAfterClaim = Math.max(0, ...withClaims.map((row) => row.waitedMs));
    const refusals = rows.reduce((sum, row) => sum + row.refused, 0);
    console.log(
      [
        `aws-secrets (moto) kill -9 of a saving process, ${ROUNDS} rounds (bound ${BOUND_MS} ms):`,
        '| kills | left a claim or tombstone | left one on the user key | refused saves (CONFLICT) | max wait for the next save | max wait after a left claim | void claims left at the end |',
        '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        `| ${rows.length} | ${withClaims.length} | ${withUserClaim.length} | ${refusals} | ${maxWait} ms | ${maxWaitAfterClaim} ms | ${leftOver} |`,
      ].join('\n'),
    );
    expect(refusals, 'no save after a kill is refused').toBe(0);
    expect(maxWait).toBeLessThan(BOUND_MS + MARGIN_MS);
    expect(withClaims.length, 'no kill left a claim: the test did not test what it is for').toBeGreaterThan(0);
  }, 300_000);
});

const FIELD: Record<string, string> = { user: 'userSignature', access: 'accessToken', refresh: 'refreshToken', grant: 'grantToken' };

/** Index secrets that do not point at a token holding their key: claims or tombstones a killed save left. */
async function danglingIndexes(namespace: string): Promise<Set<string>> {
  const root = `tokens/${namespace}/`;
  const dangling = new Set<string>();
  for (const name of await secretNames(test!.raw, `${root}k/`)) {
    const entry = await read(name);
    const token = entry?.id ? await read(`${root}t/${hexDigest(entry.id)}`) : null;
    const value = token && !token.fence ? token[FIELD[name.split('/').at(-2)!]!] : null;
    if (typeof value !== 'string' || hexDigest(value) !== name.split('/').at(-1)) dangling.add(name);
  }
  return dangling;
}

async function read(name: string): Promise<Record<string, string | null> | null> {
  return test!.raw
    .send(new GetSecretValueCommand({ SecretId: name }))
    .then((out) => JSON.parse(out.SecretString ?? 'null'))
    .catch(() => null);
}

function hexDigest(value: string): string {
  return Buffer.from(hashKey(value), 'base64url').toString('hex');
}
