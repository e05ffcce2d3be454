import { createFakeProc, type FakeProc } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { isPeerInProcessTree } from './peer-in-tree.ts';

let proc: FakeProc | undefined;
afterEach(() => proc?.cleanup());

describe('isPeerInProcessTree (fake /proc)', () => {
  it('tells the panel proxy inside ComfyUI (or its child) from any other local caller', async () => {
    // 100 supervisor (control API on 5050) ─ 200 ComfyUI ─ 300 a worker; 500 curl from elsewhere
    proc = createFakeProc({
      sockets: [
        { inode: 10, localPort: 5050 },
        { inode: 77, localPort: 40000, remotePort: 5050, state: 'established' },
        { inode: 78, localPort: 40001, remotePort: 5050, state: 'established', family: 6 },
        { inode: 88, localPort: 40002, remotePort: 5050, state: 'established' },
      ],
      processes: [
        { pid: 100, ppid: 1, sockets: [10] },
        { pid: 200, ppid: 100, sockets: [77] },
        { pid: 300, ppid: 200, sockets: [78] },
        { pid: 500, ppid: 1, sockets: [88] },
      ],
    });
    const options = { procRoot: proc.root, platform: 'linux' as const };
    expect(await isPeerInProcessTree(5050, 40000, 200, options)).toBe(true);
    expect(await isPeerInProcessTree(5050, 40001, 200, options)).toBe(true); // IPv6, a child
    expect(await isPeerInProcessTree(5050, 40002, 200, options)).toBe(false);
    expect(await isPeerInProcessTree(5050, 49999, 200, options)).toBeNull(); // no such connection
  });
});
