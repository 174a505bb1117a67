import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/build-dist.ts'],
    testTimeout: 60_000,
  },
});
