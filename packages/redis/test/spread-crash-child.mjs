// A writer to be killed (SIGKILL) at a random point: prints "ready", waits for "go", then saves
// (and now and then deletes) one user's token as fast as it can until it is killed.
import { createRedisStore } from '../dist/index.mjs';

const [nodes, namespace, user] = process.argv.slice(2);
const store = createRedisStore({ cluster: { nodes: JSON.parse(nodes) }, namespace, layout: 'spread' });
await store.findToken({ userSignature: 'warm-up' });
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
for (let n = 0; ; n++) {
  // New access and refresh tokens each time: every save claims two values and releases two.
  const saved = await store.saveToken({
    userSignature: user,
    accessToken: `a-${user}-${n}`,
    refreshToken: `r-${user}-${n}`,
    expiryTime: n,
  });
  process.stdout.write('s\n');
  if (n % 5 === 4) await store.deleteToken(saved.id);
}
