// The pure parts of the supervisor: exit policy, crash policy, launch plan, liveness, port guard.

import { fakeClock } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../test/fakes.ts';
import { backendFlags } from './backend-flags.ts';
import { CrashPolicy } from './crash-policy.ts';
import { decideExit } from './exit-policy.ts';
import { configFor, planLaunch } from './launch-plan.ts';
import { watchLiveness } from './liveness.ts';
import { guardPort } from './port-guard.ts';

describe('exit policy', () => {
  it('0 stops (restart with the Manager marker), 42 restarts, 43 switches, the rest crash', () => {
    expect(decideExit({ code: 0, signal: null }, false)).toEqual({ action: 'stop' });
    expect(decideExit({ code: 0, signal: null }, true)).toEqual({ action: 'restart', reason: 'manager' });
    expect(decideExit({ code: 42, signal: null }, false)).toEqual({ action: 'restart', reason: 'exit_42' });
    expect(decideExit({ code: 43, signal: null }, true)).toEqual({ action: 'switch' });
    expect(decideExit({ code: 1, signal: null }, false)).toEqual({
      action: 'crash',
      description: 'exit code 1',
    });
    expect(decideExit({ code: null, signal: 'SIGKILL' }, false)).toEqual({
      action: 'crash',
      description: 'killed by SIGKILL',
    });
  });
});

describe('crash policy', () => {
  it('exponential backoff within the window, reset, give up past the limit', () => {
    const policy = new CrashPolicy({
      maxRestarts: 3,
      windowMs: 1_000,
      backoffInitialMs: 100,
      backoffMaxMs: 250,
    });
    expect(policy.recordCrash(0)).toEqual({ action: 'restart', delayMs: 100, crashesInWindow: 1 });
    expect(policy.recordCrash(10)).toEqual({ action: 'restart', delayMs: 200, crashesInWindow: 2 });
    expect(policy.recordCrash(20)).toEqual({ action: 'restart', delayMs: 250, crashesInWindow: 3 });
    expect(policy.recordCrash(30)).toEqual({ action: 'give_up', crashesInWindow: 4 });
    expect(policy.recordCrash(2_000)).toMatchObject({ action: 'restart', crashesInWindow: 1 });
    policy.reset();
    expect(policy.recordCrash(2_001)).toMatchObject({ crashesInWindow: 1 });
  });

  it('a crash with extra_args is retried once without them; a reset tries them again', () => {
    const policy = new CrashPolicy({
      maxRestarts: 3,
      windowMs: 1_000,
      backoffInitialMs: 100,
      backoffMaxMs: 250,
    });
    expect(policy.recordCrash(0, true)).toEqual({ action: 'retry_without_extra_args' });
    expect(policy.skipExtraArgs).toBe(true);
    expect(policy.recordCrash(1, false)).toMatchObject({ action: 'restart', crashesInWindow: 1 });
    policy.reset();
    expect(policy.skipExtraArgs).toBe(false);
  });
});

