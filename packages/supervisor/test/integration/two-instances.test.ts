// The core without the .metadata wire: two supervisors of two fake ComfyUIs in this one process
// (as a worker runs them), restarted and stopped independently, sharing one lifeline.
import { join } from 'node:path';
import { createWorkspace, freePort, httpJson } from '@comfyvisor/testkit';
import { describe, expect, it, vi } from 'vitest';
import { createSupervisor } from '../../src/create-supervisor.ts';
import { startReaper } from '../../src/reaper.ts';
import type { SupervisorEvent } from '../../src/supervisor-event.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('several cores in one process', () => {
  it('two supervisors run two ComfyUIs; a restart and a stop of one leave the other alone', async () => {
    const ws = await createWorkspace();
    const reaper = startReaper(join(ws.metadataDir, 'worker-session'));
    const instances = await Promise.all(
      ['env1', 'env2'].map(async (environment) => {
        const port = await freePort();
        const events: SupervisorEvent[] = [];
        const sup = createSupervisor({
          workspace: ws.root,
          environment,
          args: ['--port', String(port)],
          session: join(ws.metadataDir, `session-${environment}`),
          settings: { livenessIntervalMs: 60_000, stopGraceMs: 2_000 },
          logger: quiet,
          record: (event) => events.push(event),
          reaper,
        });
        return { sup, port, events, done: sup.run() };
      }),
    );
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const ready = (i: typeof a, n: number) =>
      vi.waitFor(() => expect(i.events.filter((e) => e.type === 'comfyui_ready')).toHaveLength(n), {
        timeout: 15_000,
        interval: 20,
      });
    await Promise.all([ready(a, 1), ready(b, 1)]);
    const pidOf = (i: typeof a) => i.sup.snapshot().comfyui?.pid;
    const [a1, b1] = [pidOf(a), pidOf(b)];
    expect((await httpJson(`http://127.0.0.1:${a.port}/system_stats`)).status).toBe(200);
    expect((await httpJson(`http://127.0.0.1:${b.port}/system_stats`)).status).toBe(200);

    a.sup.send({ command: 'restart' });
    await ready(a, 2);
    expect(pidOf(a)).not.toBe(a1);
    expect(pidOf(b)).toBe(b1);
    expect(b.events.filter((e) => e.type === 'comfyui_start')).toHaveLength(1);

    b.sup.send({ command: 'shutdown' });
    expect(await b.done).toBe(0);
    expect(b.sup.snapshot().comfyui?.running).toBe(false);
    expect(a.sup.snapshot().comfyui?.running).toBe(true);
    expect((await httpJson(`http://127.0.0.1:${a.port}/system_stats`)).status).toBe(200);

    a.sup.send({ command: 'shutdown' });
    expect(await a.done).toBe(0);
    reaper?.close();
    const envs = (await ws.events()).filter((e) => e.event === 'started').map((e) => e.env);
    expect(envs.sort()).toEqual(['env1', 'env1', 'env2']);
  });
});
