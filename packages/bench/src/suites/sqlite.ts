import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@tokens/sqlite';
import Database from 'better-sqlite3';
import type { Subject } from '../subject.js';

/**
 * Raw: one prepared statement per operation on a table indexed like ours, in the same WAL file with
 * the same synchronous=NORMAL, so both sides of the ratio pay the same durability.
 */
export const sqliteSubject: Subject = {
  backend: 'sqlite',
  server: false,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'tokens-bench-sqlite-'));
    const path = join(dir, 'tokens.db');
    const store = createSqliteStore({ path });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE raw_tokens (id TEXT PRIMARY KEY, user_signature TEXT UNIQUE, refresh_token TEXT UNIQUE,
      access_token TEXT UNIQUE, client_id TEXT, client_secret TEXT, expiry_time INTEGER, api_domain TEXT, version INTEGER)`);
    const insert = db.prepare(
      `INSERT INTO raw_tokens VALUES (@id, @userSignature, @refreshToken, @accessToken, @clientId, @clientSecret, @expiryTime, @apiDomain, 1)`,
    );
    const byUser = db.prepare('SELECT * FROM raw_tokens WHERE user_signature = ?');
    const byRefresh = db.prepare('SELECT * FROM raw_tokens WHERE refresh_token = ?');
    const byId = db.prepare('SELECT * FROM raw_tokens WHERE id = ?');
    const upsert =
      db.prepare(`INSERT INTO raw_tokens VALUES (@id, @userSignature, @refreshToken, @accessToken, @clientId, @clientSecret, @expiryTime, @apiDomain, 1)
      ON CONFLICT(user_signature) DO UPDATE SET access_token = excluded.access_token, expiry_time = excluded.expiry_time, version = version + 1`);
    const cas = db.prepare(
      'UPDATE raw_tokens SET access_token = @accessToken, expiry_time = @expiryTime, version = version + 1 WHERE user_signature = @userSignature AND version = @version',
    );
    const list = db.prepare('SELECT * FROM raw_tokens');
    let nextId = 0;
    const row = (token: Record<string, unknown>) => ({
      clientId: null,
      clientSecret: null,
      expiryTime: null,
      apiDomain: null,
      refreshToken: null,
      accessToken: null,
      ...token,
      id: `raw-${nextId++}`,
    });
    return {
      store,
      raw: {
        async seed(tokens) {
          db.transaction(() => {
            for (const token of tokens) insert.run(row({ ...token }));
          })();
        },
        findByUser: (user) => byUser.get(user),
        findByRefresh: (refreshToken) => byRefresh.get(refreshToken),
        findById: (id) => byId.get(id),
        updateUser: (token) => upsert.run(row({ ...token })),
        insert: (token) => insert.run(row({ ...token })),
        casUpdate: ({ userSignature, accessToken, expiryTime }, version) =>
          cas.run({ userSignature, accessToken, expiryTime, version }).changes === 1,
        list: () => list.all(),
      },
      async close() {
        await store.close();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
