// Saves tokens in a loop and prints one line per acknowledged save: "<user> <value id>".
// The parent SIGKILLs it at a random moment and checks that every acknowledged save survived.
import { createSqliteStore } from '../dist/index.mjs';

const [path, round] = process.argv.slice(2);
const store = createSqliteStore({ path });
const USERS = 20;

for (let i = 0; ; i++) {
  const user = `u${i % USERS}`;
  const value = `${round}.${i}`;
  // Every fourth token is 16 KiB, like a large JWT: several pages per write.
  const accessToken = i % 4 === 0 ? `${value}:${'j'.repeat(16 * 1024)}` : `${value}:short`;
  await store.saveToken({ userSignature: user, accessToken, refreshToken: `refresh-${value}`, clientId: 'c', clientSecret: 's' });
  // Writes to a pipe are synchronous on Linux: once this returns, the parent gets the line even if killed.
  process.stdout.write(`${user} ${value}\n`);
}
