/** `getEnvironment` was given a name that is not one path segment (wire rule in DESIGN.md). */
export class InvalidEnvironmentNameError extends Error {
  override readonly name = 'InvalidEnvironmentNameError';
  readonly code = 'INVALID_ENVIRONMENT_NAME';
}
