import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OAuthToken } from '@tokens/core';
import { expectRefusalWithoutSecrets, secretsOf } from '@tokens/test-servers';
import { afterAll, describe, it } from 'vitest';
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

describe('file: no secret in errors provoked from the file system', () => {
  it('the journal path is a directory (EISDIR)', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    await using store = createFileStore({ path });
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'any',
      secrets: secretsOf(refused),
      what: 'a save to a directory',
    });
  });

  it('a journal that is not one of ours, holding a secret', async () => {
    const path = join(dir, 'foreign.json');
    const secret = `at-${hex()}`;
    writeFileSync(path, `{"accessToken":"${secret}","note":"not a journal"}\n`);
    await using store = createFileStore({ path });
    await expectRefusalWithoutSecrets(store.getTokens(), { code: 'any', secrets: [secret], what: 'reading a foreign file' });
  });
});
