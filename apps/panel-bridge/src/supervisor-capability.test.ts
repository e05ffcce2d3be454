import { describe, expect, it } from 'vitest';
import { switchCapabilityFrom } from './supervisor-capability.ts';

const alive = { status: 'alive', pid: 10, current_env: 'env1', supervised: true };

describe('can the running supervisor switch by command?', () => {
  it('yes when /health lists switch_command', () => {
    const check = switchCapabilityFrom({
      status: 200,
      body: {
        ...alive,
        supervisor: {
          name: 'comfyvisor',
          version: '0.2.0',
          capabilities: ['restart', 'kill', 'switch_command'],
        },
      },
    });
    expect(check).toMatchObject({ ok: true, identity: { name: 'comfyvisor', version: '0.2.0' } });
  });

  it('no for the Python orchestrator (no supervisor field) and for one without the capability', () => {
    const python = switchCapabilityFrom({ status: 200, body: alive });
    expect(python).toMatchObject({ ok: false, reason: 'unsupported', identity: null });
    expect(python.ok || python.message).toMatch(/Python/);
    const limited = switchCapabilityFrom({
      status: 200,
      body: { ...alive, supervisor: { name: 'comfyvisor', version: '0.1.0', capabilities: ['restart'] } },
    });
    expect(limited).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(limited.ok || limited.message).toMatch(/comfyvisor 0\.1\.0/);
  });

  it('unknown when the control server does not answer', () => {
    const check = switchCapabilityFrom({
      status: 503,
      body: { error: 'orchestrator_unavailable', message: 'Orchestrator control server not available' },
    });
    expect(check).toMatchObject({ ok: false, reason: 'unreachable' });
  });
});
