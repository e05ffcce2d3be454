import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { bindFirstFree, ControlPortBindError, type Listen } from './control-bind.ts';
import { ControlPortInUseError } from './errors.ts';

const failWith =
  (codes: Record<number, string>, tried: number[]): Listen =>
  async (_server, port) => {
    tried.push(port);
    const code = codes[port];
    if (code) throw Object.assign(new Error(`listen ${code} 127.0.0.1:${port}`), { code });
  };

describe('bindFirstFree', () => {
  it('moves past ports in use to the first free one', async () => {
    const tried: number[] = [];
    const server = await bindFirstFree(() => createServer(), [5050, 5060], {
      listen: failWith({ 5050: 'EADDRINUSE', 5051: 'EADDRINUSE' }, tried),
    });
    expect(tried).toEqual([5050, 5051, 5052]);
    server.close();
  });

  it('every port in use: ControlPortInUseError, with the last system error as its cause', async () => {
    const error = await bindFirstFree(() => createServer(), [5050, 5051], {
      listen: failWith({ 5050: 'EADDRINUSE', 5051: 'EADDRINUSE' }, []),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlPortInUseError);
    expect((error as Error).message).toMatch(/no free control port in 5050-5051/);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('EACCES is not "no free port": it stops at once and keeps its cause', async () => {
    const tried: number[] = [];
    const made: Server[] = [];
    const error = await bindFirstFree(
      () => {
        const s = createServer();
        made.push(s);
        return s;
      },
      [80, 90],
      { listen: failWith({ 80: 'EACCES' }, tried) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlPortBindError);
    expect(error).not.toBeInstanceOf(ControlPortInUseError);
    expect((error as ControlPortBindError).code).toBe('CONTROL_PORT_BIND_FAILED');
    expect((error as Error).message).toBe('could not bind the control API to 127.0.0.1:80 (EACCES)');
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('EACCES');
    expect(tried).toEqual([80]);
    expect(made.every((s) => !s.listening)).toBe(true);
  });
});
