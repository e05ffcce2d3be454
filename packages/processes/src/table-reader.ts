import { open } from 'node:fs/promises';

const EMPTY = Buffer.alloc(0);
const FIRST_SIZE = 64 * 1024;
/** A buffer grown past this for one huge table is let go once its readers are served. */
const KEEP_AT_MOST = 1024 * 1024;
/** How many files keep a buffer (/proc/net/tcp and tcp6 of one or two roots, in practice). */
const MAX_READERS = 16;

/**
 * Reads one /proc table again and again into one buffer that is kept, and lets every caller who
 * asked while a read was waiting share it. A storm of requests that each need /proc/net/tcp (the
 * control API's owner check) then costs one buffer, not one table's worth of garbage per request,
 * and one read per burst.
 */
class TableReader {
  #buffer: Buffer = Buffer.allocUnsafe(FIRST_SIZE);
  #waiting: Array<(bytes: Buffer) => void> = [];
  #reading = false;

  constructor(private readonly path: string) {}

  /** `use` runs on the table's bytes as read after this call; they are valid only during `use`. */
  read<T>(use: (bytes: Buffer) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push((bytes) => {
        try {
          resolve(use(bytes));
        } catch (error) {
          reject(error);
        }
      });
      if (!this.#reading) void this.#serve();
    });
  }

  async #serve(): Promise<void> {
    this.#reading = true;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0);
      const bytes = await this.#readAll().catch(() => EMPTY);
      for (const use of batch) use(bytes);
      // a box with 100k sockets has a 15 MB table: not kept for the supervisor's whole life
      if (this.#buffer.length > KEEP_AT_MOST) this.#buffer = Buffer.allocUnsafe(FIRST_SIZE);
    }
    this.#reading = false;
  }

  async #readAll(): Promise<Buffer> {
    const handle = await open(this.path, 'r');
    try {
      let length = 0;
      for (;;) {
        if (length === this.#buffer.length) {
          const bigger = Buffer.allocUnsafe(length * 2);
          this.#buffer.copy(bigger);
          this.#buffer = bigger;
        }
        const { bytesRead } = await handle.read(this.#buffer, length, this.#buffer.length - length, null);
        if (bytesRead === 0) return this.#buffer.subarray(0, length);
        length += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
}

const readers = new Map<string, TableReader>();

/**
 * Runs `use` on the bytes of the file at `path`, read after this call (empty when it cannot be
 * read). Callers that ask while a read of the same file is under way share the next read. The
 * bytes are only valid while `use` runs: take what is needed out of them.
 */
export function readTable<T>(path: string, use: (bytes: Buffer) => T): Promise<T> {
  let reader = readers.get(path);
  if (!reader) {
    if (readers.size >= MAX_READERS) readers.delete(readers.keys().next().value as string);
    reader = new TableReader(path);
    readers.set(path, reader);
  }
  return reader.read(use);
}
