// GET /status against a real supervisor: it serves what the supervisor means (not a stale file it
// could not replace), and a status file of the wrong types is not passed through.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_NAMES, writeSwitchRequest } from '@comfyvisor/ipc-files';
import { cleanupWorkspaces, httpJson, killTracked } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSupervised } from './helpers.ts';

afterEach(async () => {
  await killTracked();
  await cleanupWorkspaces();
});

describe('GET /status', () => {
  it('a file of the wrong types ({"state": 5, "progress": "x"}) is not served, and logged once', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    await writeFile(join(run.ws.metadataDir, FILE_NAMES.switchStatus), '{"state": 5, "progress": "x"}');
    for (let i = 0; i < 3; i++)
      expect((await httpJson(`${run.controlUrl}/status`)).body).toEqual({
        state: 'idle',
        current_env: 'env1',
        message: 'No switch in progress',
      });
    await vi.waitFor(() =>
      expect(run.stderr()).toMatch(/switch_status\.json: ignored, unexpected shape at state/),
    );
    expect(run.stderr().match(/switch_status\.json: ignored/g)).toHaveLength(1);
  });

  it('a corrupt file full of control bytes: the warning quotes it escaped, one printable line', async () => {
    const run = await startSupervised();
    await run.ws.waitForEvent({ event: 'listening' });
    const bytes = Buffer.from([0x6f, 0x6b, 0x00, 0x01, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a, 0x5b, 0x07, 0x7f]);
    await writeFile(join(run.ws.metadataDir, FILE_NAMES.switchStatus), bytes);
    expect((await httpJson(`${run.controlUrl}/status`)).body).toMatchObject({ state: 'idle' });
    await vi.waitFor(() => expect(run.stderr()).toMatch(/warning: \.switch_status\.json: ignored/));
    const line =
      run
        .stderr()
        .split('\n')
        .find((l) => l.includes('.switch_status.json: ignored')) ?? '';
    expect(line).toMatch(/\\x00|\\x01|\\x1b/);
    expect([...line].filter((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\x7f')).toEqual([]);
  });

  const unshare = existsSync('/usr/bin/unshare') && process.getuid?.() === 0;
  it.runIf(unshare)(
    'a switch that ends while .metadata cannot be written: /status says how it ended, as /health does',
    async () => {
      // The supervisor runs in its own mount namespace, where the test makes .metadata read-only.
      const run = await startSupervised({
        behaviour: { env2: { startDelayMs: 800 } },
        prefix: () => ['unshare', '--mount', '--propagation', 'private'],
      });
      await run.ws.waitForEvent({ event: 'listening', env: 'env1' });
      await writeSwitchRequest(run.ws.metadataDir, { targetEnv: 'env2', sourceEnv: 'env1' });
      await run.exitComfyui(43);
      await run.ws.waitForEvent({ event: 'started', env: 'env2' });
      const inNamespace = (...command: string[]) =>
        execFileSync('nsenter', ['--target', String(run.pid), '--mount', ...command]);
      inNamespace('mount', '--bind', '-o', 'ro', run.ws.metadataDir, run.ws.metadataDir);
      await vi.waitFor(
        async () => expect((await httpJson(`${run.controlUrl}/health`)).body.current_env).toBe('env2'),
        { timeout: 15_000 },
      );
      await vi.waitFor(
        async () =>
          expect((await httpJson(`${run.controlUrl}/status`)).body).toMatchObject({
            state: 'complete',
            progress: 100,
            target_env: 'env2',
          }),
        { timeout: 15_000 },
      );
      // The file is still the busy one the supervisor could not replace.
      const onDisk = JSON.parse(readFileSync(join(run.ws.metadataDir, FILE_NAMES.switchStatus), 'utf8'));
      expect(['starting', 'validating']).toContain(onDisk.state);
      inNamespace('umount', run.ws.metadataDir);
    },
  );
});
