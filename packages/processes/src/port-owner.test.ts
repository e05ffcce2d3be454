import { createFakeProc, type FakeProc } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { findConnectionPeer, findPortListeners } from './port-owner.ts';
import { rowsNamingPort } from './tcp-table.ts';

let proc: FakeProc | undefined;
afterEach(() => proc?.cleanup());

const noCommands = async () => {
  throw new Error('no command may run on Linux');
};

describe('rowsNamingPort', () => {
  it('reads ports (hex), the state, the uid and the inode of each row; skips the header and broken rows', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1FFC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0',
      '   1: 0100007F:A1B2 0100007F:1FFC 01 00000000:00000000 00:00000000 00000000  1000        0 77 1 0 20 4 30 10 -1',
      '   2: garbage',
      '',
    ].join('\n');
    expect(rowsNamingPort(Buffer.from(text), 8188)).toEqual([
      { localPort: 8188, remotePort: 0, state: 0x0a, uid: 1000, inode: 4242 },
      { localPort: 0xa1b2, remotePort: 8188, state: 0x01, uid: 1000, inode: 77 },
    ]);
  });
});

describe('findPortListeners (fake /proc)', () => {
  it('maps LISTEN sockets on the port (IPv4 and IPv6) to the pids holding them, with their argv', async () => {
    proc = createFakeProc({
      sockets: [
        { inode: 101, localPort: 8188 },
        { inode: 102, localPort: 8188, family: 6 },
        { inode: 103, localPort: 8189 },
        { inode: 104, localPort: 8188, remotePort: 40000, state: 'established' },
      ],
      processes: [
        { pid: 10, cmdline: ['python', 'main.py', '--port', '8188'], sockets: [101] },
        { pid: 11, cmdline: ['other', 'with space'], sockets: [102] },
        { pid: 12, cmdline: ['python', 'main.py', '--port', '8189'], sockets: [103] },
        { pid: 13, cmdline: ['client'], sockets: [104] },
      ],
    });
    expect(
      await findPortListeners(8188, { procRoot: proc.root, platform: 'linux', run: noCommands }),
    ).toEqual([
      { pid: 10, commandLine: ['python', 'main.py', '--port', '8188'] },
      { pid: 11, commandLine: ['other', 'with space'] },
    ]);
  });

  it('is [] when nobody listens, when the inode is 0, or when /proc is missing', async () => {
    proc = createFakeProc({
      sockets: [{ inode: 0, localPort: 8188 }],
      processes: [{ pid: 10, sockets: [0] }],
    });
    expect(await findPortListeners(8188, { procRoot: proc.root, platform: 'linux' })).toEqual([]);
    expect(await findPortListeners(9999, { procRoot: proc.root, platform: 'linux' })).toEqual([]);
    expect(await findPortListeners(8188, { procRoot: `${proc.root}/nothing`, platform: 'linux' })).toEqual(
      [],
    );
  });

  it('macOS: asks lsof for listeners and ps for command lines; no lsof means []', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]) => {
      calls.push([file, ...args]);
      if (file === 'lsof') return 'p300\nf7\np200\nf5\n';
      return `/usr/bin/python3 main.py --pid ${args.at(-1)}\n`;
    };
    expect(await findPortListeners(8188, { platform: 'darwin', run })).toEqual([
      { pid: 200, commandLine: ['/usr/bin/python3', 'main.py', '--pid', '200'] },
      { pid: 300, commandLine: ['/usr/bin/python3', 'main.py', '--pid', '300'] },
    ]);
    expect(calls[0]).toEqual(['lsof', '-nP', '-iTCP:8188', '-sTCP:LISTEN', '-Fp']);
    expect(await findPortListeners(8188, { platform: 'darwin', run: async () => null })).toEqual([]);
    expect(await findPortListeners(8188, { platform: 'win32', run: noCommands })).toEqual([]);
  });
});

