import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Fault tests wait out operation timeouts and restart servers.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The multi-process test runs the built package in child processes: rebuild it when stale.
    globalSetup: ['test/build-dist.ts'],
  },
});
