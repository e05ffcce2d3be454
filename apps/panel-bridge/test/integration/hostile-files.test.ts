import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBridgeApp } from '@comfyvisor/panel-bridge';
import { cleanupWorkspaces, createWorkspace } from '@comfyvisor/testkit';
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
  await cleanupWorkspaces();
});

describe('the bridge reading a FIFO where a file belongs', () => {
  it('GET /v2/comfygit/logs passes over a FIFO at comfyui.log to the supervisor log, without blocking', async () => {
    const ws = await createWorkspace();
    const fifo = join(ws.metadataDir, 'comfyui.log');
    execFileSync('mkfifo', [fifo]);
    fifos.push(fifo);
    writeFileSync(join(ws.metadataDir, 'orchestrator.log'), 'supervisor line\n');
    const app = createBridgeApp({ workspace: ws.root });
    const r = await app.request('/v2/comfygit/logs', { headers: { host: '127.0.0.1:8000' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ file: 'orchestrator.log', lines: ['supervisor line'] });
  }, 5_000);
});
