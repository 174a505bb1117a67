import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    conformance: 'src/conformance/index.ts',
    'conformance-vitest': 'src/conformance/vitest.ts',
    'conformance-node-test': 'src/conformance/node-test.ts',
  },
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node20',
  dts: true,
  clean: true,
});
