import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder standing in for `.metadata/` (unit tests only). */
export function tempMetadataDir(): string {
  return mkdtempSync(join(tmpdir(), 'comfyvisor-ipc-'));
}
