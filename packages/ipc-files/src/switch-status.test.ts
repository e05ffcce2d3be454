import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempMetadataDir } from '../test/temp-dir.ts';
import type { Logger } from './logger.ts';
import { inspectSwitchStatusWire, readSwitchStatus } from './switch-status.ts';

function spyLogger() {
  const fn = () => vi.fn<(message: string) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}

const put = (dir: string, text: string) => writeFileSync(join(dir, '.switch_status.json'), text);

describe('the one switch-status reader (wire, as on disk)', () => {
  it('passes a good file through as it is: any string state, unknown fields, no defaults added', async () => {
    const dir = tempMetadataDir();
    put(dir, '{"state": "dancing", "progress": 42.5, "target_env": "env2", "recovery_command": "x"}');
    expect(await inspectSwitchStatusWire(dir)).toEqual({
      kind: 'ok',
      value: { state: 'dancing', progress: 42.5, target_env: 'env2', recovery_command: 'x' },
    });
  });

  it.each([
    ['a number state', '{"state": 5, "progress": 10}', /state/],
    ['a string progress', '{"state": "starting", "progress": "x"}', /progress/],
    ['a progress over 100', '{"state": "starting", "progress": 101}', /progress/],
    ['a negative progress', '{"state": "starting", "progress": -1}', /progress/],
    ['a message that is not a string', '{"state": "starting", "message": ["a"]}', /message/],
    ['no state', '{"progress": 10}', /state/],
  ])('refuses %s, as the typed reader does', async (_name, text, where) => {
    const dir = tempMetadataDir();
    put(dir, text);
    const read = await inspectSwitchStatusWire(dir);
    expect(read.kind).toBe('invalid');
    expect(read.kind === 'invalid' && read.reason).toMatch(where);
    expect(await readSwitchStatus(dir)).toBeNull();
  });

  it('{"state": 5, "progress": "x"} is logged once, however often it is read', async () => {
    const dir = tempMetadataDir();
    put(dir, '{"state": 5, "progress": "x"}');
    const logger = spyLogger();
    for (let i = 0; i < 5; i++) await inspectSwitchStatusWire(dir, { logger });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toMatch(
      /^\.switch_status\.json: ignored, unexpected shape at state/,
    );
  });

  it('the typed reader fills in what a wire file may leave out', async () => {
    const dir = tempMetadataDir();
    put(dir, '{"state": "syncing"}');
    expect(await readSwitchStatus(dir)).toEqual({ state: 'syncing', progress: 0, message: '', updatedAt: 0 });
  });
});
