// Quickstart: OAuth tokens in a SQLite file with @tokens/sqlite.
// Run: pnpm example            (a fresh file in a temp dir)
//      node examples/quickstart-sqlite.mjs ./tokens.db   (your own file; run it twice to see tokens persist)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactToken } from '@tokens/core';
import { createSqliteStore } from '@tokens/sqlite';

const path = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'tokens-')), 'tokens.db');
const store = createSqliteStore({ path }); // creates the file and its `tokens` table if missing
const hour = 3_600_000;

// 1. Save two tokens, as an OAuth SDK does after the first grant exchange. A save is an upsert:
//    the user (userSignature) is the lookup key, so saving "alice" again updates her token.
const alice = await store.saveToken({
  userSignature: 'alice@example.com',
  clientId: '1000.CLIENT',
  clientSecret: 'client-secret',
  refreshToken: '1000.refresh.alice',
  accessToken: '1000.access.alice.v1',
  expiryTime: Date.now() + hour,
});
await store.saveToken({
  userSignature: 'bob@example.com',
  clientId: '1000.CLIENT',
  clientSecret: 'client-secret',
  refreshToken: '1000.refresh.bob',
  accessToken: '1000.access.bob.v1',
});
console.log(`1. saved alice (id ${alice.id}, version ${alice.version}) and bob in ${path}`);

// 2. Find tokens: by user, or by refresh token (which needs the client credentials).
const byUser = await store.findToken({ userSignature: 'alice@example.com' });
const byRefresh = await store.findToken({ refreshToken: '1000.refresh.bob', clientId: '1000.CLIENT', clientSecret: 'client-secret' });
console.log(`2. by user: ${byUser.userSignature}; by refresh token: ${byRefresh.userSignature}`);

// 3. A refresh response carries a new access token but no refresh token: fields left out keep their
//    stored value (the refresh token survives), and the version goes up by one.
const refreshed = await store.saveToken({
  userSignature: 'alice@example.com',
  accessToken: '1000.access.alice.v2',
  expiryTime: Date.now() + hour,
});
console.log(`3. refreshed alice: version ${refreshed.version}, refresh token kept: ${refreshed.refreshToken === '1000.refresh.alice'}`);

// 4. List every token. Tokens and secrets are credentials: print them redacted, never raw.
console.log('4. every token, redacted:');
console.table((await store.getTokens()).map(redactToken), ['userSignature', 'accessToken', 'refreshToken', 'clientSecret', 'version']);

// 5. Delete one by id, count what is left, and close (the file keeps the rest).
await store.deleteToken(byRefresh.id);
console.log(`5. deleted bob; ${(await store.getTokens()).length} token(s) left`);
await store.close();
