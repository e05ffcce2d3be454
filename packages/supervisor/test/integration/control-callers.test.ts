// Who called `POST /restart`, told while the caller is still connected: clients that close right
// after reading (curl, Python's urllib, a raw socket) and a keep-alive one are all known not to be
// ComfyUI, so their command is acted on at once; ComfyUI's own tree gets the reply delay.
import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { isPeerInProcessTree } from '@comfyvisor/processes';
import { cleanupWorkspaces, killTracked, track } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlServer, startControlServer } from '../../src/control-server.ts';
import type { SupervisorCommand } from '../../src/supervisor-command.ts';
import { lastIndex, startSupervised } from './helpers.ts';

let server: ControlServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await killTracked();
  await cleanupWorkspaces();
});

const run = (file: string, args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(file, args, { timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );

const hasCurl = await run('curl', ['--version']).then(
  () => true,
  () => false,
);

/** The clients that close their connection as soon as they have read the answer. */
const CLOSING: Record<string, (url: string) => Promise<string>> = {
  ...(hasCurl ? { curl: (url: string) => run('curl', ['-s', '-X', 'POST', url]) } : {}),
  urllib: (url) =>
    run('python3', [
      '-c',
      'import sys, urllib.request as u; print(u.urlopen(u.Request(sys.argv[1], method="POST")).read().decode())',
      url,
    ]),
  'raw socket': (url) =>
    new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('restart_requested')) socket.destroy(); // read, then gone at once
        resolve(text);
      });
      socket.on('error', reject);
      socket.write(`POST /restart HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\n\r\n`);
    }),
};

/** A control server whose "ComfyUI" is the process tree of `rootPid`; delayed commands are held. */
async function serve(rootPid: number) {
  const sent: SupervisorCommand[] = [];
  const held: number[] = [];
  server = await startControlServer(
    {
      snapshot: () => ({ pid: 1, currentEnv: 'env1', comfyui: { pid: rootPid, running: true, uptimeMs: 0 } }),
      send: (command) => void sent.push(command),
      requestSwitch: async () => ({ ok: true }),
      readStatus: async () => null,
    },
    [0, 0],
    {
      comfyuiPort: 8199,
      peerIsComfyui: ({ localPort, remotePort }) => isPeerInProcessTree(localPort, remotePort, rootPid),
      replyDelayMs: 600_000,
      later: (_act, ms) => void held.push(ms),
    },
  );
  return { url: `http://127.0.0.1:${server.port}/restart`, sent, held };
}

describe('POST /restart: the caller is looked up while it is connected', () => {
  it.each(Object.keys(CLOSING))(
    'a %s caller (closes after reading) is known, and acted on at once',
    async (name) => {
      // "ComfyUI" is a sleeping process: the caller is not in its tree.
      const comfyui = track(spawn('sleep', ['60'], { stdio: 'ignore' }));
      const { url, sent, held } = await serve(comfyui.pid as number);
      expect(await CLOSING[name]?.(url)).toContain('restart_requested');
      // Unknown would be delayed (held, never acted on): the command arriving proves it was known.
      await expect.poll(() => sent).toEqual([{ command: 'restart' }]);
      expect(held).toEqual([]);
    },
  );

  it('a keep-alive caller is acted on at once too', async () => {
    const comfyui = track(spawn('sleep', ['60'], { stdio: 'ignore' }));
    const { url, sent, held } = await serve(comfyui.pid as number);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    await expect.poll(() => sent).toEqual([{ command: 'restart' }]);
    expect(held).toEqual([]);
  });

  it("a caller inside ComfyUI's tree (the panel's proxy) gets the reply delay", async () => {
    // This test process is "ComfyUI": the clients it spawns are its children.
    const { url, sent, held } = await serve(process.pid);
    expect(await CLOSING.urllib?.(url)).toContain('restart_requested');
    await expect.poll(() => held).toEqual([600_000]);
    expect(sent).toEqual([]);
  });

  it('a storm of POST /restart reads the process table once per ComfyUI, not once per request', async () => {
    let lookups = 0;
    let comfyuiPid = 1000;
    const sent: SupervisorCommand[] = [];
    server = await startControlServer(
      {
        snapshot: () => ({
          pid: 1,
          currentEnv: 'env1',
          comfyui: { pid: comfyuiPid, running: true, uptimeMs: 0 },
        }),
        send: (command) => void sent.push(command),
        requestSwitch: async () => ({ ok: true }),
        readStatus: async () => null,
      },
      [0, 0],
      {
        comfyuiPort: 8199,
        peerIsComfyui: async () => {
          lookups++;
          return false;
        },
      },
    );
    const url = `http://127.0.0.1:${server.port}/restart`;
    const storm = () => Promise.all(Array.from({ length: 40 }, () => CLOSING['raw socket']?.(url)));
    await storm();
    await expect.poll(() => sent.length).toBe(40); // every request acted on, at once
    expect(lookups).toBe(1);
    comfyuiPid = 1001; // restarted: the next caller is looked up again
    await storm();
    await expect.poll(() => sent.length).toBe(80);
    expect(lookups).toBe(2);
  });

  it('a real supervisor: SIGTERM reaches ComfyUI from a closing client without the reply delay', async () => {
    // A 10 s reply delay (the most the config allows): a SIGTERM within 8 s came without it.
    const run = await startSupervised({ orchestrator: { control_reply_delay_ms: 10_000 } });
    await run.ws.waitForEvent({ event: 'listening' });
    for (const name of Object.keys(CLOSING).filter((n) => n !== 'raw socket')) {
      const from = await lastIndex(run.ws);
      expect(await CLOSING[name]?.(`${run.controlUrl}/restart`)).toContain('restart_requested');
      const term = await run.ws.waitForEvent({ event: 'sigterm' }, { after: from, timeoutMs: 8_000 });
      await run.ws.waitForEvent({ event: 'listening' }, { after: term.index });
    }
  });
});
