// One process of the multi-process refresh cases. argv[2] is a JSON config: the store module (its
// default export opens a store from `storeOptions`), the endpoint, the refresher's options and how
// many concurrent callers to run. Prints "ready", waits for "go" on stdin, runs the callers and
// prints one JSON line: [{ ok, accessToken?, code?, ms }] per caller. The parent learns that a
// refresh is in flight from the endpoint itself (its request log).
import { pathToFileURL } from 'node:url';
import { createTokenRefresher, oauth2Refresh } from '@tokens/core';

const config = JSON.parse(process.argv[2]);
const { default: open } = await import(pathToFileURL(config.module).href);
const store = await open(config.storeOptions);
const refresher = createTokenRefresher(store, {
  ...config.refresher,
  refresh: oauth2Refresh({ tokenEndpoint: config.tokenUrl, authMethod: 'client_secret_post', timeoutMs: config.timeoutMs }),
});
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const started = Date.now();
const results = await Promise.all(
  Array.from({ length: config.callers }, async () => {
    try {
      const token = await refresher.getAccessToken({ userSignature: config.user });
      return { ok: true, accessToken: token.accessToken, ms: Date.now() - started };
    } catch (error) {
      return { ok: false, code: error?.code ?? String(error), message: String(error?.message), ms: Date.now() - started };
    }
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
await store.close();
process.exit(0);
