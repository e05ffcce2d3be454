import { describe, expect, it } from 'vitest';
import { comfyuiHref } from './comfyui-link.ts';
import { duration } from './dom.ts';
import { switchBusy, switchLine, switchOutcome } from './outcome.ts';

describe("the dashboard's page script, its pure parts", () => {
  it('words the ends of a switch as the panel does', () => {
    const base = { target_env: 'env2', source_env: 'env1', progress: 100 };
    expect(switchOutcome({ ...base, state: 'complete' })).toEqual({ kind: 'ok', text: 'Switched to env2.' });
    expect(switchOutcome({ ...base, state: 'rolled_back', error: 'exit 3' })?.text).toBe(
      'Switch to env2 failed: exit 3. env1 is running again.',
    );
    expect(
      switchOutcome({ ...base, state: 'critical_failure', recovery_command: 'comfyvisor run --workspace /w' })
        ?.text,
    ).toMatch(/Nothing is running: .* \(comfyvisor run --workspace \/w\)\.$/);
    expect(switchOutcome({ ...base, state: 'starting' })).toBeNull();
    expect(switchBusy({ state: 'starting' })).toBe(true);
    expect(switchBusy({ state: 'rolled_back' })).toBe(false);
    expect(switchBusy({ state: 5 })).toBe(false);
    expect(switchLine({ state: 'starting', progress: 60, target_env: 'env2' })).toBe('starting (60%) → env2');
    expect(switchLine({ state: 'idle' })).toBe('idle');
    expect(duration(3725)).toBe('1h 2m');
    expect(duration(61)).toBe('1m 1s');
    expect(duration(-4)).toBe('0s');
  });

  it("links ComfyUI from the page's own address, RunPod's proxy included, and never outside a proxy's path", () => {
    const local = { host: null, port: 8188 };
    expect(comfyuiHref(local, new URL('http://127.0.0.1:8190/'))).toBe('http://127.0.0.1:8188/');
    expect(comfyuiHref({ host: '::1', port: 8188 }, new URL('http://[::1]:8190/'))).toBe(
      'http://[::1]:8188/',
    );
    expect(comfyuiHref(local, new URL('https://abc123-8190.proxy.runpod.net/?x=1'))).toBe(
      'https://abc123-8188.proxy.runpod.net/',
    );
    expect(comfyuiHref(local, new URL('https://box.example/cv/'))).toBeNull();
    expect(comfyuiHref(null, new URL('http://127.0.0.1:8190/'))).toBeNull();
  });
});
