import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The lifeline: a tiny `/bin/sh` process, started once per supervisor, that reads process-group
 * ids on its stdin (a pipe from the supervisor). When that pipe closes, because the supervisor
 * exited or was SIGKILLed, it sends SIGTERM to every group it was told about and SIGKILL a
 * second later. It needs nothing from the supervisor at that moment: this is what keeps ComfyUI
 * and its children from outliving a killed supervisor on Linux and macOS.
 */
const SCRIPT = [
  'groups=""',
  'while IFS= read -r line; do',
  '  case "$line" in',
  '    +*) groups="$groups ${line#+}" ;;',
  '    -*) g="${line#-}"; groups=$(printf "%s\\n" $groups | grep -vx "$g" | tr "\\n" " ") ;;',
  '  esac',
  'done',
  '[ -z "$groups" ] && exit 0',
  'for g in $groups; do kill -TERM "-$g" 2>/dev/null; done',
  'sleep 1',
  'for g in $groups; do kill -KILL "-$g" 2>/dev/null; done',
].join('\n');

export interface Reaper {
  /** ComfyUI's process group (its pid, as it leads its own group). */
  watch(pgid: number): void;
  forget(pgid: number): void;
  /** Closes the lifeline without killing anything (a clean stop already stopped ComfyUI). */
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
