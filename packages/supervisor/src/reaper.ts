import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The lifeline: a tiny `/bin/sh` process, started once per supervisor, that reads process-group
 * ids on its stdin (a pipe from the supervisor). When that pipe closes without a goodbye, because
 * the supervisor was SIGKILLed, it stops every group it was told about and, on Linux, every
 * process whose environment carries this supervisor's session path (`__COMFY_CLI_SESSION__` for
 * ComfyUI, `COMFYVISOR_SESSION` for the sync; set before their first instruction and inherited by
 * their children), so a ComfyUI spawned a moment before the kill, not yet announced, and a sync
 * under way are caught too. SIGTERM, then SIGKILL a second later.
 */
const SCRIPT = [
  'S="$1"',
  'groups=""',
  'while IFS= read -r line; do',
  '  case "$line" in',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  '    +*) groups="$groups ${line#+}" ;;',
  // shell builtins only: this runs as ComfyUI exits, beside the restart
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
  '    -*) g="${line#-}"; kept=""; for x in $groups; do [ "$x" = "$g" ] || kept="$kept $x"; done; groups="$kept" ;;',
  '    =) exit 0 ;;',
  '  esac',
  'done',
  'scan() { [ -n "$S" ] && [ -r /proc/self/environ ] && grep -lsxzF -e "__COMFY_CLI_SESSION__=$S" -e "COMFYVISOR_SESSION=$S" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3; }',
  'hit() { for p in "$@"; do kill "-$sig" "-$p" 2>/dev/null || kill "-$sig" "$p" 2>/dev/null; done; }',
  'sig=TERM; first=$(printf "%s\\n" $groups $(scan) | sort -un); hit $first',
  // a child between fork and exec shows the session only once it has exec'd: look again
  'sleep 0.2; second=$(scan | grep -vxF "$first"); hit $second',
  '[ -z "$first$second" ] && exit 0',
  'sleep 1; sig=KILL; hit $first $second $(scan)',
].join('\n');

export interface Reaper {
  /** ComfyUI's process group (its pid, as it leads its own group). */
  watch(pgid: number): void;
  forget(pgid: number): void;
  /** Says goodbye and closes the lifeline without killing anything (a clean stop). */
  close(): void;
  readonly pid: number | undefined;
}

/** Starts the lifeline for the supervisor whose ComfyUI carries `session` in its environment. */
export function startReaper(session: string, platform: NodeJS.Platform = process.platform): Reaper | null {
  if (platform === 'win32' || !existsSync('/bin/sh')) return null;
  const child: ChildProcess = spawn('/bin/sh', ['-c', SCRIPT, 'comfyvisor-lifeline', session], {
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
    close: () => {
      send('=');
      child.stdin?.end();
    },
  };
}
