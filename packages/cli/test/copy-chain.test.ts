import { join } from 'node:path';
import { createFileStore } from '@tokens/file';
import { createSqliteStore } from '@tokens/sqlite';
import {
  type MariaDbServer,
  type MongoServer,
  type MotoServer,
  type PostgresServer,
  type RedisClusterServer,
  type RedisServer,
  startFerretDb,
  startMariaDb,
  startMoto,
  startPostgres,
  startRedis,
  startRedisCluster,
} from '@tokens/test-servers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dataOf, listJson, tempDir, tokens } from './helpers.js';

const LONG = 'J'.repeat(16 * 1024);
const COUNT = 24;

/** Tokens that stress every store: unicode, quotes, commas, newlines, a 16 KiB value, nulls and "". */
function chainToken(i: number) {
  return {
    id: `chain-${i}`,
    userSignature: i === 3 ? 'Ünïcødé "quoted", with\nnewline' : `user${i}@example.com`,
    clientId: i % 4 === 0 ? null : `1000.C${i}`,
    clientSecret: i % 5 === 0 ? '' : `secret-${i}`,
    redirectUrl: i % 2 ? 'https://app.example.com/cb?a=1,b=2' : null,
    grantToken: i % 6 === 0 ? `grant-${i}` : null,
    refreshToken: `1000.r.${i}`,
    accessToken: i === 7 ? LONG : `1000.a.${i}`,
    expiryTime: i % 3 === 0 ? null : 1_800_000_000_000 + i,
    apiDomain: i === 9 ? "' OR '1'='1" : 'https://www.zohoapis.eu',
  };
}

