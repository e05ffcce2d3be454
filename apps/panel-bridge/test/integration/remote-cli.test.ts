// Remote access to the bridge, from the command line: the login it needs beyond loopback.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, killTracked } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { serveBridge } from './bridge-process.ts';
import { BRIDGE_BIN, bridgeWorkspace } from './helpers.ts';
import { startReverseProxy } from './reverse-proxy.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

const TOKEN = 'cli-test-token-4f9a0c1d2e3b';

describe('comfyvisor-bridge serve beyond loopback', () => {
  it('refuses to start without a login: one line, exit 2', async () => {
    const ws = await bridgeWorkspace();
    for (const extra of [
      ['--host', '0.0.0.0'],
      ['--base-path', '/cv'],
      ['--allow-host', 'box.example'],
    ]) {
      const r = await execa(
        process.execPath,
        [BRIDGE_BIN, 'serve', '--workspace', ws.root, '--no-auth', ...extra],
        {
          reject: false,
        },
      );
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/needs a login \(drop --no-auth\)$/);
    }
  });

  it('with --token-file: the login link in the first lines, the token asked even from 127.0.0.1, and never printed again', async () => {
    const ws = await bridgeWorkspace();
    const file = join(ws.root, 'token');
    writeFileSync(file, `\n  ${TOKEN}  \n`);
    const bridge = await serveBridge(['--workspace', ws.root, '--host', '0.0.0.0', '--token-file', file]);
    expect(bridge.loginUrl.searchParams.get('token')).toBe(TOKEN);
    const base = `http://127.0.0.1:${bridge.port}`;
    const api = await fetch(`${base}/v2/comfygit/switch_status`);
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthorized' });
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="login">');
    const right = await fetch(`${base}/v2/comfygit/switch_status`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const wrong = await fetch(`${base}/v2/comfygit/orchestrator/kill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}x${i}` },
      });
      statuses.push(wrong.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const startup = bridge.lines().length;
    const { exitCode } = await bridge.stop();
    expect(exitCode).toBe(0);
    const lines = bridge.lines();
    expect(lines.slice(0, 5).some((l) => l.includes(TOKEN))).toBe(true);
    expect(lines.slice(Math.min(startup, 5)).filter((l) => l.includes(TOKEN))).toEqual([]);
    expect(lines.filter((l) => l.includes(TOKEN))).toHaveLength(1);
  });

  it('without one: makes .metadata/.bridge_token (mode 0600) and links with it; the environment variable wins over it', async () => {
    const ws = await bridgeWorkspace();
    const bridge = await serveBridge(['--workspace', ws.root, '--host', '0.0.0.0']);
    const path = join(ws.metadataDir, '.bridge_token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const made = readFileSync(path, 'utf8').trim();
    expect(bridge.loginUrl.searchParams.get('token')).toBe(made);
    await expect.poll(() => bridge.lines().join('\n')).toContain(`${path} (made now, mode 0600)`);
    await bridge.stop();
    const again = await serveBridge(['--workspace', ws.root, '--host', '0.0.0.0']);
    expect(again.loginUrl.searchParams.get('token')).toBe(made);
    await again.stop();
    const fromEnv = await serveBridge(['--workspace', ws.root, '--host', '0.0.0.0'], {
      COMFYVISOR_BRIDGE_TOKEN: TOKEN,
    });
    expect(fromEnv.loginUrl.searchParams.get('token')).toBe(TOKEN);
    await fromEnv.stop();
  });

  it('a loopback bridge works as before, without a token', async () => {
    const ws = await bridgeWorkspace();
    const bridge = await serveBridge(['--workspace', ws.root]);
    expect(bridge.loginUrl.search).toBe('');
    expect((await fetch(`${bridge.loginUrl.origin}/v2/comfygit/switch_status`)).status).toBe(200);
    await bridge.stop();
  });

  it('behind a proxy that strips its path: X-Forwarded-Prefix (trusted from loopback) sets the cookie path, and the stream flows', async () => {
    const ws = await bridgeWorkspace();
    const bridge = await serveBridge(['--workspace', ws.root, '--trust-proxy'], {
      COMFYVISOR_BRIDGE_TOKEN: TOKEN,
    });
    const proxy = await startReverseProxy({ target: bridge.port, prefix: '/px', strip: true });
    try {
      const base = `http://127.0.0.1:${proxy.port}/px`;
      const login = await fetch(`${base}/?token=${TOKEN}`);
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/; Path=\/px\/; HttpOnly; SameSite=Strict/);
      const stream = await fetch(`${base}/v2/comfygit/dashboard/stream`, {
        headers: { cookie: cookie.split(';')[0] as string },
      });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('x-accel-buffering')).toBe('no');
      const reader = stream.body?.getReader();
      const first = new TextDecoder().decode((await reader?.read())?.value);
      expect(first).toMatch(/^event: availability/);
      await reader?.cancel();
      expect(proxy.passed).toContain('GET /v2/comfygit/dashboard/stream');
    } finally {
      await proxy.close();
      await bridge.stop();
    }
  });
});
