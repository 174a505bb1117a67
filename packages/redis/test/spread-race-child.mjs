// One of several app servers on one spread namespace: waits for "go" on stdin so all start together,
// then saves the users in its own order and prints how many saves it made to each user as JSON.
import { createRedisStore } from '../dist/index.mjs';

const [nodes, namespace, worker, usersArg, savesArg] = process.argv.slice(2);
const users = Number(usersArg);
const saves = Number(savesArg);
const store = createRedisStore({ cluster: { nodes: JSON.parse(nodes) }, namespace, layout: 'spread', operationTimeoutMs: 20_000 });
await store.findToken({ userSignature: 'warm-up' }); // connected (slots known) before the race starts
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const counts = {};
// Several saves in flight per process, as an app server has.
const lanes = Array.from({ length: 4 }, async (_, lane) => {
  for (let i = lane; i < saves; i += 4) {
    // A different stride per worker: the same users, visited in different orders.
    const user = `u${(i * (7 + 2 * Number(worker)) + Number(worker) * 13) % users}`;
    await store.saveToken({ userSignature: user, accessToken: `w${worker}-${i}`, expiryTime: i });
    counts[user] = (counts[user] ?? 0) + 1;
  }
});
await Promise.all(lanes);
await store.close();
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0);
