import { open, rm } from 'node:fs/promises';
import { createRotatingLog } from '@comfyvisor/ipc-files';

export interface InstanceLog {
  readonly path: string;
  /** A chunk of output (any bytes): undecodable bytes become U+FFFD; never blocks, never throws. */
  write(chunk: Buffer): void;
  /** A line of the worker's own about this instance (`[worker] ...`). */
  note(line: string): void;
  /** The last `count` lines (0: as many as the file tail holds). */
  tail(count: number): Promise<string[]>;
  /** Calls `listener` with every complete line from now on; returns the unsubscribe. */
  subscribe(listener: (line: string) => void): () => void;
  close(): Promise<void>;
  /** Closes and deletes the log and its rotated files. */
  remove(): Promise<void>;
}

export interface InstanceLogOptions {
  /** @default 10 MiB */
  maxBytes?: number;
  /** @default 3 */
  keep?: number;
}

const RING = 1000;
const MAX_LINE = 64 * 1024;
const FILE_TAIL_BYTES = 8 * 1024 * 1024;

async function readTail(path: string, bytes: number): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');
      // a tail that starts mid-file starts mid-line: drop that piece
      return length < size ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/** The last lines of the file, `\r` trimmed: the last `count` (0: as many as the file tail holds). */
async function readTailLines(path: string, count: number): Promise<string[]> {
  const text = await readTail(path, FILE_TAIL_BYTES);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const clean = lines.map((l) => l.replace(/\r$/, ''));
  return count > 0 ? clean.slice(-count) : clean;
}

/** The last `RING` lines in memory, and the listeners told of each new one. */
function createLineFanout() {
  const ring: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const emit = (line: string) => {
    ring.push(line);
    if (ring.length > RING) ring.shift();
    for (const listener of listeners) {
      try {
        listener(line);
      } catch {
        // a listener's failure is its own
      }
    }
  };
  return { ring, listeners, emit };
}

/**
 * The whole output of one instance in a rotating file, the last lines in memory for quick reads,
 * and a push of each complete line to subscribers (the logs WebSocket).
 */
export function createInstanceLog(path: string, options: InstanceLogOptions = {}): InstanceLog {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = options.keep ?? 3;
  const file = createRotatingLog(path, { maxBytes, keep });
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const { ring, listeners, emit } = createLineFanout();
  let partial = '';
  const take = (text: string) => {
    file.write(text);
    partial += text;
    let at = partial.indexOf('\n');
    while (at >= 0) {
      emit(partial.slice(0, at).replace(/\r$/, ''));
      partial = partial.slice(at + 1);
      at = partial.indexOf('\n');
    }
    if (partial.length > MAX_LINE) {
      emit(partial);
      partial = '';
    }
  };

  return {
    path,
    write(chunk) {
      take(decoder.decode(chunk, { stream: true }));
    },
    note(line) {
      if (partial) take('\n');
      take(`[worker] ${line}\n`);
    },
    async tail(count) {
      if (count > 0 && count <= ring.length) return ring.slice(-count);
      return readTailLines(path, count);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => file.close(),
    async remove() {
      await file.close();
      listeners.clear();
      const rotated = Array.from({ length: keep }, (_, i) => `${path}.${i + 1}`);
      await Promise.all([path, ...rotated].map((p) => rm(p, { force: true })));
    },
  };
}
