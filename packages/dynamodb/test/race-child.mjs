// One of several processes saving to one namespace: waits for "go" on stdin so all start together,
// then saves the users in its own order and prints how many saves it made to each user as JSON.
import { createDynamoDbStore } from '../dist/index.mjs';

const [configJson, table, namespace, worker, usersArg, savesArg] = process.argv.slice(2);
const users = Number(usersArg);
const saves = Number(savesArg);
const store = createDynamoDbStore({ ...JSON.parse(configJson), table, namespace, operationTimeoutMs: 60_000, maxSaveAttempts: 1_000 });
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const counts = {};
for (let i = 0; i < saves; i++) {
  // A different stride per worker: the same users, visited in different orders.
  const user = `u${(i * (7 + 2 * Number(worker)) + Number(worker) * 13) % users}`;
  await store.saveToken({ userSignature: user, accessToken: `w${worker}-${i}`, expiryTime: i });
  counts[user] = (counts[user] ?? 0) + 1;
}
await store.close();
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0);
