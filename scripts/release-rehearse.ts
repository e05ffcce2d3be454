// `pnpm release:rehearse`: the release as a user meets it, on this machine, leaving nothing behind.
// 1. copies the working tree (tracked and untracked files, not ignored ones) to a temp folder,
//    installs it, and runs changesets' version step there (the real one: changelogs, fixed group);
// 2. starts a throw-away verdaccio (config and storage in the temp folder, no uplinks: whatever
//    the bins need must be in our own packages) and runs `pnpm release` against it;
// 3. installs @comfyvisor/cli and @comfyvisor/panel-bridge into an empty prefix from it, prints
//    their installed size, runs `--version` and a short `comfyvisor demo` (ready line, status,
//    Ctrl-C);
// 4. typechecks a consumer project against the installed types with TypeScript 5.0 exactly and
//    no skipLibCheck (third-party packages from the usual registry), then import()s and
//    require()s every package with this Node.
// The registry and the demo are killed and the temp folder removed however it ends.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(import.meta.dirname, '..');
const PACKAGES = [
  'ipc-files',
  'venv',
  'health',
  'processes',
  'detection',
  'supervisor',
  'worker',
  'cli',
  'panel-bridge',
].map((name) => `@comfyvisor/${name}`);
const CONSUMER_TYPESCRIPT = '5.0.4';
// the newest @types/node 20 that still declares support for TypeScript 5.0
const CONSUMER_TYPES_NODE = '20.17.28';

const started = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'comfyvisor-rehearse-'));
const children = new Set<ChildProcess>();

function step(message: string): void {
  console.log(`\n[rehearse ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd: options.cwd ?? tmp,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
}

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }
}

function cleanUp(): void {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

/** Starts a process in its own group (so the whole group can be killed), collecting its output. */
function start(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function sizeOf(dir: string): { packages: number; bytes: number } {
  let packages = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile()) {
      bytes += statSync(path).size;
      if (entry.name === 'package.json' && /node_modules\/(@[^/]+\/)?[^/]+$/.test(entry.parentPath))
        packages++;
    }
  }
  return { packages, bytes };
}

function expectEqual(what: string, actual: string, expected: string): void {
  if (actual !== expected) throw new Error(`${what}: expected "${expected}", got "${actual}"`);
  console.log(`ok: ${what} = ${actual}`);
}

async function rehearse(): Promise<void> {
  step(`copying the working tree to ${tmp}/repo`);
  const repo = join(tmp, 'repo');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    try {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      cpSync(join(REPO, file), join(repo, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted, not yet staged
    }
  }
  const git = [
    '-c',
    'user.name=rehearsal',
    '-c',
    'user.email=rehearsal@localhost',
    '-c',
    'commit.gpgsign=false',
  ];
  run('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  run('git', [...git, 'add', '-A'], { cwd: repo });
  run('git', [...git, 'commit', '-qm', 'rehearsal'], { cwd: repo });
  run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: repo });

  step('changeset version (changelogs and one version for the fixed group)');
  run('pnpm', ['changeset', 'version'], { cwd: repo });
  const version = (
    JSON.parse(readFileSync(join(repo, 'apps/cli/package.json'), 'utf8')) as { version: string }
  ).version;
  console.log(`releasing ${version}`);

  step('starting a throw-away verdaccio');
  const registryDir = join(tmp, 'registry');
  mkdirSync(registryDir);
  const config = join(registryDir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(registryDir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(registryDir, 'htpasswd')}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const registry = `http://127.0.0.1:${port}/`;
  const verdaccio = start(
    process.execPath,
    [join(REPO, 'node_modules/verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`],
    { cwd: registryDir },
  );
  await until(
    'verdaccio to answer /-/ping',
    async () => {
      if (verdaccio.child.exitCode !== null) throw new Error(`verdaccio exited:\n${verdaccio.output()}`);
      return (await fetch(`${registry}-/ping`).catch(() => null))?.ok || undefined;
    },
    30_000,
  );
  const login = await fetch(`${registry}-/user/org.couchdb.user:rehearsal`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-password' }),
  });
  const { token } = (await login.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio gave no token (HTTP ${login.status})`);
  const npmrc = join(tmp, 'npmrc');
  writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${token}\n`);
  const toRegistry = { NPM_CONFIG_USERCONFIG: npmrc, npm_config_registry: registry };

  step(`pnpm release to ${registry}`);
  console.log(
    run('pnpm', ['release'], { cwd: repo, env: toRegistry }).trim().split('\n').slice(-12).join('\n'),
  );
  for (const name of PACKAGES) {
    const published = run('npm', ['view', `${name}@${version}`, 'version'], { env: toRegistry }).trim();
    expectEqual(`published ${name}`, published, version);
  }

  step('npm install -g @comfyvisor/cli @comfyvisor/panel-bridge into an empty prefix (our registry only)');
  const prefix = join(tmp, 'prefix');
  run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--no-fund',
      '--no-audit',
      '@comfyvisor/cli',
      '@comfyvisor/panel-bridge',
    ],
    {
      env: toRegistry,
    },
  );
  for (const name of ['cli', 'panel-bridge']) {
    const only = join(tmp, `only-${name}`);
    run('npm', ['install', '-g', '--prefix', only, '--no-fund', '--no-audit', `@comfyvisor/${name}`], {
      env: toRegistry,
    });
    const { packages, bytes } = sizeOf(join(only, 'lib', 'node_modules'));
    console.log(
      `installed size of @comfyvisor/${name}: ${packages} packages, ${(bytes / 1e6).toFixed(2)} MB`,
    );
  }
  const bin = (name: string) => join(prefix, 'bin', name);
  expectEqual('comfyvisor --version', run(bin('comfyvisor'), ['--version']).trim(), version);
  expectEqual('comfyvisor-bridge --version', run(bin('comfyvisor-bridge'), ['--version']).trim(), version);

  step('comfyvisor demo: ready line, status, Ctrl-C');
  const comfyuiPort = await freePort();
  const demo = start(bin('comfyvisor'), ['demo', '--port', String(comfyuiPort)], { cwd: tmp });
  const workspace = await until(
    "the demo's ready line",
    () => {
      if (demo.child.exitCode !== null) throw new Error(`demo exited early:\n${demo.output()}`);
      const ready = /listening on http:\/\/127\.0\.0\.1:\d+/.test(demo.output());
      return ready ? /^\s+workspace\s+(\S+)$/m.exec(demo.output())?.[1] : undefined;
    },
    60_000,
  );
  const status = JSON.parse(
    run(bin('comfyvisor'), ['status', '--workspace', workspace, '--json']),
  ) as unknown;
  console.log(`comfyvisor status --json: ${JSON.stringify(status).slice(0, 200)}`);
  process.kill(-(demo.child.pid as number), 'SIGINT');
  const code = await Promise.race([
    demo.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('demo did not stop on SIGINT')), 30_000),
    ),
  ]);
  expectEqual('demo exit code after Ctrl-C', String(code), '0');
  expectEqual('demo workspace removed after Ctrl-C', String(existsSync(workspace)), 'false');

  step(`consumer project: TypeScript ${CONSUMER_TYPESCRIPT}, no skipLibCheck, every package's types`);
  const consumer = join(tmp, 'consumer');
  mkdirSync(join(consumer, 'src'), { recursive: true });
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  writeFileSync(join(consumer, 'src', 'index.ts'), CONSUMER_SOURCE);
  writeFileSync(join(consumer, 'require-all.cjs'), REQUIRE_ALL);
  run(
    'npm',
    [
      'install',
      '--no-fund',
      '--no-audit',
      `--@comfyvisor:registry=${registry}`,
      `typescript@${CONSUMER_TYPESCRIPT}`,
      `@types/node@${CONSUMER_TYPES_NODE}`,
      ...PACKAGES.map((name) => `${name}@${version}`),
    ],
    { cwd: consumer, env: { NPM_CONFIG_USERCONFIG: npmrc } },
  );
  expectEqual(
    'consumer tsc --version',
    run(join(consumer, 'node_modules/.bin/tsc'), ['--version']).trim(),
    `Version ${CONSUMER_TYPESCRIPT}`,
  );
  run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: consumer });
  console.log('ok: the consumer project typechecks');
  console.log(run(process.execPath, ['require-all.cjs'], { cwd: consumer }).trim());
}

