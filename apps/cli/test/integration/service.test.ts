import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorkspace } from '@comfyvisor/testkit';
import { describe, expect, it } from 'vitest';
import { BIN, cli, oneLine } from './helpers.ts';

const unitDir = () => mkdtempSync(join(tmpdir(), 'comfyvisor-units-'));
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

async function workspace() {
  return createWorkspace({ environments: ['env1', 'flux'], config: { orchestrator: { stop_grace_s: 20 } } });
}

describe('comfyvisor service install|uninstall (systemd)', () => {
  it('writes a unit that runs `comfyvisor run` with the ComfyUI args, KillMode=mixed, a stop timeout above the grace', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const install = await cli([
      'service',
      'install',
      '--workspace',
      ws.root,
      '--environment',
      'flux',
      '--name',
      'comfyui-flux',
      '--unit-dir',
      dir,
      '--',
      '--listen',
      '0.0.0.0',
      '--port',
      '8190',
      'with space',
      '50%',
    ]);
    expect(install.exitCode).toBe(0);
    const file = join(dir, 'comfyui-flux.service');
    expect(install.stdout.split('\n')).toEqual([
      `wrote ${file} (stop timeout 35 s, ComfyUI's grace 20 s)`,
      'enable and start it with:',
      '  sudo systemctl daemon-reload',
      '  sudo systemctl enable --now comfyui-flux.service',
      '  journalctl -u comfyui-flux -f',
    ]);
    const unit = readFileSync(file, 'utf8');
    expect(unit.split('\n')[0]).toMatch(/^# comfyvisor-managed: /);
    const lines = unit.split('\n');
    expect(lines).toContain('KillMode=mixed');
    expect(lines).toContain('TimeoutStopSec=35');
    expect(lines).toContain('Restart=on-failure');
    expect(lines).toContain('WantedBy=multi-user.target');
    expect(lines).toContain(`WorkingDirectory=${ws.root}`);
    expect(lines).toContain(`Environment=COMFYGIT_HOME=${ws.root}`);
    expect(lines).toContain(
      `ExecStart=${process.execPath} ${realpathSync(BIN)} run --workspace ${ws.root} --environment flux --args --listen 0.0.0.0 --port 8190 "with space" 50%%`,
    );
    if (hasSystemdAnalyze) {
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
    }
    // The same name again: ours, so it is updated in place.
    const again = await cli([
      'service',
      'install',
      '--workspace',
      ws.root,
      '--name',
      'comfyui-flux',
      '--unit-dir',
      dir,
    ]);
    expect(again.stdout.split('\n')[0]).toBe(`updated ${file} (stop timeout 35 s, ComfyUI's grace 20 s)`);
    expect(readFileSync(file, 'utf8')).toContain('--environment env1 --args\n');
  });

  it('--user: a user unit (default.target, linger hint); the ExecStart words are escaped for systemd', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const odd = ['$HOME', 'quote"d', 'back\\slash'];
    const install = await cli([
      'service',
      'install',
      '--user',
      '--workspace',
      ws.root,
      '--unit-dir',
      dir,
      '--',
      ...odd,
    ]);
    expect(install.exitCode).toBe(0);
    expect(install.stdout).toContain('systemctl --user enable --now comfyvisor.service');
    expect(install.stdout).toContain('loginctl enable-linger');
    const file = join(dir, 'comfyvisor.service');
    expect(readFileSync(file, 'utf8')).toContain('WantedBy=default.target');
    if (hasSystemdAnalyze) {
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
    }
    expect(readFileSync(file, 'utf8')).toContain('"$$HOME" "quote\\"d" "back\\\\slash"');
  });

  it('--dry-run prints the unit and writes nothing', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const dry = await cli(['service', 'install', '--workspace', ws.root, '--unit-dir', dir, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`# would write ${join(dir, 'comfyvisor.service')}`);
    expect(dry.stdout).toContain('KillMode=mixed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('uninstall removes our unit and its enablement link, and nothing that is not ours', async () => {
    const ws = await workspace();
    const dir = unitDir();
    expect((await cli(['service', 'install', '--workspace', ws.root, '--unit-dir', dir])).exitCode).toBe(0);
    mkdirSync(join(dir, 'multi-user.target.wants'));
    symlinkSync(join(dir, 'comfyvisor.service'), join(dir, 'multi-user.target.wants', 'comfyvisor.service'));
    const removed = await cli(['service', 'uninstall', '--unit-dir', dir]);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toContain(`removed ${join(dir, 'comfyvisor.service')}`);
    expect(existsSync(join(dir, 'comfyvisor.service'))).toBe(false);
    expect(readdirSync(join(dir, 'multi-user.target.wants'))).toEqual([]);

    const missing = await cli(['service', 'uninstall', '--unit-dir', dir]);
    expect(missing.exitCode).toBe(1);
    oneLine(missing.stderr);
    writeFileSync(join(dir, 'nginx.service'), '[Service]\nExecStart=/usr/sbin/nginx\n');
    const foreign = await cli(['service', 'uninstall', '--name', 'nginx', '--unit-dir', dir]);
    expect(foreign.exitCode).toBe(1);
    expect(foreign.stderr).toBe(
      `comfyvisor: ${join(dir, 'nginx.service')} was not written by comfyvisor; leaving it alone`,
    );
    expect(existsSync(join(dir, 'nginx.service'))).toBe(true);
  });

  it('one service name runs one workspace: a second workspace is refused, uninstall --workspace removes only its own', async () => {
    const first = await workspace();
    const second = await workspace();
    const dir = unitDir();
    const file = join(dir, 'comfyvisor.service');
    expect((await cli(['service', 'install', '--workspace', first.root, '--unit-dir', dir])).exitCode).toBe(
      0,
    );
    const unit = readFileSync(file, 'utf8');
    expect(unit.split('\n')[1]).toBe(
      `# comfyvisor-workspace: ${JSON.stringify(first.root).replace(/-/g, '\\u002d')}`,
    );

    // The same (default) name for another workspace: refused in one line, the first one's unit untouched.
    const takeover = await cli(['service', 'install', '--workspace', second.root, '--unit-dir', dir]);
    expect(takeover.exitCode).toBe(1);
    oneLine(takeover.stderr);
    expect(takeover.stderr).toBe(
      `comfyvisor: the service comfyvisor (${file}) runs the workspace ${first.root}, not ${second.root}; will not replace it (choose another --name, or \`comfyvisor service uninstall --name comfyvisor\` first)`,
    );
    expect(readFileSync(file, 'utf8')).toBe(unit);
    // Under a name of its own it is installed beside the first.
    const beside = await cli([
      'service',
      'install',
      '--workspace',
      second.root,
      '--name',
      'second',
      '--unit-dir',
      dir,
    ]);
    expect(beside.exitCode).toBe(0);

    // uninstall takes --workspace and names the unit the same way: another workspace's unit stays.
    const wrong = await cli(['service', 'uninstall', '--workspace', second.root, '--unit-dir', dir]);
    expect(wrong.exitCode).toBe(1);
    oneLine(wrong.stderr);
    expect(wrong.stderr).toMatch(/runs the workspace .*; will not remove it \(choose another --name\)$/);
    expect(readFileSync(file, 'utf8')).toBe(unit);
    const mine = await cli([
      'service',
      'uninstall',
      '--workspace',
      second.root,
      '--name',
      'second',
      '--unit-dir',
      dir,
    ]);
    expect(mine.exitCode).toBe(0);
    expect((await cli(['service', 'uninstall', '--workspace', first.root, '--unit-dir', dir])).exitCode).toBe(
      0,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a unit of ours without a recorded workspace (an older comfyvisor) is not taken over either', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const older =
      '# comfyvisor-managed: written by `comfyvisor service install`\n[Service]\nExecStart=/bin/true\n';
    writeFileSync(join(dir, 'comfyvisor.service'), older);
    const install = await cli(['service', 'install', '--workspace', ws.root, '--unit-dir', dir]);
    expect(install.exitCode).toBe(1);
    expect(install.stderr).toMatch(/runs an unrecorded workspace, not /);
    expect(readFileSync(join(dir, 'comfyvisor.service'), 'utf8')).toBe(older);
    // Without --workspace, uninstall removes it as before.
    expect((await cli(['service', 'uninstall', '--unit-dir', dir])).exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bad input is one line, non-zero, and nothing is written', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const foreign = '[Service]\nExecStart=/usr/sbin/nginx\n';
    writeFileSync(join(dir, 'nginx.service'), foreign);
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['--name', 'nginx'],
        1,
        /nginx\.service exists and was not written by comfyvisor; choose another --name$/,
      ],
      [['--name', '../etc/passwd'], 2, /invalid service name/],
      [['--environment', 'nope'], 1, /environment "nope" does not exist/],
      [['--environment', '../x'], 2, /invalid environment name/],
      [['--kind', 'upstart'], 2, /unknown service kind "upstart"/],
    ];
    for (const [extra, code, message] of cases) {
      const result = await cli(['service', 'install', '--workspace', ws.root, '--unit-dir', dir, ...extra]);
      expect(result.exitCode, extra.join(' ')).toBe(code);
      oneLine(result.stderr);
      expect(result.stderr).toMatch(message);
    }
    const notWorkspace = await cli([
      'service',
      'install',
      '--workspace',
      ws.envDir('env1'),
      '--unit-dir',
      dir,
    ]);
    expect(notWorkspace.exitCode).toBe(1);
    expect(notWorkspace.stderr).toBe(
      `comfyvisor: not a ComfyGit workspace (no .metadata/ folder): ${ws.envDir('env1')}`,
    );
    const noWorkspace = await cli(['service', 'install', '--unit-dir', dir]);
    expect(noWorkspace.exitCode).toBe(2);
    oneLine(noWorkspace.stderr);
    expect(readdirSync(dir)).toEqual(['nginx.service']);
    expect(readFileSync(join(dir, 'nginx.service'), 'utf8')).toBe(foreign);
    expect(readdirSync(ws.metadataDir).sort()).toEqual(['orchestrator_config.json', 'workspace.json']);
  });
});

