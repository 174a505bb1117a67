// One application process during a key rotation: saves and finds its own users (every second one)
// until told to stop, then prints its counts and the last access token it wrote to each user.
import { loadKeysFromEnv } from '@tokens/core';
import { createSqliteStore } from '../dist/index.mjs';

const [path, workerArg, usersArg] = process.argv.slice(2);
const worker = Number(workerArg);
const users = Number(usersArg);
const store = createSqliteStore({ path, encryption: loadKeysFromEnv() });
let stopping = false;
process.stdin.on('data', () => {
  stopping = true;
});
const result = { saves: 0, finds: 0, errors: 0, errorCodes: {}, last: {}, savesPerUser: {} };
const fail = (error) => {
  result.errors++;
  result.errorCodes[error?.code ?? 'other'] = (result.errorCodes[error?.code ?? 'other'] ?? 0) + 1;
};
process.stdout.write('ready\n');
for (let n = 0; !stopping; n++) {
  const i = 2 * ((n * 7919) % (users / 2)) + worker;
  const user = `user${i}@example.com`;
  try {
    if (n % 2 === 0) {
      const accessToken = `1000.w${worker}.${n}.access`;
      await store.saveToken({ userSignature: user, accessToken, expiryTime: n });
      result.last[user] = accessToken;
      result.savesPerUser[user] = (result.savesPerUser[user] ?? 0) + 1;
      result.saves++;
      const found = await store.findToken({ accessToken });
      if (found?.userSignature !== user) fail({ code: 'WRONG_FIND' });
    } else {
      const found = await store.findToken({ refreshToken: `1000.refresh.${i}`, clientId: 'c', clientSecret: 's' });
      if (found?.userSignature !== user) fail({ code: 'WRONG_FIND' });
    }
    result.finds++;
  } catch (error) {
    fail(error);
  }
  // Let the stop message in now and then.
  if (n % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
}
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
