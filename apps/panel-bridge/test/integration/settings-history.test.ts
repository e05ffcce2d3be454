// The settings panel and the history pictures in a real browser: Debian's chromium driven by
// playwright-core. The settings are saved for real (orchestrator_config.json, read back by the
// loader, reaching the fake ComfyUI after "Restart now"); the strip is drawn from a prepared
// events.jsonl, and an event appended later shows up without a reload.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_NAMES, loadConfig } from '@comfyvisor/ipc-files';
import { startBridgeServer } from '@comfyvisor/panel-bridge';
import { freePort } from '@comfyvisor/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySvg } from '../../src/dashboard/history-svg.ts';
import { bridgeWorkspace, startComfyvisor } from './helpers.ts';

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

async function openPage(url: string, height = 1400): Promise<Page> {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 900, height } });
  await page.goto(url);
  return page;
}

async function screenshot(page: Page, selector: string, name: string) {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  await page.locator(selector).screenshot({ path });
  console.log(`screenshot: ${path}`);
}

describe('the settings panel', () => {
  it('saves args, variables and watchdog keys; refuses bad input with a visible message; restart now applies them', async () => {
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

describe('the history pictures', () => {
  it('draws the availability strip and the restart bars from events.jsonl, and a new crash live', async () => {
    const ws = await bridgeWorkspace();
    const now = Date.now() / 1000;
    const ago = (hours: number) => now - hours * 3600;
    const lines = [
      { time: ago(100), type: 'supervisor_start', env: 'env1', pid: 10 },
      { time: ago(100), type: 'comfyui_start', env: 'env1', pid: 11 },
      { time: ago(99.9), type: 'comfyui_ready', env: 'env1', pid: 11, afterMs: 5000 },
      { time: ago(50), type: 'comfyui_exit', env: 'env1', pid: 11, code: 1, signal: null, meaning: 'crash' },
      { time: ago(49), type: 'restart', env: 'env1', reason: 'crash' },
      { time: ago(49), type: 'comfyui_start', env: 'env1', pid: 12 },
      { time: ago(48.9), type: 'comfyui_ready', env: 'env1', pid: 12, afterMs: 4000 },
      { time: ago(20), type: 'hung', env: 'env1', pid: 12, failures: 3 },
      { time: ago(19.5), type: 'restart', env: 'env1', reason: 'hung' },
      {
        time: ago(19.5),
        type: 'comfyui_exit',
        env: 'env1',
        pid: 12,
        code: null,
        signal: 'SIGKILL',
        meaning: 'restart',
      },
      { time: ago(19.4), type: 'comfyui_start', env: 'env1', pid: 13 },
      { time: ago(19.3), type: 'comfyui_ready', env: 'env1', pid: 13, afterMs: 4000 },
      { time: ago(8), type: 'switch_start', target: 'env2', source: 'env1' },
      {
        time: ago(7.9),
        type: 'comfyui_exit',
        env: 'env1',
        pid: 13,
        code: 43,
        signal: null,
        meaning: 'switch',
      },
      { time: ago(7.9), type: 'comfyui_start', env: 'env2', pid: 14 },
      { time: ago(7.5), type: 'comfyui_ready', env: 'env2', pid: 14, afterMs: 4000 },
      {
        time: ago(7.5),
        type: 'switch_end',
        target: 'env2',
        source: 'env1',
        outcome: 'complete',
        durationMs: 1800000,
      },
      { time: ago(3), type: 'comfyui_exit', env: 'env2', pid: 14, code: 1, signal: null, meaning: 'crash' },
      { time: ago(3), type: 'restart', env: 'env2', reason: 'crash' },
      { time: ago(2.9), type: 'comfyui_start', env: 'env2', pid: 15 },
      { time: ago(2.8), type: 'comfyui_ready', env: 'env2', pid: 15, afterMs: 4000 },
    ];
    appendFileSync(join(ws.metadataDir, 'events.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const server = await startBridgeServer({ workspace: ws.root, port: 0 });
    try {
      const page = await openPage(server.url);
      const day = page.locator('#strip-day svg');
      const week = page.locator('#strip-week svg');
      await expect.poll(() => day.locator('rect.span').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      // last 24 hours: env1 hung, restarting, running, switching; env2 switching, running, down after a crash
      const states = (strip: typeof day, env: string) =>
        strip
          .locator('rect.span')
          .evaluateAll(
            (rects, name) =>
              rects
                .filter((r) => r.textContent?.startsWith(`${name}:`))
                .map((r) => r.getAttribute('data-state')),
            env,
          );
      expect(await states(day, 'env1')).toEqual(['running', 'hung', 'switching', 'running', 'switching']);
      expect(await states(day, 'env2')).toEqual(['switching', 'running', 'down', 'switching', 'running']);
      expect(await states(week, 'env1')).toEqual([
        'switching',
        'running',
        'down',
        'switching',
        'running',
        'hung',
        'switching',
        'running',
        'switching',
      ]);
      expect(await day.locator('line.t-crash').count()).toBe(1);
      expect(await week.locator('line.t-crash').count()).toBe(2);
      expect(await day.locator('rect.s-hung title').textContent()).toMatch(
        /^env1: hung \d\d:\d\d–\d\d:\d\d \(30m 0s\), not answering$/,
      );
      // the colours are distinct and the ones the legend shows
      const fills = await day
        .locator('rect.span')
        .evaluateAll((rects) => [
          ...new Set(rects.map((r) => `${r.getAttribute('data-state')} ${r.getAttribute('fill')}`)),
        ]);
      expect(new Set(fills)).toEqual(
        new Set(['running #2da44e', 'hung #d4a72c', 'switching #0969da', 'down #cf222e']),
      );
      const bars = await page
        .locator('#restarts rect.bar')
        .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-count'))));
      expect(bars).toHaveLength(24);
      expect(bars.reduce((a, b) => a + b, 0)).toBe(2);
      expect(await page.locator('#memory text.no-data').textContent()).toMatch(/^No memory data/);

      // Pushed live: a crash appended now shows up as a tick and a down span, without a reload.
      appendFileSync(
        join(ws.metadataDir, 'events.jsonl'),
        `${JSON.stringify({ time: Date.now() / 1000, type: 'comfyui_exit', env: 'env2', pid: 15, code: 2, signal: null, meaning: 'crash' })}\n`,
      );
      await expect.poll(() => day.locator('line.t-crash').count(), { timeout: 10_000 }).toBe(2);
      expect(await day.locator('line.t-crash title').last().textContent()).toMatch(
        /^env2 crashed \(exit code 2\) at/,
      );
      await screenshot(page, '#history', 'history.png');
    } finally {
      await server.close();
    }
  });

  it('draws the memory chart with its restart threshold in the browser (the SVG module with an hour of samples)', async () => {
    // No supervisor of this branch reports ComfyUI's memory yet: the module's picture, with samples as /health will carry them.
    const GIB = 1024 ** 3;
    const now = Date.now() / 1000;
    const samples = Array.from({ length: 720 }, (_, i) => ({
      time: now - 3600 + i * 5,
      rssBytes: (3 + (i / 720) * 3.5 + Math.sin(i / 20) * 0.2) * GIB,
      gpuBytes: (6 + (i % 240) / 60) * GIB,
      rssLimitBytes: 6 * GIB,
      vramLimitBytes: 11 * GIB,
    }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 860, height: 200 } });
    await page.setContent(
      `<!doctype html><body style="font-family: sans-serif; margin: 8px"><div id="memory">${memorySvg(samples, { from: now - 3600, to: now, width: 840 })}</div></body>`,
    );
    const rss = page.locator('polyline.line-rssBytes');
    const box = await rss.boundingBox();
    expect(box?.width).toBeGreaterThan(700);
    const limit = await page.locator('line.limit-rssBytes').boundingBox();
    // the RSS line crosses its threshold near the end: its top is above the dashed line
    expect(box && limit && box.y < limit.y).toBe(true);
    expect(await page.locator('line.limit-gpuBytes title').textContent()).toBe(
      'restart when GPU memory passes 11.0 GiB',
    );
    await screenshot(page, '#memory', 'memory.png');
  });
});
