import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeProc, type FakeProcess } from '@comfyvisor/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findOrphans } from './orphans.ts';

const WS = '/srv/comfygit';
const SELF = 9000;

const supervisor = (pid: number, ppid = 1): FakeProcess => ({
  pid,
  ppid,
  cmdline: [`comfyvisor supervisor ${WS}`],
});

function comfyui(pid: number, ppid: number, extra: Partial<FakeProcess> = {}): FakeProcess {
  return {
    pid,
    ppid,
    cmdline: [
      `${WS}/environments/env1/.venv/bin/python`,
      `${WS}/environments/env1/ComfyUI/main.py`,
      '--port',
      '8188',
    ],
    cwd: `${WS}/environments/env1/ComfyUI`,
    environ: {
      COMFYGIT_SUPERVISED: '1',
      __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-${ppid}`,
    },
    ...extra,
  };
}

async function orphansOf(processes: FakeProcess[], workspace = WS) {
  const proc = createFakeProc({
    processes: [
      { pid: 1, ppid: 0, cmdline: ['/sbin/init'] },
      { pid: SELF, ppid: 1, cmdline: ['node'] },
      ...processes,
    ],
  });
  onTestFinished(proc.cleanup); // a test may build several
  return findOrphans(workspace, { procRoot: proc.root, platform: 'linux', selfPid: SELF });
}

describe('findOrphans (fake /proc)', () => {
  it('a ComfyUI whose supervisor (named by its session) is gone is an orphan; its children come with it', async () => {
    const orphans = await orphansOf([
      {
        ...comfyui(200, 1),
        environ: {
          COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-150`,
        },
      },
      {
        pid: 201,
        ppid: 200,
        cmdline: ['python', '-c', 'worker'],
        environ: {
          COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-150`,
        },
      },
      { pid: 202, ppid: 201, cmdline: ['ffmpeg'] },
    ]);
    expect(orphans).toEqual([
      {
        pid: 200,
        commandLine: [
          `${WS}/environments/env1/.venv/bin/python`,
          `${WS}/environments/env1/ComfyUI/main.py`,
          '--port',
          '8188',
        ],
        supervisorPid: 150,
        reason: 'supervisor_gone',
        environment: 'env1',
        descendants: [201, 202],
      },
    ]);
  });

  it('the child of a live supervisor is not an orphan (directly, or under a wrapper such as tini or setpriv)', async () => {
    expect(await orphansOf([supervisor(100), comfyui(101, 100)])).toEqual([]);
    expect(
      await orphansOf([
        supervisor(100),
        { pid: 110, ppid: 100, cmdline: ['setpriv'] },
        comfyui(111, 110, {
          environ: {
            COMFYGIT_SUPERVISED: '1',
            __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-100`,
          },
        }),
      ]),
    ).toEqual([]);
  });

  it('a session pid now held by a process that is not a supervisor: pid reused', async () => {
    const orphans = await orphansOf([
      { pid: 150, ppid: 1, cmdline: ['sleep', '100'] },
      comfyui(200, 1, {
        environ: {
          COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-150`,
        },
      }),
    ]);
    expect(orphans).toMatchObject([{ pid: 200, supervisorPid: 150, reason: 'supervisor_pid_reused' }]);
  });

  it('a session naming a live supervisor is left alone even when that is not its parent', async () => {
    const orphans = await orphansOf([
      supervisor(150),
      comfyui(200, 1, {
        environ: {
          COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-150`,
        },
      }),
    ]);
    expect(orphans).toEqual([]);
  });

  it('a session naming a supervisor that started after the ComfyUI did: pid reused by another supervisor', async () => {
    const proc = createFakeProc({
      processes: [
        { pid: 1, ppid: 0, cmdline: ['/sbin/init'] },
        supervisor(150),
        comfyui(200, 1, {
          environ: {
            COMFYGIT_SUPERVISED: '1',
            __COMFY_CLI_SESSION__: `${WS}/.metadata/.comfyvisor-session-150`,
          },
        }),
      ],
    });
    onTestFinished(proc.cleanup);
    // field 22 of stat: the start, in clock ticks since boot
    const stat = (pid: number, ticks: number) =>
      writeFileSync(
        join(proc.root, String(pid), 'stat'),
        `${pid} (x) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 0 0\n`,
      );
    stat(150, 9_000);
    stat(200, 5_000);
    const options = { procRoot: proc.root, platform: 'linux' as const, selfPid: SELF };
    expect(await findOrphans(WS, options)).toMatchObject([
      { pid: 200, supervisorPid: 150, reason: 'supervisor_pid_reused' },
    ]);
    stat(150, 4_000);
    expect(await findOrphans(WS, options)).toEqual([]);
  });

  it('matched by its paths alone (the Python supervisor sets no session of ours): no_supervisor', async () => {
    const orphans = await orphansOf([comfyui(300, 1, { environ: { COMFYGIT_SUPERVISED: '1' } })]);
    expect(orphans).toMatchObject([
      { pid: 300, supervisorPid: null, reason: 'no_supervisor', environment: 'env1' },
    ]);
  });

  it('not supervised, another workspace, another session folder, or this very process: not ours', async () => {
    const orphans = await orphansOf([
      comfyui(300, 1, { environ: { PATH: '/usr/bin' } }),
      comfyui(301, 1, {
        cmdline: ['/other/environments/env1/.venv/bin/python', '/other/environments/env1/ComfyUI/main.py'],
        cwd: '/other/environments/env1/ComfyUI',
        environ: {
          COMFYGIT_SUPERVISED: '1',
          __COMFY_CLI_SESSION__: '/other/.metadata/.comfyvisor-session-5',
        },
      }),
      comfyui(302, 1, {
        cmdline: ['python', 'main.py'],
        cwd: '/tmp',
        environ: { COMFYGIT_SUPERVISED: '1', __COMFY_CLI_SESSION__: `${WS}/elsewhere/.comfyvisor-session-5` },
      }),
      comfyui(303, 1, {
        cmdline: ['python', `${WS}/environments/env1/custom_nodes/x.py`],
        cwd: '/',
        environ: { COMFYGIT_SUPERVISED: '1' },
      }),
    ]);
    expect(orphans).toEqual([]);
  });

  it('a zombie is not an orphan (nothing left to stop); a session alone (cwd elsewhere) is enough', async () => {
    const orphans = await orphansOf([
      comfyui(400, 1, { state: 'Z' }),
      comfyui(401, 1, { cmdline: ['python', 'main.py'], cwd: '/somewhere/else' }),
    ]);
    expect(orphans).toMatchObject([
      { pid: 401, supervisorPid: 1, reason: 'supervisor_pid_reused', environment: null },
    ]);
  });

  it('macOS: command lines from ps (no environment to read)', async () => {
    const run = async () =>
      [
        '    1     0 /sbin/launchd',
        `   10     1 comfyvisor supervisor ${WS}`,
        `   11    10 ${WS}/environments/a/.venv/bin/python ${WS}/environments/a/ComfyUI/main.py`,
        `   20     1 ${WS}/environments/b/.venv/bin/python ${WS}/environments/b/ComfyUI/main.py`,
      ].join('\n');
    const orphans = await findOrphans(WS, { platform: 'darwin', run, selfPid: 99 });
    expect(orphans).toMatchObject([{ pid: 20, environment: 'b', reason: 'no_supervisor' }]);
    expect(await findOrphans(WS, { platform: 'win32' })).toEqual([]);
  });
});
