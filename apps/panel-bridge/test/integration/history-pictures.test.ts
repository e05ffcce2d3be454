// The history pictures in a real browser: the strip drawn from a prepared events.jsonl, an event
// appended later shown without a reload, and the memory chart of the SVG module.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBridgeServer } from '@comfyvisor/panel-bridge';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySvg } from '../../src/dashboard/history-svg.ts';
import { closeBrowser, launchBrowser, openPage, screenshot } from './browser.ts';
import { bridgeWorkspace } from './helpers.ts';

afterEach(closeBrowser);

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
    const page = await (await launchBrowser()).newPage({ viewport: { width: 860, height: 200 } });
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
