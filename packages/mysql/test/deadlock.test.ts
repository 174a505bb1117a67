import { hashKey } from '@tokens/core';
import { startMariaDb } from '@tokens/test-servers';
import type { Connection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawConnection } from './helpers.js';

const server = await startMariaDb();
afterAll(() => server?.dispose());

/** InnoDB refreshes its information_schema lock tables only when read 100 ms apart: poll at that pace. */
async function waitForLockWait(observer: Connection): Promise<void> {
  for (;;) {
    const [rows] = (await observer.query('SELECT COUNT(*) AS waiting FROM information_schema.innodb_lock_waits')) as unknown as [
      { waiting: number }[],
    ];
    if (Number(rows[0]?.waiting) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

function insertRow(connection: Connection, table: string, id: string, user: string, access: string) {
  return connection.execute(
    `INSERT INTO \`${table}\` (id, version, user_key, access_key, user_signature, access_token) VALUES (?, 1, ?, ?, ?, ?)`,
    [id, hashKey(user), hashKey(access), user, access],
  );
}

// information_schema.innodb_lock_waits needs the PROCESS privilege, which the harness's user has.
describe.skipIf(!server || server.external)('mysql: deadlocks', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));

  it('a save chosen as a deadlock victim is run again inside the store, not surfaced', async () => {
    const table = freshNamespace();
    tables.push(table);
    await using store = openStore(server, { namespace: table });
    await store.getTokens();
    const other = await rawConnection(server);
    const observer = await rawConnection(server);
    try {
      // A heavier transaction (more rows written), so InnoDB picks the store's statement as the victim.
      await other.query('START TRANSACTION');
      for (let index = 0; index < 20; index++) await insertRow(other, table, `filler${index}`, `filler${index}`, `filler${index}`);
      await insertRow(other, table, 'other', 'someone else', 'shared access token');
      // The store's insert takes the user key, then waits for the access key held by `other`...
      const saving = store.saveToken({ userSignature: 'victim', accessToken: 'shared access token' });
      await waitForLockWait(observer);
      // ...and `other` now waits for the user key held by the store: a deadlock.
      const otherInsert = await insertRow(other, table, 'other2', 'victim', 'another access token').then(
        () => 'inserted',
        (error: { errno?: number }) => error.errno,
      );
      // It went through, so InnoDB rolled back the store's statement: the store must have run it again.
      expect(otherInsert).toBe('inserted');
      await other.query('ROLLBACK');
      const saved = await saving;
      expect(saved.userSignature).toBe('victim');
      expect((await store.getTokens()).map((token) => token.userSignature)).toEqual(['victim']);
    } finally {
      await other.end();
      await observer.end();
    }
  });
});
