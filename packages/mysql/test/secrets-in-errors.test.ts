import { randomBytes } from 'node:crypto';
import { expectRefusalWithoutSecrets, secretsOf, startMariaDb, secretToken as token } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawConnection } from './helpers.js';

// Real refusals by a real MariaDB. mysql2 errors carry `sql`, and a server message can quote a
// value: here a trigger's SIGNAL text is the value being written, as an audit trigger might do.
const server = await startMariaDb();
afterAll(() => server?.dispose());

const hex = () => randomBytes(8).toString('hex');

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
    await expectRefusalWithoutSecrets(store.saveToken(second), {
      code: 'UNAVAILABLE',
      secrets: secretsOf(second),
      what: 'insert refused by a trigger',
      also: (error) => expect((error as Error).cause).toMatchObject({ errno: 1644, sqlState: '45000' }),
    });

    const rotated = { ...saved, refreshToken: `rt-${hex()}` };
    await expectRefusalWithoutSecrets(store.saveToken(rotated), {
      code: 'UNAVAILABLE',
      secrets: [...secretsOf(first), ...secretsOf(rotated)],
      what: 'update refused by a trigger',
    });
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
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: secretsOf(refused),
      what: 'insert of a value too long for the column',
    });
  });
});
