import { describe, expect, it } from 'vitest';
import { describeSwitchEnd, type RawSwitchStatus } from './switch.ts';

const context = { target: 'env2', workspace: '/ws', seconds: 3.21 };
const status = (fields: Partial<RawSwitchStatus> & { state: string }): RawSwitchStatus => ({
  progress: 100,
  message: '',
  updated_at: 1,
  target_env: 'env2',
  source_env: 'env1',
  ...fields,
});

describe('how `comfyvisor switch` reports the end of a switch (the panel final states)', () => {
  it('complete: exit 0', () => {
    expect(describeSwitchEnd(status({ state: 'complete' }), context)).toEqual({
      exitCode: 0,
      text: 'switched to env2 in 3.2 s',
    });
  });

  it('rolled_back: exit 1, names what failed in the target and that the source runs again', () => {
    const end = describeSwitchEnd(
      status({
        state: 'rolled_back',
        message: 'Switch to env2 failed; env1 restored',
        error: 'env2 exited with code 1 before it was healthy\nTraceback ...',
      }),
      context,
    );
    expect(end).toEqual({
      exitCode: 1,
      text: 'switch to env2 failed: env2 exited with code 1 before it was healthy; rolled back, env1 is running again',
    });
  });

  it('critical_failure: exit 2, says nothing runs and what to do', () => {
    const end = describeSwitchEnd(
      status({ state: 'critical_failure', error: 'env1 exited with code 1 before it was healthy' }),
      context,
    );
    expect(end?.exitCode).toBe(2);
    expect(end?.text).toMatch(
      /^switch to env2 failed and so did the rollback to env1: env1 exited with code 1/,
    );
    expect(end?.text).toMatch(/Nothing is running now/);
    expect(end?.text).toMatch(/comfyvisor logs/);
    expect(end?.text).toMatch(/`comfyvisor run --workspace \/ws --environment env1`/);
    const withRecovery = describeSwitchEnd(
      status({
        state: 'critical_failure',
        recovery_command: 'cd /ws/environments/env1/ComfyUI && python main.py',
      }),
      context,
    );
    expect(withRecovery?.text).toMatch(
      /start it again with `cd \/ws\/environments\/env1\/ComfyUI && python main.py`$/,
    );
  });

  it('failed and aborted of older supervisors end with 1; steps and unknown states are not an end', () => {
    expect(
      describeSwitchEnd(status({ state: 'failed', message: 'Health check failed for env2' }), context),
    ).toEqual({ exitCode: 1, text: 'switch to env2 failed: Health check failed for env2' });
    expect(describeSwitchEnd(status({ state: 'aborted' }), context)?.exitCode).toBe(1);
    for (const state of [
      'preparing',
      'syncing',
      'starting',
      'validating',
      'rolling_back',
      'recovering',
      'idle',
      'new',
    ])
      expect(describeSwitchEnd(status({ state }), context), state).toBeNull();
  });
});
