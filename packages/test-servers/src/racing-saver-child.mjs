// One of several app servers racing on one store (see racing-savers.ts). argv[2] is a JSON config:
// the store module (its default export opens a store from `storeOptions`), the worker number, the
// users, the saves, the lanes (saves in flight) and the warm-up. Prints "ready", waits for "go" on
// stdin so all start together, saves the users in its own order and prints one JSON line: the
// saves it made per user.
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.argv[2]);
const { worker, users, saves, lanes } = config;
const { default: open } = await import(pathToFileURL(config.module).href);
const store = await open(config.storeOptions);
// Schema set up (or found), cluster slots known, before the race starts: the race is on tokens.
if (config.warmUp === 'getTokens') await store.getTokens();
else if (config.warmUp === 'findToken') await store.findToken({ userSignature: 'warm-up' });
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const counts = {};
await Promise.all(
  Array.from({ length: lanes }, async (_, lane) => {
    for (let i = lane; i < saves; i += lanes) {
      // A different stride per worker: the same users, visited in different orders.
      const user = `u${(i * (7 + 2 * worker) + worker * 13) % users}`;
      await store.saveToken({ userSignature: user, accessToken: `w${worker}-${i}`, expiryTime: i });
      counts[user] = (counts[user] ?? 0) + 1;
    }
  }),
);
await store.close();
process.stdout.write(`${JSON.stringify(counts)}\n`);
process.exit(0);
