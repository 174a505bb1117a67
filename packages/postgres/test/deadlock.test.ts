import { hashKey } from '@tokens/core';
import { startPostgres } from '@tokens/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTables, freshNamespace, openStore, rawClient, waitForLockWait } from './helpers.js';

const server = await startPostgres();
afterAll(() => server?.dispose());

describe.skipIf(!server)('postgres: deadlocks', () => {
  if (!server) return;
  const tables: string[] = [];
  afterAll(() => dropTables(server, tables));

  it('a save chosen as a deadlock victim is run again inside the store, not surfaced', async () => {
    const table = freshNamespace();
    tables.push(table);
    await using store = openStore(server, { namespace: table });
    const victim = await store.saveToken({ userSignature: 'victim', accessToken: 'old access token' });
    const other = await rawClient(server);
    const observer = await rawClient(server);
    try {
      // Another transaction holds the access key the store's update is about to take...
      await other.query('BEGIN');
      await other.query(`INSERT INTO "${table}" (id, version, user_key, access_key) VALUES ($1, 1, $2, $3)`, [
        Buffer.from('other'),
        hashKey('someone else'),
        hashKey('shared access token'),
      ]);
      // ...so the update, holding the victim's row, waits for it...
      const saving = store.saveToken({ userSignature: 'victim', accessToken: 'shared access token' });
      await waitForLockWait(observer);
      // ...and `other` now waits for the victim's row held by the store: a deadlock. The store's
      // backend, which has waited longer, runs the detector first and is chosen as the victim.
      const otherUpdate = await other.query(`UPDATE "${table}" SET expiry_time = 1 WHERE id = $1`, [Buffer.from(victim.id)]).then(
        () => 'updated',
        (error: { code?: string }) => error.code,
      );
      // It went through, so the server rolled back the store's statement: the store must have run it again.
      expect(otherUpdate).toBe('updated');
      await other.query('ROLLBACK');
      const saved = await saving;
      expect(saved.accessToken).toBe('shared access token');
      expect(saved.version).toBe(2);
      expect((await store.getTokens()).map((token) => token.userSignature)).toEqual(['victim']);
    } finally {
      await other.end();
      await observer.end();
    }
  });
});
