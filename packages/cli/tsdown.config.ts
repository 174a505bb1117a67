import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsdown';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __CLI_VERSION__: JSON.stringify(version) };

export default defineConfig([
  {
    // The library: the URL parser, the copy engine and the program, for scripts and tests.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'node',
    target: 'node20',
    dts: true,
    clean: true,
    define,
  },
  {
    // The `tokens` binary: ESM only (top-level await), the shebang kept from src/cli.ts.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    dts: false,
    clean: false,
    define,
  },
]);
