import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createWorkspace } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'bin.js');

describe('comfyvisor logs on something that is not a log', () => {
  it('a FIFO at comfyui.log: one line, exit 1, no hang', async () => {
    const ws = await createWorkspace();
    execFileSync('mkfifo', [join(ws.metadataDir, 'comfyui.log')]);
    const result = await execa(process.execPath, [BIN, 'logs', '--workspace', ws.root], {
      reject: false,
      timeout: 10_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      `comfyvisor: cannot read ${join(ws.metadataDir, 'comfyui.log')} (not a readable regular file)`,
    );
  });
});
