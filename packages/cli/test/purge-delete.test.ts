import { join } from 'node:path';
import { createSqliteStore } from '@tokens/sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { listJson, tempDir, tokens } from './helpers.js';

const DAY = 86_400_000;

describe('purge and delete', () => {
  let tmp: ReturnType<typeof tempDir>;
  let url: string;

  beforeEach(async () => {
    tmp = tempDir('purge');
    url = `sqlite:${join(tmp.dir, 'tokens.db')}`;
    const store = createSqliteStore({ path: join(tmp.dir, 'tokens.db') });
    const now = Date.now();
    const ages = { old1: -40, old2: -31, recent: -5, valid: 1, none: null } as const;
    for (const [name, days] of Object.entries(ages)) {
      await store.saveToken({
        id: name,
        userSignature: `${name}@example.com`,
        refreshToken: `r-${name}`,
        expiryTime: days === null ? null : now + days * DAY,
      });
    }
    await store.close();
  });
  afterEach(() => tmp.dispose());

  const ids = async () => (await listJson(url)).map((token) => token.id).sort();

  test('purge --expired-for 30d --yes deletes exactly the tokens expired for 30 days or more', async () => {
    const result = await tokens(['purge', url, '--expired-for', '30d', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deleted 2 tokens from tokens\n');
    expect(result.stderr).toMatch(/^USER\s+CLIENT ID\s+EXPIRES/);
    expect(await ids()).toEqual(['none', 'recent', 'valid']);
  });

  test('without --yes and without a terminal on stdin it refuses (exit 2) and deletes nothing', async () => {
    const result = await tokens(['purge', url, '--expired-for', '30d'], { input: 'y\n' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(
      'tokens: USAGE: refusing to ask "Delete 2 tokens from tokens?" without a terminal on stdin: pass --yes',
    );
    expect(await ids()).toEqual(['none', 'old1', 'old2', 'recent', 'valid']);
  });

  test('--dry-run lists and deletes nothing; no filter is refused unless --all', async () => {
    const dry = await tokens(['purge', url, '--expired', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('dry run: would delete 3 tokens from tokens\n');
    const bare = await tokens(['purge', url, '--yes']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/purge needs a filter/);
    expect(await ids()).toHaveLength(5);
    const all = await tokens(['purge', url, '--all', '--yes']);
    expect(all.stdout).toBe('deleted 5 tokens from tokens\n');
    expect(await ids()).toEqual([]);
  });

  test('delete by id and by user; unknown ones are an error before anything is deleted', async () => {
    const unknown = await tokens(['delete', url, 'valid', 'ghost', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tokens: NOT_FOUND: no token with id or user "ghost" in tokens\n');
    expect(await ids()).toHaveLength(5);
    const refused = await tokens(['delete', url, 'valid']);
    expect(refused.code).toBe(2);
    const result = await tokens(['delete', url, 'valid', 'recent@example.com', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deleted 2 tokens\n');
    expect(await ids()).toEqual(['none', 'old1', 'old2']);
  });
});
