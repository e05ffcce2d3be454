import { comfyuiAddress, comfyuiUrl, probeHttp } from '@comfyvisor/health';
import { readControlPort, readStartupState } from '@comfyvisor/ipc-files';
import { metadataOf, resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';
import { getJson } from '../http-get.ts';

/** Switch states during which ComfyUI is coming or going: not ready. */
const SWITCHING = new Set(['preparing', 'syncing', 'starting', 'validating', 'rolling_back', 'recovering']);

export interface ProbeOptions {
  workspace?: string;
  /** The whole probe's budget in ms (validated by commander). @default 3000 */
  timeout?: number;
}

type Verdict = { ok: boolean; message: string };

async function probeLive(
  dir: string,
  deadline: number,
): Promise<Verdict & { port?: number; health?: Record<string, unknown> }> {
  const port = await readControlPort(dir);
  if (port === null) return { ok: false, message: 'no control port: the supervisor is not running' };
  const answer = await getJson(`http://127.0.0.1:${port}/health`, deadline - Date.now());
  if (!answer.ok || answer.body.status !== 'alive')
    return { ok: false, message: `the control API on port ${port} does not answer /health` };
  const health = answer.body;
  return { ok: true, port, health, message: `supervisor pid ${health.pid} answers on port ${port}` };
}

async function probeReady(dir: string, deadline: number): Promise<Verdict> {
  const live = await probeLive(dir, deadline);
  if (!live.ok || live.port === undefined) return live;
  // /health was just read by probeLive: only /status and the startup state are left to read.
  const [answer, startup] = await Promise.all([
    getJson(`http://127.0.0.1:${live.port}/status`, deadline - Date.now()),
    readStartupState(dir),
  ]);
  const comfyui = live.health?.comfyui as { running?: unknown; pid?: unknown } | undefined;
  if (comfyui?.running !== true) return { ok: false, message: 'ComfyUI is not running' };
  if (!answer.ok) return { ok: false, message: 'the control API does not answer /status' };
  const status = answer.body;
  if (typeof status.state === 'string' && SWITCHING.has(status.state))
    return { ok: false, message: `a switch is in progress (${status.state})` };
  if (startup?.port == null)
    return { ok: false, message: "ComfyUI's port is unknown (no .startup_state.json)" };
  const url = comfyuiUrl(comfyuiAddress(startup.argv, { port: startup.port }));
  const probe = await probeHttp(url, Math.max(1, deadline - Date.now()));
  if (!probe.ok) return { ok: false, message: `ComfyUI does not answer ${url} (${probe.reason})` };
  return { ok: true, message: `ComfyUI pid ${comfyui.pid} answers ${url}` };
}

/** `comfyvisor probe live|ready`: exit 0 or 1, one line; for exec probes (Kubernetes, scripts). */
export async function probeCommand(kind: string, options: ProbeOptions): Promise<number> {
  if (kind !== 'live' && kind !== 'ready') throw new UserError(`unknown probe "${kind}" (live or ready)`, 2);
  const timeoutMs = options.timeout ?? 3000;
  const dir = metadataOf(resolveWorkspace(options.workspace));
  const deadline = Date.now() + timeoutMs;
  const verdict = await (kind === 'live' ? probeLive(dir, deadline) : probeReady(dir, deadline));
  process.stdout.write(`${verdict.ok ? kind : `not ${kind}`}: ${verdict.message}\n`);
  return verdict.ok ? 0 : 1;
}
