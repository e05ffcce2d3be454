import { describe, expect, it } from 'vitest';
import { splitComfyuiArgs } from './run-args.ts';
import {
  launchdPlist,
  type ServiceSpec,
  stopTimeoutS,
  systemdUnit,
  systemdWord,
  workspaceOfUnit,
} from './service-units.ts';

const spec: ServiceSpec = {
  name: 'comfyvisor',
  workspace: '/srv/comfy git',
  environment: 'env1',
  comfyuiArgs: ['--port', '8188'],
  node: '/usr/bin/node',
  cli: '/usr/lib/node_modules/@comfyvisor/cli/dist/bundle/bin.js',
  stopGraceS: 10,
  path: '/usr/bin:/bin',
  user: false,
  runAs: 'comfy',
};

describe('service definitions', () => {
  it('systemd words: plain words stay, % and $ are escaped, the rest is quoted C-style', () => {
    expect(systemdWord('--port')).toBe('--port');
    expect(systemdWord('50%')).toBe('50%%');
    expect(systemdWord('$HOME')).toBe('"$$HOME"');
    expect(systemdWord('$HOME', { expandsVariables: false })).toBe('"$HOME"');
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(systemdWord('')).toBe('""');
  });

  it("the stop timeout leaves the supervisor time beyond ComfyUI's grace", () => {
    expect(stopTimeoutS(10)).toBe(25);
    expect(stopTimeoutS(2.5)).toBe(18);
  });

  it('a system unit runs as the installing user; a user unit has no User= and wants default.target', () => {
    const system = systemdUnit(spec).split('\n');
    expect(system).toContain('User=comfy');
    expect(system).toContain('WantedBy=multi-user.target');
    expect(system).toContain('Environment="COMFYGIT_HOME=/srv/comfy git"');
    expect(system).toContain(
      'ExecStart=/usr/bin/node /usr/lib/node_modules/@comfyvisor/cli/dist/bundle/bin.js run --workspace "/srv/comfy git" --environment env1 --args --port 8188',
    );
    const user = systemdUnit({ ...spec, user: true }).split('\n');
    expect(user.some((line) => line.startsWith('User='))).toBe(false);
    expect(user).toContain('WantedBy=default.target');
    expect(user[0]).toContain('comfyvisor service uninstall --user --name comfyvisor');
  });

  it('a plist escapes XML and keeps "--" out of its comment', () => {
    const plist = launchdPlist({ ...spec, comfyuiArgs: ['<a&b>'], name: 'x--y' });
    expect(plist).toContain('<string>&lt;a&amp;b&gt;</string>');
    const comments = plist.match(/<!--[\s\S]*?-->/g) ?? [];
    expect(comments).toHaveLength(2);
    for (const comment of comments) expect(comment.slice(4, -3)).not.toContain('--');
    expect(plist).toContain('<integer>25</integer>');
  });

  it('`service install ... -- <args>` hands the args after -- to ComfyUI', () => {
    expect(splitComfyuiArgs(['service', 'install', '--workspace', 'W', '--', '--port', '1'])).toEqual({
      own: ['service', 'install', '--workspace', 'W'],
      comfyui: ['--port', '1'],
    });
  });

  it('both kinds record the workspace they run, and it reads back exactly (dashes, quotes, %, backslashes)', () => {
    const odd = '/srv/a--b/"q" 50% \\x';
    for (const text of [systemdUnit({ ...spec, workspace: odd }), launchdPlist({ ...spec, workspace: odd })])
      expect(workspaceOfUnit(text)).toBe(odd);
    expect(workspaceOfUnit(systemdUnit(spec))).toBe('/srv/comfy git');
    expect(workspaceOfUnit('# comfyvisor-managed: an older unit\n[Unit]\n')).toBeNull();
    expect(workspaceOfUnit('# comfyvisor-workspace: "unterminated\n')).toBeNull();
  });
});
