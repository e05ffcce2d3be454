// Config `hooks` with real processes and a real local HTTP server: what a hook gets, that a hook
// is bounded and killed with its children, that failures are logged naming the hook, and that a
// slow hook never holds up whoever recorded the event.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HookSpec } from '@comfyvisor/ipc-files';
import { freePort, isAlive, killTracked, trackPid } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHookRunner, eventLine, type HookRunner } from '../../src/watchdogs/hooks.ts';

const NOW = 1_767_000_000_000;
const GIVE_UP = { type: 'give_up', env: 'env1', crashes: 5, lastExit: 'code 1' };
/** A hook that appends its stdin to the file named by its first argument. */
const APPEND_STDIN = `const fs=require('fs');fs.appendFileSync(process.argv[1],fs.readFileSync(0))`;
/** A hook that writes its pid, then lives for a minute. */
const SLOW = `require('fs').writeFileSync(process.argv[1],String(process.pid));setTimeout(()=>{},60000)`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await killTracked();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-hooks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function runner(hooks: HookSpec[], options: { timeoutMs?: number; clock?: { t: number } } = {}) {
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
  const clock = options.clock ?? { t: NOW };
  const run: HookRunner = createHookRunner(hooks, {
    logger,
    now: () => clock.t,
    timeoutMs: options.timeoutMs,
  });
  cleanups.push(() => run.stop());
  return { run, warnings };
}

async function listen(): Promise<{
  url: string;
  posts: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }>;
}> {
  const posts: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      posts.push({ method: req.method, headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook/secret-token`, posts };
}

describe('hooks', () => {
  it('a run-hook gets exactly one line, the give_up event, on stdin; other types do not run it', async () => {
    const out = join(tempDir(), 'got');
    const { run, warnings } = runner([{ on: ['give_up'], run: [process.execPath, '-e', APPEND_STDIN, out] }]);
    run({ type: 'restart', env: 'env1', reason: 'crash' });
    run(GIVE_UP);
    run({ type: 'supervisor_stop', reason: 'gave up', exitCode: 1 });
    await run.flush(); // what a supervisor does before it exits after give_up
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(`${eventLine(GIVE_UP, NOW)}\n`);
    expect(JSON.parse(text)).toEqual({ time: NOW / 1000, ...GIVE_UP });
    expect(warnings).toEqual([]);
  });

  it("a url-hook gets a POST whose body is the event's JSON", async () => {
    const server = await listen();
    const { run, warnings } = runner([{ on: ['*'], url: server.url }]);
    run(GIVE_UP);
    await run.flush();
    expect(server.posts).toHaveLength(1);
    const [post] = server.posts;
    expect(post?.method).toBe('POST');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toBe(eventLine(GIVE_UP, NOW));
    expect(JSON.parse(post?.body ?? '')).toMatchObject(GIVE_UP);
    expect(warnings).toEqual([]);
  });

  it('an https url is posted through node:https (loaded for it): a TLS handshake with a plain server fails, named', async () => {
    const server = await listen();
    const url = server.url.replace('http://', 'https://');
    const { run, warnings } = runner([{ on: ['*'], url }]);
    run(GIVE_UP);
    await run.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`hook hooks[0] (url ${new URL(url).origin}/…) failed on `);
    // the plain HTTP server never sees a POST: the client spoke TLS to it
    expect(server.posts).toEqual([]);
  });

  it('a url that cannot be reached is logged naming the hook, once per hour per hook', async () => {
    const port = await freePort();
    const clock = { t: NOW };
    const url = `http://127.0.0.1:${port}/hook/secret-token`;
    const { run, warnings } = runner([{ on: ['*'], url }], { clock });
    run(GIVE_UP);
    run({ type: 'hung', env: 'env1', pid: 1, failures: 3 });
    await run.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`hook hooks[0] (url http://127.0.0.1:${port}/…) failed on `);
    expect(warnings[0]).toContain('ECONNREFUSED');
    expect(warnings[0]).not.toContain('secret-token');
    clock.t += 3_600_000;
    run(GIVE_UP);
    await run.flush();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/failed on give_up: .*\(and 1 more failures since the last report\)$/);
  });

  it('a hook still running at its bound is killed with its whole process group', async () => {
    const dir = tempDir();
    const pids = join(dir, 'pids');
    // The hook starts a child of its own, then waits for it: both must end at the bound.
    const script = `echo $$ > "$0"; sleep 60 & echo $! >> "$0"; wait`;
    const { run, warnings } = runner([{ on: ['hung'], run: ['/bin/sh', '-c', script, pids] }], {
      timeoutMs: 1500,
    });
    run({ type: 'hung', env: 'env1', pid: 1, failures: 3 });
    await vi.waitFor(() => expect(readFileSync(pids, 'utf8').trim().split('\n')).toHaveLength(2));
    const [shell, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number) as [number, number];
    trackPid(shell);
    trackPid(child);
    expect(isAlive(child)).toBe(true);
    await run.flush();
    await vi.waitFor(() => expect([isAlive(shell), isAlive(child)]).toEqual([false, false]));
    expect(warnings).toEqual([
      expect.stringMatching(
        /hooks\[0\] \(run "\/bin\/sh"\) failed on hung: still running after 1.5 s; killed/,
      ),
    ]);
  });

  it('a 60 s hook does not delay the caller, nor the hooks of the next events', async () => {
    const dir = tempDir();
    const slowPid = join(dir, 'slow.pid');
    const fast = join(dir, 'fast');
    const { run } = runner([
      { on: ['restart'], run: [process.execPath, '-e', SLOW, slowPid] },
      { on: ['*'], run: [process.execPath, '-e', APPEND_STDIN, fast] },
    ]);
    const returned = run({ type: 'restart', env: 'env1', reason: 'schedule' });
    expect(returned).toBeUndefined(); // nothing to await: recording is fire-and-forget
    expect(existsSync(slowPid)).toBe(false); // not even spawned on the caller's turn
    run({ type: 'comfyui_start', env: 'env1', pid: 2 });
    await vi.waitFor(() => expect(readFileSync(fast, 'utf8').split('\n')).toHaveLength(3), {
      timeout: 15_000,
    });
    await vi.waitFor(() => expect(existsSync(slowPid)).toBe(true), { timeout: 15_000 });
    const pid = Number(readFileSync(slowPid, 'utf8'));
    trackPid(pid);
    expect(isAlive(pid)).toBe(true); // the slow hook still runs while both fast ones are done
    await run.stop();
    await vi.waitFor(() => expect(isAlive(pid)).toBe(false));
  });

  it('a hook that fails or is missing is logged with why; too many runs at once drop the extra event', async () => {
    const dir = tempDir();
    const { run, warnings } = runner([
      { on: ['*'], run: [process.execPath, '-e', 'console.error("no token set"); process.exit(3)'] },
      { on: ['*'], run: [join(dir, 'no-such-hook')] },
    ]);
    run(GIVE_UP);
    await run.flush();
    expect(warnings.sort()).toEqual([
      expect.stringMatching(/^hook hooks\[0\] .* failed on give_up: exited with code 3: no token set$/),
      expect.stringMatching(/^hook hooks\[1\] .*no-such-hook.* failed on give_up: .*command not found$/),
    ]);
    const slow = runner([{ on: ['*'], run: [process.execPath, '-e', SLOW, join(dir, 'slow')] }]);
    for (let i = 0; i < 5; i++) slow.run({ type: 'hung', n: i });
    expect(slow.warnings).toEqual([
      expect.stringMatching(/4 runs still under way; this event was not passed on/),
    ]);
  });
});
