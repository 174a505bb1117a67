import { randomBytes } from 'node:crypto';
import { errorChain } from '@tokens/core/conformance';
import { expectRefusalWithoutSecrets, secretsOf, startPostgres, secretToken as token } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, withRaw } from './helpers.js';

// Real refusals by a real PostgreSQL. A pg DatabaseError carries the server's `detail` ("Failing row
// contains (...)", "Key (...)=(...)"), and a message or hint can quote the value being written.
const server = await startPostgres();
afterAll(() => server?.dispose());

const hex = () => randomBytes(8).toString('hex');

/** The SQLSTATE survives in the sanitised cause, so the error stays diagnosable. */
function expectState(error: unknown, state: string): void {
  expect(
    errorChain(error).some((link) => (link as { code?: unknown }).code === state),
    `SQLSTATE ${state} in the chain`,
  ).toBe(true);
}

describe.skipIf(!server)('postgres: no secret in errors provoked from a real server', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));
  const namespace = () => {
    const name = freshNamespace();
    tables.push(name);
    return name;
  };

  it('a CHECK constraint added behind the store: the detail "Failing row contains (...)" names every value', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    const first = await store.saveToken(token());
    await withRaw(server, (client) =>
      client.query(`ALTER TABLE "${table}" ADD CONSTRAINT short_secret CHECK (octet_length(client_secret) < 5) NOT VALID`),
    );
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: secretsOf(refused),
      what: 'insert refused by a CHECK constraint',
      also: (error) => {
        expect(String(error)).toContain('SQLSTATE 23514');
        expectState(error, '23514');
      },
    });

    const rotated = { ...first, refreshToken: `rt-${hex()}`, accessToken: `at-${hex()}` };
    await expectRefusalWithoutSecrets(store.saveToken(rotated), {
      code: 'UNAVAILABLE',
      secrets: [...secretsOf(first), ...secretsOf(rotated)],
      what: 'update refused by a CHECK constraint',
    });
  });

  it('a trigger that raises with the value being written in its message, detail and hint', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    const first = await store.saveToken(token());
    await withRaw(server, async (client) => {
      await client.query(`CREATE FUNCTION "${table}_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'rejected %', convert_from(NEW.access_token, 'UTF8')
            USING DETAIL = convert_from(NEW.refresh_token, 'UTF8'), HINT = convert_from(NEW.client_secret, 'UTF8');
        END $$`);
      await client.query(`CREATE TRIGGER audit BEFORE INSERT OR UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION "${table}_audit"()`);
    });
    try {
      const refused = token();
      await expectRefusalWithoutSecrets(store.saveToken(refused), {
        code: 'UNAVAILABLE',
        secrets: secretsOf(refused),
        what: 'insert refused by a trigger',
        also: (error) => expectState(error, 'P0001'),
      });
      const rotated = { ...first, refreshToken: `rt-${hex()}` };
      await expectRefusalWithoutSecrets(store.saveToken(rotated), {
        code: 'unchecked',
        secrets: [...secretsOf(first), ...secretsOf(rotated)],
        what: 'update refused by a trigger',
      });
    } finally {
      await withRaw(server, (client) => client.query(`DROP FUNCTION "${table}_audit"() CASCADE`));
    }
  });

  it('a unique index on a value column added behind the store: CONFLICT, and the key value stays out', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    const shared = `cs-${hex()}`;
    await store.saveToken({ ...token(), clientSecret: shared });
    const second = await store.saveToken(token());
    await withRaw(server, (client) => client.query(`CREATE UNIQUE INDEX "${table}_secret" ON "${table}" (client_secret)`));
    // The update path meets a real 23505 (Key (client_secret)=(...) already exists).
    await expectRefusalWithoutSecrets(store.saveToken({ ...second, clientSecret: shared }), {
      code: 'CONFLICT',
      secrets: [shared, ...secretsOf(second)],
      what: 'update refused by a unique index',
    });
    await expectRefusalWithoutSecrets(store.saveToken({ ...token(), clientSecret: shared }), {
      code: 'CONFLICT',
      secrets: [shared],
      what: 'insert refused by a unique index',
    });
  });

  it('a column narrowed behind the store (value too long, 22001)', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.getTokens();
    await withRaw(server, (client) => client.query(`ALTER TABLE "${table}" ALTER COLUMN client_secret TYPE varchar(4) USING ''`));
    const refused = token();
    await expectRefusalWithoutSecrets(store.saveToken(refused), {
      code: 'UNAVAILABLE',
      secrets: secretsOf(refused),
      what: 'insert of a value the column refuses',
    });
  });
});