describe('launch plan', () => {
  const target = {
    name: 'e',
    python: '/e/py',
    mainPy: '/e/C/main.py',
    comfyuiDir: '/e/C',
    venvDir: '/e/.venv',
  };
  it('python main.py <backend flags> <extra_args> <args>, in ComfyUI, supervised', () => {
    const plan = planLaunch({
      target,
      torchVersion: '2.5.1+cu121',
      platform: 'linux',
      extraArgs: ['--lowvram'],
      args: ['--port', '1'],
      baseEnv: { PATH: '/bin' },
      session: '/ws/.metadata/s',
    });
    expect(plan).toEqual({
      command: '/e/py',
      args: ['/e/C/main.py', '--lowvram', '--port', '1'],
      cwd: '/e/C',
      env: {
        PYTHONFAULTHANDLER: '1',
        PATH: '/bin',
        COMFYGIT_SUPERVISED: '1',
        __COMFY_CLI_SESSION__: '/ws/.metadata/s',
      },
      usedExtraArgs: true,
    });
  });

  it("per environment: the environment's extra args after the global ones, its variables over comfyui.env; ours win", () => {
    const settings = {
      extraArgs: ['--lowvram'],
      comfyuiEnv: { PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True', A: 'global' },
      environments: { e: { extraArgs: ['--highvram'], env: { CUDA_VISIBLE_DEVICES: '1', A: 'own' } } },
    };
    const configured = configFor(settings, 'e');
    expect(configured).toEqual({
      extraArgs: ['--lowvram', '--highvram'],
      extraEnv: { PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True', A: 'own', CUDA_VISIBLE_DEVICES: '1' },
    });
    expect(configFor(settings, 'other')).toEqual({ extraArgs: ['--lowvram'], extraEnv: settings.comfyuiEnv });
    expect(configFor(settings, '__proto__').extraArgs).toEqual(['--lowvram']);
    const plan = planLaunch({
      target,
      torchVersion: null,
      platform: 'win32',
      args: [],
      baseEnv: { PATH: '/bin', A: 'base' },
      ...configured,
      extraEnv: { ...configured.extraEnv, COMFYGIT_SUPERVISED: '0' },
      session: '/s',
    });
    expect(plan.args).toEqual(['/e/C/main.py', '--cpu', '--lowvram', '--highvram']);
    expect(plan.env).toMatchObject({
      A: 'own',
      CUDA_VISIBLE_DEVICES: '1',
      COMFYGIT_SUPERVISED: '1',
      PYTHONIOENCODING: 'utf-8',
    });
    const linux = planLaunch({
      target,
      torchVersion: null,
      platform: 'linux',
      extraArgs: [],
      args: [],
      baseEnv: {},
      session: '/s',
    });
    expect(linux.env.PYTHONIOENCODING).toBeUndefined();
  });

  it('--cpu without a CUDA/ROCm torch on Linux and Windows; nothing on macOS', () => {
    expect(backendFlags(null, 'linux')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1', 'win32')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1+cpu', 'linux')).toEqual(['--cpu']);
    expect(backendFlags('2.5.1+cu121', 'linux')).toEqual([]);
    expect(backendFlags('2.4.0+rocm6.1', 'linux')).toEqual([]);
    expect(backendFlags(null, 'darwin')).toEqual([]);
  });
});

describe('liveness', () => {
  it('probes every interval; armed by a first answer; hung after N consecutive failures', async () => {
    const clock = fakeClock();
    const answers = [false, false, true, false, true, false, false, false];
    const result = await watchLiveness({
      intervalMs: 10_000,
      failures: 3,
      probe: async () => answers.shift() ?? true,
      clock,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ hung: true, failures: 3, busy: false });
    // until the first answer ComfyUI is probed every 100 ms (its first answer is seen at once), then
    // on the interval's beat (multiples of it on the clock, which the watchdogs share)
    expect(clock.sleeps).toEqual([100, 100, 100, 9_700, ...Array(4).fill(10_000)]);
  });

  it('sees the first answer right after the start: a hang in the first seconds is caught', async () => {
    const clock = fakeClock();
    let armedAt = -1;
    // answers from +0.5 s, frozen from +1 s on
    const result = await watchLiveness({
      intervalMs: 1_000,
      failures: 3,
      probe: async () => clock.now() >= 500 && clock.now() < 1_000,
      clock,
      signal: new AbortController().signal,
      onArmed: () => {
        armedAt = clock.now();
      },
    });
    expect(armedAt).toBe(500);
    expect(result).toEqual({ hung: true, failures: 3, busy: false });
    // probes on the beat after the first answer: 1 s, 2 s, 3 s
    expect(clock.now()).toBe(3_000);
  });

  it('bounds each probe by timeoutMs on the beats: one that never answers fails there and is ended', async () => {
    const clock = fakeClock();
    let ended = 0;
    const result = await watchLiveness({
      intervalMs: 10_000,
      timeoutMs: 5_000,
      failures: 3,
      armed: true,
      probe: (signal) =>
        new Promise<boolean>((resolve) =>
          signal.addEventListener('abort', () => {
            ended++;
            resolve(false);
          }),
        ),
      clock,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ hung: true, failures: 3, busy: false });
    expect(ended).toBe(3);
    // probes at 10, 20 and 30 s, each judged at the next beat: no timer of their own
    expect(clock.now()).toBe(40_000);
  });

  it('an answer later than timeoutMs is a failure; a probe within a longer timeoutMs goes on over beats', async () => {
    const slowTrue = (clock: ReturnType<typeof fakeClock>) => async () => {
      const from = clock.now();
      while (clock.now() - from < 6_000) await new Promise((resolve) => setImmediate(resolve));
      return true;
    };
    const late = fakeClock();
    expect(
      await watchLiveness({
        intervalMs: 10_000,
        timeoutMs: 5_000,
        failures: 2,
        armed: true,
        probe: slowTrue(late),
        clock: late,
        signal: new AbortController().signal,
      }),
    ).toEqual({ hung: true, failures: 2, busy: false });

    const patient = fakeClock();
    let started = 0;
    const result = await watchLiveness({
      intervalMs: 1_000,
      timeoutMs: 2_500,
      failures: 1,
      armed: true,
      probe: () => {
        started++;
        return new Promise<boolean>(() => {});
      },
      clock: patient,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ hung: true, failures: 1, busy: false });
    // one probe, looked at on the beats at 2 s and 3 s (still within its time), failed at 4 s
    expect(started).toBe(1);
    expect(patient.now()).toBe(4_000);
  });

  it('started armed (a health check saw it answer): probes every interval from the start', async () => {
    const clock = fakeClock();
    const result = await watchLiveness({
      intervalMs: 1_000,
      failures: 2,
      probe: async () => false,
      clock,
      signal: new AbortController().signal,
      armed: true,
    });
    expect(result).toEqual({ hung: true, failures: 2, busy: false });
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('busy with a prompt: failed probes are tolerated for the busy allowance, counted from the first failure', async () => {
    const clock = fakeClock();
    const result = await watchLiveness({
      intervalMs: 1_000,
      failures: 3,
      probe: async () => clock.now() < 2_000,
      clock,
      signal: new AbortController().signal,
      armed: true,
      busy: () => true,
      busyTimeoutMs: 20_000,
    });
    // first failure at 2 s; hung once failures have lasted 20 s
    expect(result).toEqual({ hung: true, failures: 21, busy: true });
    expect(clock.now()).toBe(22_000);
  });

  it('busy ends: the usual rule holds again, counting only the failures since', async () => {
    const clock = fakeClock();
    const result = await watchLiveness({
      intervalMs: 1_000,
      failures: 3,
      probe: async () => false,
      clock,
      signal: new AbortController().signal,
      armed: true,
      busy: () => clock.now() < 5_000,
      busyTimeoutMs: 600_000,
    });
    // failed at 1-4 s while busy (tolerated), then at 5, 6 and 7 s idle
    expect(result).toEqual({ hung: true, failures: 3, busy: false });
    expect(clock.now()).toBe(7_000);
  });

  it('ends quietly when its signal aborts', async () => {
    const stop = new AbortController();
    let n = 0;
    const result = await watchLiveness({
      intervalMs: 1,
      failures: 1,
      probe: async () => {
        if (++n === 5) stop.abort();
        return false;
      },
      clock: fakeClock(),
      signal: stop.signal,
    });
    expect(result).toEqual({ hung: false });
  });
});

describe('port guard', () => {
  const base = { host: '127.0.0.1', port: 8188, waitMs: 1_000, logger: recordingLogger() };

  it('a free port passes at once: no wait, nobody looked up', async () => {
    const clock = fakeClock();
    let lookedUp = 0;
    await guardPort({
      ...base,
      policy: 'wait',
      clock,
      isBusy: async () => false,
      findHolders: async () => {
        lookedUp++;
        return [];
      },
    });
    expect(clock.sleeps).toEqual([]);
    expect(lookedUp).toBe(0);
  });

  it('refuse names who holds the port', async () => {
    await expect(
      guardPort({
        ...base,
        policy: 'refuse',
        isBusy: async () => true,
        findHolders: async () => [{ pid: 77, commandLine: ['nginx', '-g'], orphan: false }],
      }),
    ).rejects.toMatchObject({ code: 'PORT_BUSY', message: expect.stringContaining('pid 77 (nginx -g)') });
  });

  it('an orphaned ComfyUI of this workspace is stopped, then the port is free', async () => {
    let busy = true;
    const stopped: number[] = [];
    const logger = recordingLogger();
    await guardPort({
      ...base,
      logger,
      policy: 'refuse',
      isBusy: async () => busy,
      findHolders: async () => [{ pid: 42, commandLine: ['python', 'main.py'], orphan: true }],
      stopOrphan: async (h) => {
        stopped.push(h.pid);
        busy = false;
      },
    });
    expect(stopped).toEqual([42]);
    expect(logger.lines.join('\n')).toContain('pid 42');
  });

  it('wait waits for the port to be released, on the clock', async () => {
    const clock = fakeClock();
    let probes = 0;
    await guardPort({ ...base, policy: 'wait', clock, isBusy: async () => ++probes < 4 });
    expect(clock.sleeps).toEqual([100, 100, 100]);
  });
});
