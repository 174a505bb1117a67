import { defineConfig } from 'vitest/config';

// `pnpm --filter @tokens/cli bench`: runs bench/copy.ts under vitest only because
// @tokens/test-servers ships TypeScript sources; it asserts nothing about timing.
export default defineConfig({
  test: {
    include: ['bench/**/*.ts'],
    exclude: ['bench/vitest.config.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
