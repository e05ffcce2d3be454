import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

interface Trackable {
  pid?: number | undefined;
}

const tracked = new Set<number>();

/** Registers a spawned process (execa result, ChildProcess, or `{ pid }`) for `killTracked()`. */
export function track<T extends Trackable>(child: T): T {
  if (child.pid !== undefined) tracked.add(child.pid);
  return child;
}

/** Registers a bare pid (e.g. a detached supervisor found through its pid file). */
export function trackPid(pid: number): void {
  tracked.add(pid);
}

/** Is a process with this pid alive (zombies of our own children count as dead)? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A zombie still answers kill(0); /proc tells the truth on Linux.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** SIGKILLs every tracked process and its process group. Call it in afterEach. */
export async function killTracked(): Promise<void> {
  for (const pid of tracked) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone, or not a group leader
      }
    }
  }
  tracked.clear();
}

/** A free TCP port from the OS (listen on 0, close, return it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `fn` returns something truthy. It checks a condition; it is not a sleep:
 * the timeout only bounds a failure.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.message ?? 'a condition'}${suffix}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** fetch + JSON body (null when the body is not JSON). */
export async function httpJson(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}
