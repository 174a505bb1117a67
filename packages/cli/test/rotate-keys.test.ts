import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tempDir, tokens } from './helpers.js';
import { seedSqlite } from './seed.js';

const key = () => randomBytes(32).toString('base64');
const COUNT = 300;

describe('encrypted stores and rotate-keys', () => {
  const tmp = tempDir('rotate');
  const plain = `sqlite:${join(tmp.dir, 'plain.db')}`;
  const encrypted = `sqlite:${join(tmp.dir, 'encrypted.db')}?encrypted=true`;
  const k1 = key();
  const k2 = key();
  const indexKey = key();
  const env = (keys: string) => ({ TOKENS_ENCRYPTION_KEYS: keys, TOKENS_INDEX_KEY: indexKey });

  beforeAll(() => seedSqlite(join(tmp.dir, 'plain.db'), COUNT));
  afterAll(() => tmp.dispose());

  test('copy into an encrypted store, rotate to a new key, then the old key is no longer needed', async () => {
    const copy = await tokens(['copy', plain, encrypted], { env: env(`k1:${k1}`) });
    expect(copy.code).toBe(0);
    expect(copy.stdout).toContain(`verified: all ${COUNT} source tokens are in the target with the same data`);

    // Without its keys the encrypted store is not readable, and says so in one line.
    const noKeys = await tokens(['list', `sqlite:${join(tmp.dir, 'encrypted.db')}`]);
    expect(noKeys.code).toBe(3);
    expect(noKeys.stderr).toMatch(/^tokens: [A-Z_]+: @tokens\/sqlite: getTokens: /);

    const rotate = await tokens(['rotate-keys', encrypted], { env: env(`k2:${k2},k1:${k1}`) });
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toBe(
      `re-encrypted ${COUNT}, already on k2 0, gone 0, failed 0 (of ${COUNT})\nevery record is on key k2: older keys can be dropped from the key list\n`,
    );
    expect(rotate.stderr).toMatch(new RegExp(`^rotate to k2: ${COUNT}/${COUNT} \\(100%\\)`, 'm'));

    const again = await tokens(['rotate-keys', encrypted], { env: env(`k2:${k2},k1:${k1}`) });
    expect(again.stdout).toMatch(new RegExp(`^re-encrypted 0, already on k2 ${COUNT}, gone 0, failed 0`));

    // Only the new key: everything still reads, and matches the plain source.
    const check = await tokens(['copy', plain, encrypted, '--dry-run'], { env: env(`k2:${k2}`) });
    expect(check.stdout).toBe(`dry run, nothing written: would have copied 0, updated 0, unchanged ${COUNT}, failed 0\n`);
    for (const output of [copy, rotate, again, check]) {
      for (const secret of [k1, k2, indexKey]) expect(output.stdout + output.stderr).not.toContain(secret);
    }
  }, 120_000);

  test('missing key variables are a usage error naming the variable, never a value', async () => {
    const result = await tokens(['rotate-keys', encrypted], { env: { TOKENS_ENCRYPTION_KEYS: '', TOKENS_INDEX_KEY: indexKey } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/TOKENS_ENCRYPTION_KEYS is not set/);
    expect(result.stderr).not.toContain(indexKey);
  });
});
