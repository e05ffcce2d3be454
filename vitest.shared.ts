import { defineConfig } from 'vitest/config';

/**
 * The two test projects every package has: `unit` (beside the code, fast, no processes)
 * and `integration` (real processes, sockets, venvs; one file at a time).
 */
export function definePackageTests(options: { integrationTimeoutMs?: number } = {}) {
  return defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts'],
            testTimeout: 5_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/integration/**/*.test.ts'],
            testTimeout: options.integrationTimeoutMs ?? 60_000,
            hookTimeout: options.integrationTimeoutMs ?? 60_000,
            fileParallelism: false,
          },
        },
      ],
    },
  });
}
