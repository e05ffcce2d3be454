/** The supervisor could not be started (the log's last lines say why). */
export class SupervisorSpawnError extends Error {
  override readonly name = 'SupervisorSpawnError';
  readonly code = 'SUPERVISOR_SPAWN_FAILED';
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(message);
  }
}

/** The bridge cannot start as asked: a token that cannot be read or made, a bind beyond loopback without login. */
export class BridgeConfigError extends Error {
  override readonly name = 'BridgeConfigError';
  readonly code = 'BRIDGE_CONFIG';
}
