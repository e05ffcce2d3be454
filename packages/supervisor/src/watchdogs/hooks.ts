import { type HookSpec, toPythonJson } from '@comfyvisor/ipc-files';
import type { Logger } from '../logger.ts';
import { runHookCommand } from './hook-command.ts';
import { postHook } from './hook-post.ts';

/**
 * Config `hooks`: tells the user's commands and URLs about events. Recording an event never waits
 * for a hook (each is started on a later turn of the event loop and never awaited by the caller); a
 * hook is bounded to `timeoutMs`; a failure is logged once per hook per `failureLogIntervalMs`,
 * naming the hook. `flush()` waits for the hooks under way (so a `give_up` hook completes before the
 * supervisor exits); `stop()` kills them.
 */
export type HookRunner = ((event: { type: string; [key: string]: unknown }) => void) & {
  /** Resolves when every hook started so far (and any started meanwhile) has ended. */
  flush(): Promise<void>;
  /** Kills the hooks under way and resolves when they have ended. */
  stop(): Promise<void>;
};

export interface HookRunnerOptions {
  logger: Logger;
  /** Wall clock, ms since the epoch: each event's `time` and the failure log's hour. @default Date.now */
  now?: (() => number) | undefined;
  /** Each hook is killed (or its request abandoned) after this long. @default 10000 */
  timeoutMs?: number | undefined;
  /** A failing hook is logged at most once per this long. @default 3600000 */
  failureLogIntervalMs?: number | undefined;
  /** Runs of one hook at the same time; an event beyond that is dropped for it (and counted as a failure). @default 4 */
  maxRunningPerHook?: number | undefined;
  /** What a run hook's process gets. @default process.env */
  env?: NodeJS.ProcessEnv | undefined;
}

const TIME_KEYS: ReadonlySet<string> = new Set(['time']);

/** How a hook is named in the log: its place in the list and its command, or its URL's origin (a webhook's path is often its secret). */
export function hookName(hook: HookSpec, index: number): string {
  if ('run' in hook) return `hooks[${index}] (run ${JSON.stringify(hook.run[0]).slice(0, 120)})`;
  let origin = '<bad url>';
  try {
    origin = new URL(hook.url).origin;
  } catch {
    // refused when the config was read
  }
  return `hooks[${index}] (url ${origin}/…)`;
}

/** The event as one JSON line, as `events.jsonl` writes it: `{"time": <float s>, "type", ...}`. */
export function eventLine(event: { type: string; [key: string]: unknown }, nowMs: number): string {
  const { type, time: _ignored, ...rest } = event;
  try {
    return toPythonJson({ time: nowMs / 1000, type: String(type), ...rest }, null, TIME_KEYS);
  } catch {
    return toPythonJson({ time: nowMs / 1000, type: String(type) }, null, TIME_KEYS);
  }
}

/** Logs a hook's failure at most once per `every` ms, counting the ones it keeps quiet about. */
function failureLog(hooks: readonly HookSpec[], logger: Logger, now: () => number, every: number) {
  const records = hooks.map(() => ({ loggedAt: null as number | null, unlogged: 0 }));
  return (index: number, type: string, why: string) => {
    const record = records[index] as { loggedAt: number | null; unlogged: number };
    const t = now();
    if (record.loggedAt !== null && t >= record.loggedAt && t - record.loggedAt < every) {
      record.unlogged++;
      return;
    }
    const more = record.unlogged > 0 ? ` (and ${record.unlogged} more failures since the last report)` : '';
    logger.warn(`hook ${hookName(hooks[index] as HookSpec, index)} failed on ${type}: ${why}${more}`);
    record.loggedAt = t;
    record.unlogged = 0;
  };
}

/** Runs one hook to its end: null when it worked, else why not. Never throws. */
async function runHook(
  hook: HookSpec,
  line: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
) {
  try {
    return 'run' in hook
      ? await runHookCommand(hook.run, `${line}\n`, { timeoutMs, env, signal })
      : await postHook(hook.url, line, { timeoutMs, signal });
  } catch (error) {
    return String((error as Error)?.message ?? error).slice(0, 200);
  }
}

export function createHookRunner(hooks: readonly HookSpec[], options: HookRunnerOptions): HookRunner {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRunning = options.maxRunningPerHook ?? 4;
  const failed = failureLog(hooks, options.logger, now, options.failureLogIntervalMs ?? 3_600_000);
  const inFlight = new Set<Promise<void>>();
  const running = hooks.map(() => 0);
  const stopping = new AbortController();

  const start = (index: number, type: string, line: string) => {
    running[index] = (running[index] as number) + 1;
    // Started on a later turn: spawning is not the caller's cost either.
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        if (stopping.signal.aborted) return;
        const env = options.env ?? process.env;
        const outcome = await runHook(hooks[index] as HookSpec, line, timeoutMs, env, stopping.signal);
        if (outcome !== null && !stopping.signal.aborted) failed(index, type, outcome);
      })
      .finally(() => {
        running[index] = (running[index] as number) - 1;
        inFlight.delete(work);
      });
    inFlight.add(work);
  };

  const record = ((event) => {
    if (hooks.length === 0 || stopping.signal.aborted) return;
    const type = String(event?.type);
    let line: string | null = null;
    for (const [index, hook] of hooks.entries()) {
      if (!hook.on.includes('*') && !hook.on.includes(type)) continue;
      if ((running[index] as number) >= maxRunning) {
        failed(index, type, `${maxRunning} runs still under way; this event was not passed on`);
        continue;
      }
      line ??= eventLine(event, now());
      start(index, type, line);
    }
  }) as HookRunner;

  record.flush = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  record.stop = async () => {
    stopping.abort();
    await record.flush();
  };
  return record;
}
