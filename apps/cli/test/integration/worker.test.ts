import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cleanupWorkspaces,
  createFakeCg,
  createWorkspace,
  freePort,
  httpJson,
  isAlive,
  killTracked,
  track,
} from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cli } from './helpers.ts';

const dirs: string[] = [];
afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function home() {
  const dir = await mkdtemp(join(tmpdir(), 'comfyvisor-worker-home-'));
  dirs.push(dir);
  return dir;
}

describe('comfyvisor worker', () => {
  it('setup writes a cg-deploy worker.json; up without flags reads it; SIGTERM stops every instance', async () => {
    const ws = await createWorkspace({ environments: [] });
    const cg = await createFakeCg();
    const HOME = await home();
    const env = { ...(cg.env() as Record<string, string>), HOME };
    const setup = await cli(['worker', 'setup', '--workspace', ws.root], { env });
    expect(setup.exitCode).toBe(0);
    const config = JSON.parse(readFileSync(join(HOME, '.config/comfygit/deploy/worker.json'), 'utf8'));
    expect(config).toMatchObject({ version: '1', workspace_path: ws.root, server_port: 9090 });
    expect(config.api_key).toMatch(/^cg_wk_[0-9a-f]{32}$/);

    const port = await freePort();
    const comfy = await freePort('0.0.0.0');
    const up = track(
      execa(
        process.execPath,
        [
          BIN,
          'worker',
          'up',
          '--host',
          '127.0.0.1',
          '--port',
          String(port),
          '--port-range',
          `${comfy}:${comfy + 1}`,
        ],
        {
          env,
          reject: false,
          all: true,
        },
      ),
    );
    const key = { authorization: `Bearer ${config.api_key}` };
    const api = (method: string, path: string, body?: unknown) =>
      httpJson(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { ...key, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    await expect
      .poll(async () => (await api('GET', '/api/v1/health').catch(() => null))?.status, { timeout: 15_000 })
      .toBe(200);

    const again = await cli(['worker', 'up', '--port', '0'], { env });
    expect(again.exitCode).toBe(1);
    expect(again.all).toMatch(/another worker \(pid \d+\) is using the state dir/);

    const { body } = await api('POST', '/api/v1/instances', { import_source: '/srv/a' });
    let pid = 0;
    await expect
      .poll(
        async () => {
          const got = (await api('GET', `/api/v1/instances/${body.id}`)).body;
          pid = got.pid ?? 0;
          return got.status;
        },
        { timeout: 20_000 },
      )
      .toBe('running');
    const status = await cli(['worker', 'status'], { env });
    expect(status.stdout).toMatch(/RUNNING/);
    expect(status.stdout).toContain(body.id);
    expect(status.stdout).toMatch(/running\s+port \d+ {2}GPU all/);

    const down = await cli(['worker', 'down'], { env });
    expect(down.exitCode).toBe(0);
    const result = await up;
    expect(result.exitCode).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(HOME, '.config/comfygit/deploy/worker.pid'))).toBe(false);
    const saved = JSON.parse(readFileSync(join(HOME, '.config/comfygit/deploy/instances.json'), 'utf8'));
    expect(saved.instances[body.id].status).toBe('running'); // the next `worker up` starts it again
    await cg.cleanup();
  });

  it('regenerate-key writes a new key; up without a config says what to do', async () => {
    const HOME = await home();
    const missing = await cli(['worker', 'up'], { env: { HOME } });
    expect(missing.exitCode).toBe(1);
    expect(missing.all).toMatch(/^comfyvisor: no API key: pass --api-key or run `comfyvisor worker setup`/);
    await cli(['worker', 'setup', '--api-key', 'cg_wk_old0000000000000000000000000000'], { env: { HOME } });
    const regenerated = await cli(['worker', 'regenerate-key'], { env: { HOME } });
    expect(regenerated.exitCode).toBe(0);
    const config = JSON.parse(readFileSync(join(HOME, '.config/comfygit/deploy/worker.json'), 'utf8'));
    expect(config.api_key).not.toBe('cg_wk_old0000000000000000000000000000');
    expect(regenerated.stdout).toContain(config.api_key);
  });

  it('after a kill -9 of the worker, the next one ends the ComfyUI left behind and starts it again', async () => {
    const ws = await createWorkspace({ environments: [] });
    const cg = await createFakeCg();
    const stateDir = await home();
    const env = cg.env() as Record<string, string>;
    const key = 'cg_wk_kill9000000000000000000000000000';
    const comfy = await freePort('0.0.0.0');
    const up = async () => {
      const port = await freePort();
      const child = track(
        execa(
          process.execPath,
          [
            BIN,
            'worker',
            'up',
            '--workspace',
            ws.root,
            '--api-key',
            key,
            '--host',
            '127.0.0.1',
            '--port',
            String(port),
            '--port-range',
            `${comfy}:${comfy + 1}`,
            '--state-dir',
            stateDir,
          ],
          { env, reject: false },
        ),
      );
      const api = (method: string, path: string, body?: unknown) =>
        httpJson(`http://127.0.0.1:${port}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      await expect
        .poll(async () => (await api('GET', '/health').catch(() => null))?.status, { timeout: 15_000 })
        .toBe(200);
      return { child, api };
    };
    const running = async (api: Awaited<ReturnType<typeof up>>['api'], id: string) => {
      let pid = 0;
      await expect
        .poll(
          async () => {
            const got = (await api('GET', `/instances/${id}`)).body;
            pid = got.pid ?? 0;
            return got.status;
          },
          { timeout: 20_000 },
        )
        .toBe('running');
      return pid;
    };
    const first = await up();
    const { body } = await first.api('POST', '/instances', { import_source: '/srv/a' });
    const oldPid = await running(first.api, body.id);
    first.child.kill('SIGKILL');
    await first.child;
    expect(isAlive(oldPid)).toBe(true); // left behind, unsupervised for now

    const second = await up();
    const newPid = await running(second.api, body.id);
    expect(newPid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    second.child.kill('SIGTERM');
    expect((await second.child).exitCode).toBe(0);
    expect(isAlive(newPid)).toBe(false);
    await cg.cleanup();
  });
});
