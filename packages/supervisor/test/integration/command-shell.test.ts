// The shell that runs nvidia-smi for the supervisor: answers, exit codes, a missing command, a
// hung one killed with its group, arguments passed literally, and the shell gone after close().
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CommandShell, createCommandShell } from '../../src/watchdogs/command-shell.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A folder with an executable `tool` of this shell body, and a shell that runs it. */
function tool(body: string, timeoutMs = 2_000): { dir: string; shell: CommandShell } {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-shell-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tool'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'tool'), 0o755);
  const shell = createCommandShell('tool', { env: { PATH: `${dir}:/usr/bin:/bin` }, timeoutMs });
  cleanups.push(() => shell.close());
  return { dir, shell };
}

describe('command shell', () => {
  it('runs the command again and again in one shell: stdout, exit codes, arguments taken literally', async () => {
    const { dir, shell } = tool(`echo "$PPID"; printf '%s|' "$@"; [ "$1" = fail ] && exit 3; exit 0`);
    const first = await shell.run(['a b', "it's; touch pwned", '$(touch pwned)']);
    expect(first.kind).toBe('ok');
    const [shellPid, args] = (first as { stdout: string }).stdout.split('\n');
    expect(args).toBe("a b|it's; touch pwned|$(touch pwned)|");
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(await shell.run(['fail'])).toEqual({ kind: 'failed', reason: 'exit code 3' });
    const again = (await shell.run(['x'])) as { stdout: string };
    // the same shell forked each run (not the supervisor)
    expect(again.stdout.split('\n')).toEqual([shellPid, 'x|']);
    expect(Number(shellPid)).not.toBe(process.pid);
  });

  it('a command not on PATH is missing', async () => {
    const shell = createCommandShell('no-such-tool-here', { env: { PATH: tmpdir() }, timeoutMs: 2_000 });
    cleanups.push(() => shell.close());
    expect(await shell.run([])).toEqual({ kind: 'missing' });
  });

  it('a hung run is killed with its group after the timeout; the next run gets a new shell', async () => {
    const { dir, shell } = tool(
      `[ -f "$(dirname "$0")/hang" ] && { echo $$ > "$(dirname "$0")/pid"; exec sleep 30; }; echo ok`,
      300,
    );
    writeFileSync(join(dir, 'hang'), '');
    expect(await shell.run([])).toEqual({ kind: 'failed', reason: 'timed out after 300 ms' });
    const hung = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    await vi.waitFor(() => expect(isAlive(hung)).toBe(false));
    rmSync(join(dir, 'hang'));
    expect(await shell.run([])).toEqual({ kind: 'ok', stdout: 'ok' });
  });
});
