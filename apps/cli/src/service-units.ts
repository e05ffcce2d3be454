/** What a service definition runs: the same `comfyvisor run` a person would type. */
export interface ServiceSpec {
  name: string;
  workspace: string;
  environment: string;
  /** ComfyUI's own arguments (after `--args`). */
  comfyuiArgs: string[];
  /** Absolute path of node. */
  node: string;
  /** Absolute path of the CLI's entry (dist/bundle/bin.js). */
  cli: string;
  /** The supervisor's SIGTERM-to-SIGKILL grace for ComfyUI, from the config. */
  stopGraceS: number;
  /** `PATH` for the service (node's folder first, so `cg` and tools resolve as in a shell). */
  path: string;
  /** systemd only: a user manager's unit (`--user`) or a system one. */
  user: boolean;
  /** systemd system units only: run as this account. */
  runAs?: string | undefined;
  /** launchd only: where the service's own output goes. */
  logFile?: string | undefined;
}

/** The first line of every file we write; `service uninstall` removes only files that carry it. */
export const SERVICE_MARKER = 'comfyvisor-managed';

/** The second line of every file we write: the workspace it runs, as a JSON string. */
export const WORKSPACE_MARKER = 'comfyvisor-workspace';

/** `workspace` as a JSON string that fits in an XML comment too (no `--` in it). */
function workspaceWord(workspace: string): string {
  return JSON.stringify(workspace).replace(/-/g, '\\u002d');
}

/** The workspace a file we wrote runs (from its second line), or null (an older file, or not ours). */
export function workspaceOfUnit(head: string): string | null {
  const match = /comfyvisor-workspace: ("(?:[^"\\\n]|\\.)*")/.exec(head);
  if (!match) return null;
  try {
    const value: unknown = JSON.parse(match[1] as string);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** Time systemd/launchd give a stop: the grace for ComfyUI plus room for the supervisor to finish. */
export function stopTimeoutS(stopGraceS: number): number {
  return Math.ceil(stopGraceS) + 15;
}

/** The command line of the service, as argv. */
export function serviceArgv(spec: ServiceSpec): string[] {
  return [
    spec.node,
    spec.cli,
    'run',
    '--workspace',
    spec.workspace,
    '--environment',
    spec.environment,
    '--args',
    ...spec.comfyuiArgs,
  ];
}

/**
 * One word of a systemd setting: `%` (specifiers) escaped, `$` too where variables expand
 * (`ExecStart=`, not `Environment=`), quoted when it holds anything unusual.
 */
export function systemdWord(word: string, options: { expandsVariables?: boolean } = {}): string {
  const percent = word.replace(/%/g, '%%');
  const escaped = options.expandsVariables === false ? percent : percent.replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A systemd unit: KillMode=mixed (TERM to the supervisor, KILL to what is left after the timeout). */
export function systemdUnit(spec: ServiceSpec): string {
  const env = (key: string, value: string) =>
    `Environment=${systemdWord(`${key}=${value}`, { expandsVariables: false })}`;
  const lines = [
    `# ${SERVICE_MARKER}: written by \`comfyvisor service install\`; \`comfyvisor service uninstall${spec.user ? ' --user' : ''} --name ${spec.name}\` removes it.`,
    `# ${WORKSPACE_MARKER}: ${workspaceWord(spec.workspace)}`,
    '[Unit]',
    `Description=ComfyUI supervised by comfyvisor (${spec.environment} in ${spec.workspace.replace(/%/g, '%%')})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(spec.runAs && !spec.user ? [`User=${spec.runAs}`] : []),
    `WorkingDirectory=${spec.workspace.replace(/%/g, '%%')}`,
    env('COMFYGIT_HOME', spec.workspace),
    env('PATH', spec.path),
    `ExecStart=${serviceArgv(spec)
      .map((word) => systemdWord(word))
      .join(' ')}`,
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopTimeoutS(spec.stopGraceS)}`,
    '# A give-up after a crash loop exits non-zero: systemd tries again later.',
    'Restart=on-failure',
    'RestartSec=10',
    '',
    '[Install]',
    `WantedBy=${spec.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The launchd label of a service name. */
export function launchdLabel(name: string): string {
  return `org.comfyvisor.${name}`;
}

/** A launchd agent: started at load, restarted after a non-zero exit, given the stop timeout. */
export function launchdPlist(spec: ServiceSpec): string {
  const string = (value: string) => `<string>${xml(value)}</string>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    // No "--" may appear inside an XML comment: no flags, no name here.
    `<!-- ${SERVICE_MARKER}: written by comfyvisor service install; comfyvisor service uninstall removes it. -->`,
    // A comment's text is not unescaped by XML readers: the JSON string goes in as it is.
    `<!-- ${WORKSPACE_MARKER}: ${workspaceWord(spec.workspace)} -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${string(launchdLabel(spec.name))}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...serviceArgv(spec).map((arg) => `    ${string(arg)}`),
    '  </array>',
    '  <key>WorkingDirectory</key>',
    `  ${string(spec.workspace)}`,
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    '    <key>COMFYGIT_HOME</key>',
    `    ${string(spec.workspace)}`,
    '    <key>PATH</key>',
    `    ${string(spec.path)}`,
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>ExitTimeOut</key>',
    `  <integer>${stopTimeoutS(spec.stopGraceS)}</integer>`,
    ...(spec.logFile
      ? [
          '  <key>StandardOutPath</key>',
          `  ${string(spec.logFile)}`,
          '  <key>StandardErrorPath</key>',
          `  ${string(spec.logFile)}`,
        ]
      : []),
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}
