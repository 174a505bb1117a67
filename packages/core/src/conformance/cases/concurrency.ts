import { assert, expectStoreError, sampleToken, unique } from '../assertions.js';
import type { CaseDefinition } from '../types.js';

const PARALLEL = 20;

export const concurrencyCases: Record<string, CaseDefinition> = {
  'race/first-saves-one-record': {
    title: 'parallel first saves of one user end as one record',
    rule: 'Racing first-time saves of one user never create duplicates: one record, and every save is counted in its version.',
    async run({ store }) {
      const userSignature = unique('racer');
      const results = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          store.saveToken({ userSignature, accessToken: unique(`at${i}`), refreshToken: unique(`rt${i}`) }),
        ),
      );
      const tokens = await store.getTokens();
      assert.equal(tokens.length, 1, 'exactly one record');
      assert.equal(new Set(results.map((token) => token.id)).size, 1, 'every save returned the same id');
      assert.deepEqual(
        results.map((token) => token.version).sort((a, b) => a - b),
        Array.from({ length: PARALLEL }, (_, i) => i + 1),
        'versions 1..N, each once',
      );
      assert.equal(tokens[0]?.version, PARALLEL, 'no save was lost');
    },
  },
  'race/first-saves-raw': {
    title: 'parallel first saves leave one record in the database',
    rule: 'Racing first-time saves leave exactly one record in the database, not hidden duplicates.',
    requires: ['raw'],
    async run({ store, raw }) {
      const userSignature = unique('racer');
      await Promise.all(Array.from({ length: PARALLEL }, (_, i) => store.saveToken({ userSignature, accessToken: unique(`at${i}`) })));
      assert.equal((await raw()).length, 1);
    },
  },
  'race/updates-lose-nothing': {
    title: 'parallel updates of one token lose no save',
    rule: 'Concurrent saves without a version all land (last writer wins per field): the version counts every one of them.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      await Promise.all(Array.from({ length: PARALLEL }, (_, i) => store.saveToken({ userSignature: saved.userSignature, expiryTime: i })));
      const found = await store.findTokenById(saved.id);
      assert.equal(found?.version, PARALLEL + 1);
      assert.equal(found?.refreshToken, saved.refreshToken, 'untouched fields kept');
    },
  },
  'race/cas-one-winner': {
    title: 'parallel compare-and-set saves of one version: one wins, the rest get CONFLICT',
    rule: 'Compare-and-set is atomic: of several saves carrying the same version exactly one succeeds.',
    async run({ store }) {
      const saved = await store.saveToken(sampleToken());
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.saveToken({ ...saved, accessToken: unique(`at${i}`) })),
      );
      const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      assert.equal(winners.length, 1, 'exactly one winner');
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          await expectStoreError(Promise.reject(outcome.reason), 'CONFLICT', 'a losing compare-and-set');
        }
      }
      assert.equal((await store.findTokenById(saved.id))?.version, 2);
    },
  },
  'instances/see-each-other': {
    title: "two stores on one namespace see each other's saves and deletes",
    rule: 'Several instances (processes, app servers) on one backend share the namespace: a save or delete in one is visible in the other.',
    requires: ['multiInstance'],
    async run({ store, open }) {
      const other = await open();
      const saved = await store.saveToken(sampleToken());
      assert.equal((await other.findToken({ userSignature: saved.userSignature }))?.id, saved.id, 'visible in the other instance');
      const updated = await other.saveToken({ userSignature: saved.userSignature, accessToken: unique('at') });
      assert.equal((await store.findTokenById(saved.id))?.accessToken, updated.accessToken, "the other instance's update is visible");
      await other.deleteToken(saved.id);
      assert.equal(await store.findTokenById(saved.id), null, "the other instance's delete is visible");
    },
  },
  'instances/race-one-record': {
    title: 'racing first saves on two instances end as one record',
    rule: 'Uniqueness holds across instances: two app servers saving one new user at once leave one record.',
    requires: ['multiInstance'],
    async run({ store, open }) {
      const other = await open();
      const userSignature = unique('racer');
      await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => (i % 2 ? store : other).saveToken({ userSignature, accessToken: unique(`at${i}`) })),
      );
      const tokens = await store.getTokens();
      assert.equal(tokens.length, 1, 'one record');
      assert.equal(tokens[0]?.version, PARALLEL, 'every save counted');
    },
  },
  'instances/stale-cas': {
    title: 'a stale compare-and-set from another instance gets CONFLICT',
    rule: 'Compare-and-set holds across instances: a version read in one instance and changed through another is CONFLICT.',
    requires: ['multiInstance'],
    async run({ store, open }) {
      const other = await open();
      const saved = await store.saveToken(sampleToken());
      const readElsewhere = await other.findTokenById(saved.id);
      await store.saveToken({ ...saved, accessToken: unique('winner') });
      await expectStoreError(other.saveToken({ ...readElsewhere, accessToken: unique('loser') }), 'CONFLICT', 'stale save');
    },
  },
};
