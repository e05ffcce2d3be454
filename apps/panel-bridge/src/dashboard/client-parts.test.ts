import { describe, expect, it } from 'vitest';
import { comfyuiHref } from './comfyui-link.ts';
import { duration } from './dom.ts';
import { switchBusy, switchLine, switchOutcome } from './outcome.ts';
import {
  envToText,
  fieldOfError,
  fieldToText,
  ORCHESTRATOR_FIELDS,
  settingsBody,
  textToArgs,
  textToEnv,
  textToField,
} from './settings-form.ts';

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

  it("reads and writes the settings panel's fields, and finds the field a refusal names", () => {
    expect(textToArgs(' --listen \n\n 0.0.0.0\n')).toEqual(['--listen', '0.0.0.0']);
    expect(textToEnv('A=1\n\nB = x=y\n')).toEqual({ ok: true, value: { A: '1', B: ' x=y' } });
    expect(textToEnv('A=1\nnovalue')).toEqual({ ok: false, error: 'line 2 is not NAME=value' });
    expect(envToText({ A: '1', B: 'x=y' })).toBe('A=1\nB=x=y');
    expect(textToField('number', ' 90 ')).toEqual({ ok: true, value: 90 });
    expect(textToField('number', '')).toEqual({ ok: false, error: 'must be a number' });
    expect(textToField('times', '04:30, 16:00')).toEqual({ ok: true, value: ['04:30', '16:00'] });
    expect(textToField('boolean', '', true)).toEqual({ ok: true, value: true });
    expect(fieldToText('times', ['04:30', '16:00'])).toBe('04:30, 16:00');
    expect(fieldOfError('orchestrator.drain_timeout_s = -5 refused (expected ...)')).toBe(
      'orchestrator.drain_timeout_s',
    );
    expect(fieldOfError('orchestrator.fatal_output_patterns[1] = "(" dropped')).toBe(
      'orchestrator.fatal_output_patterns',
    );
    expect(fieldOfError('comfyui.extra_args: item 1 ("x") is not an argument')).toBe('comfyui.extra_args');
    expect(fieldOfError('environments."env2".extra_args: item 3')).toBe('environment.extra_args');
    expect(fieldOfError('environments."env2".env."A=B" = "x" dropped')).toBe('environment.env');
    expect(fieldOfError('the body is not a JSON object')).toBeNull();
  });

  it('builds the body of the settings POST from what is typed, or names the first unreadable field', () => {
    const orchestrator = Object.fromEntries(
      ORCHESTRATOR_FIELDS.map(([key, kind]) => [key, { text: kind === 'number' ? '10' : '', checked: true }]),
    );
    const values = {
      extraArgs: '--lowvram\n',
      env: 'A=1',
      orchestrator: { ...orchestrator, restart_daily_at: { text: '04:30', checked: false } },
      environments: new Map([
        ['env1', { args: '--cpu', env: '' }],
        ['env2', { args: '', env: '' }],
      ]),
    };
    const built = settingsBody(values);
    expect(built.ok && built.body).toMatchObject({
      comfyui: { extra_args: ['--lowvram'], env: { A: '1' } },
      orchestrator: { drain_enabled: true, drain_timeout_s: 10, restart_daily_at: ['04:30'] },
      environments: { env1: { extra_args: ['--cpu'], env: {} }, env2: null },
    });
    expect(
      settingsBody({
        ...values,
        orchestrator: { ...values.orchestrator, idle_free_s: { text: 'soon', checked: false } },
      }),
    ).toEqual({ ok: false, key: 'orchestrator.idle_free_s', error: 'idle_free_s must be a number' });
    expect(settingsBody({ ...values, environments: new Map([['env1', { args: '', env: 'X' }]]) })).toEqual({
      ok: false,
      key: 'environment.env',
      error: 'env1: line 1 is not NAME=value',
    });
  });
});

describe('the drain line (issue 17)', () => {
  it('says what a planned stop waits for, for how long, and how to skip it; nothing when none waits', async () => {
    const { drainingLine } = await import('./state-view.ts');
    expect(drainingLine(null, 100)).toBe('');
    expect(drainingLine({ action: 'restart', since: 40, prompt_id: 'p-1' }, 100)).toBe(
      `restart waits for the running prompt p-1 to finish for ${duration(60)}; “no wait” skips it`,
    );
  });
});
