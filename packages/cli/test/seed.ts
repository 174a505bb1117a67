import { createRequire } from 'node:module';
import { createSqliteStore } from '@tokens/sqlite';

export interface SampleToken {
  id: string;
  userSignature: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  grantToken: string | null;
  refreshToken: string;
  accessToken: string;
  expiryTime: number;
  apiDomain: string;
}

/** Token number `i`: unique id, user, access and refresh token; expiries spread from -10 h to +25 h. */
export function sampleToken(i: number, now = Date.now()): SampleToken {
  return {
    id: `tok-${String(i).padStart(7, '0')}`,
    userSignature: `user${i}@example.com`,
    clientId: `1000.CLIENT${i % 7}`,
    clientSecret: `secret-${i}-S3CR3T`,
    redirectUrl: 'https://app.example.com/oauth/callback',
    grantToken: null,
    refreshToken: `1000.refresh.${i}.${'r'.repeat(40)}`,
    accessToken: `1000.access.${i}.${'a'.repeat(40)}`,
    expiryTime: now + ((i % 36) - 10) * 3_600_000,
    apiDomain: 'https://www.zohoapis.com',
  };
}

interface RawDatabase {
  pragma(statement: string): unknown;
  exec(sql: string): unknown;
  close(): void;
}

// better-sqlite3 ships no types and @types/better-sqlite3 is not a dependency of this package:
// the few calls made here are typed by hand.
const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => RawDatabase;

/**
 * Seeds a SQLite store with `count` sample tokens through the public store API, inside one
 * transaction of our own connection (a commit per token would take a minute for 100,000).
 */
export async function seedSqlite(path: string, count: number, namespace = 'tokens'): Promise<void> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const store = createSqliteStore({ client: db as never, namespace });
  const now = Date.now();
  db.exec('BEGIN');
  for (let i = 0; i < count; i++) await store.saveToken(sampleToken(i, now));
  db.exec('COMMIT');
  await store.close();
  db.close();
}
