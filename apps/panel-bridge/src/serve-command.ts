import { numberOption, resolveWorkspace, UserError } from '@comfyvisor/cli';
import type { Command } from 'commander';
import { type LoginToken, loadLoginToken, TOKEN_ADVISED_LENGTH, TOKEN_ENV } from './auth-token.ts';
import { BridgeConfigError } from './errors.ts';
import { reachesBeyondLoopback, startBridgeServer } from './serve.ts';

interface ServeOptions {
  workspace?: string;
  host: string;
  port: number;
  comfyuiPort?: number;
  tokenFile?: string;
  /** `--auth` true, `--no-auth` false, neither: on when the bridge reaches beyond loopback. */
  auth?: boolean;
  allowHost: string[];
  basePath?: string;
  trustProxy?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function describeSource(login: LoginToken): string {
  if (login.source === 'env') return `$${TOKEN_ENV}`;
  if (login.source === 'made') return `${login.path} (made now, mode 0600)`;
  return String(login.path);
}

/** The login token, when this bridge needs one; a refusal as one line. */
async function loginFor(workspace: string, opts: ServeOptions): Promise<LoginToken | null> {
  const beyond = reachesBeyondLoopback({
    workspace,
    host: opts.host,
    publicHosts: opts.allowHost,
    basePath: opts.basePath,
    trustProxy: opts.trustProxy,
  });
  if (opts.auth === false) {
    if (beyond) {
      throw new UserError(
        `serve --host ${opts.host}${opts.allowHost.length || opts.basePath || opts.trustProxy ? ' behind a proxy' : ''} reaches beyond loopback: it needs a login (drop --no-auth)`,
        2,
      );
    }
    return null;
  }
  const given = opts.tokenFile !== undefined || Boolean(process.env[TOKEN_ENV]?.trim());
  if (!(beyond || given || opts.auth)) return null;
  return loadLoginToken({ workspace, tokenFile: opts.tokenFile });
}

async function serve(opts: ServeOptions): Promise<void> {
  const workspace = resolveWorkspace(opts.workspace);
  const { port, comfyuiPort, basePath, trustProxy } = opts;
  const login = await loginFor(workspace, opts);
  const server = await startBridgeServer({
    workspace,
    host: opts.host,
    port,
    comfyuiPort,
    token: login?.token,
    publicHosts: opts.allowHost,
    basePath,
    trustProxy,
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message);
  });
  // The token is shown in these start-up lines only (the first one, the login link), never later.
  process.stdout.write(`${server.loginUrl}\n`);
  process.stdout.write(`dashboard for ${workspace}; Ctrl-C to stop\n`);
  if (login) {
    process.stdout.write(
      `login required: token from ${describeSource(login)}; scripts send Authorization: Bearer\n`,
    );
    if (login.token.length < TOKEN_ADVISED_LENGTH) {
      process.stderr.write(
        `warning: the login token is short (under ${TOKEN_ADVISED_LENGTH} characters): easy to guess\n`,
      );
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `comfyvisor-bridge serve`: the panel's routes and the dashboard, with a login beyond loopback. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the panel routes and the dashboard; prints its URL (the login link) on the first line',
    )
    .option('--workspace <path>', 'the ComfyGit workspace (default: detection)')
    .option(
      '--host <host>',
      'address to listen on (loopback unless you say otherwise; beyond it, a login)',
      '127.0.0.1',
    )
    .option(
      '--port <port>',
      'port; 0 picks a free one',
      numberOption({ min: 0, max: 65_535, integer: true }),
      0,
    )
    .option(
      '--comfyui-port <port>',
      "ComfyUI's port: its page may call these routes (default: from .startup_state.json, else 8188)",
      numberOption({ min: 1, max: 65_535, integer: true }),
    )
    .option(
      '--token-file <file>',
      `the login token, from this file (else $${TOKEN_ENV}, else .metadata/.bridge_token)`,
    )
    .option('--auth', 'ask for the login token on loopback too')
    .option('--no-auth', 'no login (refused beyond loopback)')
    .option('--allow-host <name>', 'a public host name of a proxy in front (repeatable)', collect, [])
    .option('--base-path <path>', 'the path a proxy serves the bridge under, such as /comfyvisor')
    .option('--trust-proxy', 'trust X-Forwarded-Prefix/-For/-Proto from a proxy on this machine (loopback)')
    .action(async (opts: ServeOptions) => {
      try {
        await serve(opts);
      } catch (error) {
        if (error instanceof BridgeConfigError) throw new UserError(error.message, 2);
        throw error;
      }
    });
}
