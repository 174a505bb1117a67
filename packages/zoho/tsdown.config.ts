import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'typescript-sdk-8.0': 'src/entries/typescript-sdk-8.0.ts',
    'typescript-sdk-7.0': 'src/entries/typescript-sdk-7.0.ts',
    'nodejs-sdk-8.0': 'src/entries/nodejs-sdk-8.0.ts',
    'nodejs-sdk-2.0': 'src/entries/nodejs-sdk-2.0.ts',
    bin: 'src/bin.ts',
  },
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
});
