import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The one setup file of every test project: after each test it kills every process the test
 * tracked (`track`, `trackPid`) and removes every workspace and temp folder of the test kit.
 */
const setupFiles = [fileURLToPath(new URL('./tooling/testkit/src/vitest-setup.ts', import.meta.url))];

/**
 * Resolve `@comfyvisor/*` through their `source` export condition (`./src/index.ts`), so a
 * package's unit tests run from its dependencies' sources without building them first
 * (create-t3-turbo's pattern). Published packages do not carry the condition (publishConfig).
 */
const fromSource = { conditions: ['source', 'module', 'node', 'development|production'] };

/**
 * The two test projects every package has: `unit` (beside the code, fast, no processes; from
 * sources) and `integration` (real processes, sockets, venvs; one file at a time; over the built
 * `dist/` of the package and its dependencies).
 *
 * `browserTests` drive Debian's chromium (`/usr/bin/chromium`, which `pnpm test` installs on
 * Linux); they run on Linux only, since no other system has that browser.
 */
export function definePackageTests(options: { integrationTimeoutMs?: number; browserTests?: string[] } = {}) {
  const skipped = process.platform === 'linux' ? [] : (options.browserTests ?? []);
  return defineConfig({
    test: {
      projects: [
        {
          extends: true,
          resolve: fromSource,
          ssr: { resolve: fromSource },
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts'],
            setupFiles,
            testTimeout: 5_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/integration/**/*.test.ts'],
            setupFiles,
            exclude: skipped,
            testTimeout: options.integrationTimeoutMs ?? 60_000,
            hookTimeout: options.integrationTimeoutMs ?? 60_000,
            fileParallelism: false,
          },
        },
      ],
    },
  });
}
