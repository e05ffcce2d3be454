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
