// `comfyvisor-bridge serve` as a process, for the remote-access tests: its output kept, its login
// link read from the first lines, stopped (and registered for cleanup) by the tests.
import { track } from '@comfyvisor/testkit';
import { execa } from 'execa';
import { expect } from 'vitest';
import { BRIDGE_BIN } from './helpers.ts';

export interface BridgeProcess {
  /** The login link printed at start-up (with `?token=` when there is a login). */
  loginUrl: URL;
  port: number;
  /** Every line written so far, stdout and stderr in order. */
  lines(): string[];
  stop(): Promise<{ exitCode: number | undefined }>;
}

export async function serveBridge(args: string[], env: Record<string, string> = {}): Promise<BridgeProcess> {
  const child = track(
    execa(process.execPath, [BRIDGE_BIN, 'serve', ...args], { reject: false, env, all: true, buffer: false }),
  );
  let text = '';
  child.all?.setEncoding('utf8');
  child.all?.on('data', (chunk: string) => {
    text += chunk;
  });
  const lines = () => text.split('\n').filter((line) => line !== '');
  const first = await expect
    .poll(() => lines().find((line) => line.startsWith('http://')), { timeout: 15_000 })
    .toBeDefined()
    .then(() => lines().find((line) => line.startsWith('http://')) as string);
  expect(lines().indexOf(first)).toBeLessThan(5);
  const loginUrl = new URL(first);
  return {
    loginUrl,
    port: Number(loginUrl.port),
    lines,
    async stop() {
      child.kill('SIGTERM');
      const done = await child;
      return { exitCode: done.exitCode };
    },
  };
}
