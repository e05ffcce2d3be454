/** Another live supervisor already holds this workspace. */
export class SupervisorAlreadyRunningError extends Error {
  override readonly name = 'SupervisorAlreadyRunningError';
  readonly code = 'SUPERVISOR_ALREADY_RUNNING';
  constructor(readonly pid: number) {
    super(
      `a supervisor is already running for this workspace (pid ${pid}); stop it first with \`comfyvisor stop\``,
    );
  }
}

/** No port of `control_port_range` could be bound. */
export class ControlPortInUseError extends Error {
  override readonly name = 'ControlPortInUseError';
  readonly code = 'CONTROL_PORT_IN_USE';
}

/** The environment to start does not exist or has no interpreter / main.py. */
export class EnvironmentUnusableError extends Error {
  override readonly name = 'EnvironmentUnusableError';
  readonly code = 'ENVIRONMENT_UNUSABLE';
}

/** ComfyUI's port is held by someone else and the policy is to refuse. */
export class PortBusyError extends Error {
  override readonly name = 'PortBusyError';
  readonly code = 'PORT_BUSY';
}
