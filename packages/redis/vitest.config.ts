import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Fault tests wait out operation timeouts and restart servers.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
