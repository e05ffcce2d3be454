import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('walks the tree through task/<tid>/children where the kernel has them, and falls back to a full scan', async () => {
    // 200 ComfyUI (threads 200, 201) ─ 300 a worker ─ 400 its child, which holds the client end.
    // 400 has no stat: only the children files lead to it, a full scan of /proc cannot see it.
    proc = createFakeProc({
      sockets: [
        { inode: 10, localPort: 5050 },
        { inode: 77, localPort: 40000, remotePort: 5050, state: 'established' },
      ],
      processes: [
        { pid: 100, ppid: 1, sockets: [10] },
        { pid: 200, ppid: 100 },
        { pid: 300, ppid: 200 },
        { pid: 400, ppid: 300, sockets: [77] },
      ],
    });
    const root = proc.root;
    const children = (pid: number, tid: number, text: string) => {
      mkdirSync(join(root, String(pid), 'task', String(tid)), { recursive: true });
      writeFileSync(join(root, String(pid), 'task', String(tid), 'children'), text);
    };
    children(200, 200, '');
    children(200, 201, '300 ');
    children(300, 300, '400 ');
    children(400, 400, '');
    rmSync(join(root, '400', 'stat'));
    const options = { procRoot: root, platform: 'linux' as const };
    expect(await isPeerInProcessTree(5050, 40000, 200, options)).toBe(true);
    expect(await isPeerInProcessTree(5050, 40000, 300, options)).toBe(true);
    // 300 lost its children files: the full scan looks at the rest of the tree, which cannot reach 400.
    rmSync(join(root, '300', 'task'), { recursive: true });
    expect(await isPeerInProcessTree(5050, 40000, 200, options)).toBe(false);
    // ...but it does look at what the walk queued and had not checked yet: 301, a second worker.
    children(200, 201, '300 301 ');
    proc.addProcess({ pid: 301, ppid: 200, sockets: [77] });
    expect(await isPeerInProcessTree(5050, 40000, 200, options)).toBe(true);
  });
});
