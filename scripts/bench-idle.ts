// `tsx scripts/bench-idle.ts`: only the idle CPU figure of `pnpm bench` (its parts 5 + 6), with
// every watchdog on and, for comparison, off: a supervised fake ComfyUI, a settle, then the
// supervisor's own CPU over a window. BENCH_SETTLE_S (20), BENCH_IDLE_S (60).
import { spawn } from 'node:child_process';
import { metadataDir, readControlPort } from '@comfyvisor/ipc-files';
import { buildFakeNvidiaSmi, createWorkspace, freePort, track, waitFor } from '@comfyvisor/testkit';
import { CLI, idleCpu, memoryOf, sleep } from './bench-lib.ts';

async function measure(watchdogs: boolean, gpu = watchdogs) {
  const smi = gpu ? buildFakeNvidiaSmi({ apps: [] }) : null;
  const hourAgo = new Date(Date.now() - 3_600_000);
  const ws = await createWorkspace({
    config: {
      orchestrator: {
        sync_enabled: false,
        control_port_range: [await freePort(), 65000],
        ...(watchdogs
          ? {
              restart_rss_mb: 1_000_000,
              restart_vram_mb: 1_000_000,
              restart_daily_at: [`${hourAgo.getHours()}:${String(hourAgo.getMinutes()).padStart(2, '0')}`],
              idle_free_s: 60,
            }
          : {}),
      },
    },
  });
  const port = await freePort();
  const sup = track(
    spawn(
      process.execPath,
      [CLI, 'run', '--workspace', ws.root, '--environment', 'env1', '--args', '--port', String(port)],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
        env: smi ? { ...process.env, PATH: `${smi.dir}:${process.env.PATH}` } : process.env,
      },
    ),
  );
  await waitFor(() => readControlPort(metadataDir(ws.root)));
  await ws.waitForEvent({ event: 'listening' });
  await sleep(Number(process.env.BENCH_SETTLE_S ?? 20) * 1000);
  const cpu = await idleCpu(sup.pid as number, Number(process.env.BENCH_IDLE_S ?? 60));
  const rss = memoryOf(sup.pid as number).rss;
  sup.kill('SIGTERM');
  await new Promise((r) => sup.once('exit', r));
  await ws.cleanup();
  return { cpu, rss };
}

const only = process.env.BENCH_IDLE_ONLY; // 'on', 'off' or 'nogpu': one of the three
const runs: Array<[string, boolean, boolean]> = [
  ['every watchdog on', true, true],
  ['watchdogs on, no nvidia-smi', true, false],
  ['watchdogs off', false, false],
];
for (const [name, on, gpu] of runs) {
  if (only && only !== (on ? (gpu ? 'on' : 'nogpu') : 'off')) continue;
  const figure = await measure(on, gpu);
  console.log(
    `idle CPU, ${name}: median ${figure.cpu.median.toFixed(3)} ms/s (target ≤ 0.5), mean ${figure.cpu.mean.toFixed(3)}, RSS ${figure.rss.toFixed(1)} MB`,
  );
}
process.exit(0);
