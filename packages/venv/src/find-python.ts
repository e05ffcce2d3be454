import { PythonNotFoundError } from './errors.ts';

export interface PythonInfo {
  /** The command or path that was run. */
  path: string;
  /** e.g. "3.11.7" */
  version: string;
  source: 'COMFYVISOR_PYTHON' | 'python3' | 'python' | 'given';
}

/** Runs `python -c <code>` and returns stdout; injectable for unit tests. */
export type PythonRunner = (python: string, env: NodeJS.ProcessEnv) => Promise<string>;

const VERSION_CODE = 'import sys; print("%d.%d.%d" % sys.version_info[:3])';

const defaultRunner: PythonRunner = async (python, env) => {
  // Loaded only when a Python is really probed: execa weighs ~9 MB of RSS in every process that
  // imports this package (the supervisor does, for venv paths and installed versions).
  const { execa } = await import('execa');
  const result = await execa(python, ['-c', VERSION_CODE], { env, extendEnv: false, timeout: 15_000 });
  return result.stdout;
};

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/**
 * A Python of at least 3.10: `$COMFYVISOR_PYTHON` when set (and then only it), else `python3`,
 * else `python` on PATH. Says which one it found; throws PythonNotFoundError saying why not.
 */
export async function findPython(
  options: {
    env?: NodeJS.ProcessEnv | undefined;
    /** @default [3, 10] */
    minVersion?: readonly [number, number] | undefined;
    run?: PythonRunner | undefined;
  } = {},
): Promise<PythonInfo> {
  const env = options.env ?? process.env;
  const min = options.minVersion ?? [3, 10];
  const run = options.run ?? defaultRunner;
  const wanted = `${min[0]}.${min[1]}`;
  const fromEnv = env.COMFYVISOR_PYTHON;
  const candidates: Array<{ path: string; source: PythonInfo['source'] }> = fromEnv
    ? [{ path: fromEnv, source: 'COMFYVISOR_PYTHON' }]
    : [
        { path: 'python3', source: 'python3' },
        { path: 'python', source: 'python' },
      ];
  const tried: string[] = [];
  for (const candidate of candidates) {
    let version: string;
    try {
      version = (await run(candidate.path, env)).trim();
    } catch {
      tried.push(`${candidate.path} (not found or not runnable)`);
      continue;
    }
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
      tried.push(`${candidate.path} (did not report a version)`);
      continue;
    }
    if (!atLeast(version, min)) {
      tried.push(`${candidate.path} (${version}, too old)`);
      continue;
    }
    return { path: candidate.path, version, source: candidate.source };
  }
  if (fromEnv) {
    throw new PythonNotFoundError(
      `COMFYVISOR_PYTHON=${fromEnv} is not a usable Python ${wanted}+: ${tried.join(', ')}`,
    );
  }
  throw new PythonNotFoundError(
    `no Python ${wanted}+ found (tried ${tried.join(', ')}); install one or set COMFYVISOR_PYTHON`,
  );
}
