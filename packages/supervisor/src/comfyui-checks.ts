import {
  type Clock,
  comfyuiAddress,
  comfyuiUrl,
  type HealthResult,
  probeHttp,
  waitForHealthy,
} from '@comfyvisor/health';
import type { ComfyuiProcess } from './comfyui-process.ts';
import type { Settings } from './settings.ts';

function urlOf(args: string[], settings: Settings): string {
  return comfyuiUrl(comfyuiAddress(args, { host: settings.defaultHost, port: settings.defaultPort }));
}

/** The switch's health check: N consecutive good HTTP answers, watching the process die or time run out. */
export function httpHealthCheck(args: string[], settings: Settings, clock: Clock) {
  const url = urlOf(args, settings);
  return (proc: ComfyuiProcess, signal: AbortSignal): Promise<HealthResult> =>
    waitForHealthy({
      probe: () => probeHttp(url, 2_000),
      exited: proc.exited.then((e) => e.code),
      timeoutMs: settings.healthTimeoutMs,
      intervalMs: settings.healthIntervalMs,
      successes: settings.healthSuccesses,
      signal,
      clock,
    });
}

/**
 * One liveness probe: does ComfyUI answer HTTP? No timer of its own: liveness bounds it by
 * `livenessTimeoutMs` on its beats and ends it through the signal.
 */
export function httpLivenessProbe(args: string[], settings: Settings) {
  const url = urlOf(args, settings);
  return async (signal: AbortSignal): Promise<boolean> =>
    (await probeHttp(url, Number.POSITIVE_INFINITY, signal)).ok;
}
