import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPidFile } from '@comfyvisor/ipc-files';
import { cliBinPath } from '@comfyvisor/panel-bridge';
import {
  createWorkspace,
  type FakeBehaviour,
  freePort,
  killTracked,
  track,
  trackPid,
} from '@comfyvisor/testkit';
import { execa } from 'execa';
import { expect } from 'vitest';

export const BRIDGE_BIN = join(import.meta.dirname, '..', '..', 'dist', 'bin.js');

export async function bridgeWorkspace(behaviour?: Record<string, FakeBehaviour>) {
  const control = await freePort();
  return createWorkspace({
    behaviour,
    config: {
      orchestrator: {
        sync_enabled: false,
        stop_grace_s: 2,
        control_port_range: [control, control + 20],
      },
    },
  });
}

/** `comfyvisor run` on the workspace, ready when ComfyUI listens and the control port is written. */
export async function startComfyvisor(ws: Awaited<ReturnType<typeof bridgeWorkspace>>, port: number) {
  const child = track(
    execa(
      process.execPath,
      [
        cliBinPath(),
        'run',
        '--workspace',
        ws.root,
        '--environment',
        'env1',
        '--args',
        '--port',
        String(port),
      ],
      {
        reject: false,
        all: true,
      },
    ),
  );
  await ws.waitForEvent({ event: 'listening', env: 'env1' });
  await expect.poll(() => existsSync(join(ws.metadataDir, '.control_port')), { timeout: 15_000 }).toBe(true);
  return { child };
}

/** Detached supervisors are not our children: find them through the pid file to clean up. */
export async function killDetached(workspaces: string[]): Promise<void> {
  for (const root of workspaces) {
    const pid = await readPidFile(join(root, '.metadata'));
    if (pid) trackPid(pid);
  }
  await killTracked();
}
