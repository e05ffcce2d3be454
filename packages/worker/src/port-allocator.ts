import { WorkerError } from './errors.ts';

/** Ports `start` .. `end - 1` (the end is excluded, as cg-deploy's range is). */
export interface PortRange {
  start: number;
  end: number;
}

export interface PortAllocator {
  readonly range: PortRange;
  /** The lowest port of the range nobody holds; throws `NO_PORT` when the range is full. */
  allocate(owner: string): number;
  /** Records a port held from before (state file, maybe another range); false when it is taken. */
  adopt(owner: string, port: number): boolean;
  release(owner: string): void;
  /** Allocated ports in allocation order. */
  allocated(): number[];
  available(): number;
}

/**
 * Hands out the lowest free port of a range. A port is held from create to delete (through stop,
 * start and error) and is free again the moment it is released: nothing is probed, so the
 * TIME_WAIT sockets a deleted ComfyUI leaves behind do not block its port.
 */
export function createPortAllocator(range: PortRange): PortAllocator {
  const owners = new Map<string, number>();
  const taken = () => new Set(owners.values());
  return {
    range,
    allocate(owner) {
      const held = owners.get(owner);
      if (held !== undefined) return held;
      const used = taken();
      for (let port = range.start; port < range.end; port++) {
        if (!used.has(port)) {
          owners.set(owner, port);
          return port;
        }
      }
      throw new WorkerError('No available ports', 'NO_PORT');
    },
    adopt(owner, port) {
      if (!Number.isInteger(port) || port < 1 || port > 65_535 || taken().has(port)) return false;
      owners.set(owner, port);
      return true;
    },
    release(owner) {
      owners.delete(owner);
    },
    allocated: () => [...owners.values()],
    available: () =>
      range.end - range.start - [...owners.values()].filter((p) => p >= range.start && p < range.end).length,
  };
}

/** `A:B` or `A` (meaning `A:A+10`), as `--port-range` takes it; null when malformed. */
export function parsePortRange(text: string): PortRange | null {
  const match = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] === undefined ? start + 10 : Number(match[2]);
  if (start < 1 || end > 65_536 || end <= start) return null;
  return { start, end };
}
