import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetadataStore } from './metadata-store.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function store() {
  const workspace = mkdtempSync(join(tmpdir(), 'comfyvisor-store-'));
  mkdirSync(join(workspace, '.metadata'));
  return createMetadataStore(workspace, { logger: quiet, wallNow: Date.now, pid: 4242, platform: 'linux' });
}

describe('takeRebootMarker', () => {
  it("takes ComfyUI-Manager's marker once", async () => {
    const s = store();
    expect(await s.takeRebootMarker()).toBe(false);
    writeFileSync(`${s.session}.reboot`, '');
    expect(await s.takeRebootMarker()).toBe(true);
    expect(existsSync(`${s.session}.reboot`)).toBe(false);
    expect(await s.takeRebootMarker()).toBe(false);
  });

  it('is not fooled by a directory in its place (an exit 0 must still stop ComfyUI)', async () => {
    const s = store();
    mkdirSync(`${s.session}.reboot`);
    expect(await s.takeRebootMarker()).toBe(false);
    expect(await s.takeRebootMarker()).toBe(false);
  });
});
