/** A mistake of the user's, said in one line; the process exits with `exitCode`. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly code = 'USER_ERROR';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Codes of the libraries' errors that are the user's to fix: shown as one line, no stack. */
const USER_CODES = new Set([
  'USER_ERROR',
  'INVALID_ENVIRONMENT_NAME',
  'ENVIRONMENT_UNUSABLE',
  'SUPERVISOR_ALREADY_RUNNING',
  'CONTROL_PORT_IN_USE',
  'VENV_NOT_FOUND',
  'PYTHON_NOT_FOUND',
  'VENV_CREATE_FAILED',
  'PACKAGE_INSTALL_FAILED',
  'METADATA_DIR_MISSING',
  'PORT_BUSY',
]);

/** The one line to print and the exit code for an error that reached the top. */
export function describeError(
  error: unknown,
  debug = process.env.COMFYVISOR_DEBUG === '1',
  name = 'comfyvisor',
): { message: string; exitCode: number } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  if (typeof code === 'string' && USER_CODES.has(code)) {
    const exitCode = error instanceof UserError ? error.exitCode : 1;
    const tail =
      code === 'PACKAGE_INSTALL_FAILED' ? `\n${(error as { outputTail?: string }).outputTail ?? ''}` : '';
    return { message: `${name}: ${message}${tail}`, exitCode };
  }
  const detail =
    debug && error instanceof Error ? `\n${error.stack}` : ' (set COMFYVISOR_DEBUG=1 for details)';
  return { message: `${name}: unexpected error: ${message}${detail}`, exitCode: 70 };
}