describe('copy along file → sqlite → mysql → redis → mongo → aws-secrets, and to the cluster, postgres, dynamodb', () => {
  const tmp = tempDir('chain');
  let mariadb: MariaDbServer | null = null;
  let redis: RedisServer | null = null;
  let cluster: RedisClusterServer | null = null;
  let mongo: MongoServer | null = null;
  let moto: MotoServer | null = null;
  let dynamo: MotoServer | null = null;
  let postgres: PostgresServer | null = null;
  let awsEnv: Record<string, string> = {};
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    [mariadb, redis, mongo, moto, cluster, postgres, dynamo] = await Promise.all([
      startMariaDb(),
      startRedis(),
      startFerretDb(),
      startMoto(),
      startRedisCluster(),
      startPostgres(),
      // DynamoDB transactions are isolated in moto only with one request at a time.
      startMoto({ serializeRequests: true }),
    ]);
    const store = createFileStore({ path: join(tmp.dir, 'tokens.jsonl') });
    for (let i = 0; i < COUNT; i++) await store.saveToken(chainToken(i));
    await store.close();
    urls.file = `file:${join(tmp.dir, 'tokens.jsonl')}`;
    urls.sqlite = `sqlite:${join(tmp.dir, 'tokens.db')}`;
    if (mariadb) urls.mysql = `mysql://${mariadb.user}:${mariadb.password}@${mariadb.host}:${mariadb.port}/${mariadb.database}`;
    if (redis) urls.redis = `${redis.url.replace(/\/$/, '')}/0`;
    if (mongo) urls.mongo = `${mongo.url.replace(/\/?$/, '/')}tokens_cli_test`;
    if (moto) {
      urls.aws = `aws-secrets://${moto.region}?endpoint=${encodeURIComponent(moto.endpoint)}&prefix=cli-test/`;
      awsEnv = { AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey };
    }
    if (postgres) urls.postgres = postgres.url;
    if (dynamo) urls.dynamodb = `dynamodb://${dynamo.region}?endpoint=${encodeURIComponent(dynamo.endpoint)}&table=cli_tokens`;
    if (cluster) urls.cluster = `redis+cluster://${cluster.nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  }, 180_000);
  afterAll(async () => {
    await Promise.all([mariadb, redis, mongo, moto, cluster, postgres, dynamo].map((server) => server?.dispose()));
    tmp.dispose();
  });

  const steps = [
    ['file', 'sqlite'],
    ['sqlite', 'mysql'],
    ['mysql', 'redis'],
    ['redis', 'mongo'],
    ['mongo', 'aws'],
    ['sqlite', 'cluster'],
    ['mysql', 'postgres'],
    ['sqlite', 'dynamodb'],
  ] as const;

  for (const [from, to] of steps) {
    test(`${from} → ${to}: every token lands with its data and id; a second run changes nothing`, async (context) => {
      const source = urls[from];
      const target = urls[to];
      if (!source || !target) {
        context.skip(`${!source ? from : to} server not installed (bash scripts/install-test-servers.sh)`);
        return;
      }
      // moto takes any credentials; both moto servers get the same fake ones.
      const env = awsEnv;
      const first = await tokens(['copy', source, target], { env });
      expect(first.stderr).not.toMatch(/failed:/);
      if (first.code !== 0) console.error(first.stderr);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`^copied ${COUNT}, updated 0, unchanged 0, failed 0 \\(${COUNT} of ${COUNT} tokens in`));
      expect(first.stdout).toContain(`verified: all ${COUNT} source tokens are in the target with the same data`);

      const [sourceTokens, targetTokens] = await Promise.all([listJson(source), tokensOf(target, env)]);
      expect(targetTokens).toHaveLength(COUNT);
      expect(dataOf(targetTokens)).toEqual(dataOf(sourceTokens));
      expect(targetTokens.every((token) => token.version === 1)).toBe(true);

      const again = await tokens(['copy', source, target], { env });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`^copied 0, updated 0, unchanged ${COUNT}, failed 0`));
      expect((await tokensOf(target, env)).every((token) => token.version === 1)).toBe(true);
      // Passwords from the URL never reach the screen.
      for (const password of [mariadb?.password, postgres?.password]) {
        if (password) expect(first.stdout + first.stderr + again.stderr).not.toContain(password);
      }
    }, 180_000);
  }

  test('a changed source token is updated, the others stay unchanged; --dry-run writes nothing', async () => {
    const store = createFileStore({ path: join(tmp.dir, 'tokens.jsonl') });
    await store.saveToken({ id: 'chain-1', accessToken: 'rotated-access', expiryTime: 1_900_000_000_000 });
    await store.close();

    const dry = await tokens(['copy', urls.file as string, urls.sqlite as string, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(`dry run, nothing written: would have copied 0, updated 1, unchanged ${COUNT - 1}, failed 0\n`);
    const before = await listJson(urls.sqlite as string);
    expect(before.find((token) => token.id === 'chain-1')).toMatchObject({ accessToken: '1000.a.1', version: 1 });

    const real = await tokens(['copy', urls.file as string, urls.sqlite as string]);
    expect(real.stdout).toMatch(new RegExp(`^copied 0, updated 1, unchanged ${COUNT - 1}, failed 0`));
    const after = await listJson(urls.sqlite as string);
    expect(after.find((token) => token.id === 'chain-1')).toMatchObject({ accessToken: 'rotated-access', version: 2 });
  });

  test('tokens of the target that are not in the source are left alone and reported', async () => {
    const target = `${urls.sqlite}?namespace=mixed`;
    const store = createSqliteStore({ path: join(tmp.dir, 'tokens.db'), namespace: 'mixed' });
    await store.saveToken({ id: 'local-only', userSignature: 'local@example.com', refreshToken: 'local-refresh' });
    // Holds user1's key under another id: the copy updates it (matched by lookup key) rather than duplicating.
    await store.saveToken({ id: 'other-id', userSignature: 'user1@example.com', refreshToken: 'old-refresh' });
    await store.close();
    const copy = await tokens(['copy', urls.file as string, target]);
    expect(copy.code).toBe(0);
    expect(copy.stdout).toMatch(new RegExp(`^copied ${COUNT - 1}, updated 1, unchanged 0, failed 0`));
    expect(copy.stdout).toContain(`verified: all ${COUNT} source tokens are in the target with the same data`);
    expect(copy.stdout).toContain('note: the target also holds 1 tokens that are not in the source (left alone)');
    const after = await listJson(target);
    expect(after).toHaveLength(COUNT + 1);
    expect(after.find((token) => token.userSignature === 'user1@example.com')).toMatchObject({ id: 'other-id', refreshToken: '1000.r.1' });
    expect(after.find((token) => token.id === 'local-only')).toMatchObject({ refreshToken: 'local-refresh', version: 1 });
  });

  test('errors are one line with the code, the password redacted, no stack; --verbose adds it', async (context) => {
    if (!mariadb) return context.skip('MariaDB not installed');
    const wrong = `mysql://${mariadb.user}:${mariadb.password}@${mariadb.host}:1/${mariadb.database}?operationTimeoutMs=3000`;
    const result = await tokens(['copy', urls.sqlite as string, wrong]);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^tokens: UNAVAILABLE: @tokens\/mysql: \w+: .*\(mysql:\/\/app:\*\*\*@127\.0\.0\.1:1\//,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const verbose = await tokens(['copy', urls.sqlite as string, wrong, '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    for (const output of [result, verbose]) expect(output.stdout + output.stderr).not.toContain(mariadb.password);
  });
});

async function tokensOf(url: string, env: Record<string, string>) {
  const result = await tokens(['list', url, '--json', '--reveal'], { env });
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}
