// The projects a user would write: one per backend, each with a CommonJS, an ESM and a TypeScript
// consumer that round-trip a token through the installed packages.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fresh npm project whose @tokens/* packages come from the local registry, everything else from npm. */
export function createProject(dir, registryUrl, manifest = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'tokens-consumer', version: '1.0.0', private: true, ...manifest }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.npmrc'), `@tokens:registry=${registryUrl}\n`);
  return dir;
}

/**
 * Writes the consumers for one backend. `options(namespace)` is the source text of the store's
 * options; each consumer uses its own namespace, so they share one database without clashing.
 */
export function writeConsumers(dir, { pkg, factory, options }) {
  const steps = (mode, version) => `
  const store = ${factory}(${options(mode)});
  const token = { userSignature: 'alice@example.com', clientId: '1000.CID', clientSecret: 's3cret',
    refreshToken: 'r-${mode}', accessToken: 'a-${mode}', expiryTime: Date.now() + 3_600_000, apiDomain: 'https://www.zohoapis.com' };
  const saved = await store.saveToken(token);
  const found = await store.findToken({ refreshToken: 'r-${mode}', clientId: '1000.CID', clientSecret: 's3cret' });
  if (found?.id !== saved.id || found.accessToken !== 'a-${mode}') throw new Error('round trip failed');
  const refreshed = await store.saveToken({ userSignature: 'alice@example.com', accessToken: 'a2-${mode}', expiryTime: Date.now() + 3_600_000 });
  if (refreshed.version !== 2 || refreshed.refreshToken !== 'r-${mode}') throw new Error('partial save lost the refresh token');
  const error = await store.findToken({}).catch((caught) => caught);
  if (!(error instanceof TokenStoreError) || error.code !== 'INVALID_TOKEN') throw new Error('no typed INVALID_TOKEN error');
  const count = (await store.getTokens()).length;
  await store.close();
  console.log(\`${mode}: ${pkg} \${${version}}: saved \${saved.userSignature}, found by refresh token, refreshed to version \${refreshed.version} (refresh token kept), INVALID_TOKEN is a TokenStoreError, \${count} token(s) in namespace ${mode}\`);`;

  const files = {
    'require.cjs': `const { TokenStoreError } = require('@tokens/core');
const { ${factory} } = require('${pkg}');
const { version } = require('${pkg}/package.json');

(async () => {${steps('cjs', 'version')}
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`,
    'import.mjs': `import { createRequire } from 'node:module';
import { TokenStoreError } from '@tokens/core';
import { ${factory} } from '${pkg}';

const { version } = createRequire(import.meta.url)('${pkg}/package.json');
${steps('esm', 'version')}
`,
    'typed.mts': `import { createRequire } from 'node:module';
import { type OAuthToken, type TokenStore, TokenStoreError } from '@tokens/core';
import { ${factory} } from '${pkg}';

const { version } = createRequire(import.meta.url)('${pkg}/package.json') as { version: string };
${steps('ts_esm', 'version')}
const typed: OAuthToken | null = found;
void typed;

// Proves the declarations are real types, not \`any\`: never called.
export function typeErrors(store: TokenStore) {
  // @ts-expect-error expiryTime is a number
  void store.saveToken({ accessToken: 'a', expiryTime: 'tomorrow' });
  // @ts-expect-error the factory rejects unknown options
  void ${factory}({ noSuchOption: true });
}
`,
    'typed.cts': `import { TokenStoreError } from '@tokens/core';
import { ${factory} } from '${pkg}';

const { version } = require('${pkg}/package.json') as { version: string };

async function main(): Promise<void> {${steps('ts_cjs', 'version')}
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`,
    'tsconfig.node16.json': tsconfig({ module: 'node16', moduleResolution: 'node16', outDir: 'out' }, ['typed.mts', 'typed.cts']),
    'tsconfig.bundler.json': tsconfig({ module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['typed.mts']),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

function tsconfig(compilerOptions, include) {
  const options = { target: 'es2022', strict: true, skipLibCheck: false, types: ['node'], ...compilerOptions };
  return `${JSON.stringify({ compilerOptions: options, include }, null, 2)}\n`;
}
