import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES } from '@comfyvisor/ipc-files';
import { createBridgeApp, requestSwitch } from '@comfyvisor/panel-bridge';
import { createWorkspace } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const fifos: string[] = [];

afterEach(async () => {
  // Should a reader be stuck in open(2) on a FIFO (the bug this file guards against), let it go.
  for (const fifo of fifos.splice(0)) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader waiting: ENXIO
    }
  }
});

/** A workspace with a FIFO (no writer) at `.metadata/<name>`. */
async function workspaceWithFifo(name: string) {
  const ws = await createWorkspace();
  const fifo = join(ws.metadataDir, name);
  execFileSync('mkfifo', [fifo]);
  fifos.push(fifo);
  return ws;
}

describe('the bridge reading a FIFO where a file belongs', () => {
  it('GET /v2/comfygit/logs passes over a FIFO at comfyui.log to the supervisor log, without blocking', async () => {
    const ws = await workspaceWithFifo(FILE_NAMES.comfyuiLog);
    writeFileSync(join(ws.metadataDir, FILE_NAMES.log), 'supervisor line\n');
    const app = createBridgeApp({ workspace: ws.root });
    const r = await app.request('/v2/comfygit/logs', { headers: { host: '127.0.0.1:8000' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ file: 'orchestrator.log', lines: ['supervisor line'] });
  }, 5_000);
});

describe('a switch that must start a supervisor, with a FIFO at orchestrator.log', () => {
  it('answers error at once (no thread stuck opening the FIFO) and leaves no lock or request', async () => {
    const ws = await workspaceWithFifo(FILE_NAMES.log);
    const result = await requestSwitch({ target: 'env2', workspace: ws.root, caller: 'external', env: {} });
    expect(result).toMatchObject({ status: 'error', message: expect.stringMatching(/ENXIO/) });
    expect(existsSync(join(ws.metadataDir, FILE_NAMES.lock))).toBe(false);
    expect(existsSync(join(ws.metadataDir, FILE_NAMES.switchRequest))).toBe(false);
  }, 5_000);
});
