import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  findConnectionPeer,
  findPortListeners,
  isInProcessTree,
  isPeerInProcessTree,
  processTree,
} from '@comfyvisor/processes';
import { createWorkspace, freePort, isAlive, type TestWorkspace, track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';

const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
});

function startFake(ws: TestWorkspace, port: number, host = '127.0.0.1') {
  return track(
    execa(
      join(ws.envDir('env1'), '.venv', 'bin', 'python'),
      ['main.py', '--listen', host, '--port', String(port)],
      {
        cwd: join(ws.envDir('env1'), 'ComfyUI'),
        reject: false,
        detached: true,
      },
    ),
  );
}

describe('who holds a port (real sockets, /proc)', () => {
  it('finds the fake ComfyUI listening on its port, with its command line; nobody on a free port', async () => {
    const ws = await createWorkspace();
    const port = await freePort();
    const fake = startFake(ws, port);
    await ws.waitForEvent({ event: 'listening' });
    const listeners = await findPortListeners(port);
    expect(listeners).toEqual([
      { pid: fake.pid, commandLine: expect.arrayContaining(['main.py', String(port)]) },
    ]);
    expect(await findPortListeners(await freePort())).toEqual([]);
  });

  it('finds a listener on IPv6 (::1) and this very process', async () => {
    const ws = await createWorkspace();
    const port = await freePort('::1');
    const fake = startFake(ws, port, '::1');
    await ws.waitForEvent({ event: 'listening' });
    expect((await findPortListeners(port)).map((l) => l.pid)).toEqual([fake.pid]);

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const own = (server.address() as { port: number }).port;
    expect((await findPortListeners(own)).map((l) => l.pid)).toEqual([process.pid]);
  });

  it("names the process at the other end of an incoming loopback connection, not the server's own socket", async () => {
    const sockets: Socket[] = [];
    const connections: Array<{ remotePort: number }> = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      connections.push({ remotePort: socket.remotePort as number });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as { port: number }).port;
    const client = track(
      execa(
        'python3',
        ['-c', `import socket,time\ns=socket.create_connection(("127.0.0.1",${port}))\ntime.sleep(60)`],
        { reject: false },
      ),
    );
    const connection = await vi.waitFor(
      () => {
        const first = connections[0];
        if (first === undefined) throw new Error('the python client to connect');
        return first;
      },
      { timeout: 15_000, interval: 20 },
    );
    expect(await findConnectionPeer(port, connection.remotePort)).toEqual({
      pid: client.pid,
      uid: process.getuid?.(),
      commandLine: expect.arrayContaining(['-c']),
    });
    expect(await findConnectionPeer(port, connection.remotePort + 1)).toBeNull();
    // The client is a child of this process: found from its own pid, and from ours through the
    // kernel's task/<tid>/children files; a tree that is not running does not hold it.
    expect(await isPeerInProcessTree(port, connection.remotePort, client.pid as number)).toBe(true);
    expect(await isPeerInProcessTree(port, connection.remotePort, process.pid)).toBe(true);
    expect(await isPeerInProcessTree(port, connection.remotePort, 2 ** 22 + 1)).toBe(false);
    expect(await isPeerInProcessTree(port, connection.remotePort + 1, process.pid)).toBeNull();
    client.kill('SIGKILL');
    await client;
    await expect
      .poll(() => findConnectionPeer(port, connection.remotePort), {
        timeout: 15_000,
        message: 'the peer to be gone with its process',
      })
      .toBeNull();
  });
});

describe('process trees (real processes)', () => {
  it("a fake ComfyUI's own child is in its tree; this test process and its parent are not", async () => {
    const ws = await createWorkspace({ behaviour: { env1: { spawnChild: true } } });
    const fake = startFake(ws, await freePort());
    const started = await ws.waitForEvent({ event: 'child_started' });
    const child = started.child_pid as number;
    expect(isAlive(child)).toBe(true);
    expect(await processTree(fake.pid as number)).toEqual([fake.pid, child]);
    expect(await isInProcessTree(child, fake.pid as number)).toBe(true);
    expect(await isInProcessTree(process.pid, fake.pid as number)).toBe(false);
    expect(await isInProcessTree(fake.pid as number, process.pid)).toBe(true);
  });
});
