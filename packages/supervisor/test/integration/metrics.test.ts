// `GET /metrics` over a real socket: the control server answering from createMetrics, scraped
// while the supervisor is between two ComfyUI processes.
import { request } from 'node:http';
import { freePort } from '@comfyvisor/testkit';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { type ControlTarget, startControlServer } from '../../src/control-server.ts';
import { createMetrics } from '../../src/metrics.ts';

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /metrics', () => {
  it('answers during a restart (no ComfyUI) and after it, in a format a real parser reads', async () => {
    const metrics = createMetrics();
    let comfyui: { pid: number; running: boolean; uptimeMs: number } | null = {
      pid: 100,
      running: true,
      uptimeMs: 5_000,
    };
    const target: ControlTarget = {
      snapshot: () => ({ pid: process.pid, currentEnv: 'env1', comfyui }),
      send: () => {},
      requestSwitch: async () => ({ ok: true }),
      readStatus: async () => null,
      metrics: () => {
        const snap = target.snapshot();
        return metrics.text({
          comfyuiRunning: snap.comfyui?.running ?? false,
          comfyuiUptimeMs: snap.comfyui?.uptimeMs ?? 0,
          currentEnv: snap.currentEnv,
        });
      },
    };
    const first = await freePort();
    const server = await startControlServer(target, [first, first + 20], { comfyuiPort: 8188 });
    try {
      metrics.record({
        type: 'comfyui_exit',
        env: 'env1',
        pid: 100,
        code: 42,
        signal: null,
        meaning: 'restart',
      });
      metrics.record({ type: 'restart', env: 'env1', reason: 'exit_42' });
      comfyui = null; // between the exit and the next start
      const during = await Promise.all([get(server.port, '/metrics'), get(server.port, '/metrics')]);
      for (const scrape of during) {
        expect(scrape.status).toBe(200);
        expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
        const families = new Map(parsePrometheusTextFormat(scrape.body).map((f) => [f.name, f]));
        expect(families.get('comfyvisor_comfyui_up')?.metrics[0]?.value).toBe('0');
        expect(
          families.get('comfyvisor_restarts_total')?.metrics.find((m) => m.labels?.reason === 'exit_42')
            ?.value,
        ).toBe('1');
      }
      metrics.record({ type: 'comfyui_start', env: 'env1', pid: 101 });
      comfyui = { pid: 101, running: true, uptimeMs: 250 };
      const after = parsePrometheusTextFormat((await get(server.port, '/metrics')).body);
      expect(after.find((f) => f.name === 'comfyvisor_comfyui_up')?.metrics[0]?.value).toBe('1');
      expect(after.find((f) => f.name === 'comfyvisor_comfyui_uptime_seconds')?.metrics[0]?.value).toBe(
        '0.25',
      );
    } finally {
      await server.close();
    }
  });
});
