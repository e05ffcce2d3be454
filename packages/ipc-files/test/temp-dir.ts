import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh temp folder standing in for `.metadata/`, removed when the calling test finishes. */
export function tempMetadataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-ipc-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
