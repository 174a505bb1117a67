import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The tests spawn the built binary against real servers on a small shared machine: one file at
    // a time keeps them from starving each other (and the servers) of CPU.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