describe('findConnectionPeer (fake /proc)', () => {
  it("finds the client's end: local port = the remote port seen by the server, remote port = the server's", async () => {
    proc = createFakeProc({
      sockets: [
        { inode: 1, localPort: 5050 },
        { inode: 2, localPort: 5050, remotePort: 41000, state: 'established' },
        { inode: 3, localPort: 41000, remotePort: 5050, state: 'established' },
        { inode: 4, localPort: 41001, remotePort: 5051, state: 'established' },
      ],
      processes: [
        { pid: 50, sockets: [1, 2] },
        { pid: 60, cmdline: ['curl', 'x'], sockets: [3] },
        { pid: 61, sockets: [3] },
        { pid: 70, sockets: [4] },
      ],
    });
    const options = { procRoot: proc.root, platform: 'linux' as const, run: noCommands };
    expect(await findConnectionPeer(5050, 41000, options)).toEqual({
      pid: 60,
      uid: 1000,
      commandLine: ['curl', 'x'],
    });
    expect(await findConnectionPeer(5050, 41001, options)).toBeNull();
    expect(await findConnectionPeer(5050, 41002, options)).toBeNull();
  });

  it('macOS: picks the lsof row whose name is remotePort->localPort, with its uid and ps command line', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]) => {
      calls.push([file, ...args]);
      if (file === 'ps') return '/usr/bin/curl -s http://127.0.0.1:5050/\n';
      return 'p10\nu0\nf5\nn127.0.0.1:5050->127.0.0.1:41000\np20\nu501\nf9\nn127.0.0.1:41000->127.0.0.1:5050\n';
    };
    expect(await findConnectionPeer(5050, 41000, { platform: 'darwin', run })).toEqual({
      pid: 20,
      uid: 501,
      commandLine: ['/usr/bin/curl', '-s', 'http://127.0.0.1:5050/'],
    });
    expect(calls[0]).toEqual(['lsof', '-nP', '-iTCP:41000', '-sTCP:ESTABLISHED', '-Fpun']);
    expect(await findConnectionPeer(5051, 41000, { platform: 'darwin', run })).toBeNull();
    expect(await findConnectionPeer(5050, 41000, { platform: 'win32', run: noCommands })).toBeNull();
  });

  it('macOS without a u line: the uid comes from ps', async () => {
    const run = async (file: string, args: string[]) => {
      if (file === 'lsof') return 'p20\nf9\nn127.0.0.1:41000->127.0.0.1:5050\n';
      return args.includes('uid=') ? '  502\n' : 'python3 proxy.py\n';
    };
    expect(await findConnectionPeer(5050, 41000, { platform: 'darwin', run })).toEqual({
      pid: 20,
      uid: 502,
      commandLine: ['python3', 'proxy.py'],
    });
  });
});

describe('rowsNamingPort, a port named twice', () => {
  it('parses only the rows that name the port, locally or remotely, each once', () => {
    const table = Buffer.from(
      [
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
        '   0: 0100007F:1FFC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0',
        '   1: 0100007F:A1B2 0100007F:1FFC 01 00000000:00000000 00:00000000 00000000  1001        0 77 1 0',
        '   2: 0100007F:1FFC 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000  1002        0 78 1 0',
        '   3: 0100007F:1FFD 0100007F:1FFC 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0',
        '   4: 0100007F:1FFC 0100007F:1FFC 01 00000000:00000000 00:00000000 00000000  1003        0 79 1 0',
        '   5: 0100007F:0050 0100007F:1FFC',
      ].join('\n'),
    );
    expect(rowsNamingPort(table, 0xa1b2).map((e) => e.inode)).toEqual([77, 78]);
    expect(rowsNamingPort(table, 0x1ffc).map((e) => e.inode)).toEqual([4242, 77, 78, 0, 79]);
    expect(rowsNamingPort(table, 0x50)).toEqual([]);
    expect(rowsNamingPort(Buffer.alloc(0), 0x1ffc)).toEqual([]);
  });
});