const CONSUMER_SOURCE = `import { describeError } from '@comfyvisor/cli';
import { findWorkspaceRoot } from '@comfyvisor/detection';
import { comfyuiAddress } from '@comfyvisor/health';
import { FILE_NAMES, readSwitchStatus } from '@comfyvisor/ipc-files';
import { type BridgeApp, extractComfyuiArgs } from '@comfyvisor/panel-bridge';
import { findConnectionUid } from '@comfyvisor/processes';
import { createSupervisor, runSupervisor } from '@comfyvisor/supervisor';
import { findPython } from '@comfyvisor/venv';
import { openWorker } from '@comfyvisor/worker';

const root: string | null | undefined = findWorkspaceRoot();
const names: string[] = Object.values(FILE_NAMES);
const fetchOnly = (app: BridgeApp) => app.fetch(new Request('http://127.0.0.1/'));
export const used = [root, names, fetchOnly, describeError, comfyuiAddress, readSwitchStatus, extractComfyuiArgs, runSupervisor, createSupervisor, findPython, findConnectionUid, openWorker];
`;

const REQUIRE_ALL = `// require(esm): every package loads with require() on this Node (>= 20.19 / 22.12)
const names = ${JSON.stringify(PACKAGES)};
for (const name of names) {
  const mod = require(name);
  if (Object.keys(mod).length === 0) throw new Error(name + ': require() gave no exports');
  console.log('ok: require(' + JSON.stringify(name) + ') gives ' + Object.keys(mod).length + ' exports');
}
Promise.all(names.map((name) => import(name))).then(() => console.log('ok: import() of every package'));
`;

try {
  await rehearse();
  step(`rehearsal passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  console.error(`\nrehearsal failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
