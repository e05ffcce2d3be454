export class VenvNotFoundError extends Error {
  override readonly name = 'VenvNotFoundError';
  readonly code = 'VENV_NOT_FOUND';
}

export class PythonNotFoundError extends Error {
  override readonly name = 'PythonNotFoundError';
  readonly code = 'PYTHON_NOT_FOUND';
}

export class VenvCreateError extends Error {
  override readonly name = 'VenvCreateError';
  readonly code = 'VENV_CREATE_FAILED';
}

/** pip (or uv) could not install; `outputTail` holds its last lines. */
export class PackageInstallError extends Error {
  override readonly name = 'PackageInstallError';
  readonly code = 'PACKAGE_INSTALL_FAILED';
  constructor(
    message: string,
    readonly outputTail: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
