// The settings panel in a real browser: saved for real into orchestrator_config.json (read back
// by the loader), refused with a visible message naming the field, and "Restart now".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES, loadConfig } from '@comfyvisor/ipc-files';
import { startBridgeServer } from '@comfyvisor/panel-bridge';
import { freePort } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { closeBrowser, openPage, screenshot } from './browser.ts';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';

afterEach(closeBrowser);

describe('the settings panel', () => {
  it('saves args, variables and watchdog keys; refuses bad input with a visible message; Restart now restarts ComfyUI', async () => {
    const ws = await bridgeWorkspace();
    await startComfyvisor(ws, await freePort());
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    const configFile = join(ws.metadataDir, FILE_NAMES.config);
    try {
      const page = await openPage(server.url, 2400);
      await expect
        .poll(() => page.locator('#settings-path').textContent(), { timeout: 10_000 })
        .toBe(configFile);
      await expect
        .poll(() => page.locator('#s-environment option').allTextContents())
        .toEqual(['env1', 'env2']);
      const key = (k: string) => page.locator(`[data-key="${k}"]`);
      expect(await key('orchestrator.drain_timeout_s').inputValue()).toBe('900');
      expect(await key('orchestrator.drain_enabled').isChecked()).toBe(true);

      await key('comfyui.extra_args').fill('--preview-method\nauto');
      await key('comfyui.env').fill('PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True');
      await page.locator('#s-environment').selectOption('env1');
      await key('environment.extra_args').fill('--lowvram');
      await key('environment.env').fill('CUDA_VISIBLE_DEVICES=1');
      await key('orchestrator.drain_timeout_s').fill('120');
      await key('orchestrator.restart_daily_at').fill('04:30, 16:00');
      await key('orchestrator.requeue_pending').uncheck();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(() => page.locator('#settings-result').textContent(), { timeout: 10_000 })
        .toBe('Saved. It applies at the next start of ComfyUI.');
      const config = await loadConfig(ws.metadataDir);
      expect(config.comfyui.extraArgs).toEqual(['--preview-method', 'auto']);
      expect(config.comfyui.env).toEqual({ PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True' });
      expect(config.environments.env1).toEqual({
        extraArgs: ['--lowvram'],
        env: { CUDA_VISIBLE_DEVICES: '1' },
      });
      expect(config.orchestrator).toMatchObject({
        drainTimeoutS: 120,
        restartDailyAt: ['04:30', '16:00'],
        requeuePending: false,
      });
      // what the bridge wrote is the workspace's own config, everything else kept (the test's control ports)
      expect(JSON.parse(readFileSync(configFile, 'utf8')).orchestrator.sync_enabled).toBe(false);
      const saved = readFileSync(configFile, 'utf8');

      // Refused by the bridge: a number out of range, then an argument that is not one.
      await key('orchestrator.drain_timeout_s').fill('-5');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(() => page.locator('#settings-result').textContent(), { timeout: 10_000 })
        .toBe('Not saved: orchestrator.drain_timeout_s = -5 refused (expected a number from 0 to 604800)');
      expect(await key('orchestrator.drain_timeout_s').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('.field-error').textContent()).toMatch(
        /^orchestrator\.drain_timeout_s = -5 refused/,
      );
      await screenshot(page, 'section[aria-labelledby="settings-h"]', 'settings-refused.png');
      await key('orchestrator.drain_timeout_s').fill('120');
      await key('comfyui.extra_args').fill('lowvram');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(() => page.locator('#settings-result').textContent(), { timeout: 10_000 })
        .toMatch(/^Not saved: comfyui\.extra_args: item 1 \("lowvram"\) is not an argument/);
      expect(await key('orchestrator.drain_timeout_s').getAttribute('aria-invalid')).toBeNull();
      expect(await key('comfyui.extra_args').getAttribute('aria-invalid')).toBe('true');
      // A typing slip the page catches itself, before asking the bridge.
      await key('comfyui.extra_args').fill('--preview-method\nauto');
      await key('comfyui.env').fill('NOEQUALS');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(() => page.locator('#settings-result').textContent())
        .toBe('Not saved: line 1 is not NAME=value');
      expect(readFileSync(configFile, 'utf8')).toBe(saved);
      await key('comfyui.env').fill('PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True');

      // Restart now: the supervisor starts ComfyUI again. (The supervisor reads extra args and
      // variables once, at its own start, so they do not reach this new ComfyUI yet: that is the
      // supervisor's to change, as the reference re-reads its config before each start.)
      const before = (await ws.events()).length;
      await page.getByRole('button', { name: 'Restart now' }).click();
      await expect
        .poll(() => page.locator('#settings-result').textContent(), { timeout: 10_000 })
        .toMatch(/^Restart requested/);
      await ws.waitForEvent({ event: 'started', env: 'env1' }, { after: before - 1, timeoutMs: 20_000 });
      await screenshot(page, 'section[aria-labelledby="settings-h"]', 'settings.png');
    } finally {
      await server.close();
    }
  });
});
