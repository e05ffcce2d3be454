/** What to install and how: the commands ensureVenv runs, built as plain data (unit-testable). */
export interface InstallPlan {
  create: { file: string; args: string[] };
  install: { file: string; args: string[] } | null;
}

/** `comfygit` by default; `COMFYGIT_DEV_CORE_PATH` installs that checkout in editable mode instead. */
export function defaultPackages(env: NodeJS.ProcessEnv): string[] {
  const dev = env.COMFYGIT_DEV_CORE_PATH;
  return dev ? ['-e', dev] : ['comfygit'];
}

export function planInstall(options: {
  installer: 'uv' | 'pip';
  basePython: string;
  venvDir: string;
  venvPython: string;
  packages: readonly string[];
  pipArgs?: readonly string[] | undefined;
}): InstallPlan {
  const { installer, basePython, venvDir, venvPython, packages } = options;
  const extra = options.pipArgs ?? [];
  if (installer === 'uv') {
    return {
      create: { file: 'uv', args: ['venv', '--quiet', '--python', basePython, venvDir] },
      install: packages.length
        ? { file: 'uv', args: ['pip', 'install', '--python', venvPython, ...extra, ...packages] }
        : null,
    };
  }
  return {
    create: { file: basePython, args: ['-m', 'venv', venvDir] },
    install: packages.length
      ? {
          file: venvPython,
          args: ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...extra, ...packages],
        }
      : null,
  };
}

/** The last `lines` lines of a tool's output, and its first line that looks like an error. */
export function outputTail(output: string, lines = 20): { tail: string; firstError: string | null } {
  const all = output.split(/\r?\n/).filter((line) => line.trim() !== '');
  const firstError =
    all.find((line) => /\b(error|ERROR|No matching distribution|not found)\b/.test(line)) ?? null;
  return { tail: all.slice(-lines).join('\n'), firstError };
}
