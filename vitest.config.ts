import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real servers (dynalite, simulators): give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time: most of a test's time is spent waiting on loopback servers, not on the CPU.
    maxWorkers: 2,
    setupFiles: ['test/support/quiet-console.ts'],
    // The product's logs and metrics stay off the test output; the tests that read them turn them on.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
