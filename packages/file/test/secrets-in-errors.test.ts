import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTokenStoreError, type OAuthToken, SECRET_FIELDS } from '@tokens/core';
import { assertNoSecretsInError } from '@tokens/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../src/index.js';
import { tempDir } from './helpers.js';

// Real file-system failures: Node's fs errors carry the path, and a journal that is not one of
// ours holds whatever was written there. Neither may put a secret in the error.
const { dir, remove } = tempDir();
afterAll(remove);

const hex = () => randomBytes(8).toString('hex');
const token = (): OAuthToken => ({
  userSignature: `user-${hex()}`,
  clientId: 'cid',
  clientSecret: `cs-${hex()}`,
  refreshToken: `rt-${hex()}`,
  accessToken: `at-${hex()}`,
});
const secretsOf = (value: OAuthToken) => SECRET_FIELDS.map((field) => value[field]).filter((item): item is string => Boolean(item));

async function refusal(operation: Promise<unknown>): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('file: no secret in errors provoked from the file system', () => {
  it('the journal path is a directory (EISDIR)', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    await using store = createFileStore({ path });
    const refused = token();
    const error = await refusal(store.saveToken(refused));
    expect(isTokenStoreError(error), String(error)).toBe(true);
    assertNoSecretsInError(error, secretsOf(refused), 'a save to a directory');
  });

  it('a journal that is not one of ours, holding a secret', async () => {
    const path = join(dir, 'foreign.json');
    const secret = `at-${hex()}`;
    writeFileSync(path, `{"accessToken":"${secret}","note":"not a journal"}\n`);
    await using store = createFileStore({ path });
    const error = await refusal(store.getTokens());
    expect(isTokenStoreError(error), String(error)).toBe(true);
    assertNoSecretsInError(error, [secret], 'reading a foreign file');
  });
});
