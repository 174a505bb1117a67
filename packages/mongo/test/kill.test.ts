import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTokenStoreError } from '@tokens/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_GRACE_MS } from '../src/claims.js';
import { createMongoStore } from '../src/index.js';
import { requireBuild, spawnSaver } from './children.js';
import { DATABASE, dropCollections, useServer } from './servers.js';

const test = await useServer();
const ferret = test ? typeof (await test.raw.db(DATABASE).command({ buildInfo: 1 })).ferretdbVersion === 'string' : false;
const ROUNDS = 24;
/** The documented bound (README, "A writer killed mid-save") plus a generous margin for a loaded machine. */
const BOUND_MS = CLAIM_GRACE_MS;
const MARGIN_MS = 4000;

describe.skipIf(!test)('mongo: a writer killed mid-save blocks the token for at most the claim grace', () => {
  beforeAll(requireBuild);

  it(`kill -9 of a process saving in a loop, ${ROUNDS} times: the next save is not refused, one record, nothing acknowledged lost`, async () => {
    const namespace = `kill_${randomBytes(6).toString('hex')}`;
    const user = 'killed@example.com';
    const db = test!.raw.db(DATABASE);
    const claims = db.collection(`${namespace}.cas`);
    const tokens = db.collection(namespace);
    await using store = createMongoStore({ url: test!.server.url, database: DATABASE, namespace });
    const rows: { round: number; claimLeft: boolean; waitedMs: number; refused: number }[] = [];
    let lastVersion = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const child = spawnSaver([test!.server.url, DATABASE, namespace, user]);
        expect(await child.acks(2), 'the child saves').toBe(true);
        await sleep(Math.random() * 40);
        child.process.kill('SIGKILL');
        await child.exited;
        const killedAt = Date.now();
        const claimLeft = (await claims.countDocuments()) > 0;
        let refused = 0;
        let saved: Awaited<ReturnType<typeof store.saveToken>> | undefined;
        while (!saved) {
          try {
            saved = await store.saveToken({ userSignature: user, accessToken: `parent-at-${round}`, refreshToken: `parent-rt-${round}` });
          } catch (error) {
            if (!isTokenStoreError(error, 'CONFLICT') || Date.now() - killedAt > 60_000) throw error;
            refused++;
          }
        }
        rows.push({ round, claimLeft, waitedMs: Date.now() - killedAt, refused });

        // Nothing acknowledged is lost: the save lands on top of the child's last acknowledged one.
        expect(saved.version).toBeGreaterThan(Math.max(child.lastVersion(), lastVersion));
        lastVersion = saved.version;
        // Exactly one record, with the data of the last save, found by every key.
        expect(await tokens.countDocuments()).toBe(1);
        expect(await store.getTokens()).toHaveLength(1);
        const found = await store.findToken({ userSignature: user });
        expect(found).toMatchObject({
          id: saved.id,
          version: saved.version,
          accessToken: `parent-at-${round}`,
          refreshToken: `parent-rt-${round}`,
        });
        expect((await store.findToken({ accessToken: `parent-at-${round}` }))?.id).toBe(saved.id);
        // No claim (holding the token's old secrets) is left behind.
        expect(await claims.countDocuments()).toBe(0);
      }
    } finally {
      await dropCollections(test!.raw, [namespace]);
    }
    const withClaim = rows.filter((row) => row.claimLeft);
    const maxWait = Math.max(...rows.map((row) => row.waitedMs));
    const maxWaitAfterClaim = Math.max(0, ...withClaim.map((row) => row.waitedMs));
    const refusals = rows.reduce((sum, row) => sum + row.refused, 0);
    console.log(
      [
        `mongo (${ferret ? 'FerretDB' : 'MongoDB'}) kill -9 of a saving process, ${ROUNDS} rounds (bound ${BOUND_MS} ms):`,
        '| kills | kills that left a claim | refused saves (CONFLICT) | max wait for the next save | max wait after a left claim |',
        '| ---: | ---: | ---: | ---: | ---: |',
        `| ${rows.length} | ${withClaim.length} | ${refusals} | ${maxWait} ms | ${maxWaitAfterClaim} ms |`,
      ].join('\n'),
    );
    expect(refusals, 'no save after a kill is refused').toBe(0);
    expect(maxWait).toBeLessThan(BOUND_MS + MARGIN_MS);
    if (ferret) expect(withClaim.length, 'no kill left a claim: the test did not test what it is for').toBeGreaterThan(0);
  }, 240_000);
});
