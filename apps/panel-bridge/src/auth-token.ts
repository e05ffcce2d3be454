import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { metadataDir } from '@comfyvisor/ipc-files';
import { BridgeConfigError } from './errors.ts';

/** The bridge's own login token, made on the first start that needs one (mode 0600). */
export const TOKEN_FILE_NAME = '.bridge_token';
/** The environment variable that may hold the token (whitespace stripped). */
export const TOKEN_ENV = 'COMFYVISOR_BRIDGE_TOKEN';
const TOKEN_MAX_BYTES = 4096;
/** A token given by a person shorter than this is accepted, with a warning. */
export const TOKEN_ADVISED_LENGTH = 16;

export interface LoginToken {
  token: string;
  /** Where it came from: `--token-file`, the environment, or the bridge's own file (`made` now or before). */
  source: 'file' | 'env' | 'stored' | 'made';
  /** The file holding it (not for `env`). */
  path?: string;
}

export interface LoadTokenOptions {
  workspace: string;
  tokenFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Reads a token file: a regular file (symlinks followed, as secret mounts are), bounded, trimmed. */
async function readTokenFile(path: string, what: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(
    (error: NodeJS.ErrnoException) => {
      throw new BridgeConfigError(`${what} ${path} cannot be read (${error.code ?? error.message})`);
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new BridgeConfigError(`${what} ${path} is not a regular file`);
    if (info.size > TOKEN_MAX_BYTES) throw new BridgeConfigError(`${what} ${path} is too large for a token`);
    const token = (await handle.readFile('utf8')).trim();
    if (token === '') throw new BridgeConfigError(`${what} ${path} is empty`);
    if (/\s/.test(token)) throw new BridgeConfigError(`${what} ${path} holds more than one word`);
    return token;
  } finally {
    await handle.close().catch(() => {});
  }
}

/** The stored token, when there is one: a regular file of ours that only we can read. */
async function readStored(path: string): Promise<string | null> {
  const info = await lstat(path).catch(() => null);
  if (!info) return null;
  if (!info.isFile()) throw new BridgeConfigError(`${path} is not a regular file: remove it`);
  // (Windows reports no Unix modes: its ACLs are left to the folder's owner)
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    throw new BridgeConfigError(`${path} may be read by others (mode ${mode}): chmod 600 it, or remove it`);
  }
  return readTokenFile(path, 'the token file');
}

/** Makes the token file: written whole under a temporary name, then linked (two bridges: one wins). */
async function makeStored(path: string): Promise<string | null> {
  const token = randomBytes(32).toString('base64url');
  const temp = `${path}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temp, path);
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw new BridgeConfigError(
      `cannot make the login token ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * The login token: `--token-file` (whitespace stripped), else `$COMFYVISOR_BRIDGE_TOKEN`, else
 * `.metadata/.bridge_token`, made (32 random bytes, base64url, mode 0600) on the first start.
 * Throws {@link BridgeConfigError} with one line that names the file and never the token.
 */
export async function loadLoginToken(options: LoadTokenOptions): Promise<LoginToken> {
  if (options.tokenFile !== undefined) {
    return {
      token: await readTokenFile(options.tokenFile, '--token-file'),
      source: 'file',
      path: options.tokenFile,
    };
  }
  const fromEnv = (options.env ?? process.env)[TOKEN_ENV]?.trim();
  if (fromEnv) {
    if (/\s/.test(fromEnv)) throw new BridgeConfigError(`$${TOKEN_ENV} holds more than one word`);
    return { token: fromEnv, source: 'env' };
  }
  const dir = metadataDir(options.workspace);
  const path = join(dir, TOKEN_FILE_NAME);
  const stored = await readStored(path);
  if (stored) return { token: stored, source: 'stored', path };
  await mkdir(dir, { recursive: true }).catch(() => {});
  const made = await makeStored(path);
  if (made) return { token: made, source: 'made', path };
  const raced = await readStored(path);
  if (!raced) throw new BridgeConfigError(`the login token ${path} vanished while it was made`);
  return { token: raced, source: 'stored', path };
}
