import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    include: ['test/**/*.test.ts'],
    // e2e tests boot real systemd containers; the very first run also builds
    // the container image with debootstrap (~90 s) inside a beforeAll hook.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
