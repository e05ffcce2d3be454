// The one vitest setup file of every package (vitest.shared.ts): after each test, every tracked
// process is killed and every workspace and temp folder of the test kit is removed.
import { afterEach } from 'vitest';
import { cleanupWorkspaces } from './cleanup.ts';
import { killTracked } from './processes.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});
