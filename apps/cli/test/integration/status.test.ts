import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cleanupWorkspaces, createWorkspace, freePort, killTracked, track } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli, oneLine, opsWorkspace, runSupervised } from './helpers.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await killTracked();
  await cleanupWorkspaces();
});

/** A supervised ComfyUI on env1, and its pid as the fake reports it. */
async function supervised() {
  const ws = await opsWorkspace();
  await runSupervised(ws, await freePort());
  const { pid } = await ws.waitForEvent({ event: 'listening', env: 'env1' });
  const portFile = join(ws.metadataDir, '.control_port');
  return { ws, comfyuiPid: pid, portFile };
}

/** A loopback HTTP server that answers every request with `respond`; tells when a client went away. */
async function server(respond: (res: ServerResponse) => void) {
  const seen = { closed: 0 };
  const srv = createServer((_req, res) => {
    res.on('close', () => {
      seen.closed++;
    });
    respond(res);
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { port: (srv.address() as AddressInfo).port, seen };
}

describe('comfyvisor status when the control API cannot be asked', () => {
  it('a missing, garbage or dead .control_port: says so, and reports ComfyUI from the pid files and the process table', async () => {
    const { ws, comfyuiPid, portFile } = await supervised();
    const healthy = JSON.parse((await cli(['status', '--json', '--workspace', ws.root])).stdout);
    expect(healthy).toMatchObject({ comfyui: { pid: comfyuiPid, running: true }, seen_from: 'control_api' });

    const dead = await freePort();
    const cases: Array<[string, () => void, RegExp]> = [
      ['garbage', () => writeFileSync(portFile, 'not-a-port\n'), /\.control_port is unusable \(/],
      ['missing', () => rmSync(portFile), /\.control_port is missing/],
      [
        'dead',
        () => writeFileSync(portFile, String(dead)),
        new RegExp(`control port ${dead} .* does not answer /health`),
      ],
    ];
    for (const [name, breakIt, problem] of cases) {
      breakIt();
      const text = await cli(['status', '--workspace', ws.root]);
      expect(text.exitCode, name).toBe(1);
      oneLine(text.stderr);
      expect(text.stderr, name).toMatch(problem);
      expect(text.stdout, name).toMatch(/supervisor\s+running \(pid \d+; control API unusable: /);
      expect(text.stdout, name).toMatch(
        new RegExp(`ComfyUI\\s+running \\(pid ${comfyuiPid}, up .*process table\\)`),
      );
      expect(text.stdout, name).toMatch(/environment\s+env1/);
      expect(text.stdout, name).not.toContain('not started');

      const json = await cli(['status', '--json', '--workspace', ws.root]);
      expect(json.exitCode, name).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report.supervisor.problem, name).toMatch(problem);
      expect(report, name).toMatchObject({
        supervisor: { running: true, pid: healthy.supervisor.pid },
        current_env: 'env1',
        comfyui: { pid: comfyuiPid, running: true, uptime_seconds: expect.any(Number) },
        seen_from: 'process_table',
      });
    }
  });

  it('an endless answer: status cuts it off at the size bound, one line, exit 1', async () => {
    const { ws, comfyuiPid, portFile } = await supervised();
    const endless = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const block = Buffer.alloc(64 * 1024, ' ');
      res.write('{"status": "alive", "pad": "');
      const pump = () => {
        while (!res.destroyed && res.write(block)) {}
      };
      res.on('drain', pump);
      pump();
    });
    writeFileSync(portFile, String(endless.port));
    const status = await cli(['status', '--workspace', ws.root], { timeout: 30_000 });
    expect(status.timedOut).toBe(false);
    expect(status.exitCode).toBe(1);
    oneLine(status.stderr);
    expect(status.stderr).toMatch(/does not answer \/health \(the answer is larger than 1048576 bytes\)/);
    expect(status.stdout).toMatch(new RegExp(`ComfyUI\\s+running \\(pid ${comfyuiPid}`));
    // It hung up: the server saw its client go away.
    await vi.waitFor(() => expect(endless.seen.closed).toBe(1), { timeout: 10_000 });
  });

  it('an answer that trickles forever: status gives up on the whole answer, one line, exit 1', async () => {
    const { ws, portFile } = await supervised();
    const trickle = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status": "alive", "pad": "');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    writeFileSync(portFile, String(trickle.port));
    const status = await cli(['status', '--json', '--workspace', ws.root], { timeout: 30_000 });
    expect(status.timedOut).toBe(false);
    expect(status.exitCode).toBe(1);
    expect(status.stderr).toMatch(/does not answer \/health \(no complete answer within \d+ ms\)$/);
    expect(JSON.parse(status.stdout).seen_from).toBe('process_table');
    await vi.waitFor(() => expect(trickle.seen.closed).toBe(1), { timeout: 10_000 });
  });

  it('a supervisor told to serve no control API: no problem to report, ComfyUI from the process table, exit 0', async () => {
    const ws = await createWorkspace({
      environments: ['env1'],
      config: { orchestrator: { sync_enabled: false, stop_grace_s: 2, enable_control_server: false } },
    });
    track(
      cli([
        'run',
        '--workspace',
        ws.root,
        '--environment',
        'env1',
        '--args',
        '--port',
        String(await freePort()),
      ]),
    );
    const { pid } = await ws.waitForEvent({ event: 'listening', env: 'env1' });
    await vi.waitFor(
      async () => {
        const status = await cli(['status', '--json', '--workspace', ws.root]);
        expect(status.exitCode).toBe(0);
        expect(JSON.parse(status.stdout)).toMatchObject({
          supervisor: { running: true, control_port: null, problem: null },
          comfyui: { pid, running: true },
          seen_from: 'process_table',
        });
      },
      { timeout: 15_000 },
    );
  });
});

describe('comfyvisor status: ComfyUI memory', () => {
  it("shows ComfyUI's memory and VRAM with their restart limits when /health has them", async () => {
    const { ws, comfyuiPid, portFile } = await supervised();
    const memory = {
      rss_bytes: 3 * 2 ** 30,
      gpu_bytes: 512 * 2 ** 20,
      rss_limit_bytes: 8 * 2 ** 30,
      vram_limit_bytes: null,
    };
    const health = {
      status: 'alive',
      current_env: 'env1',
      comfyui: { pid: comfyuiPid, running: true, uptime_seconds: 60, memory },
    };
    const standIn = await server((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(health));
    });
    writeFileSync(portFile, String(standIn.port));
    const text = await cli(['status', '--workspace', ws.root]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/memory\s+3\.0 GB \(restart over 8\.0 GB, restart_rss_mb\)/);
    expect(text.stdout).toMatch(/VRAM\s+512 MB\n/);
    const json = JSON.parse((await cli(['status', '--json', '--workspace', ws.root])).stdout);
    expect(json.comfyui.memory).toEqual(memory);
    // a /health without the figures (an older supervisor): no memory rows
    health.comfyui = { pid: comfyuiPid, running: true, uptime_seconds: 60, memory: 'odd' as never };
    const older = await cli(['status', '--workspace', ws.root]);
    expect(older.stdout).not.toMatch(/memory|VRAM/);
  });
});
