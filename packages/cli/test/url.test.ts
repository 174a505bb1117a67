import { describe, expect, test } from 'vitest';
import { parseDuration } from '../src/time.js';
import { parseStoreUrl } from '../src/url.js';

describe('store URLs map one-to-one to the backend options', () => {
  test.each([
    ['sqlite:./tokens.db', 'sqlite', { path: './tokens.db' }],
    ['sqlite:///var/lib/tokens.db?fsync=true&busyTimeoutMs=100', 'sqlite', { path: '/var/lib/tokens.db', fsync: true, busyTimeoutMs: 100 }],
    ['file:./tokens.jsonl?namespace=crm', 'file', { path: './tokens.jsonl', namespace: 'crm' }],
    ['mysql://app:pw@db:3306/app?poolSize=20&ssl=x', 'mysql', { uri: 'mysql://app:pw@db:3306/app?ssl=x', poolSize: 20 }],
    ['mariadb://app@db/app', 'mysql', { uri: 'mysql://app@db/app' }],
    ['postgresql://u:p@h:5432/d?schema=tok', 'postgres', { url: 'postgres://u:p@h:5432/d', schema: 'tok' }],
    ['redis://:pw@cache:6379/2?operationTimeoutMs=500', 'redis', { url: 'redis://:pw@cache:6379/2', operationTimeoutMs: 500 }],
    [
      'redis+cluster://u:pw@h1:7000,h2:7001',
      'redis-cluster',
      {
        cluster: {
          nodes: [
            { host: 'h1', port: 7000 },
            { host: 'h2', port: 7001 },
          ],
          options: { redisOptions: { username: 'u', password: 'pw' } },
        },
      },
    ],
    ['mongodb://a:1,b:2/app?replicaSet=rs&database=other', 'mongo', { url: 'mongodb://a:1,b:2/app?replicaSet=rs', database: 'other' }],
    [
      'aws-secrets://eu-west-1?endpoint=http://localhost:5000&prefix=app/',
      'aws-secrets',
      { region: 'eu-west-1', endpoint: 'http://localhost:5000', prefix: 'app/' },
    ],
    [
      'dynamodb://us-east-1?endpoint=http://localhost:8000&table=t1',
      'dynamodb',
      { region: 'us-east-1', endpoint: 'http://localhost:8000', table: 't1' },
    ],
    ['zoho-csv:./zcrm_oauthtokens.csv', 'zoho-csv', { path: './zcrm_oauthtokens.csv' }],
    [
      'zoho-mysql://root:pw@localhost/zohooauth?table=oauthtoken',
      'zoho-mysql',
      { uri: 'mysql://root:pw@localhost/zohooauth', table: 'oauthtoken' },
    ],
    ['memory:', 'memory', {}],
  ])('%s', (url, kind, options) => {
    const spec = parseStoreUrl(url);
    expect(spec.kind).toBe(kind);
    expect(spec.options).toEqual(options);
  });

  test('the printable form never holds the password; the password is registered as a secret', () => {
    const spec = parseStoreUrl('mysql://app:p%40ss%3Aword@db:3306/app');
    expect(spec.display).toBe('mysql://app:***@db:3306/app');
    expect(spec.secrets).toContain('p@ss:word');
    expect(parseStoreUrl('redis+cluster://:topsecret@h1:1,h2:2').display).toBe('redis+cluster://:***@h1:1,h2:2');
    expect(parseStoreUrl('mongodb://u:pw@a:1,b:2/x?authSource=admin').display).toBe('mongodb://u:***@a:1,b:2/x?authSource=admin');
    expect(parseStoreUrl('mysql://db/app?password=hunter2').display).toBe('mysql://db/app?password=***');
  });

  test('encryption options become core options, keys only from the environment', () => {
    const spec = parseStoreUrl('sqlite:./t.db?encrypted=true&keysEnv=MY_KEYS&allowPlaintext=true');
    expect(spec.options).toEqual({ path: './t.db' });
    expect(spec.encryption).toEqual({ keysEnv: 'MY_KEYS', indexKeyEnv: 'TOKENS_INDEX_KEY', allowPlaintext: true });
    expect(() => parseStoreUrl('sqlite:./t.db?allowPlaintext=true')).toThrow(/allowPlaintext goes with encrypted=true/);
  });

  test('bad URLs and options are usage errors', () => {
    expect(() => parseStoreUrl('./tokens.db')).toThrow(/not a store URL/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/give a path/);
    expect(() => parseStoreUrl('file:x?poolSize=3')).toThrow(/unknown option "poolSize"/);
    expect(() => parseStoreUrl('mysql://h/d?poolSize=many')).toThrow(/poolSize must be a number/);
    expect(() => parseStoreUrl('redis+cluster://h1:x')).toThrow(/"h1:x" is not host:port/);
  });

  test('durations', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(() => parseDuration('30 days')).toThrow(/not a duration/);
  });
});
