import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runRacingSavers, startRedisCluster } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, SpreadKeySpace } from '../src/index.js';
import { Cluster, missingServer } from './helpers.js';
import { kindOfKey, spreadKeys } from './spread-helpers.js';

const cluster = await startRedisCluster();
const OPEN_STORE = join(import.meta.dirname, 'fixtures', 'open-store.mjs');
const WORKERS = 4;
const USERS = 20;
const SAVES = 200;
const LANES = 4;

describe.skipIf(!cluster)('redis spread layout: processes racing', () => {
  if (!cluster) return;
  const inspector = new Cluster(cluster.nodes);
  afterAll(async () => {
    inspector.disconnect();
    await cluster.dispose();
  });

  it('4 processes × 200 racing saves over 20 users: exactly one record per user, every save counted, no residue', async () => {
    const namespace = `spr_${randomBytes(5).toString('hex')}`;
    const started = Date.now();
    const storeOptions = { cluster: { nodes: cluster.nodes }, namespace, layout: 'spread', operationTimeoutMs: 20_000 };
    const expected = await runRacingSavers({
      processes: WORKERS,
      module: OPEN_STORE,
      storeOptions,
      users: USERS,
      saves: SAVES,
      lanes: LANES,
      // Connected (slots known) before the race starts.
      warmUp: 'findToken',
    });
    console.log(`spread race: ${WORKERS * SAVES} saves in ${Date.now() - started} ms`);
    expect(expected.size).toBe(USERS);
    expect([...expected.values()].reduce((sum, count) => sum + count, 0)).toBe(WORKERS * SAVES);

    await using store = createRedisStore({ cluster: { nodes: cluster.nodes }, namespace, layout: 'spread' });
    const tokens = await store.getTokens();
    expect(tokens).toHaveLength(USERS);
    expect(new Set(tokens.map((token) => token.userSignature)).size).toBe(USERS);
    // Every save changed the access token, so each is one version; a fence costs none.
    for (const token of tokens) expect(token.version, `saves of ${token.userSignature}`).toBe(expected.get(token.userSignature!));

    // What is left: a hash and two claims (user, current access token) per user, the bucket sets.
    const keys = await spreadKeys(inspector, namespace);
    const spaces = new SpreadKeySpace(namespace);
    const buckets = new Set(tokens.map((token) => spaces.bucketSetOf(spaces.ref(token.id))));
    expect(keys.filter((key) => kindOfKey(key) === 'token')).toHaveLength(USERS);
    expect(keys.filter((key) => kindOfKey(key) === 'bucket').sort()).toEqual([...buckets].sort());
    expect(keys.filter((key) => kindOfKey(key) === 'index').sort()).toEqual(
      tokens.flatMap((token) => [spaces.index('user', token.userSignature!), spaces.index('access', token.accessToken!)]).sort(),
    );
  }, 120_000);
});

if (!cluster) it.skip(missingServer('redis-server / redis-cli'), () => {});
