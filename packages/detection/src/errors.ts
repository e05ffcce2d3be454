export class WorkspaceNotFoundError extends Error {
  override readonly name = 'WorkspaceNotFoundError';
  readonly code = 'WORKSPACE_NOT_FOUND';
}

export class EnvironmentNotFoundError extends Error {
  override readonly name = 'EnvironmentNotFoundError';
  readonly code = 'ENVIRONMENT_NOT_FOUND';
}

export class InvalidEnvironmentNameError extends Error {
  override readonly name = 'InvalidEnvironmentNameError';
  readonly code = 'INVALID_ENVIRONMENT_NAME';
}
