import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createWorkspace,
  type FakeBehaviour,
  freePort,
  type TestWorkspace,
  track,
} from '@comfyvisor/testkit';
import { execa } from 'execa';
import { expect } from 'vitest';

export const BIN = join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'bin.js');

export const cli = (
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
) => execa(process.execPath, [BIN, ...args], { reject: false, all: true, ...options });

/** A workspace with sync off, a 2 s stop grace and a control port range of its own. */
export async function opsWorkspace(behaviour: Record<string, FakeBehaviour> = {}): Promise<TestWorkspace> {
  const control = await freePort();
  return createWorkspace({
    config: {
      orchestrator: { sync_enabled: false, stop_grace_s: 2, control_port_range: [control, control + 20] },
    },
    behaviour,
  });
}

/** `comfyvisor run` on env1 with `--port`, once ComfyUI listens and the control port is written. */
export async function runSupervised(ws: TestWorkspace, port: number) {
  const child = track(
    cli(['run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)]),
  );
  await ws.waitForEvent({ event: 'listening', env: 'env1' });
  await expect.poll(() => existsSync(join(ws.metadataDir, '.control_port')), { timeout: 15_000 }).toBe(true);
  return { child };
}

/** One line, no stack trace. */
export function oneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
}
