import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken, SECRET_FIELDS } from '@tokens/core';
import { assertNoSecretsInError } from '@tokens/core/conformance';
import { startMariaDb } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawConnection } from './helpers.js';

// Real refusals by a real MariaDB. mysql2 errors carry `sql`, and a server message can quote a
// value: here a trigger's SIGNAL text is the value being written, as an audit trigger might do.
const server = await startMariaDb();
afterAll(() => server?.dispose());

const hex = () => randomBytes(8).toString('hex');
const token = (): OAuthToken => ({
  userSignature: `user-${hex()}`,
  clientId: 'cid',
  clientSecret: `cs-${hex()}`,
  grantToken: `gt-${hex()}`,
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

describe.skipIf(!server)('mysql: no secret in errors provoked from a real server', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));

  it('a trigger that SIGNALs with the value being written (insert and update)', async () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    await using store = openStore(server, { namespace, operationTimeoutMs: 10_000 });
    const first = token();
    const saved = await store.saveToken(first);
    const raw = await rawConnection(server);
    try {
      for (const [event, column] of [
        ['INSERT', 'access_token'],
        ['UPDATE', 'refresh_token'],
      ] as const) {
        await raw.query(
          `CREATE TRIGGER \`${namespace}_${event.toLowerCase()}\` BEFORE ${event} ON \`${namespace}\` FOR EACH ROW
           BEGIN DECLARE message VARCHAR(128) DEFAULT NEW.${column}; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = message; END`,
        );
      }
    } finally {
      await raw.end();
    }
    const second = token();
    const insertError = await refusal(store.saveToken(second));
    expect(isTokenStoreError(insertError, 'UNAVAILABLE'), String(insertError)).toBe(true);
    expect((insertError as Error).cause).toMatchObject({ errno: 1644, sqlState: '45000' });
    assertNoSecretsInError(insertError, secretsOf(second), 'insert refused by a trigger');

    const rotated = { ...saved, refreshToken: `rt-${hex()}` };
    const updateError = await refusal(store.saveToken(rotated));
    expect(isTokenStoreError(updateError, 'UNAVAILABLE'), String(updateError)).toBe(true);
    assertNoSecretsInError(updateError, [...secretsOf(first), ...secretsOf(rotated)], 'update refused by a trigger');
  });

  it('a column narrowed behind the store (ER_DATA_TOO_LONG in strict mode)', async () => {
    const namespace = freshNamespace();
    tables.push(namespace);
    await using store = openStore(server, { namespace, operationTimeoutMs: 10_000 });
    await store.saveToken(token());
    const raw = await rawConnection(server);
    try {
      await raw.query(`ALTER TABLE \`${namespace}\` MODIFY client_secret VARCHAR(4)`);
    } catch {
      // The stored secret does not fit either: empty the table first.
      await raw.query(`DELETE FROM \`${namespace}\``);
      await raw.query(`ALTER TABLE \`${namespace}\` MODIFY client_secret VARCHAR(4)`);
    } finally {
      await raw.end();
    }
    const refused = token();
    const error = await refusal(store.saveToken(refused));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    assertNoSecretsInError(error, secretsOf(refused), 'insert of a value too long for the column');
  });
});
