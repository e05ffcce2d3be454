/** A write of a protocol file failed for a reason the caller should report (never thrown by reads). */
export class IpcError extends Error {
  override readonly name = 'IpcError';
  constructor(
    message: string,
    readonly code: 'METADATA_DIR_MISSING' | 'WRITE_FAILED',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
