// Counterparts of the Python suite's testing/unit/test_health_checking.py (its probe and wait parts;
// the supervisor's part lives in @comfyvisor/supervisor).
import { createServer, type Server } from 'node:net';
import { fakeClock } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { comfyuiAddress, comfyuiUrl } from './address.ts';
import { type ProbeResult, probeTcp } from './probe.ts';
import { waitForHealthy } from './wait-for-healthy.ts';

const ok: ProbeResult = { ok: true };
const refused: ProbeResult = { ok: false, reason: 'refused' };
function sequence(results: ProbeResult[]) {
  let i = 0;
  return async () => results[Math.min(i++, results.length - 1)] as ProbeResult;
}

describe('waitForHealthy (test_health_checking)', () => {
  it('test_health_check_success: needs N consecutive good probes', async () => {
    const clock = fakeClock();
    const result = await waitForHealthy({
      probe: sequence([refused, ok, ok, ok]),
      timeoutMs: 10_000,
      intervalMs: 100,
      successes: 3,
      clock,
    });
    expect(result).toEqual({ healthy: true, afterMs: 300, probes: 4 });
  });

  it('test_health_check_process_died: an exit ends the wait at once with the code', async () => {
    const clock = fakeClock();
    const result = await waitForHealthy({
      probe: sequence([refused]),
      exited: Promise.resolve(1),
      timeoutMs: 10_000,
      clock,
    });
    // At once: no time passed on the injected clock, no probe counted.
    expect(result).toEqual({ healthy: false, reason: 'exited', exitCode: 1, afterMs: 0, probes: 0 });
  });

  it('test_health_check_process_died after two successes', async () => {
    const clock = fakeClock();
    let resolveExit: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => {
      resolveExit = resolve;
    });
    let calls = 0;
    const probe = async () => {
      calls++;
      if (calls === 2) resolveExit(139);
      return ok;
    };
    const result = await waitForHealthy({ probe, exited, timeoutMs: 10_000, successes: 3, clock });
    expect(result).toMatchObject({ healthy: false, reason: 'exited', exitCode: 139 });
    // The exit during the second probe ends the wait: no third probe, no further pause (one
    // 100 ms interval passed, between the first and the second probe).
    expect(calls).toBe(2);
    expect(result.afterMs).toBe(100);
  });

  it('test_health_check_timeout: never healthy within the time', async () => {
    const clock = fakeClock();
    const result = await waitForHealthy({
      probe: sequence([refused]),
      timeoutMs: 1_000,
      intervalMs: 100,
      clock,
    });
    expect(result).toMatchObject({ healthy: false, reason: 'timeout' });
    expect(result.afterMs).toBe(1_000);
    expect(result.probes).toBe(10);
  });

  it('test_health_check_unstable_connection: a failure resets the count', async () => {
    const clock = fakeClock();
    const flappy = sequence([ok, ok, refused, ok, ok, refused, ok, ok, ok]);
    const result = await waitForHealthy({ probe: flappy, timeoutMs: 10_000, successes: 3, clock });
    expect(result).toMatchObject({ healthy: true, probes: 9 });
  });

  it('test_health_check_requires_stability_period: successes x interval at least', async () => {
    const clock = fakeClock();
    const result = await waitForHealthy({
      probe: sequence([ok]),
      timeoutMs: 10_000,
      intervalMs: 250,
      successes: 5,
      clock,
    });
    expect(result).toEqual({ healthy: true, afterMs: 1_000, probes: 5 });
  });

  it('an abort ends the wait; a throwing probe counts as a failure; booleans work', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      await waitForHealthy({
        probe: sequence([ok]),
        timeoutMs: 1_000,
        signal: controller.signal,
        clock: fakeClock(),
      }),
    ).toMatchObject({
      reason: 'aborted',
    });
    let n = 0;
    const probe = async () => {
      n++;
      if (n === 1) throw new Error('boom');
      return true;
    };
    expect(await waitForHealthy({ probe, timeoutMs: 1_000, successes: 2, clock: fakeClock() })).toMatchObject(
      { healthy: true, probes: 3 },
    );
  });
});

describe('comfyuiAddress (test_health_check_with_custom_port)', () => {
  it('custom and default port', () => {
    expect(comfyuiAddress([])).toEqual({ host: '127.0.0.1', port: 8188 });
    expect(comfyuiAddress(['--port', '8190'])).toEqual({ host: '127.0.0.1', port: 8190 });
    expect(comfyuiAddress(['--port=8191'])).toEqual({ host: '127.0.0.1', port: 8191 });
    expect(comfyuiAddress(['--port', '1', '--port', '9000'])).toMatchObject({ port: 9000 });
    expect(comfyuiAddress(['--port', 'x'], { port: 7000 })).toMatchObject({ port: 7000 });
  });

  it('--listen: none/0.0.0.0 -> 127.0.0.1, :: -> ::1, a host, a comma list', () => {
    expect(comfyuiAddress(['--listen'])).toMatchObject({ host: '127.0.0.1' });
    expect(comfyuiAddress(['--listen', '--port', '1234'])).toEqual({ host: '127.0.0.1', port: 1234 });
    expect(comfyuiAddress(['--listen', '0.0.0.0'])).toMatchObject({ host: '127.0.0.1' });
    expect(comfyuiAddress(['--listen', '::'])).toMatchObject({ host: '::1' });
    expect(comfyuiAddress(['--listen', '192.168.1.5'])).toMatchObject({ host: '192.168.1.5' });
    expect(comfyuiAddress(['--listen=127.0.0.2,::1'])).toMatchObject({ host: '127.0.0.2' });
    expect(comfyuiUrl({ host: '::1', port: 8188 })).toBe('http://[::1]:8188/system_stats');
  });
});

describe('probeTcp (test_check_port_connection_*)', () => {
  it('success on a listening socket, refused on a closed port', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await probeTcp('127.0.0.1', port, 1_000)).toEqual({ ok: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await probeTcp('127.0.0.1', port, 1_000)).toMatchObject({ ok: false, reason: 'refused' });
  });
});
