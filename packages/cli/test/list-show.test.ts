import { join } from 'node:path';
import { createSqliteStore } from '@tokens/sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir, tokens } from './helpers.js';

const HOUR = 3_600_000;
const SECRETS = ['CS-alice-secret', 'AT-alice-access', 'RT-alice-refresh', 'RT-bob-refresh', 'AT-carol-access', 'RT-dave'];

describe('list and show', () => {
  const tmp = tempDir('list');
  const url = `sqlite:${join(tmp.dir, 'tokens.db')}`;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const store = createSqliteStore({ path: join(tmp.dir, 'tokens.db') });
    const now = Date.now();
    const saved = [
      await store.saveToken({
        userSignature: 'alice@example.com',
        clientId: '1000.ALICE',
        clientSecret: 'CS-alice-secret',
        accessToken: 'AT-alice-access',
        refreshToken: 'RT-alice-refresh',
        expiryTime: now + 3 * HOUR + 60_000,
      }),
      await store.saveToken({
        userSignature: 'bob@example.com',
        clientId: '1000.BOB',
        refreshToken: 'RT-bob-refresh',
        expiryTime: now - 2 * 24 * HOUR - 60_000,
      }),
      await store.saveToken({ userSignature: 'carol@other.org', accessToken: 'AT-carol-access', expiryTime: now + 20 * 60_000 }),
      await store.saveToken({ userSignature: 'dave@example.com', refreshToken: 'RT-dave', expiryTime: null }),
    ];
    await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'AT-alice-access', expiryTime: now + 3 * HOUR + 120_000 });
    for (const token of saved) ids[token.userSignature as string] = token.id;
    await store.close();
  });
  afterAll(() => tmp.dispose());

  test('list prints a table: user, client id, ISO expiry, relative expiry, version, id; never a secret', async () => {
    const result = await tokens(['list', url]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^USER\s+CLIENT ID\s+EXPIRES\s+VERSION\s+ID$/);
    const alice = lines.find((line) => line.startsWith('alice@example.com'));
    expect(alice).toMatch(/^alice@example\.com\s+1000\.ALICE\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+expires in 3h\s+2\s+/);
    expect(alice?.endsWith(ids['alice@example.com'] as string)).toBe(true);
    expect(lines.find((line) => line.startsWith('bob@'))).toMatch(/expired 2d ago\s+1\s/);
    expect(lines.find((line) => line.startsWith('dave@'))).toMatch(/dave@example\.com\s+-\s+-\s+no expiry/);
    expect(lines.at(-1)).toBe('4 tokens (1 expired) in tokens');
    for (const secret of SECRETS) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  test('filters: --expired, --expiring-within, --user glob', async () => {
    const users = async (...args: string[]) => {
      const result = await tokens(['list', url, '--json', ...args]);
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { userSignature: string }[]).map((token) => token.userSignature);
    };
    expect(await users('--expired')).toEqual(['bob@example.com']);
    expect(await users('--expiring-within', '1h')).toEqual(['carol@other.org']);
    expect(await users('--expiring-within', '4h')).toEqual(['alice@example.com', 'carol@other.org']);
    expect(await users('--user', '*@example.com')).toEqual(['alice@example.com', 'bob@example.com', 'dave@example.com']);
    expect(await users('--user', 'a*', '--expiring-within', '1d')).toEqual(['alice@example.com']);
    expect(await users('--user', 'ALICE*')).toEqual([]);
  });

  test('--json redacts secrets; --reveal shows them', async () => {
    const redacted = await tokens(['list', url, '--json', '--user', 'alice*']);
    const [token] = JSON.parse(redacted.stdout) as Record<string, unknown>[];
    expect(token).toMatchObject({ userSignature: 'alice@example.com', clientSecret: '[redacted]', accessToken: '[redacted]', version: 2 });
    for (const secret of SECRETS) expect(redacted.stdout).not.toContain(secret);
    const revealed = await tokens(['list', url, '--json', '--reveal', '--user', 'alice*']);
    expect(JSON.parse(revealed.stdout)[0]).toMatchObject({ clientSecret: 'CS-alice-secret', refreshToken: 'RT-alice-refresh' });
  });

  test('show finds by id or by user; secrets only with --reveal', async () => {
    const byUser = await tokens(['show', url, 'alice@example.com']);
    expect(byUser.code).toBe(0);
    expect(byUser.stdout).toContain(`id             ${ids['alice@example.com']}`);
    expect(byUser.stdout).toMatch(/access token\s+\[redacted\] \(15 chars\)/);
    expect(byUser.stdout).toMatch(/grant token\s+-/);
    expect(byUser.stdout).toMatch(/expires\s+\S+Z \(expires in 3h\)/);
    for (const secret of SECRETS) expect(byUser.stdout).not.toContain(secret);
    const byId = await tokens(['show', url, ids['bob@example.com'] as string, '--reveal']);
    expect(byId.stdout).toMatch(/refresh token\s+RT-bob-refresh/);
    const missing = await tokens(['show', url, 'nobody@example.com']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('tokens: NOT_FOUND: no token with id or user "nobody@example.com" in tokens\n');
  });

  test('--namespace and ?namespace= select another namespace', async () => {
    const other = await tokens(['list', url, '--namespace', 'other']);
    expect(other.stdout).toBe('0 tokens in other\n');
    const viaQuery = await tokens(['list', `${url}?namespace=other2`, '--namespace', 'ignored']);
    expect(viaQuery.stdout).toBe('0 tokens in other2\n');
  });
});
