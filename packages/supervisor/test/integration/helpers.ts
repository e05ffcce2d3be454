import { join } from 'node:path';
import { metadataDir, readControlPort, readSwitchStatus, type SwitchState } from '@comfyvisor/ipc-files';
import {
  createWorkspace,
  type FakeBehaviour,
  freePort,
  httpJson,
  type TestWorkspace,
  track,
  waitFor,
} from '@comfyvisor/testkit';
import { execa, type ResultPromise } from 'execa';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'run-supervisor.mjs');

export interface Running {
  ws: TestWorkspace;
  port: number;
  sup: ResultPromise<{ reject: false; all: true }>;
  controlUrl: string;
  stats(): Promise<{ status: number; body: any }>;
  exitComfyui(code: number): Promise<void>;
  waitState(state: SwitchState, timeoutMs?: number): Promise<void>;
}

/** A workspace plus a real supervisor process on it, ready (ComfyUI listening, control port written). */
export async function startSupervised(
  options: {
    orchestrator?: Record<string, unknown>;
    comfyui?: Record<string, unknown>;
    behaviour?: Record<string, FakeBehaviour>;
    torchVersion?: string;
    env?: string;
  } = {},
): Promise<Running> {
  const controlPort = await freePort();
  const ws = await createWorkspace({
    behaviour: options.behaviour,
    torchVersion: options.torchVersion ?? null,
    config: {
      orchestrator: {
        sync_enabled: false,
        stop_grace_s: 1,
        control_port_range: [controlPort, controlPort + 30],
        health_check_timeout_s: 20,
        switch_status_clear_s: 30,
        ...options.orchestrator,
      },
      ...(options.comfyui ? { comfyui: options.comfyui } : {}),
    },
  });
  const port = await freePort();
  const sup = track(
    execa(process.execPath, [FIXTURE, ws.root, options.env ?? 'env1', '--port', String(port)], {
      reject: false,
      all: true,
    }),
  );
  const dir = metadataDir(ws.root);
  const cport = await waitFor(() => readControlPort(dir), { message: 'the control port file' });
  const controlUrl = `http://127.0.0.1:${cport}`;
  return {
    ws,
    port,
    sup,
    controlUrl,
    stats: () => httpJson(`http://127.0.0.1:${port}/system_stats`),
    async exitComfyui(code) {
      await httpJson(`http://127.0.0.1:${port}/exit/${code}`, { method: 'POST' });
    },
    async waitState(state, timeoutMs = 20_000) {
      await waitFor(async () => (await readSwitchStatus(dir))?.state === state, {
        timeoutMs,
        intervalMs: 10,
        message: `switch state ${state}`,
      });
    },
  };
}

/** Index of the last event so far (to wait for the next ones). */
export async function lastIndex(ws: TestWorkspace): Promise<number> {
  const events = await ws.events();
  return events.length ? (events.at(-1)?.index ?? -1) : -1;
}
