// Remote access for real: Debian's chromium reaches the bridge through a reverse proxy under a
// path prefix, by a public name (`dashboard.test`, resolved to 127.0.0.1 by chromium itself),
// logs in, restarts, switches and watches the live timeline (server-sent events through the
// proxy). Without the token: 401 and nothing acted on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupWorkspaces, freePort, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeProcess, serveBridge } from './bridge-process.ts';
import { closeBrowser, launchBrowser } from './browser.ts';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';
import { type ReverseProxy, startReverseProxy } from './reverse-proxy.ts';

const SCREENSHOT = join(import.meta.dirname, '..', '..', 'test-results', 'dashboard-remote.png');
const TOKEN = 'browser-test-token-8d1e5b7a90c2';
let proxy: ReverseProxy | undefined;
let bridge: BridgeProcess | undefined;

afterEach(async () => {
  await closeBrowser();
  await proxy?.close();
  await bridge?.stop();
  proxy = bridge = undefined;
  await killTracked();
  await cleanupWorkspaces();
});

async function health(base: string, token?: string) {
  const r = await fetch(`${base}/v2/comfygit/orchestrator/health`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: r.status,
    body: (await r.json()) as { pid?: number; current_env?: string; error?: string },
  };
}

describe('the dashboard through a reverse proxy, under /cv, with a login', () => {
  it('logs in, restarts, switches and streams the timeline; without the token, 401 and nothing acted on', async () => {
    const ws = await bridgeWorkspace({ env2: { mode: 'slow', startDelayMs: 800 } });
    await startComfyvisor(ws, await freePort());
    const tokenFile = join(ws.root, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    bridge = await serveBridge([
      '--workspace',
      ws.root,
      '--base-path',
      '/cv',
      '--allow-host',
      'dashboard.test',
      '--token-file',
      tokenFile,
    ]);
    proxy = await startReverseProxy({ target: bridge.port, prefix: '/cv', strip: false });
    const site = `http://dashboard.test:${proxy.port}`;
    // the proxy's public name, on this machine: no DNS, traffic to loopback only
    const browser = await launchBrowser(['--host-resolver-rules=MAP dashboard.test 127.0.0.1']);
    const context = await browser.newContext({ viewport: { width: 900, height: 1200 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    const first = await page.goto(`${site}/cv/`);
    expect(first?.status()).toBe(401);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.locator('#current-env').textContent(), { timeout: 15_000 }).toBe('env1');
    expect(page.url()).toBe(`${site}/cv/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: 'comfyvisor_bridge',
      path: '/cv/',
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(cookie?.value).not.toContain(TOKEN);
    await expect
      .poll(() => page.locator('#timeline li[data-type="supervisor_start"]').count(), { timeout: 10_000 })
      .toBe(1);
    await expect.poll(() => page.locator('#comfyui').textContent(), { timeout: 10_000 }).toMatch(/^running/);

    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await expect
      .poll(() => page.locator('#timeline li.k-restart').first().textContent(), { timeout: 15_000 })
      .toMatch(/restarting env1: restart command$/);
    await expect.poll(() => page.locator('#comfyui').textContent(), { timeout: 15_000 }).toMatch(/^running/);

    await page.getByRole('button', { name: 'Switch to env2' }).click();
    await expect
      .poll(() => page.locator('#switch-state').textContent(), { timeout: 30_000, interval: 100 })
      .toMatch(/^complete \(100%\)/);
    await expect.poll(() => page.locator('#current-env').textContent(), { timeout: 10_000 }).toBe('env2');
    await expect.poll(() => page.locator('#timeline li.k-switch-ok').count(), { timeout: 10_000 }).toBe(1);
    // Every URL the page used is under the proxy's /cv/ (the ComfyUI link is left out under a path).
    expect(
      requests.filter((u) => !u.endsWith('/favicon.ico')).every((u) => u.startsWith(`${site}/cv/`)),
    ).toBe(true);
    expect(requests).toContain(`${site}/cv/v2/comfygit/dashboard/stream`);
    expect(await page.locator('#comfyui-link').getAttribute('href')).toBeNull();
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Without the token, through the same proxy: refused, and nothing is acted on.
    const base = `http://127.0.0.1:${proxy.port}/cv`;
    const before = await health(base, TOKEN);
    expect(before.body.current_env).toBe('env2');
    for (const [path, body] of [
      ['/v2/comfygit/orchestrator/kill', undefined],
      ['/api/v2/comfygit/orchestrator/restart', undefined],
      ['/v2/comfygit/switch_environment', JSON.stringify({ target_env: 'env1' })],
    ] as const) {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(r.status, path).toBe(401);
      expect(await r.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await health(base)).status).toBe(401);
    // A marker after them: a restart with the token is done, and the refused ones left no trace.
    const listened = (await ws.events()).filter((e) => e.event === 'listening').length;
    const restart = await fetch(`${base}/v2/comfygit/orchestrator/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(restart.status).toBe(200);
    await expect
      .poll(async () => (await ws.events()).filter((e) => e.event === 'listening').length, {
        timeout: 15_000,
      })
      .toBe(listened + 1);
    const after = await health(base, TOKEN);
    expect(after.body).toMatchObject({ pid: before.body.pid, current_env: 'env2' });
    // and the page, still logged in, saw it live
    await expect.poll(() => page.locator('#timeline li.k-restart').count(), { timeout: 10_000 }).toBe(2);
  });
});
