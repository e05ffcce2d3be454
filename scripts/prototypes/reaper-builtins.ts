// PROTOTYPE (measured by scripts/bench-variants.ts): the lifeline of packages/supervisor/src/reaper.ts
// with shell builtins only. Today's `forget` runs `printf | grep -vx | tr` (a subshell and two execs)
// at the exact moment ComfyUI exits, competing for the CPU with the restart it is part of.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const SCRIPT = [
  'groups=" "',
  'while IFS= read -r line; do',
  '  case "$line" in',
  '    +*) groups="$groups${line#+} " ;;',
  '    -*) g="${line#-}"; case "$groups" in *" $g "*) groups="${groups%%" $g "*} ${groups#*" $g "}" ;; esac ;;',
  '  esac',
  'done',
  '[ -z "${groups# }" ] && exit 0',
  'for g in $groups; do kill -TERM "-$g" 2>/dev/null; done',
  'sleep 1',
  'for g in $groups; do kill -KILL "-$g" 2>/dev/null; done',
].join('\n');

export interface Reaper {
  watch(pgid: number): void;
  forget(pgid: number): void;
  close(): void;
  readonly pid: number | undefined;
}

export function startReaper(platform: NodeJS.Platform = process.platform): Reaper | null {
  if (platform === 'win32' || !existsSync('/bin/sh')) return null;
  const child: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.unref();
  child.stdin?.on('error', () => {});
  const send = (line: string) => {
    if (child.stdin && !child.stdin.destroyed) child.stdin.write(`${line}\n`);
  };
  return {
    pid: child.pid,
    watch: (pgid) => send(`+${pgid}`),
    forget: (pgid) => send(`-${pgid}`),
    close: () => child.stdin?.end(),
  };
}
