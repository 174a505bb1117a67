import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The multi-process race runs the built package in child processes.
    globalSetup: ['test/build-dist.ts'],
    // Fault tests wait out operation timeouts and restart servers.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
