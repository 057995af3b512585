import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Once per run: prerequisites checked (PostgreSQL, Redis, Chromium, Node), template database.
    globalSetup: ['test/helpers/global-setup.ts'],
    // In every file: child processes a test started are killed after it (test/helpers/process.ts).
    setupFiles: ['test/helpers/children.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files run in parallel workers; each gets its own database and queue prefix.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
