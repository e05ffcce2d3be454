import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Instance } from './instance.ts';
import { instanceFromWire, readStateFile, writeStateFile } from './state-file.ts';

const instance: Instance = {
  id: 'inst_01234567',
  name: 'deploy-a-20261205-abcd',
  environmentName: 'deploy-a-20261205-abcd',
  mode: 'native',
  assignedPort: 8200,
  importSource: '/srv/a',
  branch: null,
  status: 'running',
  containerId: null,
  pid: 42,
  createdAt: '2026-12-05T00:00:00.000000+00:00',
  cudaVisibleDevices: null,
};

describe('instances.json', () => {
  it('round-trips; cuda_visible_devices only when set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-state-'));
    await writeStateFile(dir, [
      instance,
      { ...instance, id: 'inst_2', assignedPort: 8201, cudaVisibleDevices: '1' },
    ]);
    const wire = JSON.parse(readFileSync(join(dir, 'instances.json'), 'utf8'));
    expect(wire.instances.inst_01234567).not.toHaveProperty('cuda_visible_devices');
    expect(wire.instances.inst_2.cuda_visible_devices).toBe('1');
    expect((await readStateFile(dir)).instances).toEqual([
      instance,
      { ...instance, id: 'inst_2', assignedPort: 8201, cudaVisibleDevices: '1' },
    ]);
  });

  it.each([
    ['not JSON', '{"instances": '],
    ['a list', '[]'],
    ['no instances', '{"version": "1"}'],
  ])('%s: nothing, with a reason', async (_what, text) => {
    const dir = mkdtempSync(join(tmpdir(), 'worker-state-'));
    writeFileSync(join(dir, 'instances.json'), text);
    expect(await readStateFile(dir)).toMatchObject({ ok: false, instances: [] });
  });

  it('drops entries that cannot be instances (bad port, path in the name)', () => {
    expect(instanceFromWire('inst_x', { name: '../../etc', assigned_port: 8200 })).toBeNull();
    expect(instanceFromWire('inst_x', { name: 'ok', assigned_port: '8200' })).toBeNull();
    expect(instanceFromWire('../x', { name: 'ok', assigned_port: 8200 })).toBeNull();
    expect(instanceFromWire('inst_x', { name: 'ok', assigned_port: 8200, status: 'weird' })?.status).toBe(
      'stopped',
    );
  });
});
