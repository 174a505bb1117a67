import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTokenStoreError } from '@tokens/core';
import { assertNoSecretsInError } from '@tokens/core/conformance';
import { expectRefusalWithoutSecrets, secretsOf, secretToken as token } from '@tokens/test-servers';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { Database, tempDir } from './helpers.js';

// Real SQLite failures, on real files. better-sqlite3 rethrows what a user-defined function
// throws, so a trigger calling one can put a token value in the driver error's message.
const dir = tempDir();
const hex = () => randomBytes(8).toString('hex');

describe('sqlite: no secret in errors provoked from real database files', () => {
  it('a trigger whose function throws the value being written (insert and update)', async () => {
    const db = new Database(join(dir, 'trigger.db'));
    const store = createSqliteStore({ client: db, namespace: 'tokens' });
    const first = token();
    const saved = await store.saveToken(first);
    db.function('audit', (value: unknown) => {
      throw new Error(`audit refused ${String(value)}`);
    });
    db.exec(`CREATE TRIGGER audit_insert BEFORE INSERT ON tokens BEGIN SELECT audit(NEW.access_token); END;
             CREATE TRIGGER audit_update BEFORE UPDATE ON tokens BEGIN SELECT audit(NEW.refresh_token); END;`);
    const second = token();
    await expectRefusalWithoutSecrets(store.saveToken(second), {
      code: 'any',
      secrets: secretsOf(second),
      what: 'insert refused by a trigger',
    });
    const rotated = { ...saved, refreshToken: `rt-${hex()}` };
    await expectRefusalWithoutSecrets(store.saveToken(rotated), {
      code: 'unchecked',
      secrets: [...secretsOf(first), ...secretsOf(rotated)],
      what: 'update refused by a trigger',
    });
    await store.close();
    db.close();
  });

  it('a read-only database (SQLITE_READONLY)', async () => {
    const path = join(dir, 'readonly.db');
    const setup = createSqliteStore({ path });
    await setup.saveToken(token());
    await setup.close();
    const db = new Database(path, { readonly: true });
    const store = createSqliteStore({ client: db });
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: secretsOf(refused),
      what: 'save on a read-only database',
      also: (error) => expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/^SQLITE_READONLY/) }),
    });
    await store.close();
    db.close();
  });

  it('a damaged file (SQLITE_NOTADB) when the store is created', () => {
    const path = join(dir, 'damaged.db');
    const secret = `at-${hex()}`;
    writeFileSync(path, `not a database: ${secret} `.repeat(200));
    let error: unknown;
    try {
      createSqliteStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(isTokenStoreError(error, 'CORRUPT'), String(error)).toBe(true);
    assertNoSecretsInError(error, [secret], 'opening a damaged file');
  });
});
