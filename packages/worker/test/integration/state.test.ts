import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, isAlive, killTracked, track } from '@comfyvisor/testkit';
import { openWorker } from '@comfyvisor/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHarnesses, startHarness } from './helpers.ts';

afterEach(async () => {
  await closeHarnesses();
  await killTracked();
  await cleanupWorkspaces();
});

const stateOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'instances.json'), 'utf8'));

describe('instances.json and the worker own life', () => {
  it("is written in the reference's format, atomically", async () => {
    const h = await startHarness();
    const { body } = await h.api('POST', '/api/v1/instances', {
      import_source: '/srv/a',
      branch: 'main',
      cuda_visible_devices: '0',
    });
    await h.waitStatus(body.id, 'running');
    await expect.poll(() => stateOf(h.stateDir).instances[body.id]?.status).toBe('running');
    const state = stateOf(h.stateDir);
    expect(state.version).toBe('1');
    expect(Object.keys(state.instances[body.id])).toEqual([
      'id',
      'name',
      'environment_name',
      'mode',
      'assigned_port',
      'import_source',
      'branch',
      'status',
      'container_id',
      'pid',
      'created_at',
      'cuda_visible_devices',
    ]);
    expect(state.instances[body.id]).toMatchObject({
      branch: 'main',
      assigned_port: h.range.start,
      cuda_visible_devices: '0',
    });
    expect(readFileSync(join(h.stateDir, 'instances.json'), 'utf8')).toContain('\n  "instances": {');
    expect(readdirSync(h.stateDir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it("takes over a cg-deploy worker's file: ports kept, a stopped instance stays stopped, a corrupt entry dropped", async () => {
    const h = await startHarness();
    await h.worker.close();
    await h.server.close();
    writeFileSync(
      join(h.stateDir, 'instances.json'),
      JSON.stringify({
        version: '1',
        instances: {
          inst_aaaaaaaa: {
            id: 'inst_aaaaaaaa',
            name: 'deploy-old-20251201-abcd',
            environment_name: 'deploy-old-20251201-abcd',
            mode: 'native',
            assigned_port: h.range.start,
            import_source: '/srv/old',
            branch: null,
            status: 'stopped',
            container_id: null,
            pid: null,
            created_at: '2025-12-01T10:00:00.000000+00:00',
          },
          inst_bbbbbbbb: { id: 'inst_bbbbbbbb', name: '../../etc', assigned_port: 'x' },
        },
      }),
    );
    await h.reopen();
    const list = (await h.api('GET', '/api/v1/instances')).body;
    expect(list.instances.map((i: any) => [i.id, i.status])).toEqual([['inst_aaaaaaaa', 'stopped']]);
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/new' });
    expect(body.assigned_port).toBe(h.range.start + 1);
    expect((await h.api('GET', '/api/v1/system/info')).body.ports.allocated).toEqual([
      h.range.start,
      h.range.start + 1,
    ]);
  });

  it('a second worker on the same state dir is refused', async () => {
    const h = await startHarness();
    await expect(
      openWorker({ workspace: h.ws.root, stateDir: h.stateDir, portRange: h.range }),
    ).rejects.toMatchObject({
      code: 'STATE_DIR_LOCKED',
    });
    expect(readFileSync(join(h.stateDir, 'worker.pid'), 'utf8').trim()).toBe(String(process.pid));
  });

  it('close stops every instance; the next worker starts again those that were running', async () => {
    const h = await startHarness();
    const a = (await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' })).body;
    const b = (await h.api('POST', '/api/v1/instances', { import_source: '/srv/b' })).body;
    const runningA = await h.waitStatus(a.id, 'running');
    const runningB = await h.waitStatus(b.id, 'running');
    await h.api('POST', `/api/v1/instances/${b.id}/stop`);
    await h.reopen();
    expect(isAlive(runningA.pid)).toBe(false);
    expect(isAlive(runningB.pid)).toBe(false);
    const again = await h.waitStatus(a.id, 'running');
    expect(again.pid).not.toBe(runningA.pid);
    expect((await h.api('GET', `/api/v1/instances/${b.id}`)).body.status).toBe('stopped');
  });

  it('a ComfyUI left running by a killed worker is ended and started again under supervision', async () => {
    const h = await startHarness();
    const { body } = await h.api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    await h.waitStatus(body.id, 'running');
    await h.server.close();
    await h.worker.close();
    // what a kill -9 leaves: a ComfyUI of that environment, its pid in instances.json
    const envDir = h.ws.envDir(body.name);
    const orphan = track(
      spawn(join(envDir, '.venv/bin/python'), ['main.py', '--port', String(h.range.end - 1)], {
        cwd: join(envDir, 'ComfyUI'),
        detached: true,
        stdio: 'ignore',
      }),
    );
    await h.ws.waitForEvent({ event: 'listening', pid: orphan.pid });
    const state = stateOf(h.stateDir);
    state.instances[body.id].pid = orphan.pid;
    writeFileSync(join(h.stateDir, 'instances.json'), JSON.stringify(state));
    await h.reopen();
    expect(isAlive(orphan.pid ?? 0)).toBe(false);
    const again = await h.waitStatus(body.id, 'running');
    expect(again.pid).not.toBe(orphan.pid);
  });
});
