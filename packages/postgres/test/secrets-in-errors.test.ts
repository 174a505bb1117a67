import { randomBytes } from 'node:crypto';
import { isTokenStoreError, type OAuthToken, SECRET_FIELDS } from '@tokens/core';
import { assertNoSecretsInError, errorChain } from '@tokens/core/conformance';
import { startPostgres } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, withRaw } from './helpers.js';

// Real refusals by a real PostgreSQL. A pg DatabaseError carries the server's `detail` ("Failing row
// contains (...)", "Key (...)=(...)"), and a message or hint can quote the value being written.
const server = await startPostgres();
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
    const insertError = await refusal(store.saveToken(refused));
    expect(isTokenStoreError(insertError, 'UNAVAILABLE'), String(insertError)).toBe(true);
    expect(String(insertError)).toContain('SQLSTATE 23514');
    expectState(insertError, '23514');
    assertNoSecretsInError(insertError, secretsOf(refused), 'insert refused by a CHECK constraint');

    const rotated = { ...first, refreshToken: `rt-${hex()}`, accessToken: `at-${hex()}` };
    const updateError = await refusal(store.saveToken(rotated));
    expect(isTokenStoreError(updateError, 'UNAVAILABLE'), String(updateError)).toBe(true);
    assertNoSecretsInError(updateError, [...secretsOf(first), ...secretsOf(rotated)], 'update refused by a CHECK constraint');
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
      const insertError = await refusal(store.saveToken(refused));
      expect(isTokenStoreError(insertError, 'UNAVAILABLE'), String(insertError)).toBe(true);
      expectState(insertError, 'P0001');
      assertNoSecretsInError(insertError, secretsOf(refused), 'insert refused by a trigger');
      const rotated = { ...first, refreshToken: `rt-${hex()}` };
      const updateError = await refusal(store.saveToken(rotated));
      assertNoSecretsInError(updateError, [...secretsOf(first), ...secretsOf(rotated)], 'update refused by a trigger');
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
    const updateError = await refusal(store.saveToken({ ...second, clientSecret: shared }));
    expect(isTokenStoreError(updateError, 'CONFLICT'), String(updateError)).toBe(true);
    assertNoSecretsInError(updateError, [shared, ...secretsOf(second)], 'update refused by a unique index');
    const insertError = await refusal(store.saveToken({ ...token(), clientSecret: shared }));
    expect(isTokenStoreError(insertError, 'CONFLICT'), String(insertError)).toBe(true);
    assertNoSecretsInError(insertError, [shared], 'insert refused by a unique index');
  });

  it('a column narrowed behind the store (value too long, 22001)', async () => {
    const table = namespace();
    await using store = openStore(server, { namespace: table });
    await store.getTokens();
    await withRaw(server, (client) => client.query(`ALTER TABLE "${table}" ALTER COLUMN client_secret TYPE varchar(4) USING ''`));
    const refused = token();
    const error = await refusal(store.saveToken(refused));
    expect(isTokenStoreError(error, 'UNAVAILABLE'), String(error)).toBe(true);
    assertNoSecretsInError(error, secretsOf(refused), 'insert of a value the column refuses');
  });
});
