import { rm } from 'node:fs/promises';

const created = new Set<string>();

/** Registers a temp folder for `cleanupWorkspaces()` (the shared vitest setup calls it after each test). */
export function removeAfterTest(path: string): string {
  created.add(path);
  return path;
}

/** Forgets a folder that was removed some other way. */
export function forgetTemp(path: string): void {
  created.delete(path);
}

/** Removes every workspace and temp folder created so far (the shared setup runs it after each test). */
export async function cleanupWorkspaces(): Promise<void> {
  const roots = [...created];
  created.clear();
  await Promise.all(
    roots.map((root) => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })),
  );
}