describe('comfyvisor service install (launchd)', () => {
  it('writes a plist that parses, with the arguments, KeepAlive on failure and the exit timeout', async () => {
    const ws = await workspace();
    const dir = unitDir();
    const install = await cli([
      'service',
      'install',
      '--kind',
      'launchd',
      '--workspace',
      ws.root,
      '--unit-dir',
      dir,
      '--',
      '--port',
      '8191',
      '<&>',
    ]);
    expect(install.exitCode).toBe(0);
    const file = join(dir, 'org.comfyvisor.comfyvisor.plist');
    expect(install.stdout).toContain(`launchctl bootstrap gui/$(id -u) ${file}`);
    const parsed = JSON.parse(
      execFileSync(
        'python3',
        ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file],
        {
          encoding: 'utf8',
        },
      ),
    );
    expect(parsed).toEqual({
      Label: 'org.comfyvisor.comfyvisor',
      ProgramArguments: [
        process.execPath,
        realpathSync(BIN),
        'run',
        '--workspace',
        ws.root,
        '--environment',
        'env1',
        '--args',
        '--port',
        '8191',
        '<&>',
      ],
      WorkingDirectory: ws.root,
      EnvironmentVariables: { COMFYGIT_HOME: ws.root, PATH: expect.stringContaining('/usr/bin') },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      ExitTimeOut: 35,
      StandardOutPath: join(ws.metadataDir, 'service.log'),
      StandardErrorPath: join(ws.metadataDir, 'service.log'),
    });
    expect((await cli(['service', 'uninstall', '--kind', 'launchd', '--unit-dir', dir])).exitCode).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
