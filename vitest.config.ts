import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The agent and collector processes the tests start run the built bundles (dist/).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites start real servers (collector processes, PostgreSQL, Chromium):
    // two workers on a two-core machine keeps them from starving each other.
    maxWorkers: 2,
    // CI reads the pass/fail counts from the JSON report (.ci/run prints them).
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]] : ['default'],
  },
});
