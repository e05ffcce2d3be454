// The dashboard in a real browser: Debian's chromium driven by playwright-core (never a downloaded browser).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES, writeStartupState } from '@comfyvisor/ipc-files';
import { startBridgeServer } from '@comfyvisor/panel-bridge';
import { freePort } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeBrowser, launchBrowser } from './browser.ts';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';

const SCREENSHOT = join(import.meta.dirname, '..', '..', 'test-results', 'dashboard.png');
const TIMELINE_SCREENSHOT = join(import.meta.dirname, '..', '..', 'test-results', 'dashboard-timeline.png');
afterEach(closeBrowser);

describe('dashboard', () => {
  it('shows the state, switches to env2 with a click, and the progress reaches complete', async () => {
    const ws = await bridgeWorkspace({ env2: { mode: 'slow', startDelayMs: 800 } });
    await startComfyvisor(ws, await freePort());
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    try {
      const browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
      await page.goto(server.url);
      await expect.poll(() => page.locator('#current-env').textContent(), { timeout: 10_000 }).toBe('env1');
      await expect
        .poll(() => page.locator('#supervisor').textContent(), { timeout: 10_000 })
        .toMatch(/^running \(pid \d+\)$/);
      await expect
        .poll(() => page.locator('#comfyui').textContent(), { timeout: 10_000 })
        .toMatch(/^running/);

      await page.getByRole('button', { name: 'Switch to env2' }).click();
      const seen = new Set<string>();
      await expect
        .poll(
          async () => {
            const state = (await page.locator('#switch-state').textContent()) ?? '';
            seen.add(state.split(' ')[0] ?? '');
            return state;
          },
          { timeout: 20_000, interval: 50 },
        )
        .toMatch(/^complete \(100%\)/);
      expect(await page.locator('#progress').getAttribute('aria-valuenow')).toBe('100');
      expect([...seen].some((s) => ['preparing', 'syncing', 'starting', 'validating'].includes(s))).toBe(
        true,
      );
      await expect.poll(() => page.locator('#current-env').textContent(), { timeout: 10_000 }).toBe('env2');
      expect(await page.locator('#messages').textContent()).toContain('Successfully switched to env2');
      await expect
        .poll(() => page.locator('#log').textContent(), { timeout: 10_000 })
        .toContain('fake ComfyUI (env2) listening');
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`dashboard screenshot: ${SCREENSHOT}`);
    } finally {
      await server.close();
    }
  });

  it('shows the three final states of a switch as the panel does: complete, rolled_back, critical_failure', async () => {
    // No supervisor: the page reads the status file through the bridge, as written by either supervisor.
    const ws = await bridgeWorkspace();
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    const write = (fields: Record<string, unknown>) =>
      writeFileSync(
        join(ws.metadataDir, FILE_NAMES.switchStatus),
        JSON.stringify({
          progress: 100,
          updated_at: Date.now() / 1000,
          target_env: 'env2',
          source_env: 'env1',
          ...fields,
        }),
      );
    try {
      const browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(server.url);
      expect(await page.locator('#workspace').textContent()).toBe(`Workspace: ${ws.root}`);
      const outcome = () => page.locator('#switch-outcome').textContent();
      write({
        state: 'rolled_back',
        message: 'Switch to env2 failed; env1 restored',
        error: 'env2 exited with code 3',
      });
      await expect
        .poll(outcome, { timeout: 10_000 })
        .toBe('Switch to env2 failed: env2 exited with code 3. env1 is running again.');
      expect(await page.locator('#switch-state').textContent()).toBe('rolled_back (100%) → env2');
      await expect.poll(() => page.getByRole('button', { name: 'Switch to env1' }).isEnabled()).toBe(true);
      write({ state: 'critical_failure', message: 'Rollback failed', error: 'env1 exited with code 1' });
      await expect
        .poll(outcome, { timeout: 10_000 })
        .toMatch(
          /^Switch to env2 failed and so did the rollback: env1 exited with code 1\. Nothing is running/,
        );
      write({ state: 'complete', message: 'Successfully switched to env2' });
      await expect.poll(outcome, { timeout: 10_000 }).toBe('Switched to env2.');
    } finally {
      await server.close();
    }
  });

  it('pushes a timeline of a restart and a failed switch, the uptime and a link to ComfyUI, without polling', async () => {
    const ws = await bridgeWorkspace({ env2: { mode: 'crash', crashCode: 3 } });
    const port = await freePort();
    // What ComfyUI's side writes at start-up (the fake does not): the dashboard's link comes from it.
    await writeStartupState(ws.metadataDir, {
      pythonExecutable: 'python',
      workingDirectory: join(ws.envDir('env1'), 'ComfyUI'),
      argv: ['main.py', '--listen', '127.0.0.1', '--port', String(port)],
      environmentName: 'env1',
      workspaceRoot: ws.root,
      port,
    });
    await startComfyvisor(ws, port);
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    try {
      const browser = await launchBrowser();
      const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
      await page.goto(server.url);
      const timeline = page.locator('#timeline li');
      await expect
        .poll(() => page.locator('#timeline li[data-type="supervisor_start"]').count(), { timeout: 10_000 })
        .toBe(1);
      await expect
        .poll(() => page.locator('#comfyui').textContent(), { timeout: 10_000 })
        .toMatch(/^running/);
      expect(await page.locator('#comfyui-link').getAttribute('href')).toBe(`http://127.0.0.1:${port}/`);
      await expect.poll(() => page.locator('#uptime').textContent()).toMatch(/^\d+s$/);

      await page.getByRole('button', { name: 'Restart', exact: true }).click();
      await expect
        .poll(() => page.locator('#timeline li.k-restart').first().textContent(), { timeout: 15_000 })
        .toMatch(/restarting env1: restart command$/);
      await expect
        .poll(() => page.locator('#comfyui').textContent(), { timeout: 15_000 })
        .toMatch(/^running/);

      await page.getByRole('button', { name: 'Switch to env2' }).click();
      const failed = page.locator('#timeline li.k-switch-bad').first();
      await expect
        .poll(() => failed.textContent(), { timeout: 30_000 })
        .toMatch(/switch env1 → env2 rolled back after \d+(\.\d)? s/);
      await expect
        .poll(() => page.locator('#switch-outcome').textContent(), { timeout: 10_000 })
        .toMatch(/^Switch to env2 failed.*env1 is running again\.$/);
      await expect.poll(() => page.locator('#current-env').textContent(), { timeout: 10_000 }).toBe('env1');
      expect(await page.locator('#counts [data-kind="restart"]').textContent()).toBe('1 restart');
      expect(await page.locator('#counts [data-kind="switch-bad"]').textContent()).toBe('1 switch failed');
      // Newest first: the failed switch above the restart, above the supervisor's start.
      const kinds = await timeline.evaluateAll((items) => items.map((li) => li.className));
      expect(kinds.indexOf('k-switch-bad')).toBeLessThan(kinds.indexOf('k-restart'));
      expect(kinds.at(-1)).toBe('k-supervisor');
      // Pushed, not polled: after the page itself, the settings (read once), one stream and the two button presses.
      expect(requests.filter((r) => !r.endsWith('/favicon.ico'))).toEqual([
        'GET /',
        'GET /v2/comfyvisor/settings',
        'GET /v2/comfygit/dashboard/stream',
        'POST /v2/comfygit/orchestrator/restart',
        'POST /v2/comfygit/switch_environment',
      ]);
      mkdirSync(join(TIMELINE_SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: TIMELINE_SCREENSHOT, fullPage: true });
      console.log(`dashboard timeline screenshot: ${TIMELINE_SCREENSHOT}`);
    } finally {
      await server.close();
    }
  });
});
