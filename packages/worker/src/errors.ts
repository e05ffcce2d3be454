/** Why the worker refused to do something; `status` is the HTTP status the API answers with. */
export type WorkerErrorCode =
  | 'NOT_FOUND'
  | 'NO_PORT'
  | 'NOT_SUPPORTED'
  | 'START_FAILED'
  | 'STATE_DIR_LOCKED'
  | 'INVALID_INPUT';

const STATUS: Record<WorkerErrorCode, number> = {
  NOT_FOUND: 404,
  NO_PORT: 503,
  NOT_SUPPORTED: 501,
  START_FAILED: 500,
  STATE_DIR_LOCKED: 409,
  INVALID_INPUT: 400,
};

export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  readonly status: number;
  constructor(
    message: string,
    readonly code: WorkerErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[code];
  }
}
